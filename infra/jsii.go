package main

import (
	"bufio"
	"io"
	"os"
	"strings"

	"github.com/aws/jsii-runtime-go"
)

// lostReap is what jsii-runtime-go (v1.139.0, internal/kernel/process) prints when two of its
// goroutines wait for the same node child and the second finds it already reaped: node exited
// normally, nothing failed. It printed without a newline, so the CDK CLI's next line ran into it.
const lostReap = "Runtime process exited abnormally: waitid: no child processes"

// closeJSII ends the jsii runtime (the node process behind the CDK's Go bindings) with stderr
// passed through a filter that drops lostReap and nothing else. Output of the runtime after the
// filter is closed (only its lost-reap message can come that late) is discarded.
func closeJSII() {
	r, w, err := os.Pipe()
	if err != nil {
		jsii.Close()
		return
	}
	orig := os.Stderr
	os.Stderr = w
	done := make(chan struct{})
	go func() {
		defer close(done)
		dropLostReap(r, orig)
	}()
	jsii.Close()
	_ = w.Close()
	<-done
}

// dropLostReap copies in to out without the lostReap message.
func dropLostReap(in io.Reader, out io.Writer) {
	br := bufio.NewReader(in)
	for {
		line, err := br.ReadString('\n')
		rest := strings.Replace(line, lostReap, "", 1)
		if rest == "\n" && line != rest {
			rest = "" // the message was the whole line
		}
		if rest != "" {
			_, _ = io.WriteString(out, rest)
		}
		if err != nil {
			return
		}
	}
}

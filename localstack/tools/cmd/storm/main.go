// Command storm is `make storm BOXES=5000`: it builds the local stack, runs it as a child
// process on the DynamoDB (and RabbitMQ) that `localstack exec` provides, connects BOXES charge
// boxes at the same instant (the simulator retries with full-jitter exponential backoff),
// waits until every one is connected and booted, and checks the frame log and /summary against
// what the boxes did. It prints the report and with -doc (`make storm WRITE=1`) writes it into
// docs/scale.md. Exit status 1 when a check fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/load"
	"github.com/serverless-ocpp/csms/localstack/tools/mdsection"
	"github.com/serverless-ocpp/csms/localstack/tools/simulator"
	"github.com/serverless-ocpp/csms/localstack/tools/toolenv"
)

func main() {
	o := load.StormOptions{}
	var doc, stackLog string
	flag.IntVar(&o.Boxes, "boxes", 5000, "charge boxes connecting at once")
	flag.IntVar(&o.Connectors, "connectors", 2, "connectors per box")
	flag.DurationVar(&o.Deadline, "deadline", 10*time.Minute, "every box must be connected and booted within this")
	flag.DurationVar(&o.ReconnectCap, "reconnect-cap", 30*time.Second, "the boxes' backoff cap")
	flag.StringVar(&doc, "doc", "", "also write the result into this file's storm section, e.g. docs/scale.md (`make storm WRITE=1`)")
	flag.StringVar(&stackLog, "stack-log", filepath.Join(os.TempDir(), "storm-stack.log"), "the stack's log file")
	flag.Parse()
	// Go raises the soft RLIMIT_NOFILE to the hard limit at start (os, go.dev/issue/46279);
	// the boxes need one descriptor each here and the stack one each in its process.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(o.Boxes)+1024 {
		fail(fmt.Errorf("open-file limit %d is too low for %d boxes: raise the hard limit (ulimit -Hn) to at least %d", lim.Cur, o.Boxes, o.Boxes+1024))
	}
	cfg, err := toolenv.Config("storm", "run `make storm` (go run ./localstack exec -- go run ./localstack/tools/cmd/storm)")
	if err != nil {
		fail(err)
	}
	cfg.AutoRegister = true
	cfg.KnownVendorIDs = []string{simulator.VendorID}
	o.Config = cfg
	o.Progress = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bin := filepath.Join(os.TempDir(), "storm-localstack")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./localstack")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fail(fmt.Errorf("build the local stack: %w", err))
	}
	logFile, err := os.Create(stackLog)
	if err != nil {
		fail(err)
	}
	defer logFile.Close()
	o.StackBinary, o.StackLog = bin, logFile
	fmt.Fprintf(os.Stderr, "storm: %d boxes at once, tables %s*, stack log %s\n", o.Boxes, cfg.TablePrefix, stackLog)
	r, err := load.Storm(ctx, o)
	if err != nil {
		fail(err)
	}
	md := r.Markdown()
	fmt.Println(md)
	if doc != "" {
		if err := mdsection.Replace(doc, "storm", md); err != nil {
			fail(err)
		}
		fmt.Fprintf(os.Stderr, "wrote the storm section of %s\n", doc)
	}
	if err := r.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "storm check FAILED:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "storm check passed: every box connected and booted, no CALL missing from the frame log, /summary right")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "storm:", err)
	os.Exit(2)
}

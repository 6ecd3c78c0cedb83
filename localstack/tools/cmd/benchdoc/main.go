// Command benchdoc reads `go test -bench -benchmem` output on stdin, echoes it, and writes the
// results as a Markdown table, into the bench section of -doc when given (`make bench`; WRITE=1
// writes docs/performance.md).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/mdsection"
)

func main() {
	doc := flag.String("doc", "", "document whose bench section to update (empty: none; make bench WRITE=1 passes docs/performance.md)")
	flag.Parse()
	var rows []string
	cpu := ""
	pkg := ""
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		line := sc.Text()
		fmt.Println(line)
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "cpu: "):
			cpu = strings.TrimSpace(strings.TrimPrefix(line, "cpu: "))
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: github.com/serverless-ocpp/csms/")
		case strings.HasPrefix(line, "Benchmark") && len(f) >= 4:
			name := f[0]
			if i := strings.LastIndexByte(name, '-'); i > 0 {
				name = name[:i] // the GOMAXPROCS suffix
			}
			unit := map[string]string{}
			for i := 2; i+1 < len(f); i += 2 {
				unit[f[i+1]] = f[i]
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", pkg, name, f[1], unit["ns/op"], unit["B/op"], unit["allocs/op"]))
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "benchdoc:", err)
		os.Exit(1)
	}
	if len(rows) == 0 {
		fmt.Fprintln(os.Stderr, "benchdoc: no benchmark results on stdin")
		os.Exit(1)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s, %s, GOMAXPROCS %d (%s/%s).\n\n", time.Now().UTC().Format("2006-01-02"), cpu, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	b.WriteString("| package | benchmark | iterations | ns/op | B/op | allocs/op |\n|---|---|--:|--:|--:|--:|\n")
	b.WriteString(strings.Join(rows, "\n") + "\n")
	fmt.Print("\n" + b.String())
	if *doc != "" {
		if err := mdsection.Replace(*doc, "bench", b.String()); err != nil {
			fmt.Fprintln(os.Stderr, "benchdoc:", err)
			os.Exit(1)
		}
	}
}

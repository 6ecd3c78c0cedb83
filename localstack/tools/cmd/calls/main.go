// Command calls measures the AWS calls per OCPP action (events/ samples through the real
// handlers on DynamoDB Local with a counting client), prints them beside the budget of
// localstack/tools/budget/budget.json, and with -doc (make calls WRITE=1) writes the table into
// docs/performance.md. Run it with
// `go run ./localstack exec -- go run ./localstack/tools/cmd/calls`. Exit 1 when over budget.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/serverless-ocpp/csms/localstack/tools/budget"
	"github.com/serverless-ocpp/csms/localstack/tools/mdsection"
	"github.com/serverless-ocpp/csms/localstack/tools/toolenv"
)

func main() {
	var doc, jsonOut, budgetPath, eventsDir string
	flag.StringVar(&doc, "doc", "", "write the table into this file's calls section (empty: don't; make calls WRITE=1 passes docs/performance.md)")
	flag.StringVar(&jsonOut, "json", "", "also write the measured rows as JSON here")
	flag.StringVar(&budgetPath, "budget", "localstack/tools/budget/budget.json", "budget file")
	flag.StringVar(&eventsDir, "events", "events", "sample events folder")
	flag.Parse()
	cfg, err := toolenv.Config("calls", "run it under `go run ./localstack exec --`")
	if err != nil {
		fail(err)
	}
	rows, err := budget.Measure(context.Background(), cfg, eventsDir)
	if err != nil {
		fail(err)
	}
	b, err := budget.Load(budgetPath)
	if err != nil {
		fail(err)
	}
	md := budget.Markdown(rows, b)
	fmt.Print(md)
	if doc != "" {
		if err := mdsection.Replace(doc, "calls", md); err != nil {
			fail(err)
		}
	}
	if jsonOut != "" {
		data, _ := json.MarshalIndent(rows, "", "  ")
		if err := os.WriteFile(jsonOut, data, 0o644); err != nil {
			fail(err)
		}
	}
	if over := b.Check(rows); len(over) > 0 {
		for _, o := range over {
			fmt.Fprintln(os.Stderr, "over budget:", o)
		}
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "calls:", err)
	os.Exit(2)
}

// Command cost is `make cost`: it measures the AWS calls per OCPP action (localstack/tools/budget, on
// the DynamoDB Local that `localstack exec` provides), applies a usage profile and the prices of
// localstack/tools/cost/prices.json, prints the monthly cost per charge box itemized, and with
// -docs (make cost WRITE=1) writes it into docs/cost.md and docs/performance.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/budget"
	"github.com/serverless-ocpp/csms/localstack/tools/cost"
	"github.com/serverless-ocpp/csms/localstack/tools/mdsection"
	"github.com/serverless-ocpp/csms/localstack/tools/toolenv"
)

func main() {
	p := cost.Defaults()
	var prices, docs string
	var message, publisher int
	cost.UsageFlags(flag.CommandLine, &p, "charge boxes in the fleet (share the broker)")
	flag.IntVar(&p.LambdaMemoryMB, "memory", p.LambdaMemoryMB, "Lambda memory, MB")
	flag.IntVar(&message, "handler-ms", int(p.Durations["*"].Milliseconds()), "billed ms per WebSocket Lambda invocation")
	flag.IntVar(&publisher, "publisher-ms", int(p.Durations["publisher"].Milliseconds()), "billed ms per publisher invocation")
	flag.Float64Var(&p.PublisherBatch, "publisher-batch", p.PublisherBatch, "stream records per publisher invocation")
	flag.StringVar(&p.BrokerType, "broker", p.BrokerType, "Amazon MQ broker type (a key of prices.json)")
	flag.StringVar(&prices, "prices", "localstack/tools/cost/prices.json", "prices file")
	flag.StringVar(&docs, "docs", "", "documents whose cost section to update, comma-separated (empty: none; make cost WRITE=1 passes docs/cost.md,docs/performance.md)")
	flag.Parse()
	p.Durations["*"] = msec(message)
	p.Durations["publisher"] = msec(publisher)

	pr, err := cost.LoadPrices(prices)
	if err != nil {
		fail(err)
	}
	cfg, err := toolenv.Config("cost", "run `make cost` (under go run ./localstack exec --)")
	if err != nil {
		fail(err)
	}
	rows, err := budget.Measure(context.Background(), cfg, "events")
	if err != nil {
		fail(err)
	}
	e, err := cost.Compute(p, pr, rows)
	if err != nil {
		fail(err)
	}
	md := e.Markdown()
	fmt.Print(md)
	if docs != "" {
		for _, d := range strings.Split(docs, ",") {
			if err := mdsection.Replace(d, "cost", md); err != nil {
				fail(err)
			}
		}
	}
}

func msec(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cost:", err)
	os.Exit(2)
}

// Command capacity is `make capacity BOXES=…`: it measures the AWS calls per OCPP action
// (localstack/tools/budget, on the DynamoDB Local that `localstack exec` provides), reads the
// measured handler times from docs/performance.md, applies the usage profile (the flags of
// `make cost`) and prints, per limited resource, the load per second at the average and at the
// peak against its limit, flagging rows above half of it (localstack/tools/capacity). With
// -doc (`make capacity WRITE=1`) it writes the tables for 1,000 to 1,000,000 boxes into
// docs/scale.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/budget"
	"github.com/serverless-ocpp/csms/localstack/tools/capacity"
	"github.com/serverless-ocpp/csms/localstack/tools/cost"
	"github.com/serverless-ocpp/csms/localstack/tools/mdsection"
	"github.com/serverless-ocpp/csms/localstack/tools/toolenv"
	"github.com/serverless-ocpp/csms/shared/store"
)

func main() {
	p := cost.Defaults()
	var o capacity.Options
	var perf, doc string
	cost.UsageFlags(flag.CommandLine, &p, "charge boxes in the fleet")
	flag.Float64Var(&o.PeakFactor, "peak-factor", 3, "traffic at the daily peak, times the average")
	flag.DurationVar(&o.StormWindow, "storm", 10*time.Minute, "after a regional blip every box reconnects and boots within this (on top of the peak)")
	flag.IntVar(&o.CounterShards, "counter-shards", store.IDShards, "items the transaction id allocator spreads its writes over (blocks of store.IDBlockSize ids)")
	pubMsgs := flag.Float64("publisher-msgs", capacity.PublisherMsgsPerShard, "messages per second one publisher invocation sequence publishes (measured: make bench)")
	brokerMsgs := flag.Float64("broker-msgs", capacity.BrokerMsgsPerSecond, "persistent messages per second the broker confirms")
	flag.StringVar(&perf, "perf", "docs/performance.md", "the document holding the measured handler times (make bench WRITE=1)")
	flag.StringVar(&doc, "doc", "", "write the tables for 1,000 to 1,000,000 boxes into this file's capacity section (make capacity WRITE=1)")
	flag.Parse()

	cfg, err := toolenv.Config("capacity", "run `make capacity` (under go run ./localstack exec --)")
	if err != nil {
		fail(err)
	}
	rows, err := budget.Measure(context.Background(), cfg, "events")
	if err != nil {
		fail(err)
	}
	times, perCall, err := capacity.ReadHandlerTimes(perf, rows)
	if err != nil {
		fail(err)
	}
	m := capacity.Measured{
		Handler: times, PerCall: perCall,
		Source:          fmt.Sprintf("BenchmarkReceive per action from %s (DynamoDB Local; upper bounds), %s per DynamoDB call for the other steps", perf, perCall.Round(10*time.Microsecond)),
		PublisherMsgs:   *pubMsgs,
		PublisherSource: fmt.Sprintf("%.0f msgs/s per shard (BenchmarkPublishThroughput, docs/scale.md)", *pubMsgs),
		BrokerMsgs:      *brokerMsgs,
		BrokerSource:    fmt.Sprintf("%.0f msgs/s, the local 2-core RabbitMQ's measured floor", *brokerMsgs),
	}
	fleets := []int{p.Boxes}
	if doc != "" {
		fleets = []int{1000, 10_000, 100_000, 1_000_000}
	}
	var out []string
	for _, n := range fleets {
		o.Profile = p
		o.Profile.Boxes = n
		res, err := capacity.Model(o, rows, m, capacity.Default())
		if err != nil {
			fail(err)
		}
		md := capacity.Markdown(o, res, m)
		out = append(out, md)
		fmt.Println(md)
	}
	if doc != "" {
		if err := mdsection.Replace(doc, "capacity", strings.Join(out, "\n")); err != nil {
			fail(err)
		}
		fmt.Fprintf(os.Stderr, "wrote the capacity section of %s\n", doc)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "capacity:", err)
	os.Exit(2)
}

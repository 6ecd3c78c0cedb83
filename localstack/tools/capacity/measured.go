package capacity

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/budget"
)

// PublisherMsgsPerShard is what one publisher invocation sequence published per second against
// the local RabbitMQ after confirms became one round per batch: the lowest median of
// BenchmarkPublishThroughput (boxes=1, 10, 100; `make bench`, shared/publish; docs/scale.md,
// "Publishing throughput"), a shared 2-core machine.
const PublisherMsgsPerShard = 3000

// BrokerMsgsPerSecond stands for the broker's capacity: the same measurement, one publisher on
// a 2-core RabbitMQ, which a 2-vCPU mq.m7g.large matches in size. AWS publishes no message
// rate per instance type (its sizing guide lists connections, channels and queues and asks
// to test): a floor, not a ceiling.
const BrokerMsgsPerSecond = PublisherMsgsPerShard

// ReadHandlerTimes reads the handler time per action from the benchmark table `make bench
// WRITE=1` keeps in docs/performance.md (BenchmarkReceive: csms.Service.Receive on DynamoDB
// Local, the whole message handler), and derives the time per DynamoDB call from Heartbeat's
// (one call, rows has its count). DynamoDB Local is slower than DynamoDB, so these are upper
// bounds of the handler time on AWS.
func ReadHandlerTimes(path string, rows []budget.Row) (map[string]time.Duration, time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("handler times: %w", err)
	}
	defer f.Close()
	times := map[string]time.Duration{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "|")
		if len(cells) < 5 || strings.TrimSpace(cells[1]) != "shared/csms" {
			continue
		}
		action, ok := strings.CutPrefix(strings.TrimSpace(cells[2]), "BenchmarkReceive/")
		if !ok {
			continue
		}
		ns, err := strconv.ParseFloat(strings.TrimSpace(cells[4]), 64)
		if err != nil {
			return nil, 0, fmt.Errorf("handler times: %s: ns/op %q", action, cells[4])
		}
		times[action] = time.Duration(ns)
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("handler times: %w", err)
	}
	hb, ok := times["Heartbeat"]
	if !ok {
		return nil, 0, fmt.Errorf("handler times: no BenchmarkReceive/Heartbeat row in %s (run make bench WRITE=1)", path)
	}
	calls := 1
	for _, r := range rows {
		if r.Name == "Heartbeat" && r.DynamoDB() > 0 {
			calls = r.DynamoDB()
		}
	}
	return times, hb / time.Duration(calls), nil
}

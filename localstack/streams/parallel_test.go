package streams_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/localstack/streams"
)

// lanes is a handler that records, per item, the version numbers it was handed, fails one
// version once, and holds the first invocations until two run at once.
type lanes struct {
	mu       sync.Mutex
	byItem   map[string][]int
	failOnce map[string]bool
	inFlight int
	overlap  chan struct{} // closed when two invocations ran at once
}

func (l *lanes) handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	l.mu.Lock()
	l.inFlight++
	if l.inFlight >= 2 {
		select {
		case <-l.overlap:
		default:
			close(l.overlap)
		}
	}
	l.mu.Unlock()
	// Hold this invocation until another one runs beside it (or give up after a while: the
	// test then fails on the overlap check, not here).
	select {
	case <-l.overlap:
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	var resp events.DynamoDBEventResponse
	for i, rec := range ev.Records {
		item := rec.Change.Keys["chargeBoxId"].String()
		var n int
		_, _ = fmt.Sscan(rec.Change.NewImage["n"].Number(), &n)
		key := fmt.Sprintf("%s#%d", item, n)
		if l.failOnce[key] {
			delete(l.failOnce, key)
			for _, r := range ev.Records[i:] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			}
			return resp, nil
		}
		l.byItem[item] = append(l.byItem[item], n)
	}
	return resp, nil
}

// With a parallelization factor above 1 the reader invokes batches of one shard concurrently,
// and every item's records still arrive in stream order, retries included.
func TestParallelizationKeepsOrderPerItem(t *testing.T) {
	f := newFixture(t)
	const items, versions = 8, 5
	for v := range versions {
		for i := range items {
			_, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: map[string]ddbtypes.AttributeValue{
				"chargeBoxId": &ddbtypes.AttributeValueMemberS{Value: fmt.Sprintf("CB-%d", i)},
				"seq":         &ddbtypes.AttributeValueMemberS{Value: "000000"},
				"n":           &ddbtypes.AttributeValueMemberN{Value: fmt.Sprint(v)},
			}})
			if err != nil {
				t.Fatalf("put: %v", err)
			}
		}
	}
	l := &lanes{byItem: map[string][]int{}, failOnce: map[string]bool{"CB-3#2": true}, overlap: make(chan struct{})}
	f.runWith(t, l.handle, func(o *streams.Options) {
		o.BatchSize = 100
		o.Parallelization = func(string) int { return 4 }
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		l.mu.Lock()
		done := len(l.byItem) == items
		for _, ns := range l.byItem {
			done = done && len(ns) >= versions
		}
		l.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not every record was delivered: %v", l.byItem)
		}
		time.Sleep(20 * time.Millisecond) // polling: the reader has nothing to block on
	}
	select {
	case <-l.overlap:
	default:
		t.Error("no two invocations ran at once with a parallelization factor of 4")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for item, ns := range l.byItem {
		for k, n := range ns {
			if n != k {
				t.Fatalf("item %s got versions %v, want 0..%d in order", item, ns, versions-1)
			}
		}
	}
}

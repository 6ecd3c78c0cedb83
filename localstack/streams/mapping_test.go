package streams_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/localstack/streams"
	"github.com/serverless-ocpp/csms/shared/failures"
)

// poisoned is a handler whose invocation fails (a function error) whenever its batch holds the
// poison record; it records every invocation's size and the records of successful ones.
type poisoned struct {
	mu      sync.Mutex
	poison  string
	sizes   []int
	handled []string
}

func (p *poisoned) handle(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sizes = append(p.sizes, len(ev.Records))
	var ids []string
	for _, rec := range ev.Records {
		id := rec.Change.Keys["chargeBoxId"].String() + "/" + rec.Change.Keys["seq"].String()
		if id == p.poison {
			return events.DynamoDBEventResponse{}, errors.New("poison record")
		}
		ids = append(ids, id)
	}
	p.handled = append(p.handled, ids...)
	return events.DynamoDBEventResponse{}, nil
}

func (p *poisoned) snapshot() ([]string, []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.handled...), append([]int(nil), p.sizes...)
}

// A record that fails every invocation is isolated by bisection, retried until it is older than
// the maximum record age, then written alone to the failure store in Lambda's S3 layout; the
// records after it are delivered, in order, and nothing else is given up.
func TestRunBisectsAndGivesUpTooOldRecordsToTheFailureStore(t *testing.T) {
	f := newFixture(t)
	for i := range 10 {
		f.put(t, "CB-P", i)
	}
	p := &poisoned{poison: "CB-P/000005"}
	dir := failures.Dir(filepath.Join(t.TempDir(), "failures"))
	f.runWith(t, p.handle, func(o *streams.Options) {
		o.Bisect, o.MaxRecordAge, o.FailureStore = true, 3*time.Second, dir
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if handled, _ := p.snapshot(); len(handled) >= 9 {
			break
		}
		if time.Now().After(deadline) {
			handled, sizes := p.snapshot()
			t.Fatalf("handled %v (invocation sizes %v)", handled, sizes)
		}
		time.Sleep(20 * time.Millisecond) // polling: the reader has nothing to block on
	}
	handled, sizes := p.snapshot()
	var want []string
	for i := range 10 {
		if i != 5 {
			want = append(want, fmt.Sprintf("CB-P/%06d", i))
		}
	}
	if strings.Join(handled, " ") != strings.Join(want, " ") {
		t.Errorf("handled %v, want %v", handled, want)
	}
	if !containsInt(sizes, 1) {
		t.Errorf("invocation sizes %v: the batch was never bisected down to the poison record", sizes)
	}
	keys, err := dir.List()
	if err != nil || len(keys) != 1 {
		t.Fatalf("failure store %v, %v: want one object", keys, err)
	}
	if !strings.HasPrefix(keys[0], "aws/lambda/local-"+f.table+"/") {
		t.Errorf("key %s", keys[0])
	}
	body, err := os.ReadFile(filepath.Join(string(dir), filepath.FromSlash(keys[0])))
	if err != nil {
		t.Fatal(err)
	}
	var rec failures.Record
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal([]byte(rec.Payload), &ev); err != nil {
		t.Fatal(err)
	}
	if rec.RequestContext.Condition != failures.RecordAgeExceeded || rec.ResponseContext.FunctionError != "Unhandled" ||
		rec.BatchInfo.BatchSize != 1 || len(ev.Records) != 1 || ev.Records[0].Change.Keys["seq"].String() != "000005" ||
		!strings.Contains(keys[0], "/"+rec.BatchInfo.ShardID+"/") {
		t.Errorf("failure object %s: %s", keys[0], body)
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Records the filter refuses never reach the handler, and the reader goes past them.
func TestRunAppliesTheFilterCriteria(t *testing.T) {
	f := newFixture(t)
	for i := range 7 {
		f.put(t, "CB-F", i)
	}
	r := &recorder{}
	var tables sync.Map
	f.runWith(t, r.handle, func(o *streams.Options) {
		o.Filter = func(table string, rec events.DynamoDBEventRecord) bool {
			tables.Store(table, true)
			n, _ := strconv.Atoi(rec.Change.NewImage["n"].Number())
			return n%2 == 0
		}
	})
	seen := r.waitSeen(t, 4)
	if strings.Join(seen, " ") != "CB-F/000000 CB-F/000002 CB-F/000004 CB-F/000006" {
		t.Errorf("handler saw %v, want the even records once each", seen)
	}
	if _, ok := tables.Load(f.table); !ok {
		t.Errorf("filter not called with the table name %s", f.table)
	}
	f.put(t, "CB-F", 8)
	if seen := r.waitSeen(t, 5); seen[4] != "CB-F/000008" || len(seen) != 5 {
		t.Errorf("after a new record the handler saw %v", seen)
	}
}

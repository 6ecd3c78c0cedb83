package streams_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/serverless-ocpp/csms/localstack/streams"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// fixture is a fresh streamed table on DynamoDB Local with a reader running on it.
type fixture struct {
	db      *dynamodb.Client
	streams streams.API
	table   string
	log     *slog.Logger // the reader's logger; nil discards
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cfg := storetest.Config(t)
	db := storetest.Client(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in := store.CreateTableInput(tables.Messages, cfg.TablePrefix)
	if _, err := db.CreateTable(ctx, in); err != nil {
		t.Fatalf("create table: %v", err)
	}
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc := dynamodbstreams.NewFromConfig(awsCfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(cfg.DynamoDBEndpoint) })
	return &fixture{db: db, streams: sc, table: *in.TableName}
}

// run starts a reader on the table's stream, stopped when the test ends.
func (f *fixture) run(t *testing.T, handler streams.Handler) {
	t.Helper()
	f.runWith(t, handler, nil)
}

// runWith is run with options set by set.
func (f *fixture) runWith(t *testing.T, handler streams.Handler, set func(*streams.Options)) {
	t.Helper()
	opts := streams.Options{
		BatchSize: 10, PollInterval: 20 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Region: "local",
		Logger: f.log,
	}
	if set != nil {
		set(&opts)
	}
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- streams.Run(runCtx, f.streams, []string{f.table}, handler, opts)
	}()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
}

func (f *fixture) put(t *testing.T, box string, n int) {
	t.Helper()
	_, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: map[string]ddbtypes.AttributeValue{
		"chargeBoxId": &ddbtypes.AttributeValueMemberS{Value: box},
		"seq":         &ddbtypes.AttributeValueMemberS{Value: fmt.Sprintf("%06d", n)},
		"n":           &ddbtypes.AttributeValueMemberN{Value: fmt.Sprint(n)},
		"frames": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{
			&ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{"raw": &ddbtypes.AttributeValueMemberS{Value: "[2]"}}},
		}},
	}})
	if err != nil {
		t.Fatalf("put: %v", err)
	}
}

// recorder collects the records handed to the handler and fails chosen ones once.
type recorder struct {
	mu       sync.Mutex
	seen     []string // "box/seq" of every record delivered, retries included
	failOnce map[string]bool
	errOnce  bool
	calls    int
}

func (r *recorder) handle(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.errOnce {
		r.errOnce = false
		return events.DynamoDBEventResponse{}, errors.New("invocation failed")
	}
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		id := rec.Change.Keys["chargeBoxId"].String() + "/" + rec.Change.Keys["seq"].String()
		r.seen = append(r.seen, id)
		if r.failOnce[id] {
			delete(r.failOnce, id)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return resp, nil
}

func (r *recorder) waitSeen(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r.mu.Lock()
		seen := append([]string(nil), r.seen...)
		r.mu.Unlock()
		if len(seen) >= n {
			return seen
		}
		if time.Now().After(deadline) {
			t.Fatalf("handler saw %d records, want %d: %v", len(seen), n, seen)
		}
		time.Sleep(10 * time.Millisecond) // polling a stream reader has nothing to block on
	}
}

func TestRunDeliversEveryRecordInOrderAsLambdaWould(t *testing.T) {
	var mu sync.Mutex
	var got []events.DynamoDBEventRecord
	f := newFixture(t)
	f.run(t, func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		if len(ev.Records) > 10 {
			t.Errorf("batch of %d records, batch size is 10", len(ev.Records))
		}
		mu.Lock()
		got = append(got, ev.Records...)
		mu.Unlock()
		return events.DynamoDBEventResponse{}, nil
	})
	const n = 25
	for i := range n {
		f.put(t, "CB-A", i)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		count := len(got)
		mu.Unlock()
		if count >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d records, want %d", count, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != n {
		t.Fatalf("got %d records, want exactly %d", len(got), n)
	}
	for i, rec := range got {
		if rec.EventName != "INSERT" || rec.EventSource != "aws:dynamodb" || rec.AWSRegion == "" || rec.EventID == "" || rec.EventSourceArn == "" {
			t.Fatalf("record %d envelope: %+v", i, rec)
		}
		c := rec.Change
		if c.SequenceNumber == "" || c.StreamViewType != "NEW_AND_OLD_IMAGES" || c.ApproximateCreationDateTime.IsZero() || c.SizeBytes == 0 {
			t.Fatalf("record %d stream fields: %+v", i, c)
		}
		if v, _ := c.NewImage["n"].Int64(); v != int64(i) {
			t.Fatalf("record %d carries n=%d: out of order", i, v)
		}
		if raw := c.NewImage["frames"].List()[0].Map()["raw"].String(); raw != "[2]" {
			t.Fatalf("record %d nested list/map: %q", i, raw)
		}
		if c.OldImage != nil {
			t.Fatalf("record %d: an INSERT has no old image", i)
		}
	}
}

func TestRunRetriesFromTheFirstFailedRecord(t *testing.T) {
	r := &recorder{failOnce: map[string]bool{"CB-A/000003": true, "CB-A/000007": true}}
	f := newFixture(t)
	for i := range 10 {
		f.put(t, "CB-A", i)
	}
	f.run(t, r.handle)
	// Records 3 and 7 fail once each; the last record is delivered at least twice, since
	// everything from a failed record on is delivered again.
	var seen []string
	deadline := time.Now().Add(20 * time.Second)
	for {
		seen = r.waitSeen(t, 1)
		if count(seen, "CB-A/000009") >= 2 && count(seen, "CB-A/000007") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("failed records were not retried: %v", seen)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := 1; i < len(seen); i++ {
		prev, cur := num(t, seen[i-1]), num(t, seen[i])
		// Either the next record, or a retry that starts at a record that failed.
		if cur != prev+1 && !(cur < prev && (cur == 3 || cur == 7)) {
			t.Fatalf("delivery %d jumps from %d to %d: %v", i, prev, cur, seen)
		}
	}
	for _, id := range []string{"CB-A/000000", "CB-A/000001", "CB-A/000002"} {
		if c := count(seen, id); c != 1 {
			t.Fatalf("%s, before the first failure, delivered %d times: %v", id, c, seen)
		}
	}
	if count(seen, "CB-A/000003") != 2 {
		t.Fatalf("record 3 failed once: want it delivered twice: %v", seen)
	}
}

func count(ids []string, id string) int {
	n := 0
	for _, s := range ids {
		if s == id {
			n++
		}
	}
	return n
}

func num(t *testing.T, id string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(id, "CB-A/%d", &n); err != nil {
		t.Fatalf("record id %q: %v", id, err)
	}
	return n
}

func TestRunRetriesTheWholeBatchWhenTheHandlerFails(t *testing.T) {
	r := &recorder{errOnce: true}
	f := newFixture(t)
	for i := range 3 {
		f.put(t, "CB-B", i)
	}
	f.run(t, r.handle)
	seen := r.waitSeen(t, 3)
	for i, id := range seen[:3] {
		if id != fmt.Sprintf("CB-B/%06d", i) {
			t.Fatalf("seen %v", seen)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls < 2 {
		t.Fatalf("handler called %d times: the failed invocation was not retried", r.calls)
	}
}

func TestEventConvertsEveryAttributeType(t *testing.T) {
	at := time.Unix(1700000000, 0)
	ev := streams.Event([]types.Record{{
		EventID: aws.String("e1"), EventName: types.OperationTypeModify, EventVersion: aws.String("1.1"),
		UserIdentity: &types.Identity{Type: aws.String("Service"), PrincipalId: aws.String("dynamodb.amazonaws.com")},
		Dynamodb: &types.StreamRecord{
			ApproximateCreationDateTime: &at, SequenceNumber: aws.String("100"), SizeBytes: aws.Int64(42), StreamViewType: types.StreamViewTypeNewAndOldImages,
			Keys: map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: "v"}},
			NewImage: map[string]types.AttributeValue{
				"s": &types.AttributeValueMemberS{Value: "x"}, "n": &types.AttributeValueMemberN{Value: "1.5"},
				"b": &types.AttributeValueMemberB{Value: []byte{1}}, "bool": &types.AttributeValueMemberBOOL{Value: true},
				"ss": &types.AttributeValueMemberSS{Value: []string{"a"}}, "ns": &types.AttributeValueMemberNS{Value: []string{"2"}},
				"bs": &types.AttributeValueMemberBS{Value: [][]byte{{3}}}, "null": &types.AttributeValueMemberNULL{Value: true},
				"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberN{Value: "7"}}},
				"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"in": &types.AttributeValueMemberS{Value: "y"}}},
			},
			OldImage: map[string]types.AttributeValue{"s": &types.AttributeValueMemberS{Value: "old"}},
		},
	}}, "arn:stream", "eu-west-1")
	rec := ev.Records[0]
	img := rec.Change.NewImage
	checks := []struct {
		name string
		ok   bool
	}{
		{"envelope", rec.EventID == "e1" && rec.EventName == "MODIFY" && rec.EventSource == "aws:dynamodb" && rec.AWSRegion == "eu-west-1" && rec.EventSourceArn == "arn:stream" && rec.EventVersion == "1.1"},
		{"identity", rec.UserIdentity != nil && rec.UserIdentity.Type == "Service"},
		{"stream record", rec.Change.SequenceNumber == "100" && rec.Change.SizeBytes == 42 && rec.Change.StreamViewType == "NEW_AND_OLD_IMAGES" && rec.Change.ApproximateCreationDateTime.Equal(at)},
		{"keys", rec.Change.Keys["k"].String() == "v"},
		{"S", img["s"].String() == "x"},
		{"N", img["n"].Number() == "1.5"},
		{"B", img["b"].Binary()[0] == 1},
		{"BOOL", img["bool"].Boolean()},
		{"SS", img["ss"].StringSet()[0] == "a"},
		{"NS", img["ns"].NumberSet()[0] == "2"},
		{"BS", img["bs"].BinarySet()[0][0] == 3},
		{"NULL", img["null"].IsNull()},
		{"L", img["l"].List()[0].Number() == "7"},
		{"M", img["m"].Map()["in"].String() == "y"},
		{"old image", rec.Change.OldImage["s"].String() == "old"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s not converted: %+v", c.name, rec)
		}
	}
}

// lockedBuffer is a log destination the reader's goroutines and the test share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRunWarnsOnlyWhenRecordsMayBeLost: DynamoDB Local may answer TrimmedDataAccessException
// to the first read after the first write to a fresh stream (make local printed it for every
// table). When nothing has been read from the shard yet, starting again at the trim horizon
// loses nothing and is not worth a warning; after a checkpoint, records may be gone: warn.
func TestRunWarnsOnlyWhenRecordsMayBeLost(t *testing.T) {
	for _, afterRecords := range []bool{false, true} {
		t.Run(fmt.Sprintf("after records read %v", afterRecords), func(t *testing.T) {
			f := newFixture(t)
			var logs lockedBuffer
			f.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
			trim := &trimOnce{API: f.streams, afterRecords: afterRecords}
			f.streams = trim
			rec := &recorder{}
			f.run(t, rec.handle)
			for i := range 3 {
				f.put(t, "CP1", i)
			}
			seen := rec.waitSeen(t, 3)
			for _, id := range []string{"CP1/000000", "CP1/000001", "CP1/000002"} {
				if count(seen, id) == 0 {
					t.Errorf("%s never delivered: %v", id, seen)
				}
			}
			warned := strings.Contains(logs.String(), "records trimmed")
			if !trim.done() {
				t.Fatal("no TrimmedDataAccessException was injected")
			}
			if warned != afterRecords {
				t.Errorf("warned %v, want %v; logs:\n%s", warned, afterRecords, logs.String())
			}
		})
	}
}

// trimOnce answers one GetRecords with TrimmedDataAccessException, as DynamoDB Local does:
// the first read that would return records (afterRecords false) or the first read after
// records were returned (true).
type trimOnce struct {
	streams.API
	afterRecords bool
	mu           sync.Mutex
	returned     bool
	injected     bool
}

func (p *trimOnce) GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	trimmed := &types.TrimmedDataAccessException{Message: aws.String("injected by the test")}
	if p.afterRecords && p.returned && !p.injected {
		p.injected = true
		return nil, trimmed
	}
	out, err := p.API.GetRecords(ctx, in, opts...)
	if err != nil || len(out.Records) == 0 {
		return out, err
	}
	if !p.afterRecords && !p.injected {
		p.injected = true
		return nil, trimmed
	}
	p.returned = true
	return out, nil
}

func (p *trimOnce) done() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.injected
}

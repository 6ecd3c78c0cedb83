// Package replay republishes, for a time window and optionally one charge box, what the
// publisher publishes: frame-log rows (frames and connection events) and finished sessions,
// read from their tables, plus the records kept in the failure store. It hands them to the
// publisher's handler as the stream records they were, so every message is built the same way
// and carries the same deterministic message_id: a consumer that drops ids it has seen gets
// each message once. The frame log's retention (MESSAGE_RETENTION) is the replay horizon.
//
// A replay runs in bounded steps (Step): each reads one page of a table or of the failure store
// and returns a token for the next, so the publisher Lambda can replay a long window over
// repeated direct invocations, each well within its timeout (shared/publish, Entry). Run drives
// the steps in one process.
package replay

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/failures"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/streamimage"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// Handler is the publisher's stream handler (publish.Handler).
type Handler = func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Window selects what to republish: frames and connection events that occurred, and sessions
// that stopped, in [From, To); only Box's when Box is set.
type Window struct {
	From, To time.Time
	Box      string
}

// Source is where the records come from.
type Source struct {
	Store *store.Store
	// Failures, when set, is the failure store whose records are replayed too (a folder
	// locally, the S3 bucket on AWS).
	Failures failures.Reader
}

// batchSize is the records per handler call, as the event source mapping's batch.
const batchSize = 100

// Run republishes the window in one process, step after step, and returns how many records it
// handed to the handler. Records the handler reports as failed are an error: run it again once
// the broker is back.
func Run(ctx context.Context, src Source, w Window, handler Handler) (int, error) {
	req := Request{From: w.From.Format(time.RFC3339Nano), To: w.To.Format(time.RFC3339Nano), ChargeBoxID: w.Box, IncludeFailures: src.Failures != nil}
	total := 0
	for {
		res, err := Step(ctx, src, req, handler)
		total += res.Replayed
		if err != nil {
			return total, err
		}
		if res.Next == "" {
			return total, nil
		}
		req.Next = res.Next
	}
}

// publish hands recs to the handler in the mapping's batch size, in order: frames of a box by
// their row key, sessions by their stop time.
func publish(ctx context.Context, recs []events.DynamoDBEventRecord, handler Handler) error {
	sort.SliceStable(recs, func(i, j int) bool { return order(recs[i]) < order(recs[j]) })
	for i := range recs {
		recs[i].Change.SequenceNumber = fmt.Sprintf("%021d", i+1)
	}
	failed := 0
	for start := 0; start < len(recs); start += batchSize {
		batch := recs[start:min(start+batchSize, len(recs))]
		resp, err := handler(ctx, events.DynamoDBEvent{Records: batch})
		if err != nil {
			return fmt.Errorf("replay batch at record %d: %w", start, err)
		}
		failed += len(resp.BatchItemFailures)
	}
	if failed > 0 {
		return fmt.Errorf("replay: %d of %d records failed (see the log); run the step again", failed, len(recs))
	}
	return nil
}

// order sorts frames of a box by their row key (the order they were logged) and sessions by
// their stop time; boxes and tables are independent queues in the handler.
func order(r events.DynamoDBEventRecord) string {
	img := r.Change.NewImage
	if _, ok := r.Change.Keys["seq"]; ok {
		return "f|" + str(img, "chargeBoxId") + "|" + str(img, "seq")
	}
	return "s|" + str(img, "chargeBoxId") + "|" + str(img, "stoppedAt")
}

func str(img map[string]events.DynamoDBAttributeValue, k string) string {
	v, ok := img[k]
	if !ok || v.DataType() != events.DataTypeString {
		return ""
	}
	return v.String()
}

// in reports whether a record belongs to the window: a frame-log insert by occurredAt, a
// finished session by stoppedAt.
func (w Window) in(r events.DynamoDBEventRecord) bool {
	img := r.Change.NewImage
	if w.Box != "" && str(img, "chargeBoxId") != w.Box {
		return false
	}
	field := "occurredAt"
	if _, ok := r.Change.Keys["transactionId"]; ok {
		if str(img, "status") != store.SessionFinished {
			return false
		}
		field = "stoppedAt"
	}
	at, err := time.Parse(time.RFC3339Nano, str(img, field))
	if err != nil {
		return false
	}
	return !at.Before(w.From) && at.Before(w.To)
}

// rows turns a page of t's items into the stream records that published them, keeping those
// in the window.
func rows(t tables.Table, items []map[string]types.AttributeValue, w Window) []events.DynamoDBEventRecord {
	var out []events.DynamoDBEventRecord
	for _, item := range items {
		if rec := asRecord(t, item); w.in(rec) {
			out = append(out, rec)
		}
	}
	return out
}

func asRecord(t tables.Table, item map[string]types.AttributeValue) events.DynamoDBEventRecord {
	img := streamimage.FromItem(item)
	rec := events.DynamoDBEventRecord{EventName: "INSERT", EventSource: "aws:dynamodb", EventID: "replay"}
	keys := []string{"chargeBoxId", "seq"}
	if t.Name == tables.Sessions.Name {
		rec.EventName, keys = "MODIFY", []string{"transactionId"}
	}
	rec.Change = events.DynamoDBStreamRecord{NewImage: img, Keys: map[string]events.DynamoDBAttributeValue{}, StreamViewType: "NEW_AND_OLD_IMAGES"}
	for _, k := range keys {
		rec.Change.Keys[k] = img[k]
	}
	return rec
}

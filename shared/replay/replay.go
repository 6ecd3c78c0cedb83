// Package replay republishes, for a time window and optionally one charge box, what the
// publisher publishes: frame-log rows (frames and connection events) and finished sessions,
// read from their tables, plus the records kept in a local failure store. It hands them to the
// publisher's handler as the stream records they were, so every message is built the same way
// and carries the same deterministic message_id: a consumer that drops ids it has seen gets
// each message once. The frame log's retention (MESSAGE_RETENTION) is the replay horizon.
package replay

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
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
	DB     *dynamodb.Client
	Prefix string // table prefix
	// Failures, when set, is a local failure store whose records are replayed too.
	Failures failures.Dir
}

// batchSize is the records per handler call, as the event source mapping's batch.
const batchSize = 100

// Run republishes the window and returns how many records it handed to the handler. Records
// the handler reports as failed are an error: run it again once the broker is back.
func Run(ctx context.Context, src Source, w Window, handler Handler) (int, error) {
	frames, err := scan(ctx, src, tables.Messages, w)
	if err != nil {
		return 0, err
	}
	sessions, err := scan(ctx, src, tables.Sessions, w)
	if err != nil {
		return 0, err
	}
	stored, err := fromFailureStore(src.Failures, w)
	if err != nil {
		return 0, err
	}
	recs := append(append(frames, sessions...), stored...)
	sort.SliceStable(recs, func(i, j int) bool { return order(recs[i]) < order(recs[j]) })
	for i := range recs {
		recs[i].Change.SequenceNumber = fmt.Sprintf("%021d", i+1)
	}
	failed := 0
	for start := 0; start < len(recs); start += batchSize {
		batch := recs[start:min(start+batchSize, len(recs))]
		resp, err := handler(ctx, events.DynamoDBEvent{Records: batch})
		if err != nil {
			return start, fmt.Errorf("replay batch at record %d: %w", start, err)
		}
		failed += len(resp.BatchItemFailures)
	}
	if failed > 0 {
		return len(recs), fmt.Errorf("replay: %d of %d records failed (see the log); run it again", failed, len(recs))
	}
	return len(recs), nil
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

// scan reads a table and returns its rows in the window as the stream records that published
// them: a frame-log INSERT, a session's MODIFY to finished.
func scan(ctx context.Context, src Source, t tables.Table, w Window) ([]events.DynamoDBEventRecord, error) {
	in := &dynamodb.ScanInput{TableName: aws.String(t.FullName(src.Prefix))}
	var out []events.DynamoDBEventRecord
	for {
		page, err := src.DB.Scan(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", t.Name, err)
		}
		for _, item := range page.Items {
			if rec := asRecord(t, item); w.in(rec) {
				out = append(out, rec)
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
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

// fromFailureStore returns the records of every object in a local failure store that fall in
// the window.
func fromFailureStore(dir failures.Dir, w Window) ([]events.DynamoDBEventRecord, error) {
	if dir == "" {
		return nil, nil
	}
	keys, err := dir.List()
	if err != nil {
		return nil, err
	}
	var out []events.DynamoDBEventRecord
	for _, key := range keys {
		body, err := os.ReadFile(filepath.Join(string(dir), filepath.FromSlash(key)))
		if err != nil {
			return nil, fmt.Errorf("failure store object %s: %w", key, err)
		}
		var obj failures.Record
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, fmt.Errorf("failure store object %s: %w", key, err)
		}
		if err := json.Unmarshal([]byte(obj.Payload), &ev); err != nil {
			return nil, fmt.Errorf("failure store object %s payload: %w", key, err)
		}
		for _, rec := range ev.Records {
			if w.in(rec) {
				out = append(out, rec)
			}
		}
	}
	return out, nil
}

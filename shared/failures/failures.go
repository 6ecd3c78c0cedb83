// Package failures is the failure store: where stream records that will never be published go,
// whole, so that nothing is lost and they can be replayed. Two writers share one layout:
//
//   - the event source mapping (Lambda on AWS, localstack/streams locally) writes the invocation
//     record of a batch it gave up on (retries exhausted or records too old), under
//     aws/lambda/<mapping id>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<id>;
//   - the publisher (shared/publish) writes a record that can never become a valid message (a
//     permanent failure) at once, in the same envelope, under
//     publisher/<table>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<event id>.
//
// On AWS the store is the S3 bucket of the publisher's on-failure destination (s3store); locally
// it is a folder (Dir) holding the same keys as files. docs/messages.md describes the objects.
package failures

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Store keeps failure objects under a key.
type Store interface {
	Put(ctx context.Context, key string, body []byte) error
}

// Conditions of an invocation record: why the records were given up.
const (
	// RetryAttemptsExhausted and RecordAgeExceeded are Lambda's conditions for a batch the
	// mapping gave up on.
	RetryAttemptsExhausted = "RetryAttemptsExhausted"
	RecordAgeExceeded      = "RecordAgeExceeded"
	// PermanentFailure is the publisher's: the record can never become a valid message.
	PermanentFailure = "PermanentFailure"
)

// Record is the invocation record Lambda writes to an S3 on-failure destination of a DynamoDB
// stream mapping (AWS Lambda Developer Guide, "Retaining discarded records for a DynamoDB event
// source"). Payload is the whole event (events.DynamoDBEvent) as JSON text.
type Record struct {
	RequestContext  RequestContext  `json:"requestContext"`
	ResponseContext ResponseContext `json:"responseContext"`
	Version         string          `json:"version"`
	Timestamp       string          `json:"timestamp"`
	BatchInfo       BatchInfo       `json:"DDBStreamBatchInfo"`
	Payload         string          `json:"payload"`
}

// RequestContext says which function gave the records up and why.
type RequestContext struct {
	RequestID              string `json:"requestId"`
	FunctionARN            string `json:"functionArn"`
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

// ResponseContext is the last invocation's outcome.
type ResponseContext struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	FunctionError   string `json:"functionError,omitempty"`
}

// BatchInfo locates the records in their stream.
type BatchInfo struct {
	ShardID                         string `json:"shardId"`
	StartSequenceNumber             string `json:"startSequenceNumber"`
	EndSequenceNumber               string `json:"endSequenceNumber"`
	ApproximateArrivalOfFirstRecord string `json:"approximateArrivalOfFirstRecord,omitempty"`
	ApproximateArrivalOfLastRecord  string `json:"approximateArrivalOfLastRecord,omitempty"`
	BatchSize                       int    `json:"batchSize"`
	StreamARN                       string `json:"streamArn"`
}

// Failure describes records given up: the event holding them (non-empty) and why.
type Failure struct {
	Event       events.DynamoDBEvent
	Condition   string
	ShardID     string // unknown to the publisher
	FunctionARN string
	RequestID   string
	Invocations int
	// FunctionError is the last invocation's error type ("Unhandled"), empty when it reported
	// batch item failures.
	FunctionError string
	At            time.Time
}

// Encode renders the failure as an invocation record.
func (f Failure) Encode() ([]byte, error) {
	recs := f.Event.Records
	if len(recs) == 0 {
		return nil, fmt.Errorf("failure record without stream records")
	}
	payload, err := json.Marshal(f.Event)
	if err != nil {
		return nil, fmt.Errorf("encode failed event: %w", err)
	}
	first, last := recs[0], recs[len(recs)-1]
	rec := Record{
		RequestContext:  RequestContext{RequestID: f.RequestID, FunctionARN: f.FunctionARN, Condition: f.Condition, ApproximateInvokeCount: f.Invocations},
		ResponseContext: ResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST", FunctionError: f.FunctionError},
		Version:         "1.0",
		Timestamp:       f.At.UTC().Format("2006-01-02T15:04:05.000Z"),
		BatchInfo: BatchInfo{
			ShardID:                         f.ShardID,
			StartSequenceNumber:             first.Change.SequenceNumber,
			EndSequenceNumber:               last.Change.SequenceNumber,
			ApproximateArrivalOfFirstRecord: arrival(first),
			ApproximateArrivalOfLastRecord:  arrival(last),
			BatchSize:                       len(recs),
			StreamARN:                       first.EventSourceArn,
		},
		Payload: string(payload),
	}
	body, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode failure record: %w", err)
	}
	return body, nil
}

func arrival(r events.DynamoDBEventRecord) string {
	t := r.Change.ApproximateCreationDateTime.Time
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// MappingKey is the key Lambda gives the object of a batch a mapping gave up on.
func MappingKey(mappingID, shardID string, at time.Time, id string) string {
	return "aws/lambda/" + clean(mappingID) + "/" + clean(shardID) + "/" + dated(at, id)
}

// PermanentKey is the key of a record the publisher could never publish. The record's event id
// makes it idempotent: writing the same record again replaces the object.
func PermanentKey(rec events.DynamoDBEventRecord, at time.Time) string {
	return "publisher/" + clean(TableOf(rec.EventSourceArn)) + "/" + dated(at, rec.EventID)
}

func dated(at time.Time, id string) string {
	at = at.UTC()
	return at.Format("2006/01/02/2006-01-02T15.04.05") + "-" + clean(id)
}

// TableOf returns the table name of a stream ARN (…:table/<name>/stream/<label>), or "unknown".
func TableOf(streamARN string) string {
	_, rest, ok := strings.Cut(streamARN, ":table/")
	if !ok {
		return "unknown"
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// clean keeps a key segment a single path segment.
func clean(s string) string {
	if s == "" {
		return "unknown"
	}
	return strings.NewReplacer("/", "_", "\\", "_", "..", "__").Replace(s)
}

// Dir is a failure store in a folder: each object is a file at its key (the local stack's
// .local/failures, same layout as the S3 bucket).
type Dir string

// Put writes the object atomically (a reader never sees half of it).
func (d Dir) Put(_ context.Context, key string, body []byte) error {
	path := filepath.Join(string(d), filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("failure store %s: %w", d, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".put-*")
	if err != nil {
		return fmt.Errorf("failure store %s: %w", d, err)
	}
	if _, err := tmp.Write(body); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("failure store write %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("failure store write %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("failure store write %s: %w", key, err)
	}
	return nil
}

// List returns the keys of the objects in the folder, sorted (none when it does not exist).
func (d Dir) List() ([]string, error) {
	var keys []string
	err := filepath.WalkDir(string(d), func(path string, e os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path == string(d) {
				return filepath.SkipDir
			}
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".put-") {
			return nil
		}
		rel, err := filepath.Rel(string(d), path)
		if err != nil {
			return err
		}
		keys = append(keys, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list failure store %s: %w", d, err)
	}
	return keys, nil
}

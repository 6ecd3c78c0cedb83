package failures

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

const streamARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/ocpp-dev-messages/stream/2025-01-01T00:00:00.000"

func rec(seq string) events.DynamoDBEventRecord {
	r := events.DynamoDBEventRecord{EventID: "ev-" + seq, EventName: "INSERT", EventSourceArn: streamARN}
	r.Change.SequenceNumber = seq
	r.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)}
	return r
}

func TestKeys(t *testing.T) {
	at := time.Date(2025, 6, 1, 10, 2, 3, 0, time.UTC)
	if got, want := MappingKey("local-ocpp-dev-messages", "shardId-1", at, "u1"), "aws/lambda/local-ocpp-dev-messages/shardId-1/2025/06/01/2025-06-01T10.02.03-u1"; got != want {
		t.Errorf("MappingKey = %s, want %s", got, want)
	}
	if got, want := PermanentKey(rec("42"), at), "publisher/ocpp-dev-messages/2025/06/01/2025-06-01T10.02.03-ev-42"; got != want {
		t.Errorf("PermanentKey = %s, want %s", got, want)
	}
	if got := MappingKey("a/../b", "", at, "x"); got != "aws/lambda/a____b/unknown/2025/06/01/2025-06-01T10.02.03-x" {
		t.Errorf("unclean segments: %s", got)
	}
}

func TestEncodeKeepsTheWholeEvent(t *testing.T) {
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec("1"), rec("2")}}
	body, err := Failure{Event: ev, Condition: RecordAgeExceeded, ShardID: "shardId-1", Invocations: 3, At: time.Unix(1700000000, 0)}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var r Record
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	b := r.BatchInfo
	if r.RequestContext.Condition != RecordAgeExceeded || r.RequestContext.ApproximateInvokeCount != 3 || b.ShardID != "shardId-1" ||
		b.StartSequenceNumber != "1" || b.EndSequenceNumber != "2" || b.BatchSize != 2 || b.StreamARN != streamARN {
		t.Errorf("record %s", body)
	}
	var back events.DynamoDBEvent
	if err := json.Unmarshal([]byte(r.Payload), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Records) != 2 || !reflect.DeepEqual(back.Records[1].Change.SequenceNumber, "2") || back.Records[0].EventID != "ev-1" {
		t.Errorf("payload %s", r.Payload)
	}
	if _, err := (Failure{}).Encode(); err == nil {
		t.Error("a failure without records encoded")
	}
}

func TestDirPutAndList(t *testing.T) {
	d := Dir(filepath.Join(t.TempDir(), "failures"))
	if keys, err := d.List(); err != nil || len(keys) != 0 {
		t.Fatalf("empty store: %v %v", keys, err)
	}
	ctx := context.Background()
	for _, k := range []string{"publisher/t/2025/06/01/b", "aws/lambda/m/s/2025/06/01/a"} {
		if err := d.Put(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := d.List()
	if err != nil || !reflect.DeepEqual(keys, []string{"aws/lambda/m/s/2025/06/01/a", "publisher/t/2025/06/01/b"}) {
		t.Fatalf("List = %v, %v", keys, err)
	}
	got, err := os.ReadFile(filepath.Join(string(d), "publisher", "t", "2025", "06", "01", "b"))
	if err != nil || string(got) != "publisher/t/2025/06/01/b" {
		t.Errorf("object %q %v", got, err)
	}
}

package replay

import (
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

func item(kv ...string) map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = &types.AttributeValueMemberS{Value: kv[i+1]}
	}
	return m
}

func TestWindowSelectsByTimeBoxAndStatus(t *testing.T) {
	w := Window{From: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC), To: time.Date(2025, 6, 1, 11, 0, 0, 0, time.UTC), Box: "CB1"}
	session := func(box, status, stopped string) events.DynamoDBEventRecord {
		it := item("chargeBoxId", box, "status", status, "stoppedAt", stopped)
		it["transactionId"] = &types.AttributeValueMemberN{Value: "7"}
		return asRecord(tables.Sessions, it)
	}
	cases := []struct {
		name string
		rec  events.DynamoDBEventRecord
		want bool
	}{
		{"frame inside", asRecord(tables.Messages, item("chargeBoxId", "CB1", "seq", "1", "occurredAt", "2025-06-01T10:30:00.000000000Z")), true},
		{"frame at the start", asRecord(tables.Messages, item("chargeBoxId", "CB1", "seq", "1", "occurredAt", "2025-06-01T10:00:00Z")), true},
		{"frame at the end (exclusive)", asRecord(tables.Messages, item("chargeBoxId", "CB1", "seq", "1", "occurredAt", "2025-06-01T11:00:00Z")), false},
		{"frame of another box", asRecord(tables.Messages, item("chargeBoxId", "CB2", "seq", "1", "occurredAt", "2025-06-01T10:30:00Z")), false},
		{"frame without time", asRecord(tables.Messages, item("chargeBoxId", "CB1", "seq", "1")), false},
		{"finished session inside", session("CB1", "finished", "2025-06-01T10:59:59Z"), true},
		{"running session", session("CB1", "running", ""), false},
		{"finished session before", session("CB1", "finished", "2025-06-01T09:59:59Z"), false},
	}
	for _, c := range cases {
		if got := w.in(c.rec); got != c.want {
			t.Errorf("%s: in = %v, want %v", c.name, got, c.want)
		}
	}
	r := asRecord(tables.Sessions, item("chargeBoxId", "CB1"))
	if r.EventName != "MODIFY" || len(r.Change.Keys) != 1 {
		t.Errorf("session record %+v", r)
	}
	if f := asRecord(tables.Messages, item("chargeBoxId", "CB1", "seq", "9")); f.EventName != "INSERT" || f.Change.Keys["seq"].String() != "9" {
		t.Errorf("frame record %+v", f)
	}
}

package streamfilter

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/tables"
)

func rec(event string, newImage map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: event, Change: events.DynamoDBStreamRecord{NewImage: newImage}}
}

func status(s string) map[string]events.DynamoDBAttributeValue {
	return map[string]events.DynamoDBAttributeValue{"status": events.NewStringAttribute(s), "transactionId": events.NewNumberAttribute("7")}
}

func TestDeliver(t *testing.T) {
	cases := []struct {
		name  string
		table tables.Table
		rec   events.DynamoDBEventRecord
		want  bool
	}{
		{"frame insert", tables.Messages, rec("INSERT", map[string]events.DynamoDBAttributeValue{"chargeBoxId": events.NewStringAttribute("CB1")}), true},
		{"frame TTL expiry", tables.Messages, rec("REMOVE", nil), false},
		{"frame modify", tables.Messages, rec("MODIFY", nil), false},
		{"session started", tables.Sessions, rec("INSERT", status("running")), false},
		{"session meter update", tables.Sessions, rec("MODIFY", status("running")), false},
		{"session finished", tables.Sessions, rec("MODIFY", status("finished")), true},
		{"session inserted finished", tables.Sessions, rec("INSERT", status("finished")), true},
		{"session status not a string", tables.Sessions, rec("MODIFY", map[string]events.DynamoDBAttributeValue{"status": events.NewNumberAttribute("1")}), false},
		{"session removed", tables.Sessions, rec("REMOVE", nil), false},
		{"table without stream", tables.ChargeBoxes, rec("INSERT", nil), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Deliver(c.table, c.rec); got != c.want {
				t.Errorf("Deliver = %v, want %v", got, c.want)
			}
		})
	}
}

// Every table the publisher reads has filters; no other table has any.
func TestEveryStreamTableFiltered(t *testing.T) {
	for _, tb := range tables.All() {
		if got := len(Filters(tb)) > 0; got != tb.Stream {
			t.Errorf("table %s: filters %v, Stream %v", tb.Name, Filters(tb), tb.Stream)
		}
	}
}

func TestPatterns(t *testing.T) {
	want := map[string]any{
		"eventName": []any{"INSERT", "MODIFY"},
		"dynamodb":  map[string]any{"NewImage": map[string]any{"status": map[string]any{"S": []any{"finished"}}}},
	}
	ps := Patterns(tables.Sessions)
	if len(ps) != 1 {
		t.Fatalf("Patterns(sessions) = %v", ps)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(ps[0]), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sessions pattern %s, want %v", ps[0], want)
	}
	if got := Patterns(tables.Messages); !reflect.DeepEqual(got, []string{`{"eventName":["INSERT"]}`}) {
		t.Errorf("messages patterns %v", got)
	}
}

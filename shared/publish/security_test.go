package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/bus"
)

func securityEvent(uid, payload, answer string) []frameRow {
	return []frameRow{
		{Direction: "from-box", Raw: `[2,"` + uid + `","SecurityEventNotification",` + payload + `]`, MessageType: 2, UniqueID: uid, Action: "SecurityEventNotification", OccurredAt: "2025-05-06T07:08:09.123456789Z"},
		{Direction: "to-box", Raw: answer, MessageType: map[bool]int{true: 3, false: 4}[strings.HasPrefix(answer, "[3")], UniqueID: uid, ResponseTo: "SecurityEventNotification", OccurredAt: "2025-05-06T07:08:09.200000000Z"},
	}
}

func TestSecurityEventsArePublishedAfterTheirFrames(t *testing.T) {
	recs := []events.DynamoDBEventRecord{
		frameRecord(t, "S", "1", securityEvent("s1", `{"type":"TamperDetectionActivated","timestamp":"2025-05-06T07:08:00Z","techInfo":"lid <open>"}`, `[3,"s1",{}]`)...),
		frameRecord(t, "S", "2", securityEvent("s2", `{"type":"X","timestamp":"yesterday"}`, `[4,"s2","TypeConstraintViolation","bad",{}]`)...),
		frameRecord(t, "S", "3", securityEvent("s3", `{"type":"InvalidMessages","timestamp":"2025-05-06T07:08:01Z"}`, `[3,"s3",{}]`)...),
		frameRecord(t, "S", "4", heartbeat("h")...),
	}
	pub := &fakePublisher{}
	if _, err := NewHandler(pub, nil, nil)(context.Background(), events.DynamoDBEvent{Records: recs}); err != nil {
		t.Fatal(err)
	}
	want := "S/1/0 S/1/1 S/1/security-event S/2/0 S/2/1 S/3/0 S/3/1 S/3/security-event S/4/0 S/4/1"
	if got := strings.Join(pub.ids(), " "); got != want {
		t.Fatalf("published %s\nwant      %s", got, want)
	}
	m := pub.got[2]
	if m.Exchange != bus.ExchangeOCPP || m.RoutingKey != bus.KeySecurityEvents || m.Timestamp.Unix() != 1746515289 {
		t.Errorf("message %+v", m)
	}
	var body map[string]any
	if err := json.Unmarshal(m.Body, &body); err != nil {
		t.Fatal(err)
	}
	wantBody := map[string]any{"tenant_id": "tenant-1", "charge_box_serial": "S", "type": "TamperDetectionActivated", "timestamp": "2025-05-06T07:08:00.000000000Z",
		"tech_info": "lid <open>", "critical": true, "occurred_at": "2025-05-06T07:08:09.123456789Z", "connection_id": "conn-1", "unique_id": "s1"}
	if fmt.Sprint(body) != fmt.Sprint(wantBody) {
		t.Errorf("body %v\nwant %v", body, wantBody)
	}
	if !bytes.Contains(m.Body, []byte("lid <open>")) {
		t.Errorf("HTML-escaped body %s", m.Body)
	}
	var third SecurityEventMessage
	if err := json.Unmarshal(pub.got[7].Body, &third); err != nil || third.Critical || third.TechInfo != "" {
		t.Errorf("non-critical event %+v, %v", third, err)
	}
}

// A deployment whose consumers have not bound ocpp.security-events drops these messages with
// an INFO line of its own: the unroutable alarm counts UnroutableLog only.
func TestUnboundSecurityEventsRaiseNoAlarm(t *testing.T) {
	recs := []events.DynamoDBEventRecord{
		frameRecord(t, "U", "1", securityEvent("u1", `{"type":"ResetOrReboot","timestamp":"2025-05-06T07:08:00Z"}`, `[3,"u1",{}]`)...),
		frameRecord(t, "U", "2", heartbeat("u2")...),
	}
	pub := &fakePublisher{fail: func(m bus.Message) error {
		if m.RoutingKey == bus.KeySecurityEvents {
			return fmt.Errorf("message %s: %w", m.MessageID, bus.ErrReturned)
		}
		return nil
	}}
	var logs bytes.Buffer
	resp, err := NewHandler(pub, nil, slog.New(slog.NewJSONHandler(&logs, nil)))(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v, %v", resp.BatchItemFailures, err)
	}
	if got := strings.Join(pub.ids(), " "); got != "U/1/0 U/1/1 U/2/0 U/2/1" {
		t.Fatalf("published %s", got)
	}
	if strings.Contains(logs.String(), UnroutableLog) || !strings.Contains(logs.String(), `"level":"INFO","msg":"`+UnboundSecurityEventLog) {
		t.Errorf("logs %s", logs.String())
	}
}

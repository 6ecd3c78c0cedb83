package publish_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/bus/bustest"
	"github.com/serverless-ocpp/csms/shared/failures"
	"github.com/serverless-ocpp/csms/shared/publish"
	"github.com/serverless-ocpp/csms/shared/replay"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/streamimage"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// invokeReplay sends replay events to the publisher's Lambda handler as `make replay` does,
// one step per invocation, following the continuation token until it is empty; the answers go
// through JSON as Lambda's would. It returns the number of invocations.
func invokeReplay(t *testing.T, entry publish.Invoke, req replay.Request) int {
	t.Helper()
	steps := 0
	for {
		raw, err := json.Marshal(map[string]any{"replay": req})
		if err != nil {
			t.Fatal(err)
		}
		out, err := entry(context.Background(), raw)
		if err != nil {
			t.Fatalf("replay step %d: %v", steps+1, err)
		}
		steps++
		var res replay.Result
		b, _ := json.Marshal(out)
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatalf("answer %s: %v", b, err)
		}
		if res.Next == "" {
			return steps
		}
		if steps > 200 {
			t.Fatalf("replay did not end after %d steps", steps)
		}
		req.Next = res.Next
	}
}

// storeFailure writes one of box's frame-log rows into failure store dir as the event source
// mapping would after giving the batch up (RecordAgeExceeded).
func storeFailure(t *testing.T, st *store.Store, dir failures.Dir, box string) {
	t.Helper()
	items, _, err := st.Rows(context.Background(), tables.Messages, box, store.Page{Limit: 1})
	if err != nil || len(items) != 1 {
		t.Fatalf("frame-log row of %s: %d, %v", box, len(items), err)
	}
	img := streamimage.FromItem(items[0])
	rec := events.DynamoDBEventRecord{EventName: "INSERT", EventSource: "aws:dynamodb", EventID: "stored",
		EventSourceArn: "arn:aws:dynamodb:eu-west-1:123456789012:table/x-messages/stream/2025",
		Change: events.DynamoDBStreamRecord{NewImage: img, SequenceNumber: "1", StreamViewType: "NEW_AND_OLD_IMAGES",
			Keys: map[string]events.DynamoDBAttributeValue{"chargeBoxId": img["chargeBoxId"], "seq": img["seq"]}}}
	body, err := failures.Failure{Event: events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}}, Condition: failures.RecordAgeExceeded, ShardID: "shard-1", At: time.Now()}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.Put(context.Background(), failures.MappingKey("esm-1", "shard-1", time.Now(), "a"), body); err != nil {
		t.Fatal(err)
	}
}

// The publisher Lambda replays a window when invoked directly with a replay event, in bounded
// steps chained by a continuation token: after dropping ids already seen, a consumer has each
// of the box's messages exactly once, the failure store's copy included; other boxes get
// nothing again. A malformed window is refused naming the field.
func TestReplayEventIsConsumedOncePerMessage(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	s, other := newScript(t, h.st, bustest.Name("CB-RE-")), newScript(t, h.st, bustest.Name("CB-RF-"))
	for _, b := range []*script{s, other} {
		b.connect()
		b.exchange("Heartbeat", `{}`, `{"currentTime":"2025-06-01T10:00:00Z"}`)
		b.exchange("StatusNotification", `{"connectorId":1,"status":"Available","errorCode":"NoError"}`, `{}`)
	}
	s.session(1000, 1500, 1200)
	s.disconnect()
	first := h.drain(t)
	original, otherBefore := messageIDCounts(t, first, s.box), messageIDCounts(t, first, other.box)
	if len(original) != len(s.want)+1 {
		t.Fatalf("original run: %d messages of %s, want %d", len(original), s.box, len(s.want)+1)
	}
	dir := failures.Dir(t.TempDir())
	storeFailure(t, h.st, dir, s.box)

	pub := bus.NewAMQP(bus.StaticURL(bustest.URL(t)), nil)
	t.Cleanup(func() { _ = pub.Close() })
	entry := publish.Entry(nil, replay.Source{Store: h.st, Failures: dir}, publish.NewHandler(pub, h.st, nil), nil)
	for _, bad := range []struct{ event, field string }{
		{`{"replay":{"from":"2025-06-02T00:00:00Z","to":"2025-06-01T00:00:00Z"}}`, "replay.to"},
		{`{"replay":{"from":"yesterday","to":"2025-06-01T00:00:00Z"}}`, "replay.from"},
		{`{"replay":{"from":"2025-06-01T00:00:00Z","to":"2025-06-02T00:00:00Z","box":"x"}}`, `unknown field "box"`},
		{`{"replay":{"from":"2025-06-01T00:00:00Z","to":"2025-06-02T00:00:00Z","next":"nope"}}`, "replay.next"},
	} {
		if _, err := entry(context.Background(), json.RawMessage(bad.event)); err == nil || !strings.Contains(err.Error(), bad.field) {
			t.Errorf("%s: error %v, want one naming %s", bad.event, err, bad.field)
		}
	}
	steps := invokeReplay(t, entry, replay.Request{From: "2025-06-01T00:00:00Z", To: "2025-06-02T00:00:00Z", ChargeBoxID: s.box, IncludeFailures: true, Limit: 2})
	if steps < 4 {
		t.Errorf("%d invocations for %d rows two at a time", steps, len(original))
	}
	want := 1 // the failure store's copy
	for _, c := range original {
		want += 2 * c
	}
	got := h.consumer.WaitFor(30*time.Second, "the replayed messages", func(ds []amqp.Delivery) bool {
		n := 0
		for _, c := range messageIDCounts(t, ds, s.box) {
			n += c
		}
		return n >= want
	})
	after := messageIDCounts(t, got, s.box)
	stored := 0
	for id, c := range after {
		switch {
		case original[id] == 0:
			t.Errorf("message %s was not published before the replay", id)
		case c == 2*original[id]+1:
			stored++ // the failure store's copy
		case c != 2*original[id]:
			t.Errorf("message %s: %d deliveries after the replay, %d before", id, c, original[id])
		}
	}
	if stored != 1 || len(after) != len(original) {
		t.Errorf("%d distinct messages after the replay (want %d), %d replayed from the failure store (want 1)", len(after), len(original), stored)
	}
	if order := ocppOrder(t, got, s.box); strings.Join(order, "|") != strings.Join(s.want, "|") {
		t.Errorf("after dropping duplicates\n got %v\nwant %v", order, s.want)
	}
	checkDuplicates(t, got)
	for id, c := range messageIDCounts(t, got, other.box) {
		if c != otherBefore[id] {
			t.Errorf("other box message %s delivered %d times, %d before the replay", id, c, otherBefore[id])
		}
	}
}

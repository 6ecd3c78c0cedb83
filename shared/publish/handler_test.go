package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/streamimage"
)

// image marshals v as the store would and converts it to a stream image.
func image(t *testing.T, v any) map[string]events.DynamoDBAttributeValue {
	t.Helper()
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		t.Fatal(err)
	}
	return streamimage.FromItem(m)
}

var seqCounter int

func record(t *testing.T, name string, keys []string, newImage, oldImage any) events.DynamoDBEventRecord {
	t.Helper()
	seqCounter++
	rec := events.DynamoDBEventRecord{EventID: fmt.Sprint("ev", seqCounter), EventName: name, EventSource: "aws:dynamodb"}
	rec.Change.SequenceNumber = fmt.Sprintf("%021d", seqCounter)
	rec.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: time.Unix(1700000000, 0)}
	if newImage != nil {
		rec.Change.NewImage = image(t, newImage)
	}
	if oldImage != nil {
		rec.Change.OldImage = image(t, oldImage)
	}
	src := rec.Change.NewImage
	if src == nil {
		src = rec.Change.OldImage
	}
	rec.Change.Keys = map[string]events.DynamoDBAttributeValue{}
	for _, k := range keys {
		rec.Change.Keys[k] = src[k]
	}
	return rec
}

func frameRecord(t *testing.T, box, seq string, frames ...frameRow) events.DynamoDBEventRecord {
	t.Helper()
	return record(t, "INSERT", []string{"chargeBoxId", "seq"}, map[string]any{
		"chargeBoxId": box, "seq": seq, "kind": "frames", "tenantId": "tenant-1", "connectionId": "conn-1",
		"occurredAt": "2025-05-06T07:08:09.123456789Z", "expiresAt": 1900000000, "frames": frames,
	}, nil)
}

func heartbeat(uid string) []frameRow {
	return []frameRow{
		{Direction: "from-box", Raw: `[2,"` + uid + `","Heartbeat",{}]`, MessageType: 2, UniqueID: uid, Action: "Heartbeat", OccurredAt: "2025-05-06T07:08:09.123456789Z"},
		{Direction: "to-box", Raw: `[3,"` + uid + `",{"currentTime":"2025-05-06T07:08:09Z"}]`, MessageType: 3, UniqueID: uid, ResponseTo: "Heartbeat", OccurredAt: "2025-05-06T07:08:09.200000000Z"},
	}
}

func TestFrameMessagesMatchTheOriginalFormat(t *testing.T) {
	frames := append(heartbeat("u1"), frameRow{Direction: "from-box", Raw: `[4,"x","NotImplemented","<&>",{}]`, MessageType: 4, UniqueID: "x", OccurredAt: "2025-05-06T07:08:10Z"})
	var row messageRow
	if err := decodeImage(frameRecord(t, "CB1", "s1", frames...).Change.NewImage, &row); err != nil {
		t.Fatal(err)
	}
	msgs, err := frameMessages(row, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"tenant_id":"tenant-1","charge_box_serial":"CB1","ocpp_message":"[2,\"u1\",\"Heartbeat\",{}]","response_to":null,"occurred_at":"2025-05-06T07:08:09.123456789Z","direction":"from-box","connection_id":"conn-1","message_type":2,"unique_id":"u1","action":"Heartbeat"}`,
		`{"tenant_id":"tenant-1","charge_box_serial":"CB1","ocpp_message":"[3,\"u1\",{\"currentTime\":\"2025-05-06T07:08:09Z\"}]","response_to":"Heartbeat","occurred_at":"2025-05-06T07:08:09.2Z","direction":"to-box","connection_id":"conn-1","message_type":3,"unique_id":"u1","action":null}`,
		`{"tenant_id":"tenant-1","charge_box_serial":"CB1","ocpp_message":"[4,\"x\",\"NotImplemented\",\"<&>\",{}]","response_to":null,"occurred_at":"2025-05-06T07:08:10Z","direction":"from-box","connection_id":"conn-1","message_type":4,"unique_id":"x","action":null}`,
	}
	if len(msgs) != len(want) {
		t.Fatalf("%d messages, want %d", len(msgs), len(want))
	}
	for i, m := range msgs {
		if string(m.Body) != want[i] {
			t.Errorf("message %d body\n got %s\nwant %s", i, m.Body, want[i])
		}
		if m.Exchange != "ocpp" || m.RoutingKey != "ocpp.msgs" || m.MessageID != fmt.Sprintf("CB1/s1/%d", i) {
			t.Errorf("message %d envelope %s %s %s", i, m.Exchange, m.RoutingKey, m.MessageID)
		}
	}
	if !msgs[0].Timestamp.Equal(time.Date(2025, 5, 6, 7, 8, 9, 123456789, time.UTC)) {
		t.Errorf("timestamp %s", msgs[0].Timestamp)
	}
}

func TestConnectionMessages(t *testing.T) {
	for _, ev := range []struct{ typ, status string }{{"connected", "Accepted"}, {"disconnected", "Disconnected"}} {
		row := messageRow{ChargeBoxID: "CB1", Seq: "s2", Kind: "connection", TenantID: "t", ConnectionID: "c", OccurredAt: "2025-05-06T07:08:09.000000000Z", EventType: ev.typ, IP: "10.0.0.1", Status: ev.status}
		msgs, err := frameMessages(row, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		want := `{"event_type":"` + ev.typ + `","occurred_at":"2025-05-06T07:08:09Z","tenant_id":"t","charge_box_serial":"CB1","ip":"10.0.0.1","status":"` + ev.status + `","connection_id":"c"}`
		if len(msgs) != 1 || string(msgs[0].Body) != want || msgs[0].RoutingKey != "ocpp.connection-events" || msgs[0].MessageID != "CB1/s2" {
			t.Errorf("%s: %+v\nwant body %s", ev.typ, msgs, want)
		}
	}
}

func TestMalformedRowsAreRejected(t *testing.T) {
	tests := map[string]messageRow{
		"unknown kind":       {ChargeBoxID: "CB1", Seq: "s", Kind: "other"},
		"unknown event type": {ChargeBoxID: "CB1", Seq: "s", Kind: "connection", EventType: "rebooted"},
		"frame without raw":  {ChargeBoxID: "CB1", Seq: "s", Kind: "frames", Frames: []frameRow{{MessageType: 2}}},
	}
	for name, row := range tests {
		if _, err := frameMessages(row, time.Time{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func intp(v int) *int     { return &v }
func i64p(v int64) *int64 { return &v }

func TestSessionMessage(t *testing.T) {
	base := sessionRow{TransactionID: 42, ChargeBoxID: "CB1", TenantID: "t", ConnectorID: intp(2), IDTag: "TAG1",
		MeterStart: i64p(1000), StartedAt: "2025-05-06T07:00:00Z", Status: store.SessionFinished, MeterStop: i64p(13345),
		StoppedAt: "2025-05-06T08:00:00.5+02:00", StopReason: "EVDisconnected", StopIDTag: "TAG1"}
	tests := []struct {
		name   string
		mutate func(*sessionRow)
		check  func(t *testing.T, m SessionMessage)
	}{
		{"normal", func(*sessionRow) {}, func(t *testing.T, m SessionMessage) {
			if m.Volume == nil || *m.Volume != 12.345 || m.MeterWentBackwards || m.UnknownStart {
				t.Errorf("volume %v backwards %v", m.Volume, m.MeterWentBackwards)
			}
			if *m.StartedAt != "2025-05-06T07:00:00Z" || *m.EndedAt != "2025-05-06T06:00:00.5Z" || *m.ConnectorID != 2 || *m.UserID != "TAG1" {
				t.Errorf("fields %+v", m)
			}
		}},
		{"meter went backwards", func(r *sessionRow) { r.MeterStop = i64p(999) }, func(t *testing.T, m SessionMessage) {
			if m.Volume != nil || !m.MeterWentBackwards || *m.MeterStart != 1000 || *m.MeterStop != 999 {
				t.Errorf("volume %v backwards %v", m.Volume, m.MeterWentBackwards)
			}
		}},
		{"zero energy", func(r *sessionRow) { r.MeterStop = i64p(1000) }, func(t *testing.T, m SessionMessage) {
			if m.Volume == nil || *m.Volume != 0 || m.MeterWentBackwards {
				t.Errorf("volume %v backwards %v", m.Volume, m.MeterWentBackwards)
			}
		}},
		{"unknown start", func(r *sessionRow) {
			*r = sessionRow{TransactionID: 42, ChargeBoxID: "CB1", TenantID: "t", Status: store.SessionFinished, MeterStop: i64p(500), StoppedAt: "2025-05-06T08:00:00Z", StopIDTag: "TAG9", UnknownStart: true}
		}, func(t *testing.T, m SessionMessage) {
			if !m.UnknownStart || m.Volume != nil || m.StartedAt != nil || m.ConnectorID != nil || m.MeterStart != nil || m.UserID != nil || *m.StopIDTag != "TAG9" || m.StopReason != nil {
				t.Errorf("unknown start message %+v", m)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := base
			tt.mutate(&row)
			msg, err := sessionMessage(row, nil, time.Unix(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			if msg.MessageID != "session-CB1-42" || msg.Exchange != "sessions" || msg.RoutingKey != "sessions.raw" {
				t.Errorf("envelope %s %s %s", msg.Exchange, msg.RoutingKey, msg.MessageID)
			}
			var fields map[string]any
			if err := json.Unmarshal(msg.Body, &fields); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"tenant_id", "charge_box_serial", "connector_id", "started_at", "ended_at", "volume", "user_id", "transaction_id", "meter_start", "meter_stop", "stop_reason", "stop_id_tag", "meter_values", "meter_went_backwards", "unknown_start"} {
				if _, ok := fields[k]; !ok {
					t.Errorf("field %s missing: %s", k, msg.Body)
				}
			}
			var m SessionMessage
			if err := json.Unmarshal(msg.Body, &m); err != nil {
				t.Fatal(err)
			}
			tt.check(t, m)
		})
	}
}

func TestSummarizeMergesReadingsAndTransactionData(t *testing.T) {
	readings := []store.Reading{
		{Timestamp: "2025-05-06T07:10:00Z", SampledValues: []store.SampledValue{
			{Value: "1500", Measurand: "Energy.Active.Import.Register", Unit: "Wh"},
			{Value: "16.1", Measurand: "Current.Import", Phase: "L1", Unit: "A"},
		}},
		{Timestamp: "2025-05-06T07:05:00Z", SampledValues: []store.SampledValue{{Value: "1.2", Unit: "kWh"}}}, // default measurand, kWh
	}
	// The StopTransaction repeats the 07:10 energy value and adds a signed value and a later one.
	data := `[{"timestamp":"2025-05-06T07:10:00Z","sampledValue":[{"value":"1500","measurand":"Energy.Active.Import.Register","unit":"Wh"}]},
	          {"timestamp":"2025-05-06T07:20:00.000Z","sampledValue":[{"value":"2000"},{"value":"c2lnbmVk","format":"SignedData"}]}]`
	s := summarize(readings, data)
	if s.Samples != 5 {
		t.Errorf("samples = %d, want 5 (the repeated value counted once)", s.Samples)
	}
	if *s.FirstAt != "2025-05-06T07:05:00Z" || *s.LastAt != "2025-05-06T07:20:00Z" {
		t.Errorf("first %s last %s", *s.FirstAt, *s.LastAt)
	}
	energy := s.Measurands["Energy.Active.Import.Register"]
	if energy != (MeasurandSummary{Unit: "Wh", Min: 1200, Max: 2000, Last: 2000, Samples: 3}) {
		t.Errorf("energy %+v", energy)
	}
	if cur := s.Measurands["Current.Import.L1"]; cur != (MeasurandSummary{Unit: "A", Min: 16.1, Max: 16.1, Last: 16.1, Samples: 1}) {
		t.Errorf("current %+v", cur)
	}
	if len(s.Measurands) != 2 {
		t.Errorf("measurands %v", s.Measurands)
	}
	if empty := summarize(nil, "not json"); empty.Samples != 0 || empty.FirstAt != nil || empty.Measurands == nil {
		t.Errorf("empty summary %+v", empty)
	}
}

// fakePublisher records what it publishes and fails the messages fail picks.
type fakePublisher struct {
	mu     sync.Mutex
	got    []bus.Message
	rounds int
	fail   func(m bus.Message) error
}

func (p *fakePublisher) Publish(ctx context.Context, msgs ...bus.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rounds++
	errs := make([]error, len(msgs))
	failed := false
	for i, m := range msgs {
		if err := ctx.Err(); err != nil {
			errs[i] = err
		} else if p.fail != nil {
			errs[i] = p.fail(m)
		}
		if errs[i] != nil {
			failed = true
			continue
		}
		p.got = append(p.got, m)
	}
	if failed {
		return &bus.BatchError{Errs: errs}
	}
	return nil
}

func (p *fakePublisher) ids() []string {
	var out []string
	for _, m := range p.got {
		out = append(out, m.MessageID)
	}
	return out
}

type fakeReadings struct{ err error }

func (r fakeReadings) ListReadings(context.Context, int) ([]store.Reading, error) {
	return []store.Reading{{Timestamp: "2025-05-06T07:10:00Z", SampledValues: []store.SampledValue{{Value: "5"}}}}, r.err
}

func failedSeqs(resp events.DynamoDBEventResponse) []string {
	var out []string
	for _, f := range resp.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}

func TestHandlerKeepsPerBoxOrderAndFailsTheRestOfAFailedBox(t *testing.T) {
	recs := []events.DynamoDBEventRecord{
		frameRecord(t, "A", "1", heartbeat("a1")...),
		frameRecord(t, "B", "1", heartbeat("b1")...),
		frameRecord(t, "A", "2", heartbeat("a2")...), // its second frame fails
		frameRecord(t, "B", "2", heartbeat("b2")...),
		frameRecord(t, "A", "3", heartbeat("a3")...),
	}
	pub := &fakePublisher{fail: func(m bus.Message) error {
		if m.MessageID == "A/2/1" {
			return bus.ErrNacked
		}
		return nil
	}}
	resp, err := NewHandler(pub, nil, nil)(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{recs[2].Change.SequenceNumber, recs[4].Change.SequenceNumber}
	if got := failedSeqs(resp); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("failures %v, want %v", got, want)
	}
	var a, b []string
	for _, id := range pub.ids() {
		if strings.HasPrefix(id, "A/") {
			a = append(a, id)
		} else {
			b = append(b, id)
		}
	}
	// Confirms are awaited per batch: A's messages after the failed one went out in the same
	// publish and are published again by the retry of A/2 and A/3 (same message ids).
	if strings.Join(a, " ") != "A/1/0 A/1/1 A/2/0 A/3/0 A/3/1" {
		t.Errorf("box A published %v", a)
	}
	if strings.Join(b, " ") != "B/1/0 B/1/1 B/2/0 B/2/1" {
		t.Errorf("box B published %v: another box's failure must not stop it", b)
	}
	// One publish for the whole batch: confirms are awaited once, not per message.
	if pub.rounds != 1 {
		t.Errorf("%d publishes, want 1", pub.rounds)
	}
}

// TestUnroutableMessageDoesNotStallTheBox: a routing key no queue is bound for must not hold
// back the box's later records (its sessions among them) forever.
func TestUnroutableMessageDoesNotStallTheBox(t *testing.T) {
	recs := []events.DynamoDBEventRecord{
		frameRecord(t, "A", "1", heartbeat("a1")...),
		frameRecord(t, "A", "2", heartbeat("a2")...),
	}
	pub := &fakePublisher{fail: func(m bus.Message) error {
		if m.MessageID == "A/1/1" {
			return fmt.Errorf("message %s: %w", m.MessageID, bus.ErrReturned)
		}
		return nil
	}}
	resp, err := NewHandler(pub, nil, nil)(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	if got := failedSeqs(resp); len(got) != 0 {
		t.Fatalf("failures %v: an unroutable message must not be retried", got)
	}
	if got := strings.Join(pub.ids(), " "); got != "A/1/0 A/2/0 A/2/1" {
		t.Fatalf("published %s, want everything but the unroutable message", got)
	}
}

func TestHandlerPublishesOnlyWhatShouldBePublished(t *testing.T) {
	running := sessionRow{TransactionID: 7, ChargeBoxID: "CB1", ConnectorID: intp(1), IDTag: "T", MeterStart: i64p(0), StartedAt: "2025-05-06T07:00:00Z", Status: "running"}
	done := running
	done.Status, done.MeterStop, done.StoppedAt = store.SessionFinished, i64p(2500), "2025-05-06T08:00:00Z"
	sessionKeys := []string{"transactionId"}
	frame := frameRecord(t, "CB1", "1", heartbeat("u")...)
	expired := frame
	expired.EventName, expired.Change.OldImage, expired.Change.NewImage = "REMOVE", frame.Change.NewImage, nil
	recs := []events.DynamoDBEventRecord{
		record(t, "INSERT", sessionKeys, running, nil), // started: nothing
		expired, // TTL removal: nothing
		record(t, "MODIFY", sessionKeys, done, running), // finished: one message
		record(t, "MODIFY", sessionKeys, done, done),    // already finished: nothing
		record(t, "REMOVE", sessionKeys, nil, done),     // deleted: nothing
		record(t, "INSERT", []string{"chargeBoxId", "readingKey"}, map[string]any{"chargeBoxId": "CB1", "readingKey": "k"}, nil), // another table
	}
	pub := &fakePublisher{}
	resp, _ := NewHandler(pub, fakeReadings{}, nil)(context.Background(), events.DynamoDBEvent{Records: recs})
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", failedSeqs(resp))
	}
	if ids := pub.ids(); len(ids) != 1 || ids[0] != "session-CB1-7" {
		t.Fatalf("published %v, want only session-CB1-7", ids)
	}
	var m SessionMessage
	if err := json.Unmarshal(pub.got[0].Body, &m); err != nil {
		t.Fatal(err)
	}
	if *m.Volume != 2.5 || m.MeterValues.Samples != 1 {
		t.Errorf("session %s", pub.got[0].Body)
	}
}

func TestHandlerSkipsMalformedRowsAndRetriesReadFailures(t *testing.T) {
	bad := record(t, "INSERT", []string{"chargeBoxId", "seq"}, map[string]any{"chargeBoxId": "A", "seq": "0", "kind": "mystery"}, nil)
	good := frameRecord(t, "A", "1", heartbeat("a")...)
	finishedRow := sessionRow{TransactionID: 9, ChargeBoxID: "A", Status: store.SessionFinished, MeterStop: i64p(1), UnknownStart: true}
	sess := record(t, "INSERT", []string{"transactionId"}, finishedRow, nil)
	pub := &fakePublisher{}
	resp, _ := NewHandler(pub, fakeReadings{err: errors.New("throttled")}, nil)(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{bad, good, sess}})
	if got := failedSeqs(resp); len(got) != 1 || got[0] != sess.Change.SequenceNumber {
		t.Errorf("failures %v, want only the session whose readings could not be read", got)
	}
	if ids := pub.ids(); strings.Join(ids, " ") != "A/1/0 A/1/1" {
		t.Errorf("published %v", ids)
	}
}

func TestHandlerReportsEverythingWhenCancelled(t *testing.T) {
	recs := []events.DynamoDBEventRecord{frameRecord(t, "A", "1", heartbeat("a")...), frameRecord(t, "B", "1", heartbeat("b")...)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pub := &fakePublisher{}
	resp, err := NewHandler(pub, nil, nil)(ctx, events.DynamoDBEvent{Records: recs})
	if err != nil || len(resp.BatchItemFailures) != 2 || len(pub.got) != 0 {
		t.Fatalf("resp %v err %v published %v", failedSeqs(resp), err, pub.ids())
	}
}

func TestHandlerStopsBeforeTheInvocationDeadline(t *testing.T) {
	recs := []events.DynamoDBEventRecord{frameRecord(t, "A", "1", heartbeat("a")...)}
	ctx, cancel := context.WithTimeout(context.Background(), deadlineMargin/2)
	defer cancel()
	pub := &fakePublisher{}
	resp, _ := NewHandler(pub, nil, nil)(ctx, events.DynamoDBEvent{Records: recs})
	if len(resp.BatchItemFailures) != 1 || len(pub.got) != 0 {
		t.Fatalf("with less time left than the margin the batch must be reported failed: %v %v", failedSeqs(resp), pub.ids())
	}
}

// memStore is a failure store in memory; err makes every Put fail.
type memStore struct {
	mu   sync.Mutex
	objs map[string][]byte
	err  error
}

func (s *memStore) Put(_ context.Context, key string, body []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.objs == nil {
		s.objs = map[string][]byte{}
	}
	s.objs[key] = body
	return nil
}

// A record that can never be published goes whole to the failure store, logged for the alarm,
// and the box's later records are published in the same invocation.
func TestPermanentFailureGoesToTheFailureStoreAndTheBoxGoesOn(t *testing.T) {
	bad := record(t, "INSERT", []string{"chargeBoxId", "seq"}, map[string]any{"chargeBoxId": "A", "seq": "1", "kind": "mystery"}, nil)
	bad.EventSourceArn = "arn:aws:dynamodb:eu-west-1:1:table/ocpp-dev-messages/stream/2025-01-01T00:00:00.000"
	recs := []events.DynamoDBEventRecord{frameRecord(t, "A", "0", heartbeat("a0")...), bad, frameRecord(t, "A", "2", heartbeat("a2")...)}
	st := &memStore{}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	pub := &fakePublisher{}
	resp, err := NewHandler(pub, nil, log, WithFailureStore(st))(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp %v, err %v: a permanent failure must not fail the batch", failedSeqs(resp), err)
	}
	if ids := pub.ids(); strings.Join(ids, " ") != "A/0/0 A/0/1 A/2/0 A/2/1" {
		t.Errorf("published %v", ids)
	}
	if len(st.objs) != 1 {
		t.Fatalf("failure store holds %d objects, want 1", len(st.objs))
	}
	for key, body := range st.objs {
		if !strings.HasPrefix(key, "publisher/ocpp-dev-messages/") || !strings.HasSuffix(key, "-"+bad.EventID) {
			t.Errorf("key %s", key)
		}
		var obj struct {
			RequestContext struct{ Condition string } `json:"requestContext"`
			Payload        string                     `json:"payload"`
		}
		if err := json.Unmarshal(body, &obj); err != nil {
			t.Fatal(err)
		}
		var ev events.DynamoDBEvent
		if err := json.Unmarshal([]byte(obj.Payload), &ev); err != nil {
			t.Fatal(err)
		}
		if obj.RequestContext.Condition != "PermanentFailure" || len(ev.Records) != 1 || ev.Records[0].Change.SequenceNumber != bad.Change.SequenceNumber ||
			ev.Records[0].Change.NewImage["kind"].String() != "mystery" {
			t.Errorf("object %s", body)
		}
	}
	if n := strings.Count(logs.String(), `"msg":"`+PermanentFailureLog+`"`); n != 1 {
		t.Errorf("%d permanent-failure log lines, want 1:\n%s", n, logs.String())
	}
}

// When the failure store cannot be written, the poison record is a transient failure: it and
// the box's later records are retried; other boxes go on.
func TestFailureStoreErrorRetriesTheRecord(t *testing.T) {
	bad := record(t, "INSERT", []string{"chargeBoxId", "seq"}, map[string]any{"chargeBoxId": "A", "seq": "1", "kind": "mystery"}, nil)
	later := frameRecord(t, "A", "2", heartbeat("a2")...)
	other := frameRecord(t, "B", "1", heartbeat("b1")...)
	pub := &fakePublisher{}
	resp, _ := NewHandler(pub, nil, nil, WithFailureStore(&memStore{err: errors.New("access denied")}))(context.Background(),
		events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{bad, other, later}})
	want := []string{bad.Change.SequenceNumber, later.Change.SequenceNumber}
	if got := failedSeqs(resp); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("failures %v, want %v", got, want)
	}
	// The later record was published in the same batch; it is reported with the poison
	// record all the same, so the retry keeps A's order (and repeats its message ids).
	if ids := pub.ids(); strings.Join(ids, " ") != "A/2/0 A/2/1 B/1/0 B/1/1" {
		t.Errorf("published %v", ids)
	}
}

// A poison record behind a record whose publish failed is not set aside yet: the retry
// reaches it again, and the failure store must hold it once.
func TestPoisonRecordAfterAFailedRecordWaitsForTheRetry(t *testing.T) {
	bad := record(t, "INSERT", []string{"chargeBoxId", "seq"}, map[string]any{"chargeBoxId": "A", "seq": "2", "kind": "mystery"}, nil)
	recs := []events.DynamoDBEventRecord{frameRecord(t, "A", "1", heartbeat("a1")...), bad}
	pub := &fakePublisher{fail: func(m bus.Message) error {
		if m.MessageID == "A/1/0" {
			return bus.ErrNacked
		}
		return nil
	}}
	st := &memStore{}
	resp, _ := NewHandler(pub, nil, nil, WithFailureStore(st))(context.Background(), events.DynamoDBEvent{Records: recs})
	want := []string{recs[0].Change.SequenceNumber, bad.Change.SequenceNumber}
	if got := failedSeqs(resp); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("failures %v, want %v", got, want)
	}
	if len(st.objs) != 0 {
		t.Errorf("failure store holds %d objects before the record was reached", len(st.objs))
	}
}

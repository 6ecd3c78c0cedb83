package publish_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/serverless-ocpp/csms/localstack/streams"
	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/bus/bustest"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/failures"
	"github.com/serverless-ocpp/csms/shared/publish"
	"github.com/serverless-ocpp/csms/shared/replay"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
	"github.com/serverless-ocpp/csms/shared/streamfilter"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// harness is the publishing path of the local stack: tables on DynamoDB Local, the stream
// reader with the deployed mappings' settings (filter criteria, bisect, retry by age, failure
// store), the publisher handler, RabbitMQ and a consumer bound to every routing key.
type harness struct {
	cfg      config.Config
	st       *store.Store
	consumer *bustest.Consumer
	failures failures.Dir

	mu            sync.Mutex
	failedByTable map[string]int // invocations that failed or reported failures, per table

	invocations     atomic.Int32
	partialFailures atomic.Int32
	running         atomic.Int32 // invocations under way
}

type harnessOptions struct {
	// wrap decorates the handler's publisher (fault injection).
	wrap func(publish.Publisher) publish.Publisher
	// wrapHandler decorates the handler the stream reader invokes.
	wrapHandler func(publish.Handler) publish.Handler
	// lock is bustest.UseBroker, or bustest.OwnBroker for a test that stops the broker.
	lock func(testing.TB)
	// poll is the stream reader's poll interval [50ms].
	poll time.Duration
	// reader adjusts the stream reader's options (time scaling).
	reader func(*streams.Options)
}

func newHarness(tb testing.TB, o harnessOptions) *harness {
	tb.Helper()
	url := bustest.URL(tb)
	cfg := storetest.Config(tb)
	if o.lock == nil {
		o.lock = bustest.UseBroker
	}
	o.lock(tb)
	h := &harness{cfg: cfg, st: store.New(storetest.Tables(tb, cfg), cfg.TablePrefix), failures: failures.Dir(tb.TempDir()), failedByTable: map[string]int{}}
	h.consumer = bustest.NewConsumer(tb, url,
		bustest.Binding{Exchange: bus.ExchangeOCPP, Key: bus.KeyFrames},
		bustest.Binding{Exchange: bus.ExchangeOCPP, Key: bus.KeyConnectionEvents},
		bustest.Binding{Exchange: bus.ExchangeSessions, Key: bus.KeySessions},
	)
	amqpPub := bus.NewAMQP(bus.StaticURL(url), nil)
	amqpPub.ConfirmTimeout = 5 * time.Second
	tb.Cleanup(func() { _ = amqpPub.Close() })
	var pub publish.Publisher = amqpPub
	if o.wrap != nil {
		pub = o.wrap(pub)
	}
	handler := publish.NewHandler(pub, h.st, nil, publish.WithFailureStore(h.failures))
	if o.wrapHandler != nil {
		handler = o.wrapHandler(handler)
	}
	counted := func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		h.invocations.Add(1)
		h.running.Add(1)
		defer h.running.Add(-1)
		resp, err := handler(ctx, ev)
		if len(resp.BatchItemFailures) > 0 {
			h.partialFailures.Add(1)
		}
		if (len(resp.BatchItemFailures) > 0 || err != nil) && len(ev.Records) > 0 {
			h.mu.Lock()
			h.failedByTable[failures.TableOf(ev.Records[0].EventSourceArn)]++
			h.mu.Unlock()
		}
		return resp, err
	}

	awsCfg, err := cfg.AWS(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	sc := dynamodbstreams.NewFromConfig(awsCfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(cfg.DynamoDBEndpoint) })
	if o.poll == 0 {
		o.poll = 50 * time.Millisecond
	}
	byName := map[string]tables.Table{tables.Messages.FullName(cfg.TablePrefix): tables.Messages, tables.Sessions.FullName(cfg.TablePrefix): tables.Sessions}
	ro := streams.Options{
		PollInterval: o.poll, MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, InvocationTimeout: 20 * time.Second,
		Bisect: true, FailureStore: h.failures,
		Filter: func(table string, rec events.DynamoDBEventRecord) bool {
			return streamfilter.Deliver(byName[table], rec)
		},
	}
	if o.reader != nil {
		o.reader(&ro)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- streams.Run(ctx, sc, []string{tables.Messages.FullName(cfg.TablePrefix), tables.Sessions.FullName(cfg.TablePrefix)}, counted, ro)
	}()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("stream reader: %v", err)
		}
	})
	return h
}

// failedBatches is how many invocations on table's stream failed or reported failures.
func (h *harness) failedBatches(table tables.Table) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.failedByTable[table.FullName(h.cfg.TablePrefix)]
}

// stored returns the keys in the failure store.
func (h *harness) stored(t testing.TB) []string {
	t.Helper()
	keys, err := h.failures.List()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// waitUntil polls cond until it holds, failing the test after timeout.
func waitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond) // polling: the stream reader has nothing to block on
	}
}

// drain makes sure nothing more will arrive: it writes a last record to each stream (a new
// box's connection event and a finished session of it), waits until both are published
// and no invocation runs, and returns what arrived before, the closing box's messages left out.
// DynamoDB Local keeps one shard per stream, so the reader has then gone past every record
// written before, retries included.
func (h *harness) drain(t testing.TB) []amqp.Delivery {
	t.Helper()
	end := newScript(t, h.st, bustest.Name("CB-END-"))
	end.connect()
	tx, err := h.st.StartSession(context.Background(), store.Session{ChargeBoxID: end.box, TenantID: "tenant-1", ConnectorID: 1, IDTag: "TAG-END", StartedAt: "2025-06-01T11:59:00.000000000Z"}, time.Now())
	if err != nil {
		t.Fatalf("closing session: %v", err)
	}
	if _, err := h.st.StopSession(context.Background(), store.Stop{ChargeBoxID: end.box, TenantID: "tenant-1", TransactionID: tx, MeterStop: 1, StoppedAt: "2025-06-01T12:00:00Z", IDTag: "TAG-END"}, time.Now()); err != nil {
		t.Fatalf("closing session: %v", err)
	}
	closing := fmt.Sprintf("session-%s-%d", end.box, tx)
	h.consumer.WaitFor(30*time.Second, "the closing records", func(ds []amqp.Delivery) bool {
		return len(ocppOrder(t, ds, end.box)) == 1 && len(sessionsOf(t, ds)[closing]) > 0
	})
	waitUntil(t, 30*time.Second, "the last invocation to end", func() bool { return h.running.Load() == 0 })
	var out []amqp.Delivery
	for _, d := range decode(t, h.consumer.Deliveries()) {
		if d.box() != end.box {
			out = append(out, d.d)
		}
	}
	return out
}

// script writes what the store writes while a charge box talks to the central system.
type script struct {
	tb  testing.TB
	st  *store.Store
	box string
	at  time.Time
	n   int
	// want is the order in which the box's ocpp messages must reach consumers: the event type
	// of connection events, "<direction> <uniqueId>" of frames.
	want []string
}

func newScript(tb testing.TB, st *store.Store, box string) *script {
	return &script{tb: tb, st: st, box: box, at: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)}
}

func (s *script) tick() time.Time {
	s.at = s.at.Add(time.Second)
	return s.at
}

func (s *script) connect() {
	s.tb.Helper()
	at := s.tick()
	ev := store.ConnectionEvent{ChargeBoxID: s.box, TenantID: "tenant-1", ConnectionID: "conn-" + s.box, EventType: store.EventConnected, IP: "10.1.2.3", Status: "Accepted", OccurredAt: at, Retention: time.Hour}
	if err := s.st.Connect(context.Background(), store.Connection{ChargeBoxID: s.box, ConnectionID: "conn-" + s.box, TenantID: "tenant-1", ConnectedAt: store.FormatTime(at), ExpiresAt: at.Add(time.Hour).Unix()}, ev); err != nil {
		s.tb.Fatalf("connect: %v", err)
	}
	s.want = append(s.want, "connected")
}

func (s *script) disconnect() {
	s.tb.Helper()
	ev := store.ConnectionEvent{ChargeBoxID: s.box, TenantID: "tenant-1", ConnectionID: "conn-" + s.box, EventType: store.EventDisconnected, IP: "10.1.2.3", Status: store.StatusDisconnected, OccurredAt: s.tick(), Retention: time.Hour}
	if _, err := s.st.Disconnect(context.Background(), s.box, "conn-"+s.box, ev); err != nil {
		s.tb.Fatalf("disconnect: %v", err)
	}
	s.want = append(s.want, "disconnected")
}

// exchange logs a CALL from the box and the answer sent to it.
func (s *script) exchange(action, payload, answer string) {
	s.tb.Helper()
	s.n++
	uid := fmt.Sprintf("%s-%d", s.box, s.n)
	at := s.tick()
	ts := store.FormatTime(at)
	err := s.st.LogExchange(context.Background(), store.Exchange{
		ChargeBoxID: s.box, TenantID: "tenant-1", ConnectionID: "conn-" + s.box, OccurredAt: at, Retention: time.Hour,
		Frames: []store.LoggedFrame{
			{Direction: store.FromBox, Raw: fmt.Sprintf(`[2,"%s","%s",%s]`, uid, action, payload), MessageType: 2, UniqueID: uid, Action: action, OccurredAt: ts},
			{Direction: store.ToBox, Raw: fmt.Sprintf(`[3,"%s",%s]`, uid, answer), MessageType: 3, UniqueID: uid, ResponseTo: action, OccurredAt: store.FormatTime(at.Add(time.Millisecond))},
		},
	})
	if err != nil {
		s.tb.Fatalf("log exchange: %v", err)
	}
	s.want = append(s.want, "from-box "+uid, "to-box "+uid)
}

// session runs a whole charging session and returns its transaction id.
func (s *script) session(meterStart, meterStop int, readings ...int) int {
	s.tb.Helper()
	ctx := context.Background()
	started := s.tick()
	s.exchange("StartTransaction", fmt.Sprintf(`{"connectorId":1,"idTag":"TAG-%s","meterStart":%d,"timestamp":"%s"}`, s.box, meterStart, started.Format(time.RFC3339)), `{"idTagInfo":{"status":"Accepted"},"transactionId":0}`)
	id, err := s.st.StartSession(ctx, store.Session{ChargeBoxID: s.box, TenantID: "tenant-1", ConnectorID: 1, IDTag: "TAG-" + s.box, MeterStart: meterStart, StartedAt: store.FormatTime(started)}, started)
	if err != nil {
		s.tb.Fatalf("start session: %v", err)
	}
	var rs []store.Reading
	for i, wh := range readings {
		ts := s.tick()
		rs = append(rs, store.Reading{ChargeBoxID: s.box, ReadingKey: store.ReadingKey(ts, 1, "mv", i), ConnectorID: 1, TransactionID: id, Timestamp: store.FormatTime(ts), Source: "MeterValues", UniqueID: "mv",
			SampledValues: []store.SampledValue{{Value: fmt.Sprint(wh), Measurand: "Energy.Active.Import.Register", Unit: "Wh"}, {Value: "16", Measurand: "Current.Import", Unit: "A"}}})
		s.exchange("MeterValues", fmt.Sprintf(`{"connectorId":1,"transactionId":%d,"meterValue":[]}`, id), `{}`)
	}
	if err := s.st.PutReadings(ctx, rs); err != nil {
		s.tb.Fatalf("put readings: %v", err)
	}
	stopped := s.tick()
	data := fmt.Sprintf(`[{"timestamp":"%s","sampledValue":[{"value":"%d","unit":"Wh"}]}]`, stopped.Format(time.RFC3339), meterStop)
	s.exchange("StopTransaction", fmt.Sprintf(`{"transactionId":%d,"meterStop":%d}`, id, meterStop), `{}`)
	stop := store.Stop{ChargeBoxID: s.box, TenantID: "tenant-1", TransactionID: id, MeterStop: meterStop, StoppedAt: stopped.Format(time.RFC3339), Reason: "Local", IDTag: "TAG-" + s.box, TransactionData: data}
	for range 2 { // the second is a retried StopTransaction
		if _, err := s.st.StopSession(ctx, stop, stopped); err != nil {
			s.tb.Fatalf("stop session: %v", err)
		}
	}
	return id
}

// delivered is a consumed message with its decoded body.
type delivered struct {
	d    amqp.Delivery
	body map[string]any
}

func decode(t testing.TB, ds []amqp.Delivery) []delivered {
	t.Helper()
	out := make([]delivered, len(ds))
	for i, d := range ds {
		out[i].d = d
		if err := json.Unmarshal(d.Body, &out[i].body); err != nil {
			t.Fatalf("delivery %s: body %s: %v", d.MessageId, d.Body, err)
		}
	}
	return out
}

// ofBoxes keeps the deliveries about the charge boxes named.
func ofBoxes(t testing.TB, ds []amqp.Delivery, boxes ...string) []amqp.Delivery {
	t.Helper()
	var out []amqp.Delivery
	for _, d := range decode(t, ds) {
		if slices.Contains(boxes, d.box()) {
			out = append(out, d.d)
		}
	}
	return out
}

func (d delivered) box() string { s, _ := d.body["charge_box_serial"].(string); return s }

// label names an ocpp message as script.want does.
func (d delivered) label() string {
	if ev, ok := d.body["event_type"].(string); ok {
		return ev
	}
	return fmt.Sprintf("%v %v", d.body["direction"], d.body["unique_id"])
}

// ocppOrder returns the labels of box's ocpp messages in arrival order, duplicates dropped.
func ocppOrder(t testing.TB, ds []amqp.Delivery, box string) []string {
	var out []string
	for _, d := range decode(t, bustest.Unique(ds)) {
		if d.d.Exchange == bus.ExchangeOCPP && d.box() == box {
			out = append(out, d.label())
		}
	}
	return out
}

func countOCPP(t testing.TB, ds []amqp.Delivery, boxes ...string) int {
	n := 0
	for _, b := range boxes {
		n += len(ocppOrder(t, ds, b))
	}
	return n
}

func sessionsOf(t testing.TB, ds []amqp.Delivery) map[string][]delivered {
	out := map[string][]delivered{}
	for _, d := range decode(t, ds) {
		if d.d.Exchange == bus.ExchangeSessions {
			out[d.d.MessageId] = append(out[d.d.MessageId], d)
		}
	}
	return out
}

// checkDuplicates fails when two deliveries share a message id but differ: dropping by
// message id is only safe when a duplicate is the same message.
func checkDuplicates(t testing.TB, ds []amqp.Delivery) int {
	t.Helper()
	first := map[string]amqp.Delivery{}
	dups := 0
	for _, d := range ds {
		if f, ok := first[d.MessageId]; ok {
			dups++
			if string(f.Body) != string(d.Body) || f.RoutingKey != d.RoutingKey {
				t.Errorf("message id %s names two different messages:\n%s\n%s", d.MessageId, f.Body, d.Body)
			}
			continue
		}
		first[d.MessageId] = d
	}
	return dups
}

func TestScriptedRunReachesConsumers(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	a, b := newScript(t, h.st, bustest.Name("CB-A-")), newScript(t, h.st, bustest.Name("CB-B-"))
	a.connect()
	b.connect()
	a.exchange("BootNotification", `{"chargePointVendor":"V","chargePointModel":"M"}`, `{"status":"Accepted","currentTime":"2025-06-01T10:00:00Z","interval":300}`)
	b.exchange("BootNotification", `{"chargePointVendor":"V","chargePointModel":"M"}`, `{"status":"Accepted","currentTime":"2025-06-01T10:00:00Z","interval":300}`)
	txA := a.session(1000, 13345, 5000, 9000)
	txB := b.session(5000, 4000) // the meter went backwards
	a.exchange("Heartbeat", `{}`, `{"currentTime":"2025-06-01T10:00:00Z"}`)
	// A StopTransaction for a transaction this system never started: an orphan stop, which
	// is never published.
	unknown := 900000 + int(time.Now().UnixNano()%99999)
	if _, err := h.st.StopSession(context.Background(), store.Stop{ChargeBoxID: a.box, TenantID: "tenant-1", TransactionID: unknown, MeterStop: 777, StoppedAt: "2025-06-01T11:00:00Z", IDTag: "TAG-X"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	a.disconnect()
	b.disconnect()

	wantSessions := []string{fmt.Sprintf("session-%s-%d", a.box, txA), fmt.Sprintf("session-%s-%d", b.box, txB)}
	h.consumer.WaitFor(30*time.Second, "every frame, event and session", func(ds []amqp.Delivery) bool {
		return countOCPP(t, ds, a.box, b.box) == len(a.want)+len(b.want) && len(sessionsOf(t, ds)) >= len(wantSessions)
	})
	// Nothing more may arrive (a retried stop publishing twice, say): look once the reader
	// has gone past everything.
	// Other packages' tests may publish to the same local broker meanwhile: judge only what
	// this test's boxes sent.
	got := ofBoxes(t, h.drain(t), a.box, b.box)

	if dups := checkDuplicates(t, got); dups != 0 {
		t.Errorf("%d duplicates in a run without faults", dups)
	}
	for _, s := range []*script{a, b} {
		if order := ocppOrder(t, got, s.box); strings.Join(order, "|") != strings.Join(s.want, "|") {
			t.Errorf("box %s messages\n got %v\nwant %v", s.box, order, s.want)
		}
	}
	checkOCPPMessages(t, got)
	checkScriptedSessions(t, got, a.box, wantSessions)
	for _, d := range got {
		if d.DeliveryMode != amqp.Persistent || d.ContentType != "application/json" || d.AppId != "ocpp-csms" || d.Timestamp.IsZero() {
			t.Fatalf("delivery %s properties: mode %d type %q app %q ts %s", d.MessageId, d.DeliveryMode, d.ContentType, d.AppId, d.Timestamp)
		}
	}
}

// checkOCPPMessages checks the body of every frame and connection event.
func checkOCPPMessages(t *testing.T, got []amqp.Delivery) {
	t.Helper()
	for _, d := range decode(t, got) {
		switch d.d.RoutingKey {
		case bus.KeyFrames:
			raw, _ := d.body["ocpp_message"].(string)
			if d.body["direction"] == "to-box" && (d.body["response_to"] == nil || !strings.HasPrefix(raw, "[3,")) {
				t.Errorf("answer frame %s", d.d.Body)
			}
			if d.body["direction"] == "from-box" && (d.body["action"] == nil || d.body["response_to"] != nil || !strings.Contains(raw, fmt.Sprintf("%q", d.body["action"]))) {
				t.Errorf("call frame %s", d.d.Body)
			}
		case bus.KeyConnectionEvents:
			if d.body["ip"] != "10.1.2.3" || d.body["connection_id"] != "conn-"+d.box() || d.body["tenant_id"] != "tenant-1" {
				t.Errorf("connection event %s", d.d.Body)
			}
		}
	}
}

// checkScriptedSessions checks the two sessions of TestScriptedRunReachesConsumers: box A's and
// box B's with its meter gone backwards, each published once, and nothing for the orphan stop.
func checkScriptedSessions(t *testing.T, got []amqp.Delivery, boxA string, wantSessions []string) {
	t.Helper()
	sessions := sessionsOf(t, got)
	if len(sessions) != len(wantSessions) {
		t.Errorf("sessions %v, want %v", sessions, wantSessions)
	}
	for _, id := range wantSessions {
		if n := len(sessions[id]); n != 1 {
			t.Fatalf("session %s published %d times, want once", id, n)
		}
	}
	sa, sb := sessions[wantSessions[0]][0].body, sessions[wantSessions[1]][0].body
	if sa["volume"] != 12.345 || sa["meter_went_backwards"] != false || sa["user_id"] != "TAG-"+boxA || sa["connector_id"] != 1.0 || sa["started_at"] == nil || sa["ended_at"] == nil {
		t.Errorf("session A %v", sa)
	}
	mv, _ := sa["meter_values"].(map[string]any)
	energy, _ := mv["measurands"].(map[string]any)["Energy.Active.Import.Register"].(map[string]any)
	if mv["samples"] != 5.0 || energy["min"] != 5000.0 || energy["max"] != 13345.0 || energy["last"] != 13345.0 || energy["unit"] != "Wh" {
		t.Errorf("session A meter values %v", mv)
	}
	if sb["volume"] != nil || sb["meter_went_backwards"] != true || sb["meter_start"] != 5000.0 || sb["meter_stop"] != 4000.0 {
		t.Errorf("session B %v", sb)
	}
}

// oldRetryAttempts is the MaximumRetryAttempts the mappings had before they retried by age:
// a mapping with it gives a batch up after that many failed retries.
const oldRetryAttempts = 100

// RabbitMQ is stopped for longer than the old retry window (time-scaled: the reader backs off
// 5-20 ms instead of Lambda's seconds, and the outage lasts until both streams have failed more
// than oldRetryAttempts invocations) while boxes go on sending frames, reconnecting and
// finishing sessions. Once it is back, every frame, connection event and finished session
// arrives, in order per box, duplicates only as repeats of one message_id, and nothing was
// given up to the failure store.
func TestBrokerOutageLosesNothing(t *testing.T) {
	h := newHarness(t, harnessOptions{lock: bustest.OwnBroker, reader: func(o *streams.Options) {
		o.MinBackoff, o.MaxBackoff = 5*time.Millisecond, 20*time.Millisecond
	}})
	boxes := []*script{newScript(t, h.st, bustest.Name("CB-O-")), newScript(t, h.st, bustest.Name("CB-P-"))}
	for _, s := range boxes {
		s.connect()
	}
	w := newOutageWriter(boxes)
	stopped, restarted, writerDone, outageWritten := &w.stopped, &w.restarted, w.done, w.outageWritten
	go w.run(40)

	h.consumer.WaitFor(20*time.Second, "messages before the outage", func(ds []amqp.Delivery) bool { return len(ds) >= 4 })
	bustest.Ctl(t, "stop_app")
	stopped.Done()
	up := false
	t.Cleanup(func() {
		if !up {
			bustest.Ctl(t, "start_app")
		}
	})
	<-outageWritten
	// The outage outlasts the old retry window on both streams: a mapping that gave up after
	// oldRetryAttempts would have dropped frames and the finished sessions by now.
	waitUntil(t, 90*time.Second, "both streams to fail beyond the old retry window", func() bool {
		return h.failedBatches(tables.Messages) > oldRetryAttempts && h.failedBatches(tables.Sessions) > oldRetryAttempts
	})
	bustest.Ctl(t, "start_app")
	bustest.Ctl(t, "await_startup")
	up = true
	restarted.Done()
	<-writerDone

	got := h.consumer.WaitFor(60*time.Second, "every message after the outage", func(ds []amqp.Delivery) bool {
		byID := sessionsOf(t, ds)
		for _, id := range w.sessions {
			if len(byID[id]) == 0 {
				return false
			}
		}
		return countOCPP(t, ds, boxes[0].box, boxes[1].box) == len(boxes[0].want)+len(boxes[1].want)
	})
	for _, s := range boxes {
		if order := ocppOrder(t, got, s.box); strings.Join(order, "|") != strings.Join(s.want, "|") {
			t.Errorf("box %s after dropping duplicates\n got %v\nwant %v", s.box, order, s.want)
		}
	}
	dups := checkDuplicates(t, got)
	if keys := h.stored(t); len(keys) != 0 {
		t.Errorf("records given up during a transient outage: %v", keys)
	}
	t.Logf("%d deliveries, %d duplicates (dropped by message id), %d invocations, failed: %d frame-log, %d session batches",
		len(got), dups, h.invocations.Load(), h.failedBatches(tables.Messages), h.failedBatches(tables.Sessions))
}

// outageWriter writes what boxes write around a broker outage: heartbeats throughout, and
// during the outage a reconnection and a finished session per box.
type outageWriter struct {
	boxes               []*script
	stopped, restarted  sync.WaitGroup // released by the test when the broker is down, up again
	done, outageWritten chan struct{}
	sessions            []string // message ids of the finished sessions; read after done
}

func newOutageWriter(boxes []*script) *outageWriter {
	w := &outageWriter{boxes: boxes, done: make(chan struct{}), outageWritten: make(chan struct{})}
	w.stopped.Add(1)
	w.restarted.Add(1)
	return w
}

func (w *outageWriter) run(exchanges int) {
	defer close(w.done)
	for i := range exchanges {
		for _, s := range w.boxes {
			s.exchange("Heartbeat", `{}`, `{"currentTime":"2025-06-01T10:00:00Z"}`)
			switch i {
			case exchanges/4 + 2:
				s.disconnect()
				s.connect()
			case exchanges/4 + 4:
				tx := s.session(1000, 1500, 1200)
				w.sessions = append(w.sessions, fmt.Sprintf("session-%s-%d", s.box, tx))
			}
		}
		switch i {
		case exchanges / 4:
			w.stopped.Wait() // rows go on being written while the broker is down
		case exchanges/4 + 4:
			close(w.outageWritten)
		case exchanges / 2:
			w.restarted.Wait()
		}
		time.Sleep(5 * time.Millisecond) // a charge box's pace, not a tight loop
	}
}

// A frame-log row that can never become a message (an unknown kind) lands whole in the failure
// store at once, and the box's later records are published without waiting for it.
func TestPoisonRecordGoesToTheFailureStore(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	s := newScript(t, h.st, bustest.Name("CB-POISON-"))
	s.connect()
	s.exchange("Heartbeat", `{}`, `{"currentTime":"2025-06-01T10:00:00Z"}`)
	db := storetest.Client(t, h.cfg)
	_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(tables.Messages.FullName(h.cfg.TablePrefix)),
		Item: map[string]ddbtypes.AttributeValue{
			"chargeBoxId": &ddbtypes.AttributeValueMemberS{Value: s.box},
			"seq":         &ddbtypes.AttributeValueMemberS{Value: "poison"},
			"kind":        &ddbtypes.AttributeValueMemberS{Value: "mystery"},
		},
	})
	if err != nil {
		t.Fatalf("poison row: %v", err)
	}
	for range 3 {
		s.exchange("Heartbeat", `{}`, `{"currentTime":"2025-06-01T10:00:00Z"}`)
	}
	got := h.consumer.WaitFor(30*time.Second, "the box's records after the poison one", func(ds []amqp.Delivery) bool {
		return len(ocppOrder(t, ds, s.box)) == len(s.want)
	})
	if order := ocppOrder(t, got, s.box); strings.Join(order, "|") != strings.Join(s.want, "|") {
		t.Errorf("box %s\n got %v\nwant %v", s.box, order, s.want)
	}
	// The record is set aside in the same invocation, once the box's earlier records went
	// through: right after its batch's publish, so possibly just after the consumer got the
	// messages.
	waitUntil(t, 30*time.Second, "the poison record in the failure store", func() bool { return len(h.stored(t)) > 0 })
	keys := h.stored(t)
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "publisher/"+tables.Messages.FullName(h.cfg.TablePrefix)+"/") {
		t.Fatalf("failure store %v, want the poison record", keys)
	}
	body, err := os.ReadFile(filepath.Join(string(h.failures), filepath.FromSlash(keys[0])))
	if err != nil {
		t.Fatal(err)
	}
	var rec failures.Record
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal([]byte(rec.Payload), &ev); err != nil {
		t.Fatal(err)
	}
	if rec.RequestContext.Condition != failures.PermanentFailure || len(ev.Records) != 1 ||
		ev.Records[0].Change.NewImage["kind"].String() != "mystery" || ev.Records[0].Change.Keys["chargeBoxId"].String() != s.box {
		t.Errorf("failure object %s", body)
	}
	if h.partialFailures.Load() != 0 {
		t.Errorf("%d invocations reported failures: the poison record held the box up", h.partialFailures.Load())
	}
}

// cancelling is a publisher that ends the current invocation once, in the middle of a
// publish, as a Lambda timeout or shutdown would: the batch's messages up to the after-th of the
// run go out, then the invocation's context is cancelled and the rest of that publish fails.
// It counts messages, not publishes: a batch is one publish whatever its size.
type cancelling struct {
	inner  publish.Publisher
	sent   atomic.Int64
	after  int64
	done   atomic.Bool
	cancel atomic.Pointer[context.CancelFunc]
}

func (c *cancelling) Publish(ctx context.Context, msgs ...bus.Message) error {
	end := c.sent.Add(int64(len(msgs)))
	if end <= c.after || c.done.Swap(true) {
		return c.inner.Publish(ctx, msgs...)
	}
	cut := int(max(0, c.after-(end-int64(len(msgs)))))
	errs := make([]error, len(msgs))
	if cut > 0 {
		err := c.inner.Publish(ctx, msgs[:cut]...)
		for i := range cut {
			errs[i] = bus.MessageError(err, i)
		}
	}
	if cancel := c.cancel.Load(); cancel != nil {
		(*cancel)()
	}
	err := c.inner.Publish(ctx, msgs[cut:]...)
	for i := cut; i < len(msgs); i++ {
		errs[i] = bus.MessageError(err, i-cut)
		if errs[i] == nil {
			errs[i] = context.Canceled // the invocation ended: its confirms count as lost
		}
	}
	return &bus.BatchError{Errs: errs}
}

func TestPublisherStoppedMidBatchLosesNothing(t *testing.T) {
	c := &cancelling{after: 7} // of the 30 messages below: within the first batches
	h := newHarness(t, harnessOptions{
		wrap: func(p publish.Publisher) publish.Publisher { c.inner = p; return c },
		wrapHandler: func(next publish.Handler) publish.Handler {
			return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				ctx, cancel := context.WithCancel(ctx)
				defer cancel()
				c.cancel.Store(&cancel)
				return next(ctx, ev)
			}
		},
	})
	boxes := []*script{newScript(t, h.st, bustest.Name("CB-X-")), newScript(t, h.st, bustest.Name("CB-Y-")), newScript(t, h.st, bustest.Name("CB-Z-"))}
	for range 5 {
		for _, s := range boxes {
			s.exchange("StatusNotification", `{"connectorId":1,"status":"Available","errorCode":"NoError"}`, `{}`)
		}
	}
	got := h.consumer.WaitFor(30*time.Second, "every message after the cancelled invocation", func(ds []amqp.Delivery) bool {
		n := 0
		for _, s := range boxes {
			n += len(s.want)
		}
		return countOCPP(t, ds, boxes[0].box, boxes[1].box, boxes[2].box) == n
	})
	for _, s := range boxes {
		if order := ocppOrder(t, got, s.box); strings.Join(order, "|") != strings.Join(s.want, "|") {
			t.Errorf("box %s\n got %v\nwant %v", s.box, order, s.want)
		}
	}
	checkDuplicates(t, got)
	if h.partialFailures.Load() == 0 || c.sent.Load() <= c.after {
		t.Errorf("the cancelled invocation reported no failures (%d messages handed to the publisher)", c.sent.Load())
	}
}

// Replaying a box's window republishes every frame, connection event and finished session of
// it with the same message_id: after dropping ids already seen, a consumer has each message
// exactly once; other boxes get nothing again.
func TestReplayIsConsumedOncePerMessage(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	s, other := newScript(t, h.st, bustest.Name("CB-R-")), newScript(t, h.st, bustest.Name("CB-S-"))
	for _, b := range []*script{s, other} {
		b.connect()
		b.exchange("Heartbeat", `{}`, `{"currentTime":"2025-06-01T10:00:00Z"}`)
	}
	s.session(1000, 1500, 1200)
	s.disconnect()
	first := h.drain(t)
	original, otherBefore := messageIDCounts(t, first, s.box), messageIDCounts(t, first, other.box)
	if len(original) != len(s.want)+1 { // the ocpp messages and the session
		t.Fatalf("original run: %d messages of %s, want %d", len(original), s.box, len(s.want)+1)
	}
	pub := bus.NewAMQP(bus.StaticURL(bustest.URL(t)), nil)
	t.Cleanup(func() { _ = pub.Close() })
	w := replay.Window{From: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC), Box: s.box}
	n, err := replay.Run(context.Background(), replay.Source{Store: h.st}, w, publish.NewHandler(pub, h.st, nil))
	if err != nil || n == 0 {
		t.Fatalf("replay: %d records, %v", n, err)
	}
	got := h.consumer.WaitFor(30*time.Second, "the replayed messages", func(ds []amqp.Delivery) bool {
		for id, c := range messageIDCounts(t, ds, s.box) {
			if c < 2*original[id] {
				return false
			}
		}
		return true
	})
	after := messageIDCounts(t, got, s.box)
	for id, c := range after {
		if original[id] == 0 || c != 2*original[id] {
			t.Errorf("message %s: %d deliveries after the replay, %d before", id, c, original[id])
		}
	}
	if len(after) != len(original) {
		t.Errorf("%d distinct messages after the replay, want %d", len(after), len(original))
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

// messageIDCounts counts the deliveries of box by message_id.
func messageIDCounts(t *testing.T, ds []amqp.Delivery, box string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, d := range decode(t, ds) {
		if d.box() == box {
			out[d.d.MessageId]++
		}
	}
	return out
}

package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func startSession(box string, connector int, tag string, at time.Time) store.Session {
	return store.Session{ChargeBoxID: box, ConnectorID: connector, IDTag: tag, MeterStart: 100, StartedAt: store.FormatTime(at)}
}

func TestStartSessionConcurrentRetriesGetOneID(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	const n = 20
	ids := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = st.StartSession(ctx, startSession("CP1", 1, "TAG1", t0), t0)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] || ids[i] <= 0 {
			t.Fatalf("start %d got id %d, start 0 got %d", i, ids[i], ids[0])
		}
	}
	sess, err := st.GetSession(ctx, ids[0])
	if err != nil || sess.Status != store.SessionRunning || sess.ConnectorID != 1 {
		t.Fatalf("session %+v, %v", sess, err)
	}
	conn, err := st.GetConnector(ctx, "CP1", 1)
	if err != nil || conn.RunningTransactionID != ids[0] {
		t.Fatalf("connector %+v, %v", conn, err)
	}
	// Only one session exists: every other id handed out by the counter has no session.
	for id := 1; id <= ids[0]+n; id++ {
		if id == ids[0] {
			continue
		}
		if _, err := st.GetSession(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unexpected session %d: %v", id, err)
		}
	}
}

func TestNewStartAbandonsRunningSessionOnSameConnector(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	first, err := st.StartSession(ctx, startSession("CP1", 2, "A", t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.StartSession(ctx, startSession("CP1", 2, "B", t0.Add(time.Minute)), t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if first == second {
		t.Fatalf("distinct starts got the same id %d", first)
	}
	old, err := st.GetSession(ctx, first)
	if err != nil || old.Status != store.SessionAbandoned || old.AbandonedBy != second {
		t.Fatalf("old session %+v, %v", old, err)
	}
	// Another connector is unaffected.
	third, err := st.StartSession(ctx, startSession("CP1", 1, "C", t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := st.GetSession(ctx, second); s.Status != store.SessionRunning {
		t.Fatalf("session on connector 2 changed by start %d on connector 1: %+v", third, s)
	}
}

func TestStopSessionIsIdempotentAndRecordsUnknown(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	id, err := st.StartSession(ctx, startSession("CP1", 1, "A", t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	stop := store.Stop{ChargeBoxID: "CP1", TransactionID: id, MeterStop: 5100, StoppedAt: store.FormatTime(t0.Add(time.Hour)), Reason: "Local"}
	changed, err := st.StopSession(ctx, stop, t0.Add(time.Hour))
	if err != nil || !changed {
		t.Fatalf("first stop: changed=%v err=%v", changed, err)
	}
	retry := stop
	retry.MeterStop = 9999
	changed, err = st.StopSession(ctx, retry, t0.Add(2*time.Hour))
	if err != nil || changed {
		t.Fatalf("retried stop: changed=%v err=%v", changed, err)
	}
	sess, _ := st.GetSession(ctx, id)
	if sess.Status != store.SessionFinished || sess.MeterStop == nil || *sess.MeterStop != 5100 || sess.StopReason != "Local" {
		t.Fatalf("finished session %+v", sess)
	}
	if c, _ := st.GetConnector(ctx, "CP1", 1); c.RunningTransactionID != 0 {
		t.Fatalf("connector still holds %d", c.RunningTransactionID)
	}
	// A stop from another box for this id changes nothing.
	if changed, err := st.StopSession(ctx, store.Stop{ChargeBoxID: "CP2", TransactionID: id, MeterStop: 1, StoppedAt: stop.StoppedAt}, t0); err != nil || changed {
		t.Fatalf("foreign stop: changed=%v err=%v", changed, err)
	}
	// A stop for an id never given out is recorded as such.
	changed, err = st.StopSession(ctx, store.Stop{ChargeBoxID: "CP1", TransactionID: 777, MeterStop: 42, StoppedAt: stop.StoppedAt}, t0)
	if err != nil || !changed {
		t.Fatalf("unknown stop: changed=%v err=%v", changed, err)
	}
	unknown, err := st.GetSession(ctx, 777)
	if err != nil || !unknown.UnknownStart || unknown.Status != store.SessionFinished {
		t.Fatalf("unknown session %+v, %v", unknown, err)
	}
}

func TestDisconnectKeepsNewerConnection(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	ev := func(conn, typ string, at time.Time) store.ConnectionEvent {
		return store.ConnectionEvent{ChargeBoxID: "CP1", ConnectionID: conn, EventType: typ, OccurredAt: at, Retention: time.Hour}
	}
	for _, c := range []string{"old", "new"} {
		if err := st.Connect(ctx, store.Connection{ChargeBoxID: "CP1", ConnectionID: c, ConnectedAt: store.FormatTime(t0), ExpiresAt: t0.Unix()}, ev(c, "connected", t0)); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := st.Disconnect(ctx, "CP1", "old", ev("old", "disconnected", t0.Add(time.Second)))
	if err != nil || removed {
		t.Fatalf("stale disconnect: removed=%v err=%v", removed, err)
	}
	c, err := st.GetConnection(ctx, "CP1")
	if err != nil || c.ConnectionID != "new" {
		t.Fatalf("connection after stale disconnect: %+v, %v", c, err)
	}
	removed, err = st.Disconnect(ctx, "CP1", "new", ev("new", "disconnected", t0.Add(2*time.Second)))
	if err != nil || !removed {
		t.Fatalf("disconnect: removed=%v err=%v", removed, err)
	}
	if _, err := st.GetConnection(ctx, "CP1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("connection row left: %v", err)
	}
	seen, err := st.LastSeen(ctx, "CP1")
	if err != nil || !seen.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("last seen %v, %v", seen, err)
	}
}

func TestConnectorStatusIgnoresOlderNotification(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	set := func(status string, at time.Time) bool {
		ok, err := st.SetConnectorStatus(ctx, store.Connector{ChargeBoxID: "CP1", ConnectorID: 1, Status: status, ErrorCode: "NoError", StatusAt: store.FormatTime(at)})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !set("Charging", t0.Add(time.Minute)) {
		t.Fatal("first status not stored")
	}
	if set("Available", t0) {
		t.Fatal("older status overwrote a newer one")
	}
	if c, _ := st.GetConnector(ctx, "CP1", 1); c.Status != "Charging" {
		t.Fatalf("status %q", c.Status)
	}
}

func TestCommandSlotAndCompletion(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	cmd := func(id string) store.Command {
		return store.Command{CommandID: id, ChargeBoxID: "CP1", ConnectionID: "c1", Action: "Reset", Request: `{"type":"Soft"}`, Status: store.CommandPending, CreatedAt: store.FormatTime(t0), ExpiresAt: t0.Add(time.Hour).Unix()}
	}
	if err := st.BeginCommand(ctx, cmd("u1"), t0, time.Minute); !errors.Is(err, store.ErrNotConnected) {
		t.Fatalf("begin without connection: %v", err)
	}
	if err := st.Connect(ctx, store.Connection{ChargeBoxID: "CP1", ConnectionID: "c1", ConnectedAt: store.FormatTime(t0), ExpiresAt: t0.Add(time.Hour).Unix()},
		store.ConnectionEvent{ChargeBoxID: "CP1", ConnectionID: "c1", EventType: "connected", OccurredAt: t0, Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := st.BeginCommand(ctx, cmd("u1"), t0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := st.BeginCommand(ctx, cmd("u2"), t0, time.Minute); !errors.Is(err, store.ErrBusy) {
		t.Fatalf("second outstanding call: %v", err)
	}
	if _, err := st.CompleteCommand(ctx, "CP2", "u1", store.Outcome{Status: store.CommandAnswered, At: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("answer from another box: %v", err)
	}
	c, err := st.CompleteCommand(ctx, "CP1", "u1", store.Outcome{Status: store.CommandAnswered, Response: `{"status":"Accepted"}`, At: t0})
	if err != nil || c.Action != "Reset" || c.Response != `{"status":"Accepted"}` {
		t.Fatalf("complete: %+v, %v", c, err)
	}
	if _, err := st.CompleteCommand(ctx, "CP1", "u1", store.Outcome{Status: store.CommandAnswered, At: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("repeated answer: %v", err)
	}
	if err := st.BeginCommand(ctx, cmd("u2"), t0, time.Minute); err != nil {
		t.Fatalf("slot not freed by the answer: %v", err)
	}
	// A slot held past its time can be taken over (a box that never answered).
	if err := st.BeginCommand(ctx, cmd("u3"), t0.Add(2*time.Minute), time.Minute); err != nil {
		t.Fatalf("expired slot not taken over: %v", err)
	}
}

func TestBootRecordsAndReturnsRegistration(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if _, err := st.RecordBoot(ctx, "nobody", store.Boot{ChargePointVendor: "V"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("boot of unregistered box: %v", err)
	}
	if _, err := st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: "CP1", RegistrationStatus: store.RegistrationPending}, t0); err != nil {
		t.Fatal(err)
	}
	status, err := st.RecordBoot(ctx, "CP1", store.Boot{ChargePointVendor: "V", ChargePointModel: "M", Iccid: "123", BootedAt: store.FormatTime(t0)})
	if err != nil || status != store.RegistrationPending {
		t.Fatalf("boot: %q, %v", status, err)
	}
	b, _ := st.GetChargeBox(ctx, "CP1")
	if b.ChargePointVendor != "V" || b.Iccid != "123" || b.RegistrationStatus != store.RegistrationPending {
		t.Fatalf("box %+v", b)
	}
}

func TestConnectReplayIsIdempotent(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	connect := func(conn string) error {
		return st.Connect(ctx, store.Connection{ChargeBoxID: "CP1", ConnectionID: conn, ConnectedAt: store.FormatTime(t0), ExpiresAt: t0.Unix()},
			store.ConnectionEvent{ChargeBoxID: "CP1", ConnectionID: conn, EventType: "connected", OccurredAt: t0, Retention: time.Hour})
	}
	if err := connect("first"); err != nil {
		t.Fatal(err)
	}
	if err := connect("second"); err != nil {
		t.Fatal(err)
	}
	// A late replay of the first $connect succeeds and leaves the newer connection in place.
	if err := connect("first"); err != nil {
		t.Fatalf("replayed connect: %v", err)
	}
	if c, err := st.GetConnection(ctx, "CP1"); err != nil || c.ConnectionID != "second" {
		t.Fatalf("connection %+v, %v; want the newer one kept", c, err)
	}
}

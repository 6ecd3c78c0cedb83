package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// logWatch is a slog.Handler keeping every record of the stack's handlers, so a test can wait
// for something the system did that leaves no other trace (a $disconnect that changes nothing).
type logWatch struct {
	recs  *logRecords
	attrs []slog.Attr
}

type logRecords struct {
	mu   sync.Mutex
	list []map[string]string
}

func (w *logWatch) Enabled(context.Context, slog.Level) bool { return true }

func (w *logWatch) Handle(_ context.Context, r slog.Record) error {
	m := map[string]string{"msg": r.Message}
	for _, a := range w.attrs {
		m[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
	w.recs.mu.Lock()
	defer w.recs.mu.Unlock()
	w.recs.list = append(w.recs.list, m)
	return nil
}

func (w *logWatch) WithAttrs(as []slog.Attr) slog.Handler {
	return &logWatch{recs: w.recs, attrs: append(slices.Clone(w.attrs), as...)}
}

func (w *logWatch) WithGroup(string) slog.Handler { return w }

// find returns the first record with message msg whose attributes include kv (key, value, ...).
func (w *logWatch) find(msg string, kv ...string) map[string]string {
	w.recs.mu.Lock()
	defer w.recs.mu.Unlock()
	for _, m := range w.recs.list {
		match := m["msg"] == msg
		for i := 0; match && i+1 < len(kv); i += 2 {
			match = m[kv[i]] == kv[i+1]
		}
		if match {
			return m
		}
	}
	return nil
}

// startWatchedStack runs a local stack (auto-registration off) whose logs w keeps.
func startWatchedStack(t *testing.T) (*stack.Stack, *logWatch) {
	t.Helper()
	cfg := storetest.Config(t)
	cfg.MessageRetention = time.Hour
	w := &logWatch{recs: &logRecords{}}
	st, err := stack.Start(context.Background(), cfg, stack.Options{WSAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0"}, slog.New(w))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, w
}

// waitClosed waits until the central system has closed b's socket.
func waitClosed(t *testing.T, b *box, why string) {
	t.Helper()
	select {
	case <-b.closed:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: %s's connection was not closed", why, b.id)
	}
}

// views tells what the operator API says about a box's connection: /connections,
// /charge-boxes/{id} and /evses/{id}*1, in that order.
func views(t *testing.T, op *operator, id string) [3]bool {
	t.Helper()
	var v [3]bool
	items, _ := op.must(200, "GET", "/connections", nil)["items"].([]any)
	for _, it := range items {
		v[0] = v[0] || it.(map[string]any)["chargeBoxId"] == id
	}
	v[1] = op.must(200, "GET", "/charge-boxes/"+id, nil)["connected"] == true
	v[2] = op.must(200, "GET", "/evses/"+id+"*1", nil)["connected"] == true
	return v
}

// connected reports a box connected or not, requiring the three views to agree.
func connected(t *testing.T, op *operator, id string) bool {
	t.Helper()
	v := views(t, op, id)
	if v[0] != v[1] || v[1] != v[2] {
		t.Fatalf("%s: /connections %v, /charge-boxes %v, /evses %v disagree", id, v[0], v[1], v[2])
	}
	return v[0]
}

// offline reports whether every view says the box is not connected.
func offline(t *testing.T, op *operator, id string) bool {
	t.Helper()
	return views(t, op, id) == [3]bool{}
}

const (
	passA  = "sixteen-chars-pw-A"
	passA2 = "a-second-password-for-A"
)

// TestRegistryChangesCloseTheConnection: changing a box's password, rejecting it, removing its
// password or deleting it closes its live connection through the Management API, so it is
// judged again by the authorizer; the other box stays connected throughout.
func TestRegistryChangesCloseTheConnection(t *testing.T) {
	st, _ := startWatchedStack(t)
	op := newOperator(t, st)
	op.must(201, "PUT", "/charge-boxes/SECA", obj("registrationStatus", "Accepted", "password", passA))
	op.must(201, "PUT", "/charge-boxes/OPENB", obj("registrationStatus", "Accepted", "unsecured", true))
	a, resp, err := dial(t, st, "SECA", dialOpts{user: "SECA", pass: passA})
	if err != nil {
		t.Fatalf("dial SECA: %v (%s)", err, status(resp))
	}
	b := mustDial(t, st, "OPENB")
	hb := func(x *box) { x.call("Heartbeat", obj(), &ocpp.HeartbeatResponse{}) }
	hb(a)
	hb(b)

	// A new password: A is closed and must come back with it.
	op.must(200, "PUT", "/charge-boxes/SECA", obj("registrationStatus", "Accepted", "password", passA2))
	waitClosed(t, a, "password changed")
	eventually(t, "SECA offline", func() bool { return offline(t, op, "SECA") })
	if _, resp, err := dial(t, st, "SECA", dialOpts{user: "SECA", pass: passA}); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old password: %v (%s), want 401", err, status(resp))
	}
	a, resp, err = dial(t, st, "SECA", dialOpts{user: "SECA", pass: passA2})
	if err != nil {
		t.Fatalf("new password refused: %v (%s)", err, status(resp))
	}
	hb(b)

	// Rejected: closed, and the reconnected box is told Rejected.
	op.must(200, "PUT", "/charge-boxes/SECA", obj("registrationStatus", "Rejected"))
	waitClosed(t, a, "rejected")
	a, resp, err = dial(t, st, "SECA", dialOpts{user: "SECA", pass: passA2})
	if err != nil {
		t.Fatalf("rejected box reconnect: %v (%s)", err, status(resp))
	}
	var boot ocpp.BootNotificationResponse
	a.call("BootNotification", obj("chargePointVendor", "ACME", "chargePointModel", "M"), &boot)
	if boot.Status != ocpp.RegistrationStatusRejected {
		t.Fatalf("boot after Rejected: %s", boot.Status)
	}

	// Removing the password needs the box marked unsecured; then it connects on its id alone.
	if r := op.do("PUT", "/charge-boxes/SECA", obj("registrationStatus", "Accepted", "password", "")); r.Status != 400 || r.Body["field"] != "password" {
		t.Fatalf("password removed alone: %d %s", r.Status, r.Raw)
	}
	if !connected(t, op, "SECA") {
		t.Fatal("a refused registry change closed the connection")
	}
	op.must(200, "PUT", "/charge-boxes/SECA", obj("registrationStatus", "Accepted", "password", "", "unsecured", true))
	waitClosed(t, a, "password removed")
	a = mustDial(t, st, "SECA")
	hb(a)
	unsecured, _ := op.must(200, "GET", "/charge-boxes?unsecured=true", nil)["items"].([]any)
	var ids []string
	for _, it := range unsecured {
		ids = append(ids, it.(map[string]any)["chargeBoxId"].(string))
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"OPENB", "SECA"}) {
		t.Fatalf("unsecured boxes %v", ids)
	}

	// Deleted: B is closed and refused from then on; A stays.
	op.must(204, "DELETE", "/charge-boxes/OPENB", nil)
	waitClosed(t, b, "deleted")
	eventually(t, "OPENB's row gone", func() bool {
		_, err := st.Store.GetConnection(context.Background(), "OPENB", time.Now())
		return err != nil
	})
	if _, resp, err := dial(t, st, "OPENB", dialOpts{}); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("deleted box: %v (%s), want 403", err, status(resp))
	}
	hb(a)
	if !connected(t, op, "SECA") {
		t.Fatal("SECA not connected")
	}
}

// TestConnectionLifecycle: a replaced connection's $disconnect neither takes the box offline
// nor logs "disconnected" after the newer "connected"; a $connect older than the stored
// connection is refused; a row past its TTL counts as offline everywhere and is no command
// target.
func TestConnectionLifecycle(t *testing.T) {
	st, logs := startWatchedStack(t)
	op := newOperator(t, st)
	ctx := context.Background()
	for _, id := range []string{"LIFE1", "LIFE2", "LATE", "STALE"} {
		op.must(201, "PUT", "/charge-boxes/"+id, obj("registrationStatus", "Accepted", "unsecured", true))
	}
	other := mustDial(t, st, "LIFE2")

	old := mustDial(t, st, "LIFE1")
	first, err := st.Store.GetConnection(ctx, "LIFE1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fresh := mustDial(t, st, "LIFE1")
	_ = old.ws.Close()
	eventually(t, "the replaced connection's $disconnect", func() bool {
		return logs.find("charge box disconnected", "connectionId", first.ConnectionID) != nil
	})
	if m := logs.find("charge box disconnected", "connectionId", first.ConnectionID); m["outcome"] != store.Replaced.String() {
		t.Fatalf("disconnect of the replaced connection: %v", m)
	}
	if !connected(t, op, "LIFE1") {
		t.Fatal("the replaced connection's $disconnect took LIFE1 offline")
	}
	rows, _ := op.must(200, "GET", "/charge-boxes/LIFE1/messages", nil)["items"].([]any)
	for _, r := range rows {
		if r.(map[string]any)["eventType"] == string(store.EventDisconnected) {
			t.Fatalf("frame log has a disconnected event: %v", rows)
		}
	}
	// Operator commands reach the newer connection.
	pending := op.async("POST", "/charge-boxes/LIFE1/remote/trigger-message", obj("requestedMessage", "Heartbeat"))
	fresh.answer(fresh.nextCall(ocpp.TriggerMessage), obj("status", "Accepted"))
	if r := await(t, pending); r.Status != 200 {
		t.Fatalf("command to the newer connection: %d %s", r.Status, r.Raw)
	}

	// A connection stored as opened in the future stands for a $connect that ran later than
	// this dial's: the dial is the late one and is refused, the stored row stays.
	future := time.Now().Add(time.Minute)
	if err := st.Store.Connect(ctx, store.Connection{ChargeBoxID: "LATE", ConnectionID: "bmV3ZXItY29ubmVjdGlvbg=", ConnectedAt: store.FormatTime(future), ExpiresAt: future.Add(time.Hour).Unix()},
		store.ConnectionEvent{ChargeBoxID: "LATE", ConnectionID: "bmV3ZXItY29ubmVjdGlvbg=", EventType: store.EventConnected, OccurredAt: future, Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, resp, err := dial(t, st, "LATE", dialOpts{}); err == nil || resp == nil || resp.StatusCode != http.StatusConflict {
		t.Fatalf("late $connect: %v (%s), want 409", err, status(resp))
	}
	if c, err := st.Store.GetConnection(ctx, "LATE", time.Now()); err != nil || c.ConnectionID != "bmV3ZXItY29ubmVjdGlvbg=" {
		t.Fatalf("stored connection after the late $connect: %+v, %v", c, err)
	}

	// A row whose $disconnect was lost, past its TTL but not yet deleted by DynamoDB.
	gone := time.Now().Add(-3 * time.Hour)
	if err := st.Store.Connect(ctx, store.Connection{ChargeBoxID: "STALE", ConnectionID: "c3RhbGUtY29ubmVjdGlvbg=", ConnectedAt: store.FormatTime(gone), ExpiresAt: gone.Add(2 * time.Hour).Unix()},
		store.ConnectionEvent{ChargeBoxID: "STALE", ConnectionID: "c3RhbGUtY29ubmVjdGlvbg=", EventType: store.EventConnected, OccurredAt: gone, Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if connected(t, op, "STALE") {
		t.Fatal("an expired connection row is reported as connected")
	}
	if n := op.must(200, "GET", "/summary", nil)["connectedChargeBoxes"]; n != 3.0 {
		t.Fatalf("summary counts %v connected boxes, want 3 (LIFE1, LIFE2, LATE)", n)
	}
	if r := op.do("POST", "/charge-boxes/STALE/remote/trigger-message", obj("requestedMessage", "Heartbeat")); r.Status != http.StatusConflict {
		t.Fatalf("command to an expired connection: %d %s, want 409", r.Status, r.Raw)
	}
	// The box comes back: its fresh connection replaces the expired row.
	back := mustDial(t, st, "STALE")
	back.call("Heartbeat", obj(), &ocpp.HeartbeatResponse{})
	if !connected(t, op, "STALE") || !connected(t, op, "LIFE2") {
		t.Fatal("STALE or LIFE2 not connected")
	}
	other.call("Heartbeat", obj(), &ocpp.HeartbeatResponse{})
}

// TestAutoRegisteredBoxIsUnsecured: with auto-registration on (the local stack's default; off
// on AWS) an unknown box is registered without a password and listed as unsecured.
func TestAutoRegisteredBoxIsUnsecured(t *testing.T) {
	st := startStack(t, func(c *config.Config) { c.AutoRegister = true })
	op := newOperator(t, st)
	op.must(201, "PUT", "/charge-boxes/SECURED", obj("registrationStatus", "Accepted", "password", passA))
	mustDial(t, st, "AUTO1").call("Heartbeat", obj(), &ocpp.HeartbeatResponse{})
	box := op.must(200, "GET", "/charge-boxes/AUTO1", nil)
	if box["autoRegistered"] != true || box["unsecured"] != true || box["hasPassword"] != false {
		t.Fatalf("auto-registered box %v", box)
	}
	items, _ := op.must(200, "GET", "/charge-boxes?unsecured=true", nil)["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["chargeBoxId"] != "AUTO1" {
		t.Fatalf("unsecured boxes %v", items)
	}
	if all, _ := op.must(200, "GET", "/charge-boxes", nil)["items"].([]any); len(all) != 2 {
		t.Fatalf("registry %v", all)
	}
}

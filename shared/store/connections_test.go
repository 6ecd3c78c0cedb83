package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

func TestDisconnectKeepsNewerConnection(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	ev := func(conn string, typ store.EventType, at time.Time) store.ConnectionEvent {
		return store.ConnectionEvent{ChargeBoxID: "CP1", ConnectionID: conn, EventType: typ, OccurredAt: at, Retention: time.Hour}
	}
	for _, c := range []string{"old", "new"} {
		if err := st.Connect(ctx, store.Connection{ChargeBoxID: "CP1", ConnectionID: c, ConnectedAt: store.FormatTime(t0), ExpiresAt: t0.Add(time.Hour).Unix()}, ev(c, store.EventConnected, t0)); err != nil {
			t.Fatal(err)
		}
	}
	outcome, err := st.Disconnect(ctx, "CP1", "old", ev("old", store.EventDisconnected, t0.Add(time.Second)))
	if err != nil || outcome != store.Replaced {
		t.Fatalf("stale disconnect: %v, %v; want replaced", outcome, err)
	}
	c, err := st.GetConnection(ctx, "CP1", t0)
	if err != nil || c.ConnectionID != "new" {
		t.Fatalf("connection after stale disconnect: %+v, %v", c, err)
	}
	// The replaced connection's disconnect logged nothing: no "disconnected" after "connected".
	if n := len(logRows(t, st, "CP1")); n != 2 {
		t.Fatalf("%d frame-log rows after the replaced connection's disconnect, want the 2 connected events", n)
	}
	outcome, err = st.Disconnect(ctx, "CP1", "new", ev("new", store.EventDisconnected, t0.Add(2*time.Second)))
	if err != nil || outcome != store.Removed {
		t.Fatalf("disconnect: %v, %v; want removed", outcome, err)
	}
	if outcome, err := st.Disconnect(ctx, "CP1", "new", ev("new", store.EventDisconnected, t0.Add(2*time.Second))); err != nil || outcome != store.Replayed {
		t.Fatalf("replayed disconnect: %v, %v", outcome, err)
	}
	if _, err := st.GetConnection(ctx, "CP1", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("connection row left: %v", err)
	}
	seen, err := st.LastSeen(ctx, "CP1")
	if err != nil || !seen.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("last seen %v, %v", seen, err)
	}
}

func TestConnectReplayIsIdempotent(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	connect := func(conn string) error {
		return st.Connect(ctx, store.Connection{ChargeBoxID: "CP1", ConnectionID: conn, ConnectedAt: store.FormatTime(t0), ExpiresAt: t0.Add(time.Hour).Unix()},
			store.ConnectionEvent{ChargeBoxID: "CP1", ConnectionID: conn, EventType: store.EventConnected, OccurredAt: t0, Retention: time.Hour})
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
	if c, err := st.GetConnection(ctx, "CP1", t0); err != nil || c.ConnectionID != "second" {
		t.Fatalf("connection %+v, %v; want the newer one kept", c, err)
	}
}

// logRows returns the box's frame-log rows, oldest first.
func logRows(t *testing.T, st *store.Store, box string) []store.LogRow {
	t.Helper()
	rows, _, err := st.ListMessages(context.Background(), box, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestLateConnectNeverReplacesNewerConnection(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	connect := func(conn string, at time.Time) error {
		return st.Connect(ctx, store.Connection{ChargeBoxID: "CP1", ConnectionID: conn, ConnectedAt: store.FormatTime(at), ExpiresAt: at.Add(time.Hour).Unix()},
			store.ConnectionEvent{ChargeBoxID: "CP1", ConnectionID: conn, EventType: store.EventConnected, OccurredAt: at, Retention: time.Hour})
	}
	if err := connect("newer", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// The $connect of an earlier connection whose invocation ran late.
	if err := connect("older", t0); !errors.Is(err, store.ErrSuperseded) {
		t.Fatalf("late connect: %v, want ErrSuperseded", err)
	}
	if c, err := st.GetConnection(ctx, "CP1", t0); err != nil || c.ConnectionID != "newer" {
		t.Fatalf("connection %+v, %v; want the newer one", c, err)
	}
	if rows := logRows(t, st, "CP1"); len(rows) != 1 || rows[0].ConnectionID != "newer" {
		t.Fatalf("frame log %+v: want only the newer connected event", rows)
	}
	// Its $disconnect (API Gateway sends none for a refused $connect, but a replay may come)
	// leaves the newer connection alone and logs nothing.
	if outcome, err := st.Disconnect(ctx, "CP1", "older", store.ConnectionEvent{ChargeBoxID: "CP1", ConnectionID: "older",
		EventType: store.EventDisconnected, OccurredAt: t0.Add(2 * time.Second), Retention: time.Hour}); err != nil || outcome != store.Replaced {
		t.Fatalf("disconnect of the refused connection: %v, %v", outcome, err)
	}
	if err := connect("newest", t0.Add(2*time.Second)); err != nil {
		t.Fatalf("a later connect must replace: %v", err)
	}
}

func TestDisconnectWithoutRowLogsOffline(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	outcome, err := st.Disconnect(ctx, "CP1", "gone", store.ConnectionEvent{ChargeBoxID: "CP1", ConnectionID: "gone",
		EventType: store.EventDisconnected, Status: store.StatusDisconnected, OccurredAt: t0, Retention: time.Hour})
	if err != nil || outcome != store.Offline {
		t.Fatalf("disconnect without row: %v, %v; want offline", outcome, err)
	}
	if rows := logRows(t, st, "CP1"); len(rows) != 1 || rows[0].EventType != store.EventDisconnected {
		t.Fatalf("frame log %+v: want the disconnected event", rows)
	}
}

func TestExpiredConnectionIsNotConnected(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	for _, c := range []struct {
		box     string
		expires time.Time
	}{{"LIVE", t0.Add(time.Minute)}, {"STALE", t0.Add(-time.Second)}, {"EDGE", t0}} {
		if err := st.Connect(ctx, store.Connection{ChargeBoxID: c.box, ConnectionID: "c-" + c.box, ConnectedAt: store.FormatTime(t0.Add(-time.Hour)), ExpiresAt: c.expires.Unix()},
			store.ConnectionEvent{ChargeBoxID: c.box, ConnectionID: "c-" + c.box, EventType: store.EventConnected, OccurredAt: t0.Add(-time.Hour), Retention: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.GetConnection(ctx, "LIVE", t0); err != nil {
		t.Fatalf("live connection: %v", err)
	}
	for _, box := range []string{"STALE", "EDGE"} {
		if _, err := st.GetConnection(ctx, box, t0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: %v, want ErrNotFound for a row past its expiry", box, err)
		}
	}
	conns, _, err := st.ListConnectionsPage(ctx, store.Page{Limit: 100}, t0)
	if err != nil || len(conns) != 1 || conns[0].ChargeBoxID != "LIVE" {
		t.Fatalf("connections %+v, %v; want LIVE only", conns, err)
	}
	err = st.BeginCommand(ctx, store.Command{CommandID: "u1", ChargeBoxID: "STALE", ConnectionID: "c-STALE", Action: "Reset", Request: "{}",
		Status: store.CommandPending, CreatedAt: store.FormatTime(t0), ExpiresAt: t0.Add(time.Hour).Unix()}, t0, time.Minute)
	if !errors.Is(err, store.ErrNotConnected) {
		t.Fatalf("command to an expired connection: %v, want ErrNotConnected", err)
	}
	// A reconnect replaces the expired row.
	if err := st.Connect(ctx, store.Connection{ChargeBoxID: "STALE", ConnectionID: "c2", ConnectedAt: store.FormatTime(t0), ExpiresAt: t0.Add(time.Hour).Unix()},
		store.ConnectionEvent{ChargeBoxID: "STALE", ConnectionID: "c2", EventType: store.EventConnected, OccurredAt: t0, Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if c, err := st.GetConnection(ctx, "STALE", t0); err != nil || c.ConnectionID != "c2" {
		t.Fatalf("after reconnect %+v, %v", c, err)
	}
}

// $disconnect marks when the box was last seen on its registry item, and a box deleted while
// connected is not made again by it.
func TestDisconnectMarksTheBox(t *testing.T) {
	st, ctx := storetest.New(t), context.Background()
	unsecured := true
	ev := func(box, conn string, typ store.EventType, at time.Time) store.ConnectionEvent {
		return store.ConnectionEvent{ChargeBoxID: box, ConnectionID: conn, EventType: typ, OccurredAt: at, Retention: time.Hour}
	}
	for _, id := range []string{"DM1", "DM2"} {
		if _, _, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: id, RegistrationStatus: "Accepted", Unsecured: &unsecured}, t0); err != nil {
			t.Fatal(err)
		}
		c := store.Connection{ChargeBoxID: id, ConnectionID: id + "-c", ConnectedAt: store.FormatTime(t0), ExpiresAt: t0.Add(time.Hour).Unix()}
		if err := st.Connect(ctx, c, ev(id, id+"-c", store.EventConnected, t0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteChargeBox(ctx, "DM2"); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Minute)
	for _, id := range []string{"DM1", "DM2"} {
		if out, err := st.Disconnect(ctx, id, id+"-c", ev(id, id+"-c", store.EventDisconnected, at)); err != nil || out != store.Removed {
			t.Fatalf("disconnect %s: %v, %v", id, out, err)
		}
	}
	if b, err := st.GetChargeBox(ctx, "DM1"); err != nil || b.DisconnectedAt != store.FormatTime(at) {
		t.Fatalf("DM1 after $disconnect: %+v, %v", b, err)
	}
	if _, err := st.GetChargeBox(ctx, "DM2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted box came back with $disconnect: %v", err)
	}
}

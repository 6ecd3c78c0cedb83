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
		if err := st.Connect(ctx, store.Connection{ChargeBoxID: "CP1", ConnectionID: c, ConnectedAt: store.FormatTime(t0), ExpiresAt: t0.Unix()}, ev(c, store.EventConnected, t0)); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := st.Disconnect(ctx, "CP1", "old", ev("old", store.EventDisconnected, t0.Add(time.Second)))
	if err != nil || removed {
		t.Fatalf("stale disconnect: removed=%v err=%v", removed, err)
	}
	c, err := st.GetConnection(ctx, "CP1")
	if err != nil || c.ConnectionID != "new" {
		t.Fatalf("connection after stale disconnect: %+v, %v", c, err)
	}
	removed, err = st.Disconnect(ctx, "CP1", "new", ev("new", store.EventDisconnected, t0.Add(2*time.Second)))
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

func TestConnectReplayIsIdempotent(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	connect := func(conn string) error {
		return st.Connect(ctx, store.Connection{ChargeBoxID: "CP1", ConnectionID: conn, ConnectedAt: store.FormatTime(t0), ExpiresAt: t0.Unix()},
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
	if c, err := st.GetConnection(ctx, "CP1"); err != nil || c.ConnectionID != "second" {
		t.Fatalf("connection %+v, %v; want the newer one kept", c, err)
	}
}

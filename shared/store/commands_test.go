package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

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
		store.ConnectionEvent{ChargeBoxID: "CP1", ConnectionID: "c1", EventType: store.EventConnected, OccurredAt: t0, Retention: time.Hour}); err != nil {
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

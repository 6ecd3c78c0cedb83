package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// seedCommands connects CP1 and CP2 and sends one command at each offset from t0, alternating
// the boxes (even offsets CP1, odd CP2); it returns the command ids in order. The rows expire an
// hour from the real clock: DynamoDB Local may delete a row whose expiresAt has passed.
func seedCommands(t *testing.T, st *store.Store, offsets []time.Duration) []string {
	t.Helper()
	ctx := context.Background()
	expires := time.Now().Add(time.Hour).Unix()
	for _, box := range []string{"CP1", "CP2"} {
		if err := st.Connect(ctx, store.Connection{ChargeBoxID: box, ConnectionID: "c-" + box, ConnectedAt: store.FormatTime(t0), ExpiresAt: expires},
			store.ConnectionEvent{ChargeBoxID: box, ConnectionID: "c-" + box, EventType: store.EventConnected, OccurredAt: t0, Retention: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for i, off := range offsets {
		box := []string{"CP1", "CP2"}[i%2]
		id := "u" + string(rune('a'+i))
		at := t0.Add(off)
		c := store.Command{CommandID: id, ChargeBoxID: box, ConnectionID: "c-" + box, Action: "Reset", Request: `{"type":"Soft"}`,
			Status: store.CommandPending, CreatedAt: store.FormatTime(at), ExpiresAt: expires}
		if err := st.BeginCommand(ctx, c, t0, time.Minute); err != nil {
			t.Fatalf("begin %s: %v", id, err)
		}
		if _, err := st.CompleteCommand(ctx, box, id, store.Outcome{Status: store.CommandAnswered, Response: `{"status":"Accepted"}`, At: t0}); err != nil {
			t.Fatalf("complete %s: %v", id, err)
		}
		ids = append(ids, id)
	}
	return ids
}

func pageAll(t *testing.T, read func(store.Page) ([]store.Command, string, error), limit int32) []store.Command {
	t.Helper()
	var all []store.Command
	p := store.Page{Limit: limit}
	for pages := 0; ; pages++ {
		got, next, err := read(p)
		if err != nil {
			t.Fatal(err)
		}
		if int32(len(got)) > limit || pages > 20 {
			t.Fatalf("page of %d items (limit %d), %d pages", len(got), limit, pages)
		}
		all = append(all, got...)
		if next == "" {
			return all
		}
		p.Next = next
	}
}

func commandIDs(cmds []store.Command) []string {
	var ids []string
	for _, c := range cmds {
		ids = append(ids, c.CommandID)
	}
	return ids
}

func TestListCommandsNewestFirst(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	// t0 is 10:00 UTC: -50h and -30h are two and one days before, -20h the day before, the
	// rest on t0's day.
	ids := seedCommands(t, st, []time.Duration{-50 * time.Hour, -30 * time.Hour, -20 * time.Hour, -2 * time.Hour, -time.Hour, -time.Minute})

	box := pageAll(t, func(p store.Page) ([]store.Command, string, error) { return st.ListChargeBoxCommands(ctx, "CP1", p) }, 1)
	if want := []string{ids[4], ids[2], ids[0]}; !slices.Equal(commandIDs(box), want) {
		t.Fatalf("CP1's commands %v, want %v (newest first, no other box's)", commandIDs(box), want)
	}
	for _, c := range box {
		if c.ChargeBoxID != "CP1" || c.Status != store.CommandAnswered || c.Day == "" {
			t.Fatalf("listed command %+v", c)
		}
	}

	fleet := pageAll(t, func(p store.Page) ([]store.Command, string, error) {
		return st.ListCommands(ctx, t0.Add(-24*time.Hour), t0, p)
	}, 2)
	if want := []string{ids[5], ids[4], ids[3], ids[2]}; !slices.Equal(commandIDs(fleet), want) {
		t.Fatalf("last 24 h: %v, want %v", commandIDs(fleet), want)
	}
	wide := pageAll(t, func(p store.Page) ([]store.Command, string, error) {
		return st.ListCommands(ctx, t0.Add(-72*time.Hour), t0, p)
	}, 4)
	if want := []string{ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}; !slices.Equal(commandIDs(wide), want) {
		t.Fatalf("last 72 h: %v, want %v", commandIDs(wide), want)
	}
	narrow, _, err := st.ListCommands(ctx, t0.Add(-31*time.Hour), t0.Add(-25*time.Hour), store.Page{Limit: 10})
	if err != nil || !slices.Equal(commandIDs(narrow), []string{ids[1]}) {
		t.Fatalf("window -31h to -25h: %v, %v", commandIDs(narrow), err)
	}

	// A token names its listing: another window's or another box's is refused.
	_, next, err := st.ListCommands(ctx, t0.Add(-24*time.Hour), t0, store.Page{Limit: 1})
	if err != nil || next == "" {
		t.Fatalf("first page: %q, %v", next, err)
	}
	if _, _, err := st.ListCommands(ctx, t0.Add(-72*time.Hour), t0, store.Page{Limit: 1, Next: next}); !errors.Is(err, store.ErrBadToken) {
		t.Fatalf("token of another window: %v", err)
	}
	if _, _, err := st.ListChargeBoxCommands(ctx, "CP2", store.Page{Limit: 1, Next: next}); !errors.Is(err, store.ErrBadToken) {
		t.Fatalf("fleet token on a box listing: %v", err)
	}
	if _, _, err := st.ListCommands(ctx, t0, t0.Add(-time.Second), store.Page{}); err == nil {
		t.Fatal("a window ending before it starts was read")
	}
}

func TestLiveConnections(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	seedCommands(t, st, nil)
	ids := []string{"CP1", "CP2", "CP3", "CP1"}
	for i := range 150 {
		ids = append(ids, "X"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	now := time.Now()
	live, err := st.LiveConnections(ctx, ids, now)
	if err != nil || len(live) != 2 || live["CP1"].ConnectionID != "c-CP1" || live["CP2"].ConnectionID != "c-CP2" {
		t.Fatalf("live now: %+v, %v", live, err)
	}
	if live, err := st.LiveConnections(ctx, ids, now.Add(2*time.Hour)); err != nil || len(live) != 0 {
		t.Fatalf("rows past their expiresAt taken for live: %+v, %v", live, err)
	}
}

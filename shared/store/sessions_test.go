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
	// Only one session exists: every other id handed out around it has no session.
	for id := max(1, ids[0]-n); id <= ids[0]+n; id++ {
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
	// A stop from another box for this id changes nothing and is an anomaly of that box.
	foreign, err := st.FinishSession(ctx, store.Stop{ChargeBoxID: "CP2", TransactionID: id, MeterStop: 1, StoppedAt: stop.StoppedAt}, t0)
	if err != nil || foreign.Changed || foreign.Anomaly == nil || foreign.Anomaly.Kind != store.AnomalyForeignStop || foreign.Anomaly.OwnerChargeBoxID != "CP1" {
		t.Fatalf("foreign stop: %+v, %v", foreign, err)
	}
	// A stop for an id never given out is an orphan stop of its box, never a session.
	orphan, err := st.FinishSession(ctx, store.Stop{ChargeBoxID: "CP1", TransactionID: 777, MeterStop: 42, StoppedAt: stop.StoppedAt}, t0)
	if err != nil || orphan.Changed || orphan.Anomaly == nil || orphan.Anomaly.Kind != store.AnomalyOrphanStop || !orphan.First {
		t.Fatalf("orphan stop: %+v, %v", orphan, err)
	}
	if _, err := st.GetSession(ctx, 777); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("orphan stop made a session: %v", err)
	}
}

func TestCountRunningFollowsStartsAndStops(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	a, err := st.StartSession(ctx, startSession("CP1", 1, "TAG1", t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.StartSession(ctx, startSession("CP1", 2, "TAG1", t0), t0); err != nil {
		t.Fatal(err)
	}
	// A new start on connector 2 abandons the running one there.
	if _, err := st.StartSession(ctx, startSession("CP1", 2, "TAG2", t0.Add(time.Minute)), t0); err != nil {
		t.Fatal(err)
	}
	count := func(tag string) int {
		t.Helper()
		n, err := st.CountRunning(ctx, tag)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := count("TAG1"); got != 1 {
		t.Fatalf("TAG1 running %d, want 1 (one abandoned)", got)
	}
	if _, err := st.StopSession(ctx, store.Stop{ChargeBoxID: "CP1", TransactionID: a, MeterStop: 200, StoppedAt: store.FormatTime(t0.Add(time.Hour))}, t0); err != nil {
		t.Fatal(err)
	}
	if got := count("TAG1"); got != 0 {
		t.Fatalf("TAG1 running %d after stop", got)
	}
	if got := count("TAG2"); got != 1 {
		t.Fatalf("TAG2 running %d", got)
	}
}

// The fleet's running sessions are listed and counted from the sparse runningByChargeBox index:
// stopped and abandoned sessions leave it, and every page of a running list holds running
// sessions only.
func TestRunningSessionsIndex(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	start := func(box string, connector int, tag string, at time.Time) int {
		t.Helper()
		id, err := st.StartSession(ctx, startSession(box, connector, tag, at), t0)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	stopped := start("CP1", 1, "T1", t0)
	abandoned := start("CP1", 2, "T2", t0.Add(time.Minute))
	cp1 := start("CP1", 2, "T3", t0.Add(2*time.Minute)) // abandons the one before it
	cp2a := start("CP2", 1, "T4", t0.Add(3*time.Minute))
	cp2b := start("CP2", 2, "", t0.Add(4*time.Minute)) // an empty idTag is still a running session
	if _, err := st.StopSession(ctx, store.Stop{ChargeBoxID: "CP1", TransactionID: stopped, MeterStop: 200, StoppedAt: store.FormatTime(t0.Add(time.Hour))}, t0); err != nil {
		t.Fatal(err)
	}

	agg, err := st.ReadAggregates(ctx, t0)
	if err != nil || agg.RunningSessions != 3 {
		t.Fatalf("running sessions counted %d, %v; want 3", agg.RunningSessions, err)
	}
	ids := func(f store.SessionFilter, limit int32) []int {
		t.Helper()
		var out []int
		next := ""
		for {
			page, tok, err := st.ListSessions(ctx, f, store.Page{Limit: limit, Next: next})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				if f.Status != "" && s.Status != f.Status {
					t.Fatalf("session %d has status %s in a %s list", s.TransactionID, s.Status, f.Status)
				}
				out = append(out, s.TransactionID)
			}
			if tok == "" {
				return out
			}
			next = tok
		}
	}
	if got := ids(store.SessionFilter{Status: store.SessionRunning}, 1); !sameSet(got, []int{cp1, cp2a, cp2b}) {
		t.Fatalf("running sessions %v, want %v", got, []int{cp1, cp2a, cp2b})
	}
	// One box, newest first.
	if got := ids(store.SessionFilter{Status: store.SessionRunning, ChargeBoxID: "CP2"}, 10); len(got) != 2 || got[0] != cp2b || got[1] != cp2a {
		t.Fatalf("CP2 running %v, want [%d %d]", got, cp2b, cp2a)
	}
	from := store.FormatTime(t0.Add(150 * time.Second))
	if got := ids(store.SessionFilter{Status: store.SessionRunning, From: from}, 10); !sameSet(got, []int{cp2a, cp2b}) {
		t.Fatalf("running since %s: %v", from, got)
	}
	if got := ids(store.SessionFilter{Status: store.SessionRunning, ChargeBoxID: "CP2", ConnectorID: intp(2)}, 10); len(got) != 1 || got[0] != cp2b {
		t.Fatalf("CP2/2 running %v", got)
	}
	// The other statuses still come from the table and its byChargeBox index.
	if got := ids(store.SessionFilter{Status: store.SessionAbandoned}, 10); !sameSet(got, []int{abandoned}) {
		t.Fatalf("abandoned %v", got)
	}
	if got := ids(store.SessionFilter{Status: store.SessionFinished, ChargeBoxID: "CP1"}, 10); !sameSet(got, []int{stopped}) {
		t.Fatalf("CP1 finished %v", got)
	}
}

package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// randomSteps is the fixed number of frames the randomized ownership test sends.
const randomSteps = 240

// owned is what the owner of a transaction did to it, as the test's model.
type owned struct {
	box       string
	connector int
	values    []string // the owner's readings, each value unique in the run
	meterStop *int     // set once the owner stopped it
}

// randomRun is the model of TestRandomOwnership: three boxes, two connectors each.
type randomRun struct {
	t       *testing.T
	st      *stack.Stack
	rng     *rand.Rand
	boxes   map[string]*box
	names   []string
	running map[string]map[int]int // box -> connector -> transaction
	txs     map[int]*owned
	issued  []int
	// anomalies counts, per box, the frames it sent naming a transaction it did not own.
	anomalies map[string]int
	step      int
	base      time.Time
}

// TestRandomOwnership: three boxes send interleaved StartTransaction, StopTransaction and
// MeterValues naming their own, each other's and never-issued transaction ids, resend some of
// their own frames under new uniqueIds and reconnect at random. Afterwards every session's
// stop and readings came from its owner only, every start got a unique id, nothing of the
// owners' frames was lost, and every foreign frame is an anomaly of its sender. The seed is
// printed; RANDOM_SEED=<seed> replays a run.
func TestRandomOwnership(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("RANDOM_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RANDOM_SEED=%q: %v", s, err)
		}
		seed = v
	}
	fmt.Printf("TestRandomOwnership seed %d (replay: RANDOM_SEED=%d go test -run TestRandomOwnership ./localstack/e2e/)\n", seed, seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("failed with seed %d: replay with RANDOM_SEED=%d", seed, seed)
		}
	})
	r := &randomRun{
		t: t, st: startStack(t, func(c *config.Config) { c.AcceptUnknownTags = true }), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		boxes: map[string]*box{}, names: []string{"RND-A", "RND-B", "RND-C"}, running: map[string]map[int]int{},
		txs: map[int]*owned{}, anomalies: map[string]int{}, base: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC),
	}
	for _, n := range r.names {
		r.boxes[n] = bootedBox(t, r.st, n)
		r.running[n] = map[int]int{}
	}
	for r.step = 0; r.step < randomSteps; r.step++ {
		r.act(r.names[r.rng.IntN(len(r.names))])
	}
	r.check()
}

func (r *randomRun) ts() string {
	return r.base.Add(time.Duration(r.step) * time.Second).Format(time.RFC3339)
}

// act sends one random frame from box name (or reconnects it).
func (r *randomRun) act(name string) {
	b := r.boxes[name]
	switch p := r.rng.IntN(100); {
	case p < 6:
		_ = b.ws.Close()
		<-b.closed
		r.boxes[name] = mustDial(r.t, r.st, name)
	case p < 26:
		r.start(b)
	case p < 56:
		r.meterValues(b)
	default:
		r.stop(b)
	}
}

func (r *randomRun) start(b *box) {
	connector := 1 + r.rng.IntN(2)
	if _, busy := r.running[b.id][connector]; busy {
		r.meterValues(b)
		return
	}
	ts := r.ts()
	id := b.start(connector, ts)
	if _, dup := r.txs[id]; dup || id <= 0 {
		r.t.Fatalf("step %d: start of %s answered id %d, already issued", r.step, b.id, id)
	}
	if r.rng.IntN(4) == 0 {
		if again := b.start(connector, ts); again != id { // resent under a new uniqueId
			r.t.Fatalf("step %d: resent start got %d, first %d", r.step, again, id)
		}
	}
	r.txs[id] = &owned{box: b.id, connector: connector}
	r.issued = append(r.issued, id)
	r.running[b.id][connector] = id
}

// target picks a transaction id for box b to name: its own running one (own true), another
// box's, or one never issued (the next ids the allocator will give, or far beyond).
func (r *randomRun) target(b *box) (id, connector int, own bool) {
	switch p := r.rng.IntN(10); {
	case p < 5 && len(r.running[b.id]) > 0:
		cs := make([]int, 0, 2)
		for c := range r.running[b.id] {
			cs = append(cs, c)
		}
		slices.Sort(cs)
		c := cs[r.rng.IntN(len(cs))]
		return r.running[b.id][c], c, true
	case p < 8 && len(r.issued) > 0:
		id := r.issued[r.rng.IntN(len(r.issued))]
		if r.txs[id].box != b.id {
			return id, r.txs[id].connector, false
		}
	}
	next := 1
	if len(r.issued) > 0 {
		next = slices.Max(r.issued) + 1
	}
	if r.rng.IntN(2) == 0 {
		return next + r.rng.IntN(3), 1, false
	}
	return 1_000_000 + r.rng.IntN(1_000_000), 1, false
}

func (r *randomRun) meterValues(b *box) {
	id, connector, own := r.target(b)
	value := fmt.Sprintf("%s-%d", b.id, r.step)
	payload := obj("connectorId", connector, "transactionId", id, "meterValue", []any{meterValue(r.ts(), value)})
	b.call("MeterValues", payload, &ocpp.MeterValuesResponse{})
	if !own {
		r.anomalies[b.id]++
		return
	}
	if r.rng.IntN(4) == 0 {
		b.call("MeterValues", payload, &ocpp.MeterValuesResponse{}) // resent under a new uniqueId
	}
	r.txs[id].values = append(r.txs[id].values, value)
}

func (r *randomRun) stop(b *box) {
	id, connector, own := r.target(b)
	meter := 1000 + r.step
	payload := obj("transactionId", id, "meterStop", meter, "timestamp", r.ts())
	b.call("StopTransaction", payload, &ocpp.StopTransactionResponse{})
	if !own {
		r.anomalies[b.id]++
		return
	}
	if r.rng.IntN(4) == 0 {
		b.call("StopTransaction", payload, &ocpp.StopTransactionResponse{}) // resent under a new uniqueId
	}
	r.txs[id].meterStop = &meter
	delete(r.running[b.id], connector)
}

// check compares what the store holds with the model.
func (r *randomRun) check() {
	t, ctx := r.t, context.Background()
	if len(r.issued) == 0 {
		t.Fatal("no transaction was started")
	}
	for id, o := range r.txs {
		sess, err := r.st.Store.GetSession(ctx, id)
		if err != nil || sess.ChargeBoxID != o.box || sess.ConnectorID != o.connector {
			t.Fatalf("session %d: %+v, %v; want %s/%d", id, sess, err, o.box, o.connector)
		}
		switch {
		case o.meterStop == nil && (sess.Status != store.SessionRunning || sess.MeterStop != nil):
			t.Errorf("session %d was stopped by someone else than %s: %+v", id, o.box, sess)
		case o.meterStop != nil && (sess.Status != store.SessionFinished || sess.MeterStop == nil || *sess.MeterStop != *o.meterStop):
			t.Errorf("session %d: stopped by %s with %d, holds %+v", id, o.box, *o.meterStop, sess)
		}
		readings, err := r.st.Store.ListReadings(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, rd := range readings {
			for _, sv := range rd.SampledValues {
				got = append(got, sv.Value)
			}
		}
		slices.Sort(got)
		want := slices.Clone(o.values)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("session %d of %s: readings %v, want exactly the owner's %v", id, o.box, got, want)
		}
	}
	for _, n := range r.names {
		all, _, err := r.st.Store.ListAnomalies(ctx, store.AnomalyFilter{ChargeBoxID: n}, store.Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != r.anomalies[n] {
			t.Errorf("%s sent %d frames naming transactions it does not own; %d anomalies recorded", n, r.anomalies[n], len(all))
		}
	}
	t.Logf("%d steps: %d transactions, anomalies %v", randomSteps, len(r.issued), r.anomalies)
}

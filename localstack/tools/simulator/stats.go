package simulator

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// stats collects what every box saw. Counters touched per frame are atomics; the rest sits
// behind one mutex, taken a few hundred times a second at most.
type stats struct {
	connected atomic.Int64
	sent      atomic.Int64 // every frame written: CALLs, answers to CALLs, misbehaving frames
	answered  atomic.Int64 // CALLRESULT or CALLERROR received for one of our CALLs
	errors    atomic.Int64 // unexpected CALLERRORs, timeouts, protocol violations

	mu         sync.Mutex
	perAction  map[string]*actionStats
	errorCodes map[string]int // "Action: Code" of unexpected CALLERRORs
	expected   map[string]int // "kind: Code" of CALLERRORs the misbehaving mode asked for
	remote     map[string]int // CALLs from the central system, by action
	problems   map[string]int // timeouts, invalid frames, unmatched answers, failed connects...
	sessions   []Session
	txOwner    map[int]string // transactionId -> box/connector/start, to catch reuse
	dupTx      []int

	start     time.Time
	bootedAt  map[string]time.Duration // box -> since start, its first accepted BootNotification
	bootOrder []time.Duration          // the same, in the order they came
}

type actionStats struct {
	sent, results, errors int
	latencies             []time.Duration
}

func newStats() *stats {
	return &stats{
		perAction: map[string]*actionStats{}, errorCodes: map[string]int{}, expected: map[string]int{},
		remote: map[string]int{}, problems: map[string]int{}, txOwner: map[int]string{},
	}
}

func (s *stats) action(a string) *actionStats {
	as := s.perAction[a]
	if as == nil {
		as = &actionStats{}
		s.perAction[a] = as
	}
	return as
}

func (s *stats) callSent(action string) {
	s.mu.Lock()
	s.action(action).sent++
	s.mu.Unlock()
}

func (s *stats) callAnswered(action string, d time.Duration, errorCode string) {
	s.answered.Add(1)
	s.mu.Lock()
	as := s.action(action)
	as.latencies = append(as.latencies, d)
	if errorCode == "" {
		as.results++
	} else {
		as.errors++
		s.errorCodes[action+": "+errorCode]++
		s.errors.Add(1)
	}
	s.mu.Unlock()
}

func (s *stats) expectedError(kind, code string) {
	s.answered.Add(1)
	s.mu.Lock()
	s.expected[kind+": "+code]++
	s.mu.Unlock()
}

// problem counts something that should not happen against a correct central system.
func (s *stats) problem(what string) {
	s.errors.Add(1)
	s.mu.Lock()
	s.problems[what]++
	s.mu.Unlock()
}

// booted records box id's first accepted BootNotification.
func (s *stats) booted(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bootedAt == nil {
		s.bootedAt = map[string]time.Duration{}
	}
	if _, ok := s.bootedAt[id]; ok {
		return
	}
	d := time.Since(s.start)
	s.bootedAt[id] = d
	s.bootOrder = append(s.bootOrder, d)
}

// event counts something worth reporting that is not an error (a reconnect, a reset).
func (s *stats) event(what string) {
	s.mu.Lock()
	s.problems[what]++
	s.mu.Unlock()
}

func (s *stats) remoteCall(action string) {
	s.mu.Lock()
	s.remote[action]++
	s.mu.Unlock()
}

// sessionStarted records a transaction id; the same id given to a different start is a
// correctness failure of the central system.
func (s *stats) sessionStarted(sess Session) int {
	key := fmt.Sprintf("%s/%d/%s", sess.ChargeBoxID, sess.ConnectorID, sess.StartedAt)
	s.mu.Lock()
	defer s.mu.Unlock()
	if owner, ok := s.txOwner[sess.TransactionID]; ok && owner != key {
		s.dupTx = append(s.dupTx, sess.TransactionID)
		s.errors.Add(1)
	}
	s.txOwner[sess.TransactionID] = key
	s.sessions = append(s.sessions, sess)
	return len(s.sessions) - 1
}

func (s *stats) sessionStopped(i int, meterStop int, at string) {
	s.mu.Lock()
	s.sessions[i].MeterStop, s.sessions[i].StoppedAt, s.sessions[i].Stopped = meterStop, at, true
	s.mu.Unlock()
}

// Session is one charging session a box ran, as the box saw it.
type Session struct {
	ChargeBoxID   string `json:"chargeBoxId"`
	ConnectorID   int    `json:"connectorId"`
	TransactionID int    `json:"transactionId"`
	IDTag         string `json:"idTag"`
	MeterStart    int    `json:"meterStart"`
	MeterStop     int    `json:"meterStop"`
	StartedAt     string `json:"startedAt"`
	StoppedAt     string `json:"stoppedAt,omitempty"`
	Stopped       bool   `json:"stopped"`
	Remote        bool   `json:"remote,omitempty"`
}

// ActionSummary is what one charge-box action did over the run.
type ActionSummary struct {
	Action  string        `json:"action"`
	Sent    int           `json:"sent"`
	Results int           `json:"results"`
	Errors  int           `json:"errors"`
	P50     time.Duration `json:"p50"`
	P95     time.Duration `json:"p95"`
	P99     time.Duration `json:"p99"`
	Max     time.Duration `json:"max"`
}

// Summary is the outcome of a run.
type Summary struct {
	Boxes    int           `json:"boxes"`
	Elapsed  time.Duration `json:"elapsed"`
	Sent     int64         `json:"sent"`
	Answered int64         `json:"answered"`
	// Errors counts everything a correct central system would not cause: unexpected
	// CALLERRORs, timeouts, invalid frames, reused transaction ids.
	Errors     int64           `json:"errors"`
	Actions    []ActionSummary `json:"actions"`
	ErrorCodes map[string]int  `json:"errorCodes"`
	// Expected are the CALLERRORs the misbehaving mode provoked, by kind and code.
	Expected    map[string]int `json:"expected"`
	RemoteCalls map[string]int `json:"remoteCalls"`
	// Events are reconnects, resets, timeouts and the like, by name.
	Events            map[string]int `json:"events"`
	Sessions          []Session      `json:"sessions"`
	DuplicateTxIDs    []int          `json:"duplicateTransactionIds,omitempty"`
	SessionsStarted   int            `json:"sessionsStarted"`
	SessionsStopped   int            `json:"sessionsStopped"`
	MessagesPerSecond float64        `json:"messagesPerSecond"`
}

func (s *stats) summary(boxes int, elapsed time.Duration) *Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &Summary{
		Boxes: boxes, Elapsed: elapsed, Sent: s.sent.Load(), Answered: s.answered.Load(), Errors: s.errors.Load(),
		ErrorCodes: maps.Clone(s.errorCodes), Expected: maps.Clone(s.expected), RemoteCalls: maps.Clone(s.remote),
		Events: maps.Clone(s.problems), Sessions: slices.Clone(s.sessions), DuplicateTxIDs: slices.Clone(s.dupTx),
	}
	for _, a := range slices.Sorted(maps.Keys(s.perAction)) {
		as := s.perAction[a]
		l := slices.Clone(as.latencies)
		slices.Sort(l)
		out.Actions = append(out.Actions, ActionSummary{Action: a, Sent: as.sent, Results: as.results, Errors: as.errors,
			P50: quantile(l, 0.50), P95: quantile(l, 0.95), P99: quantile(l, 0.99), Max: quantile(l, 1)})
	}
	for _, se := range s.sessions {
		out.SessionsStarted++
		if se.Stopped {
			out.SessionsStopped++
		}
	}
	if elapsed > 0 {
		out.MessagesPerSecond = float64(out.Sent) / elapsed.Seconds()
	}
	return out
}

// quantile of sorted durations by the nearest-rank method; 0 for none.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Print writes the summary as plain text tables.
func (sum *Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "\n%d boxes, %s: %d frames sent, %d answered, %.1f msgs/s, %d errors\n",
		sum.Boxes, sum.Elapsed.Round(time.Second), sum.Sent, sum.Answered, sum.MessagesPerSecond, sum.Errors)
	fmt.Fprintf(w, "sessions: %d started, %d stopped", sum.SessionsStarted, sum.SessionsStopped)
	if len(sum.DuplicateTxIDs) > 0 {
		fmt.Fprintf(w, ", transaction ids given twice: %v", sum.DuplicateTxIDs)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "\n%-30s %8s %8s %6s %9s %9s %9s %9s\n", "action", "sent", "results", "errors", "p50", "p95", "p99", "max")
	for _, a := range sum.Actions {
		fmt.Fprintf(w, "%-30s %8d %8d %6d %9s %9s %9s %9s\n", a.Action, a.Sent, a.Results, a.Errors,
			ms(a.P50), ms(a.P95), ms(a.P99), ms(a.Max))
	}
	printCounts(w, "unexpected CALLERRORs", sum.ErrorCodes)
	printCounts(w, "expected CALLERRORs (misbehaving mode)", sum.Expected)
	printCounts(w, "calls from the central system", sum.RemoteCalls)
	printCounts(w, "events", sum.Events)
}

func printCounts(w io.Writer, title string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s:\n", title)
	keys := slices.Collect(maps.Keys(m))
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-50s %d\n", k, m[k])
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

package simulator

import (
	"sync"
	"time"
)

// Monitor watches a run from outside while it goes on: set Config.Monitor to a new Monitor
// and read it from another goroutine. Before the run starts it reports zeros.
type Monitor struct {
	mu sync.Mutex
	st *stats
}

func (m *Monitor) attach(st *stats) {
	m.mu.Lock()
	m.st = st
	m.mu.Unlock()
}

func (m *Monitor) stats() *stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st
}

// Connected is how many boxes hold a connection now.
func (m *Monitor) Connected() int {
	if st := m.stats(); st != nil {
		return int(st.connected.Load())
	}
	return 0
}

// Booted is how many boxes have had a BootNotification accepted.
func (m *Monitor) Booted() int {
	st := m.stats()
	if st == nil {
		return 0
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.bootOrder)
}

// Calls are the CALLs the boxes sent and the answers they received so far.
func (m *Monitor) Calls() (sent, answered int64) {
	st := m.stats()
	if st == nil {
		return 0, 0
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, a := range st.perAction {
		sent += int64(a.sent)
	}
	return sent, st.answered.Load()
}

// TimeToBoot is the time from the start of the run until share (0..1] of boxes had been
// booted, and false when that many have not been yet.
func (m *Monitor) TimeToBoot(boxes int, share float64) (time.Duration, bool) {
	st := m.stats()
	if st == nil || boxes <= 0 {
		return 0, false
	}
	need := int(float64(boxes)*share + 0.999999) // ceil, without float surprises at 1.0
	need = max(1, min(need, boxes))
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.bootOrder) < need {
		return 0, false
	}
	// bootOrder is appended under the lock in time order.
	return st.bootOrder[need-1], true
}

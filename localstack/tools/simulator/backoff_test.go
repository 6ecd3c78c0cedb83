package simulator

import (
	"testing"
	"time"
)

// The reconnect wait is full jitter: uniform below min(cap, base*2^attempt), so the ceiling
// doubles per attempt up to the cap and the waits of one attempt spread over all of it.
func TestReconnectBackoffIsFullJitterUnderACap(t *testing.T) {
	cfg := Config{URL: "ws://x", ReconnectBase: 100 * time.Millisecond, ReconnectCap: 2 * time.Second}.withDefaults()
	b := newBox(cfg, 0, newStats())
	for attempt, ceiling := range []time.Duration{100, 200, 400, 800, 1600, 2000, 2000, 2000} {
		ceiling *= time.Millisecond
		var lo, hi time.Duration = ceiling, 0
		for range 2000 {
			d := b.backoff(attempt)
			if d < 0 || d > ceiling {
				t.Fatalf("attempt %d: wait %s outside [0, %s]", attempt, d, ceiling)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		// 2,000 draws: the extremes come within 5 % of both ends, or the draw is not uniform.
		if lo > ceiling/20 || hi < ceiling*19/20 {
			t.Errorf("attempt %d: waits from %s to %s, want them spread over [0, %s]", attempt, lo, hi, ceiling)
		}
	}
	if d := b.backoff(1000); d > cfg.ReconnectCap {
		t.Errorf("attempt 1000: %s above the cap", d)
	}
}

func TestMonitorTimeToBoot(t *testing.T) {
	m := &Monitor{}
	if _, ok := m.TimeToBoot(10, 1); ok {
		t.Fatal("a monitor not attached reports nothing")
	}
	st := newStats()
	st.start = time.Now().Add(-time.Minute)
	m.attach(st)
	for i := range 100 {
		st.booted(boxIDForTest(i))
	}
	st.booted(boxIDForTest(5)) // a second boot of a box counts once
	if m.Booted() != 100 {
		t.Fatalf("booted %d, want 100", m.Booted())
	}
	d99, ok99 := m.TimeToBoot(100, 0.99)
	d100, ok100 := m.TimeToBoot(100, 1)
	if !ok99 || !ok100 || d99 > d100 || d100 < time.Minute {
		t.Fatalf("99 %%: %s %v, 100 %%: %s %v", d99, ok99, d100, ok100)
	}
	if _, ok := m.TimeToBoot(101, 1); ok {
		t.Fatal("101 boxes cannot all have booted when 100 did")
	}
}

func boxIDForTest(i int) string { return Config{IDPrefix: "T-", FirstIndex: 1}.BoxID(i) }

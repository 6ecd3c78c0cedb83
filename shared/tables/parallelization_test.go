package tables

import "testing"

func TestStreamParallelization(t *testing.T) {
	// The frame log's order spans items of one box: above 1, Lambda keeps order per item only.
	if got := StreamParallelization(Messages); got != 1 {
		t.Errorf("messages: %d, want 1", got)
	}
	for _, tb := range All() {
		if f := StreamParallelization(tb); f < 1 || f > 10 {
			t.Errorf("%s: %d, Lambda accepts 1 to 10", tb.Name, f)
		}
	}
	if StreamParallelization(Sessions) < 2 {
		t.Errorf("sessions: order per item suffices, more than one batch at a time expected")
	}
}

package apigw

import (
	"testing"
	"time"
)

func TestAdmissionRateAndPendingBound(t *testing.T) {
	now := time.Unix(0, 0)
	a := newAdmission(10, 3, func() time.Time { return now })
	var done []func()
	for range 3 {
		d, ok := a.enter()
		if !ok {
			t.Fatal("the first three handshakes must be admitted")
		}
		done = append(done, d)
	}
	if _, ok := a.enter(); ok {
		t.Fatal("a fourth handshake in progress must be refused")
	}
	for _, d := range done {
		d()
	}
	// 3 of the 10 tokens are spent; 7 more this second, then none until time passes.
	for i := range 7 {
		d, ok := a.enter()
		if !ok {
			t.Fatalf("handshake %d of the first second refused", i+4)
		}
		d()
	}
	if _, ok := a.enter(); ok {
		t.Fatal("an eleventh new connection within one second must be refused at 10/s")
	}
	now = now.Add(500 * time.Millisecond)
	for i := range 5 {
		d, ok := a.enter()
		if !ok {
			t.Fatalf("half a second refills 5 tokens; refused at %d", i)
		}
		d()
	}
	if _, ok := a.enter(); ok {
		t.Fatal("the refill is 5 after half a second, not more")
	}
	unlimited := newAdmission(-1, -1, time.Now)
	for range 10_000 {
		if _, ok := unlimited.enter(); !ok {
			t.Fatal("negative settings admit everything")
		}
	}
}

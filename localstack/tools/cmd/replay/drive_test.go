package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/replay"
)

// fakePublisher answers three steps chained by tokens, then fails on the token "bad".
type fakePublisher struct{ seen []replay.Request }

func (f *fakePublisher) invoke(_ context.Context, event []byte) ([]byte, error) {
	var ev struct{ Replay replay.Request }
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, err
	}
	f.seen = append(f.seen, ev.Replay)
	next := map[string]string{"": "t1", "t1": "t2", "t2": ""}
	if ev.Replay.Next == "bad" {
		return nil, errors.New("replay.next: invalid")
	}
	return []byte(fmt.Sprintf(`{"read":10,"replayed":4,"next":%q}`, next[ev.Replay.Next])), nil
}

func TestDriveFollowsTheTokensToTheEnd(t *testing.T) {
	f := &fakePublisher{}
	req := replay.Request{From: "2025-06-01T00:00:00Z", To: "2025-06-02T00:00:00Z", ChargeBoxID: "CP1", IncludeFailures: true}
	res, steps, err := drive(context.Background(), f.invoke, req)
	if err != nil || steps != 3 || res.Read != 30 || res.Replayed != 12 {
		t.Fatalf("drive: %+v, %d steps, %v", res, steps, err)
	}
	for i, r := range f.seen {
		if r.From != req.From || r.To != req.To || r.ChargeBoxID != "CP1" || !r.IncludeFailures {
			t.Errorf("step %d sent %+v", i+1, r)
		}
	}
	if f.seen[1].Next != "t1" || f.seen[2].Next != "t2" {
		t.Errorf("tokens sent: %+v", f.seen)
	}
	req.Next = "bad"
	if _, _, err := drive(context.Background(), f.invoke, req); err == nil || !strings.Contains(err.Error(), `resume with -next "bad"`) {
		t.Errorf("failed step: %v", err)
	}
	same := func(context.Context, []byte) ([]byte, error) { return []byte(`{"next":"x"}`), nil }
	if _, _, err := drive(context.Background(), same, replay.Request{Next: "x"}); err == nil {
		t.Error("a publisher answering the same token forever was followed")
	}
}

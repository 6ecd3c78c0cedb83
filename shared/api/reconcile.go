package api

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// ReconcileEvent is the event the scheduled rule sends the api function (docs/scale.md,
// "Operator views and aggregates"): {"reconcile": true}. {"backfill": true}, sent once by hand
// after the deploy that added the listing indexes, gives older items their listing shard.
type ReconcileEvent struct {
	Reconcile bool `json:"reconcile"`
	Backfill  bool `json:"backfill"`
}

// HandleEvent is the api function's Lambda handler: the scheduled reconciliation of the
// aggregates or the one-off backfill (ReconcileEvent), or else an HTTP API request (Handle).
func (a *API) HandleEvent(ctx context.Context, raw json.RawMessage) (any, error) {
	var rec ReconcileEvent
	if err := json.Unmarshal(raw, &rec); err == nil && rec.Backfill {
		n, err := a.store.BackfillListShards(ctx)
		if err != nil {
			a.log.Error("backfill failed", "error", err, "changed", n)
			return nil, fmt.Errorf("backfill: %w", err)
		}
		a.log.Info("listing shards backfilled", "changed", n)
		return map[string]int{"changed": n}, nil
	}
	if err := json.Unmarshal(raw, &rec); err == nil && rec.Reconcile {
		r, err := a.store.Reconcile(ctx, a.now())
		if err != nil {
			a.log.Error("reconciliation failed", "error", err)
			return nil, fmt.Errorf("reconcile: %w", err)
		}
		a.log.Info("aggregates reconciled", "swept", r.Swept, "corrected", r.Corrected, "drift", r.Drift, "busy", r.Busy)
		return r, nil
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("decode HTTP API event: %w", err)
	}
	return a.Handle(ctx, ev)
}

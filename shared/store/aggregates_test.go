package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// Boxes of one aggregate shard change statuses, start and stop sessions and connect at the same
// time, so that their transactions conflict on the one aggregate item: the counts must still
// equal a full recount.
func TestAggregatesUnderConcurrentChanges(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	var boxes []string
	for i := 0; len(boxes) < 6; i++ {
		if id := fmt.Sprintf("SHARD%d", i); store.BoxShard(id) == 7 {
			boxes = append(boxes, id)
		}
	}
	now := time.Now()
	statuses := []string{"Available", "Charging", "Available", "Faulted"}
	var wg sync.WaitGroup
	errs := make(chan error, len(boxes)*3)
	for _, box := range boxes {
		for connector := 1; connector <= 2; connector++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i, s := range statuses {
					at := store.FormatTime(t0.Add(secs(i)))
					if _, err := st.SetConnectorStatus(ctx, store.Connector{ChargeBoxID: box, ConnectorID: connector, Status: s, ReceivedAt: at}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Real time: DynamoDB Local's TTL deletes rows expired by the clock.
			if err := st.Connect(ctx, store.Connection{ChargeBoxID: box, ConnectionID: "c-" + box, ConnectedAt: store.FormatTime(now), ExpiresAt: now.Add(secs(3600)).Unix()},
				store.ConnectionEvent{ChargeBoxID: box, ConnectionID: "c-" + box, EventType: store.EventConnected, OccurredAt: now, Retention: secs(3600)}); err != nil {
				errs <- err
				return
			}
			id, err := st.StartSession(ctx, startSession(box, 3, "TAG", t0), t0)
			if err == nil && len(box)%2 == 0 {
				_, err = st.StopSession(ctx, store.Stop{ChargeBoxID: box, TransactionID: id, MeterStop: 1, StoppedAt: store.FormatTime(t0)}, t0)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := st.ReadAggregates(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := st.ExportCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts := truth[7]
	if len(truth) != 1 || got.Online != counts["online"] || got.RunningSessions != counts["running"] ||
		got.ConnectorsByStatus["Faulted"] != counts["status:Faulted"] || len(got.ConnectorsByStatus) != 1 {
		t.Fatalf("aggregates %+v, recount %v", got, truth)
	}
	if got.Online != int64(len(boxes)) || got.ConnectorsByStatus["Faulted"] != int64(2*len(boxes)) {
		t.Fatalf("aggregates %+v: want %d online, %d Faulted", got, len(boxes), 2*len(boxes))
	}
	if r, err := st.Reconcile(ctx, now); err != nil || r != (store.Reconciled{}) {
		t.Fatalf("reconciliation %+v, %v: want nothing to correct", r, err)
	}
}

func secs(n int) time.Duration { return time.Duration(n) * time.Second }

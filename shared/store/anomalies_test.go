package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// Orphan stops of a dozen ids the allocator has not reached yet squat nothing: the starts that
// later get those ids succeed, and their stops finish their own sessions.
func TestOrphanStopsCannotSquatIDs(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	first, err := st.StartSession(ctx, startSession("A", 1, "TAG", t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	for id := first + 1; id <= first+12; id++ {
		r, err := st.FinishSession(ctx, store.Stop{ChargeBoxID: "B", TransactionID: id, MeterStop: 1, StoppedAt: store.FormatTime(t0), UniqueID: "u"}, t0)
		if err != nil || r.Anomaly == nil || r.Anomaly.Kind != store.AnomalyOrphanStop {
			t.Fatalf("orphan stop %d: %+v, %v", id, r, err)
		}
		// The same stop resent under another uniqueId is the same orphan stop.
		again, err := st.FinishSession(ctx, store.Stop{ChargeBoxID: "B", TransactionID: id, MeterStop: 1, StoppedAt: store.FormatTime(t0), UniqueID: "v"}, t0)
		if err != nil || again.First || again.Anomaly.AnomalyKey != r.Anomaly.AnomalyKey {
			t.Fatalf("resent orphan stop %d: %+v, %v", id, again, err)
		}
	}
	for i := 1; i <= 12; i++ {
		at := t0.Add(time.Duration(i) * time.Minute)
		id, err := st.StartSession(ctx, startSession("A", 1, "TAG", at), at)
		if err != nil || id != first+i {
			t.Fatalf("start %d: id %d, %v", i, id, err)
		}
		r, err := st.FinishSession(ctx, store.Stop{ChargeBoxID: "A", TransactionID: id, MeterStop: 5, StoppedAt: store.FormatTime(at)}, at)
		if err != nil || !r.Changed || r.Anomaly != nil {
			t.Fatalf("own stop of %d: %+v, %v", id, r, err)
		}
	}
	orphans, _, err := st.ListAnomalies(ctx, store.AnomalyFilter{ChargeBoxID: "B", Kind: store.AnomalyOrphanStop}, store.Page{Limit: 100})
	if err != nil || len(orphans) != 12 {
		t.Fatalf("orphan stops of B: %d, %v", len(orphans), err)
	}
	for _, o := range orphans {
		if o.Attempts != 2 || o.MeterStop == nil || *o.MeterStop != 1 || o.UniqueID != "v" {
			t.Fatalf("orphan stop %+v", o)
		}
	}
}

// Session rows already sitting on ids ahead of the counter (written by older versions for
// orphan stops) are passed over: the start takes the next free id.
func TestStartPassesOverSquattedIDs(t *testing.T) {
	cfg := storetest.Config(t)
	db := storetest.Tables(t, cfg)
	st := store.New(db, cfg.TablePrefix)
	st.PinIDShard(0)
	ctx := context.Background()
	for id := 1; id <= 5; id++ {
		squat(t, db, cfg, id)
	}
	id, err := st.StartSession(ctx, startSession("A", 1, "TAG", t0), t0)
	if err != nil || id != 6 {
		t.Fatalf("start: id %d, %v", id, err)
	}
}

func squat(t *testing.T, db *dynamodb.Client, cfg config.Config, id int) {
	t.Helper()
	_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(tables.Sessions.FullName(cfg.TablePrefix)),
		Item: map[string]types.AttributeValue{
			"transactionId": &types.AttributeValueMemberN{Value: fmt.Sprint(id)},
			"chargeBoxId":   &types.AttributeValueMemberS{Value: "B"},
			"status":        &types.AttributeValueMemberS{Value: store.SessionFinished},
			"unknownStart":  &types.AttributeValueMemberBOOL{Value: true},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Two boxes starting at the same moment get different ids.
func TestSimultaneousStartsOfTwoBoxesGetUniqueIDs(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	const n = 10
	ids := make([]int, 2*n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			box := []string{"A", "B"}[i%2]
			ids[i], errs[i] = st.StartSession(ctx, startSession(box, 1+i/2, "TAG", t0), t0)
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for i, id := range ids {
		if errs[i] != nil || id <= 0 || seen[id] {
			t.Fatalf("start %d: id %d (seen %v), %v", i, id, seen[id], errs[i])
		}
		seen[id] = true
	}
}

func TestListAnomaliesFleetWideByKindAndPaged(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	for i := range 5 {
		box := []string{"A", "B"}[i%2]
		at := t0.Add(time.Duration(i) * time.Second)
		if _, err := st.FinishSession(ctx, store.Stop{ChargeBoxID: box, TransactionID: 100 + i, StoppedAt: store.FormatTime(at)}, at); err != nil {
			t.Fatal(err)
		}
	}
	var all []store.Anomaly
	next := ""
	for pages := 0; ; pages++ {
		got, n, err := st.ListAnomalies(ctx, store.AnomalyFilter{Kind: store.AnomalyOrphanStop}, store.Page{Limit: 2, Next: next})
		if err != nil || pages > 5 {
			t.Fatalf("page %d: %v", pages, err)
		}
		all = append(all, got...)
		if next = n; next == "" {
			break
		}
	}
	if len(all) != 5 || all[0].TransactionID != 104 || all[4].TransactionID != 100 {
		t.Fatalf("fleet-wide orphan stops, newest first: %+v", all)
	}
	if got, _, err := st.ListAnomalies(ctx, store.AnomalyFilter{}, store.Page{}); err != nil || len(got) != 5 {
		t.Fatalf("all anomalies: %d, %v", len(got), err)
	}
	if got, _, err := st.ListAnomalies(ctx, store.AnomalyFilter{ChargeBoxID: "B"}, store.Page{}); err != nil || len(got) != 2 {
		t.Fatalf("anomalies of B: %d, %v", len(got), err)
	}
}

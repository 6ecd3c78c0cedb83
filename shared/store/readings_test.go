package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// meterValues builds a request of n elements, each with an energy and a current reading.
func meterValues(box string, connector, tx int, uniqueID string, n int, at time.Time) store.MeterValues {
	mv := store.MeterValues{ChargeBoxID: box, ConnectorID: connector, TransactionID: tx, UniqueID: uniqueID, Source: "MeterValues"}
	for i := range n {
		ts := store.FormatTime(at.Add(time.Duration(i) * time.Second))
		mv.Values = append(mv.Values, store.MeterValue{Timestamp: ts, SampledValues: []store.SampledValue{
			{Value: fmt.Sprint(1000 + i), Measurand: "Energy.Active.Import.Register", Unit: "Wh", Context: "Sample.Periodic"},
			{Value: "16", Measurand: "Current.Import", Phase: "L1", Unit: "A"},
		}})
	}
	return mv
}

// A MeterValues with 1,912 elements (the most that fit in API Gateway's 128 KB message with
// one short value each) is stored in one item, and every value is read back.
func TestMeterValuesPackedByteBounded(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	id, err := st.StartSession(ctx, startSession("A", 1, "TAG", t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	mv := meterValues("A", 1, id, "m1", 1912, t0)
	for i := range mv.Values {
		mv.Values[i].SampledValues = mv.Values[i].SampledValues[:1]
		mv.Values[i].SampledValues[0] = store.SampledValue{Value: fmt.Sprint(1000 + i)}
	}
	stored, err := st.PutMeterValues(ctx, mv, t0)
	if err != nil || stored.Anomaly != nil {
		t.Fatalf("put: %+v, %v", stored, err)
	}
	if stored.Items != 1 {
		t.Fatalf("1,912 small elements took %d items, want 1", stored.Items)
	}
	rs, err := st.ListReadings(ctx, id)
	if err != nil || len(rs) != 1912 {
		t.Fatalf("readings %d, %v", len(rs), err)
	}
	for i, r := range rs {
		if r.Timestamp != mv.Values[i].Timestamp || len(r.SampledValues) != 1 || r.SampledValues[0].Value != fmt.Sprint(1000+i) {
			t.Fatalf("reading %d: %+v", i, r)
		}
	}
	// Large values split into items under DynamoDB's 400 KB item limit.
	big := meterValues("A", 1, id, "m2", 40, t0.Add(time.Hour))
	for i := range big.Values {
		big.Values[i].SampledValues[0].Value = string(make([]byte, 20_000))
		big.Values[i].SampledValues[0].Format = "SignedData"
	}
	stored, err = st.PutMeterValues(ctx, big, t0)
	if err != nil || stored.Items < 3 || stored.Items > 4 {
		t.Fatalf("800 KB of values: %d items, %v", stored.Items, err)
	}
	if rs, err := st.ListReadings(ctx, id); err != nil || len(rs) != 1952 {
		t.Fatalf("readings after the big request %d, %v", len(rs), err)
	}
}

// A request resent under another uniqueId is stored once.
func TestMeterValuesResentUnderNewUniqueIDStoredOnce(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	id, err := st.StartSession(ctx, startSession("A", 1, "TAG", t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"m1", "m1-retry", "m1-retry-2"} {
		if _, err := st.PutMeterValues(ctx, meterValues("A", 1, id, u, 3, t0), t0); err != nil {
			t.Fatal(err)
		}
	}
	if rs, err := st.ListReadings(ctx, id); err != nil || len(rs) != 3 {
		t.Fatalf("readings %d, %v", len(rs), err)
	}
}

// Readings naming another box's transaction, another connector's, or one never issued stay
// the sender's and never reach the session; each is an anomaly.
func TestMeterValuesOfForeignTransactionsKeptApart(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	id, err := st.StartSession(ctx, startSession("A", 1, "TAG", t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		box       string
		connector int
		tx        int
		kind      store.AnomalyKind
	}{
		{"B", 1, id, store.AnomalyForeignMeterValues},
		{"A", 2, id, store.AnomalyForeignMeterValues},
		{"B", 1, id + 1000, store.AnomalyUnknownMeterValues},
	}
	for _, c := range cases {
		stored, err := st.PutMeterValues(ctx, meterValues(c.box, c.connector, c.tx, "x", 2, t0), t0)
		if err != nil || stored.Anomaly == nil || stored.Anomaly.Kind != c.kind {
			t.Fatalf("%+v: %+v, %v", c, stored, err)
		}
		if c.kind == store.AnomalyForeignMeterValues && stored.Anomaly.OwnerChargeBoxID != "A" {
			t.Fatalf("owner %q", stored.Anomaly.OwnerChargeBoxID)
		}
	}
	if rs, err := st.ListReadings(ctx, id); err != nil || len(rs) != 0 {
		t.Fatalf("session of A holds %d foreign readings, %v", len(rs), err)
	}
	got, _, err := st.ListAnomalies(ctx, store.AnomalyFilter{ChargeBoxID: "B"}, store.Page{})
	if err != nil || len(got) != 2 || got[0].ReadingKey == "" {
		t.Fatalf("anomalies of B %+v, %v", got, err)
	}
	// The owner's own readings still attach.
	if stored, err := st.PutMeterValues(ctx, meterValues("A", 1, id, "own", 2, t0.Add(time.Hour)), t0); err != nil || stored.Anomaly != nil {
		t.Fatalf("own readings: %+v, %v", stored, err)
	}
	if rs, err := st.ListReadings(ctx, id); err != nil || len(rs) != 2 {
		t.Fatalf("own readings %d, %v", len(rs), err)
	}
}

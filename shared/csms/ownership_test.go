package csms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Box CP2 names CP1's transaction in MeterValues and StopTransaction: both get a valid
// CALLRESULT, CP1's session is unchanged, each attempt writes the anomaly log line the metric
// counts, and the frames stay in CP2's frame log.
func TestForeignFramesChangeNothingAndAreCounted(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{AcceptUnknownTags: true})
	var logs bytes.Buffer
	f.svc.log = slog.New(slog.NewJSONHandler(&logs, nil))
	var started ocpp.StartTransactionResponse
	f.call("StartTransaction", `{"connectorId":1,"idTag":"TAG1","meterStart":1000,"timestamp":"2026-11-23T11:00:00Z"}`, &started)
	tx := started.TransactionID

	f.boxID = "CP2"
	meter := fmt.Sprintf(`{"connectorId":1,"transactionId":%d,"meterValue":[{"timestamp":"2026-11-23T11:30:00Z","sampledValue":[{"value":"999999"}]}]}`, tx)
	var mv ocpp.MeterValuesResponse
	f.call("MeterValues", meter, &mv)
	f.call("MeterValues", meter, &mv) // resent under a new uniqueId
	var stop ocpp.StopTransactionResponse
	f.call("StopTransaction", fmt.Sprintf(`{"transactionId":%d,"meterStop":1,"timestamp":"2026-11-23T12:00:00Z"}`, tx), &stop)

	sess, err := f.st.GetSession(ctx, tx)
	if err != nil || sess.Status != store.SessionRunning || sess.ChargeBoxID != "CP1" {
		t.Fatalf("CP1's session changed: %+v, %v", sess, err)
	}
	if rs, err := f.st.ListReadings(ctx, tx); err != nil || len(rs) != 0 {
		t.Fatalf("CP1's session got %d readings, %v", len(rs), err)
	}
	got, _, err := f.st.ListAnomalies(ctx, store.AnomalyFilter{ChargeBoxID: "CP2"}, store.Page{})
	if err != nil || len(got) != 2 {
		t.Fatalf("anomalies of CP2: %+v, %v", got, err)
	}
	kinds := map[store.AnomalyKind]store.Anomaly{}
	for _, a := range got {
		kinds[a.Kind] = a
	}
	if a := kinds[store.AnomalyForeignMeterValues]; a.Attempts != 2 || a.OwnerChargeBoxID != "CP1" {
		t.Fatalf("meter values anomaly %+v", a)
	}
	if a := kinds[store.AnomalyForeignStop]; a.Attempts != 1 || a.OwnerChargeBoxID != "CP1" {
		t.Fatalf("stop anomaly %+v", a)
	}
	lines := 0
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == AnomalyLog {
			lines++
			if m["chargeBoxId"] != "CP2" || m["ownerChargeBoxId"] != "CP1" {
				t.Errorf("anomaly line %s", l)
			}
		}
	}
	if lines != 3 {
		t.Fatalf("%d anomaly log lines, want one per attempt (3):\n%s", lines, logs.String())
	}
	if n := countFrames(t, f, "CP2"); n != 3 {
		t.Fatalf("CP2's frame log holds %d rows, want 3", n)
	}
}

func countFrames(t *testing.T, f *fixture, box string) int {
	t.Helper()
	rows, _, err := f.st.ListMessages(context.Background(), box, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

package budget_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/serverless-ocpp/csms/localstack/tools/budget"
	"github.com/serverless-ocpp/csms/shared/api"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// TestNoScanOnChargeBoxPaths: no step of a charge box's life (every sample event through the
// real handlers) scans a table or an index.
func TestNoScanOnChargeBoxPaths(t *testing.T) {
	rows, err := budget.Measure(context.Background(), storetest.Config(t), "../../../events")
	if err != nil {
		t.Fatal(err)
	}
	names, counts := make([]string, len(rows)), make([]budget.Count, len(rows))
	for i, r := range rows {
		names[i], counts[i] = r.Name, r.Count
	}
	for _, msg := range budget.Scans(names, counts) {
		t.Error(msg)
	}
}

// TestNoScanOnOperatorRoutes sends every route of the operator API, each listing with each of
// its filters, and fails on any Scan. The one Scan of the system, the admin export of the
// reconciliation (store.ExportCounts), is no route. Every route must be reached, and every
// request must get past validation, so that a Scan cannot hide behind a 400.
func TestNoScanOnOperatorRoutes(t *testing.T) {
	rows, err := budget.Routes(context.Background(), storetest.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	reached := map[string]bool{}
	names, counts := make([]string, len(rows)), make([]budget.Count, len(rows))
	for i, r := range rows {
		names[i], counts[i] = r.Target, r.Count
		reached[r.Route] = true
		t.Logf("%s: %d, %d DynamoDB calls (%d reads, %.1f RRU), %v", r.Target, r.Status, r.DynamoDB(), r.Reads, r.ReadUnits, r.Calls)
		if r.Status == http.StatusBadRequest || (r.Status == http.StatusNotFound && r.Route != "GET /commands/{commandId}") {
			t.Errorf("%s answered %d: the request did not reach the store", r.Target, r.Status)
		}
	}
	for _, rt := range api.Routes() {
		if !reached[rt.Method+" "+rt.Path] {
			t.Errorf("route %s %s not driven", rt.Method, rt.Path)
		}
	}
	for _, msg := range budget.Scans(names, counts) {
		t.Error(msg)
	}
}

// TestScansCatchesAScan makes sure the check can fail.
func TestScansCatchesAScan(t *testing.T) {
	got := budget.Scans([]string{"GET /x", "GET /y"}, []budget.Count{
		{Calls: map[string]int{"DynamoDB.Query": 1}},
		{Calls: map[string]int{"DynamoDB.Scan": 2}},
	})
	if len(got) != 1 {
		t.Fatalf("Scans = %v, want one message", got)
	}
}

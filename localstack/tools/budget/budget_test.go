package budget_test

import (
	"context"
	"testing"

	"github.com/serverless-ocpp/csms/localstack/tools/budget"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// TestCallBudget runs every sample event through the real handlers with a counting client and
// fails when a step makes more AWS calls than budget.json allows, or has no budget at all.
func TestCallBudget(t *testing.T) {
	cfg := storetest.Config(t)
	rows, err := budget.Measure(context.Background(), cfg, "../../../events")
	if err != nil {
		t.Fatal(err)
	}
	b, err := budget.Load("budget.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + budget.Markdown(rows, b))
	for _, msg := range b.Check(rows) {
		t.Error(msg)
	}
	for _, r := range rows {
		if r.Name == "Heartbeat" && r.Writes > 1 {
			t.Errorf("Heartbeat makes %d writes; the reference design allows one", r.Writes)
		}
		if r.DynamoDB() > 0 && r.ReadUnits+r.WriteUnits == 0 {
			t.Errorf("%s: no consumed capacity reported for %d calls", r.Name, r.DynamoDB())
		}
	}
	if len(rows) == 0 {
		t.Fatal("nothing measured")
	}
}

// TestBudgetCatchesExcess makes sure the check can fail: a step over its limit or without one.
func TestBudgetCatchesExcess(t *testing.T) {
	b := budget.Budget{"Heartbeat": {MaxDynamoDBCalls: 1, MaxWrites: 1}}
	tests := []struct {
		name string
		row  budget.Row
		want int
	}{
		{"within", budget.Row{Name: "Heartbeat", Count: budget.Count{Calls: map[string]int{"DynamoDB.PutItem": 1}, Writes: 1}}, 0},
		{"two writes", budget.Row{Name: "Heartbeat", Count: budget.Count{Calls: map[string]int{"DynamoDB.PutItem": 2}, Writes: 2}}, 1},
		{"extra read", budget.Row{Name: "Heartbeat", Count: budget.Count{Calls: map[string]int{"DynamoDB.PutItem": 1, "DynamoDB.GetItem": 1}, Reads: 1, Writes: 1}}, 1},
		{"management call", budget.Row{Name: "Heartbeat", Count: budget.Count{Calls: map[string]int{"ApiGatewayManagementApi.PostToConnection": 1}}}, 1},
		{"no budget", budget.Row{Name: "Other", Count: budget.Count{Calls: map[string]int{}}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Check([]budget.Row{tt.row}); len(got) != tt.want {
				t.Errorf("Check = %v, want %d messages", got, tt.want)
			}
		})
	}
}

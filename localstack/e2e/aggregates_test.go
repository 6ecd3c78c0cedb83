package e2e

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// TestAggregatesMatchRecount drives boxes through statuses, sessions and reconnects
// (the new $connect before the old $disconnect, and the other way round), then loses
// $disconnects and has DynamoDB's TTL delete a row: /summary must equal a full recount of the
// tables at every step where the rows say the same, and after a reconciliation it must equal
// the live state again.
func TestAggregatesMatchRecount(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	ctx := context.Background()
	if err := st.Store.PutIDTag(ctx, store.IDTag{IDTag: "AGG", Status: "Accepted"}); err != nil {
		t.Fatal(err)
	}
	const n = 24
	// One after the other (the sockets belong to this test); the races are those of each box's
	// $disconnect, which API Gateway delivers asynchronously. Concurrent writes to one aggregate
	// item are TestAggregatesUnderConcurrentChanges in shared/store.
	for i := range n {
		aggregateBox(t, st, i)
	}
	// What the scripts leave: boxes i%5 != 0 online; per box, connector 2 Available and
	// connector 1 Charging (i even, i%4 != 0: a running session), Finishing (i%4 == 0: stopped)
	// or Available (i odd).
	want := map[string]any{"connectedChargeBoxes": 0.0, "runningSessions": 0.0, "connectorsByStatus": map[string]any{}}
	byStatus := map[string]float64{}
	for i := range n {
		if i%5 != 0 {
			want["connectedChargeBoxes"] = want["connectedChargeBoxes"].(float64) + 1
		}
		byStatus["Available"]++
		switch {
		case i%4 == 0:
			byStatus["Finishing"]++
		case i%2 == 0:
			byStatus["Charging"]++
			want["runningSessions"] = want["runningSessions"].(float64) + 1
		default:
			byStatus["Available"]++
		}
	}
	for k, v := range byStatus {
		want["connectorsByStatus"].(map[string]any)[k] = v
	}
	// The $disconnects of closed sockets arrive asynchronously.
	eventually(t, "the summary of the scripted fleet", func() bool {
		return reflect.DeepEqual(op.must(200, "GET", "/summary", nil), want)
	})
	matchesRecount(t, st, op)

	// Lost $disconnects: rows of connections whose $disconnect never came. They count as online
	// until their expiry passes and the sweep removes them (their rows exist), and the recount
	// agrees. They expire a minute from now and the reconciliation below runs two minutes ahead:
	// rows expired by the real clock could be deleted by DynamoDB Local's own TTL first.
	now := time.Now()
	for i := range 3 {
		id := fmt.Sprintf("LOST%d", i)
		if err := st.Store.Connect(ctx, store.Connection{ChargeBoxID: id, ConnectionID: "lost-" + id, ConnectedAt: store.FormatTime(now), ExpiresAt: now.Add(time.Minute).Unix()},
			store.ConnectionEvent{ChargeBoxID: id, ConnectionID: "lost-" + id, EventType: store.EventConnected, OccurredAt: now, Retention: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	matchesRecount(t, st, op)
	// DynamoDB's TTL deletes an expired row without its count: the summary drifts from the
	// recount, which is what the reconciliation repairs.
	if _, err := st.Store.DB().DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: st.Store.Table(tables.Connections),
		Key: map[string]types.AttributeValue{"chargeBoxId": &types.AttributeValueMemberS{Value: "LOST0"}}}); err != nil {
		t.Fatal(err)
	}
	if got := op.must(200, "GET", "/summary", nil)["connectedChargeBoxes"]; got != want["connectedChargeBoxes"].(float64)+3 {
		t.Fatalf("connected boxes %v after a TTL deletion, want the drifted %v", got, want["connectedChargeBoxes"].(float64)+3)
	}
	r, err := st.Store.Reconcile(ctx, now.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if r.Swept != 2 || r.Corrected != 1 || r.Drift != 1 || r.Busy != 0 {
		t.Fatalf("reconciliation %+v, want 2 swept (LOST1, LOST2) and LOST0's count corrected", r)
	}
	if got := op.must(200, "GET", "/summary", nil); !reflect.DeepEqual(got, want) {
		t.Fatalf("summary after reconciliation %v, want %v", got, want)
	}
	matchesRecount(t, st, op)
	if r, err := st.Store.Reconcile(ctx, now.Add(2*time.Minute)); err != nil || r != (store.Reconciled{}) {
		t.Fatalf("second reconciliation %+v, %v: want nothing left to do", r, err)
	}
}

// aggregateBox is box i's script (see TestAggregatesMatchRecount for what it leaves).
func aggregateBox(t *testing.T, st *stack.Stack, i int) {
	id := fmt.Sprintf("AGG%02d", i)
	b := mustDial(t, st, id)
	status := func(b *box, connector int, s string) {
		b.call("StatusNotification", obj("connectorId", connector, "errorCode", "NoError", "status", s), &ocpp.StatusNotificationResponse{})
	}
	var boot ocpp.BootNotificationResponse
	b.call("BootNotification", obj("chargePointVendor", "ACME", "chargePointModel", "AC22"), &boot)
	for c := range 3 {
		status(b, c, "Available")
	}
	status(b, 2, "Available") // a repeat changes no count
	// The other way round: the old socket closes first, its $disconnect races the new $connect.
	if i%3 == 1 {
		_ = b.ws.Close()
		b = mustDial(t, st, id)
	}
	if i%2 == 0 {
		status(b, 1, "Preparing")
		var started ocpp.StartTransactionResponse
		b.call("StartTransaction", obj("connectorId", 1, "idTag", "AGG", "meterStart", 0, "timestamp", time.Now().UTC().Format(time.RFC3339)), &started)
		status(b, 1, "Charging")
		if i%4 == 0 {
			b.call("StopTransaction", obj("transactionId", started.TransactionID, "meterStop", 10, "timestamp", time.Now().UTC().Format(time.RFC3339)), &ocpp.StopTransactionResponse{})
			status(b, 1, "Finishing")
		}
	}
	// A reconnect whose $connect comes before the old connection's $disconnect.
	if i%3 == 0 {
		fresh := mustDial(t, st, id)
		_ = b.ws.Close()
		b = fresh
	}
	if i%5 == 0 {
		_ = b.ws.Close()
	}
}

// matchesRecount compares /summary with a full recount of the tables (the admin export).
func matchesRecount(t *testing.T, st *stack.Stack, op *operator) {
	t.Helper()
	shards, err := st.Store.ExportCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	recount := map[string]any{"connectedChargeBoxes": 0.0, "runningSessions": 0.0, "connectorsByStatus": map[string]any{}}
	for _, counts := range shards {
		for name, v := range counts {
			switch name {
			case "online":
				recount["connectedChargeBoxes"] = recount["connectedChargeBoxes"].(float64) + float64(v)
			case "running":
				recount["runningSessions"] = recount["runningSessions"].(float64) + float64(v)
			default:
				m := recount["connectorsByStatus"].(map[string]any)
				s := name[len("status:"):]
				prev, _ := m[s].(float64)
				m[s] = prev + float64(v)
			}
		}
	}
	if got := op.must(200, "GET", "/summary", nil); !reflect.DeepEqual(got, recount) {
		t.Fatalf("summary %v, full recount %v", got, recount)
	}
}

package e2e

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/bus/bustest"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
	"github.com/serverless-ocpp/csms/shared/tables"
)

func bootedBox(t *testing.T, st *stack.Stack, id string) *box {
	t.Helper()
	b := mustDial(t, st, id)
	b.call("BootNotification", obj("chargePointVendor", "ACME", "chargePointModel", "M"), &ocpp.BootNotificationResponse{})
	return b
}

func (b *box) start(connector int, ts string) int {
	b.t.Helper()
	var started ocpp.StartTransactionResponse
	b.call("StartTransaction", obj("connectorId", connector, "idTag", "TAG-"+b.id, "meterStart", 0, "timestamp", ts), &started)
	return started.TransactionID
}

func meterValue(ts, value string) map[string]any {
	return obj("timestamp", ts, "sampledValue", []any{obj("value", value, "measurand", "Energy.Active.Import.Register", "unit", "Wh")})
}

// listAll follows next through every page of a list and returns the items.
func (o *operator) listAll(path string, limit int) []map[string]any {
	o.t.Helper()
	var out []map[string]any
	next := ""
	for pages := 0; ; pages++ {
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		if next != "" {
			q.Set("next", next)
		}
		sep := "?"
		if u, _ := url.Parse(path); u != nil && u.RawQuery != "" {
			sep = "&"
		}
		body := o.must(200, "GET", path+sep+q.Encode(), nil)
		items, _ := body["items"].([]any)
		for _, it := range items {
			out = append(out, it.(map[string]any))
		}
		n, _ := body["next"].(string)
		if n == "" || pages > 100 {
			return out
		}
		next = n
	}
}

// Point 1: box B names box A's running transaction in MeterValues and StopTransaction. Both
// are answered with a CALLRESULT; A's session keeps running with A's readings only; B's frames
// are in B's frame log and listed as anomalies, per box and fleet-wide.
func TestForeignTransactionFramesChangeNothing(t *testing.T) {
	st := startStack(t, func(c *config.Config) { c.AcceptUnknownTags = true })
	op := newOperator(t, st)
	a, b := bootedBox(t, st, "OWN-A"), bootedBox(t, st, "OWN-B")
	tx := a.start(1, "2026-11-23T10:00:00Z")
	a.call("MeterValues", obj("connectorId", 1, "transactionId", tx, "meterValue", []any{meterValue("2026-11-23T10:05:00Z", "100")}), &ocpp.MeterValuesResponse{})

	b.call("MeterValues", obj("connectorId", 1, "transactionId", tx, "meterValue", []any{meterValue("2026-11-23T10:06:00Z", "999999")}), &ocpp.MeterValuesResponse{})
	var stopped ocpp.StopTransactionResponse
	b.call("StopTransaction", obj("transactionId", tx, "meterStop", 1, "timestamp", "2026-11-23T10:07:00Z", "idTag", "TAG-OWN-B"), &stopped)
	if stopped.IDTagInfo == nil {
		t.Fatalf("stop answer without idTagInfo: %+v", stopped)
	}

	sess := op.must(200, "GET", fmt.Sprintf("/sessions/%d", tx), nil)
	if sess["status"] != "running" || sess["chargeBoxId"] != "OWN-A" || sess["meterStop"] != nil {
		t.Fatalf("A's session changed: %v", sess)
	}
	if mvs, _ := sess["meterValues"].([]any); len(mvs) != 1 || mvs[0].(map[string]any)["chargeBoxId"] != "OWN-A" {
		t.Fatalf("A's session serves %v", sess["meterValues"])
	}
	mine := op.listAll("/charge-boxes/OWN-B/anomalies", 1)
	if len(mine) != 2 {
		t.Fatalf("B's anomalies %v", mine)
	}
	for _, an := range mine {
		if an["ownerChargeBoxId"] != "OWN-A" || an["transactionId"] != float64(tx) || an["attempts"] != 1.0 {
			t.Fatalf("anomaly %v", an)
		}
	}
	if got := op.listAll("/anomalies?kind=foreign-stop", 10); len(got) != 1 || got[0]["chargeBoxId"] != "OWN-B" {
		t.Fatalf("fleet-wide foreign stops %v", got)
	}
	if got := op.listAll("/charge-boxes/OWN-A/anomalies", 10); len(got) != 0 {
		t.Fatalf("A has anomalies %v", got)
	}
	if r := op.do("GET", "/anomalies?kind=bogus", nil); r.Status != 400 || r.Body["field"] != "kind" {
		t.Fatalf("bad kind: %d %s", r.Status, r.Raw)
	}
	// B's frames are kept: connect event, boot, MeterValues, StopTransaction.
	if n := countRows(t, st.Store, "OWN-B"); n != 4 {
		t.Fatalf("B's frame log holds %d rows, want 4", n)
	}
	// A stops its own session: it finishes with A's meter.
	a.call("StopTransaction", obj("transactionId", tx, "meterStop", 500, "timestamp", "2026-11-23T10:30:00Z"), &ocpp.StopTransactionResponse{})
	if sess := op.must(200, "GET", fmt.Sprintf("/sessions/%d", tx), nil); sess["status"] != "finished" || sess["meterStop"] != 500.0 {
		t.Fatalf("A's own stop: %v", sess)
	}
}

// Point 2: box B stops a dozen transaction ids not issued yet. They become B's orphan stops;
// A's later starts get exactly those ids, and two boxes starting at once get distinct ids.
func TestOrphanStopsCannotSquatTransactionIDs(t *testing.T) {
	st := startStack(t, func(c *config.Config) { c.AcceptUnknownTags = true })
	op := newOperator(t, st)
	a, b, c := bootedBox(t, st, "SQ-A"), bootedBox(t, st, "SQ-B"), bootedBox(t, st, "SQ-C")
	first := a.start(1, "2026-11-23T09:00:00Z")
	for id := first + 1; id <= first+12; id++ {
		b.call("StopTransaction", obj("transactionId", id, "meterStop", 7, "timestamp", "2026-11-23T09:30:00Z"), &ocpp.StopTransactionResponse{})
	}
	if r := op.do("GET", fmt.Sprintf("/sessions/%d", first+1), nil); r.Status != 404 {
		t.Fatalf("an orphan stop made session %d: %d %s", first+1, r.Status, r.Raw)
	}
	orphans := op.listAll("/anomalies?kind=orphan-stop&chargeBoxId=SQ-B", 5)
	if len(orphans) != 12 {
		t.Fatalf("%d orphan stops of B, want 12", len(orphans))
	}
	a.call("StopTransaction", obj("transactionId", first, "meterStop", 1, "timestamp", "2026-11-23T09:10:00Z"), &ocpp.StopTransactionResponse{})
	seen := map[int]bool{first: true}
	for i := 1; i <= 6; i++ {
		// A and C start at the same moment, each on its own connection.
		var ida, idc int
		var wg sync.WaitGroup
		wg.Add(2)
		ts := fmt.Sprintf("2026-11-23T10:%02d:00Z", i)
		go func() { defer wg.Done(); ida = a.start(1, ts) }()
		go func() { defer wg.Done(); idc = c.start(1, ts) }()
		wg.Wait()
		for _, id := range []int{ida, idc} {
			if id <= 0 || seen[id] {
				t.Fatalf("start %d: id %d given twice", i, id)
			}
			seen[id] = true
		}
		for _, p := range []struct {
			b  *box
			id int
		}{{a, ida}, {c, idc}} {
			p.b.call("StopTransaction", obj("transactionId", p.id, "meterStop", 10, "timestamp", ts), &ocpp.StopTransactionResponse{})
			if s := op.must(200, "GET", fmt.Sprintf("/sessions/%d", p.id), nil); s["chargeBoxId"] != p.b.id || s["status"] != "finished" || s["meterStop"] != 10.0 {
				t.Fatalf("session %d: %v", p.id, s)
			}
		}
	}
	// The twelve starts took exactly the ids B had stopped: none was passed over.
	for id := first + 1; id <= first+12; id++ {
		if !seen[id] {
			t.Fatalf("id %d was never issued; issued %v", id, seen)
		}
	}
}

// Point 6 (storage): a MeterValues of 1,912 elements over the WebSocket is stored in one item,
// and GET /sessions/{id} serves every value.
func TestLargeMeterValuesStoredInBoundedItems(t *testing.T) {
	st := startStack(t, func(c *config.Config) { c.AcceptUnknownTags = true })
	op := newOperator(t, st)
	a := bootedBox(t, st, "BIG-A")
	tx := a.start(1, "2026-11-23T10:00:00Z")
	const n = 1912
	values := make([]any, n)
	for i := range values {
		values[i] = obj("timestamp", fmt.Sprintf("2026-11-23T10:%02d:%02dZ", 20+i/60, i%60), "sampledValue", []any{obj("value", fmt.Sprint(i%10))})
	}
	a.call("MeterValues", obj("connectorId", 1, "transactionId", tx, "meterValue", values), &ocpp.MeterValuesResponse{})
	sess := op.must(200, "GET", fmt.Sprintf("/sessions/%d", tx), nil)
	mvs, _ := sess["meterValues"].([]any)
	if len(mvs) != n {
		t.Fatalf("GET /sessions/%d serves %d meter values, want %d", tx, len(mvs), n)
	}
	for i, mv := range mvs {
		m := mv.(map[string]any)
		svs, _ := m["sampledValues"].([]any)
		if len(svs) != 1 || svs[0].(map[string]any)["value"] != fmt.Sprint(i%10) {
			t.Fatalf("meter value %d: %v", i, m)
		}
	}
	if items := meterItems(t, st, "BIG-A"); items != 1 {
		t.Fatalf("%d meter-values items for one frame, want 1", items)
	}
}

func meterItems(t *testing.T, st *stack.Stack, box string) int {
	t.Helper()
	res, err := st.Store.DB().Query(context.Background(), &dynamodb.QueryInput{
		TableName:              st.Store.Table(tables.MeterValues),
		KeyConditionExpression: aws.String("chargeBoxId = :b"), Select: types.SelectCount,
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: box}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return int(res.Count)
}

// Point 7: StartTransaction, MeterValues and StopTransaction resent under new uniqueIds (as
// libocpp's queue does after a timeout) are recognised by content: the same transaction id,
// the readings once, the stop once, and one published session.
func TestRetriesWithNewUniqueIDs(t *testing.T) {
	amqpURL := bustest.URL(t)
	bustest.UseBroker(t)
	consumer := bustest.NewConsumer(t, amqpURL, bustest.Binding{Exchange: bus.ExchangeSessions, Key: bus.KeySessions})
	cfg := storetest.Config(t)
	cfg.AutoRegister, cfg.AcceptUnknownTags, cfg.AMQPURL, cfg.MessageRetention = true, true, amqpURL, time.Hour
	st := startPublishingStack(t, cfg)
	op := newOperator(t, st)
	id := fmt.Sprintf("RETRY-%d", time.Now().UnixNano()%1e9)
	a := bootedBox(t, st, id)
	// box.send gives every CALL a new uniqueId, so each repetition is a resend.
	tx := a.start(1, "2026-11-23T10:00:00Z")
	for range 2 {
		if again := a.start(1, "2026-11-23T10:00:00Z"); again != tx {
			t.Fatalf("resent start got %d, first %d", again, tx)
		}
		a.call("MeterValues", obj("connectorId", 1, "transactionId", tx, "meterValue", []any{
			meterValue("2026-11-23T10:05:00Z", "1000"), meterValue("2026-11-23T10:10:00Z", "2000")}), &ocpp.MeterValuesResponse{})
	}
	for range 3 {
		a.call("StopTransaction", obj("transactionId", tx, "meterStop", 3000, "timestamp", "2026-11-23T10:15:00Z"), &ocpp.StopTransactionResponse{})
	}
	sess := op.must(200, "GET", fmt.Sprintf("/sessions/%d", tx), nil)
	if mvs, _ := sess["meterValues"].([]any); len(mvs) != 2 || sess["status"] != "finished" {
		t.Fatalf("session after resends: %v", sess)
	}
	if items := meterItems(t, st, id); items != 1 {
		t.Fatalf("resent MeterValues stored as %d items, want 1", items)
	}
	if got := op.listAll("/charge-boxes/"+id+"/anomalies", 10); len(got) != 0 {
		t.Fatalf("resends of own frames made anomalies: %v", got)
	}
	_ = a.ws.Close()
	last := closingSession(t, st, consumer)
	var raw []amqp.Delivery
	for _, d := range last {
		if p := decode(t, d); p.Box == id {
			raw = append(raw, d)
		}
	}
	if len(raw) != 1 {
		t.Fatalf("%d session messages for the resent stops, want 1", len(raw))
	}
}

package e2e

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/auth"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/tables"
)

func obj(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// TestChargingSession runs a whole charging session from a real WebSocket client and checks
// what DynamoDB holds afterwards.
func TestChargingSession(t *testing.T) {
	st := startStack(t, nil)
	ctx := context.Background()
	if err := st.Store.PutIDTag(ctx, store.IDTag{IDTag: "RFID-1", Status: "Accepted"}); err != nil {
		t.Fatal(err)
	}
	b := mustDial(t, st, "CP001")

	var boot ocpp.BootNotificationResponse
	b.call("BootNotification", obj("chargePointVendor", "ACME", "chargePointModel", "AC22", "firmwareVersion", "4.1", "meterSerialNumber", "MTR9"), &boot)
	if boot.Status != ocpp.RegistrationStatusAccepted || boot.Interval != 300 {
		t.Fatalf("boot answer %+v", boot)
	}
	b.call("StatusNotification", obj("connectorId", 1, "errorCode", "NoError", "status", "Preparing"), &ocpp.StatusNotificationResponse{})
	var authz ocpp.AuthorizeResponse
	b.call("Authorize", obj("idTag", "RFID-1"), &authz)
	if authz.IDTagInfo.Status != ocpp.AuthorizationStatusAccepted {
		t.Fatalf("authorize %+v", authz)
	}
	var started ocpp.StartTransactionResponse
	b.call("StartTransaction", obj("connectorId", 1, "idTag", "RFID-1", "meterStart", 12000, "timestamp", "2026-11-23T10:00:00Z"), &started)
	if started.TransactionID <= 0 {
		t.Fatalf("transactionId %d", started.TransactionID)
	}
	b.call("MeterValues", obj("connectorId", 1, "transactionId", started.TransactionID, "meterValue", []any{
		obj("timestamp", "2026-11-23T10:15:00Z", "sampledValue", []any{obj("value", "14500", "measurand", "Energy.Active.Import.Register", "unit", "Wh")}),
	}), &ocpp.MeterValuesResponse{})
	var stopped ocpp.StopTransactionResponse
	b.call("StopTransaction", obj("transactionId", started.TransactionID, "idTag", "RFID-1", "meterStop", 19500, "timestamp", "2026-11-23T10:30:00Z", "reason", "Local"), &stopped)
	var hb ocpp.HeartbeatResponse
	b.call("Heartbeat", obj(), &hb)
	if time.Since(hb.CurrentTime.Time).Abs() > time.Minute {
		t.Fatalf("heartbeat time %v", hb.CurrentTime)
	}

	box, err := st.Store.GetChargeBox(ctx, "CP001")
	if err != nil || box.ChargePointVendor != "ACME" || box.FirmwareVersion != "4.1" || box.MeterSerialNumber != "MTR9" || !box.AutoRegistered {
		t.Fatalf("charge box %+v, %v", box, err)
	}
	conn, err := st.Store.GetConnector(ctx, "CP001", 1)
	if err != nil || conn.Status != "Preparing" {
		t.Fatalf("connector %+v, %v", conn, err)
	}
	sess, err := st.Store.GetSession(ctx, started.TransactionID)
	if err != nil || sess.Status != store.SessionFinished || sess.MeterStart != 12000 || sess.MeterStop == nil || *sess.MeterStop != 19500 || sess.StopReason != "Local" {
		t.Fatalf("session %+v, %v", sess, err)
	}
	readings, err := st.Store.ListReadings(ctx, started.TransactionID)
	if err != nil || len(readings) != 1 || readings[0].SampledValues[0].Value != "14500" {
		t.Fatalf("readings %+v, %v", readings, err)
	}
	c, err := st.Store.GetConnection(ctx, "CP001", time.Now())
	if err != nil || c.ConnectionID == "" {
		t.Fatalf("connection %+v, %v", c, err)
	}
	if seen, err := st.Store.LastSeen(ctx, "CP001"); err != nil || time.Since(seen) > time.Minute {
		t.Fatalf("last seen %v, %v", seen, err)
	}
	// Every exchange is in the frame log: connect event, seven exchanges.
	if n := countRows(t, st.Store, "CP001"); n != 8 {
		t.Fatalf("frame log rows %d, want 8", n)
	}

	_ = b.ws.Close()
	eventually(t, "connection row removed after close", func() bool {
		_, err := st.Store.GetConnection(ctx, "CP001", time.Now())
		return errors.Is(err, store.ErrNotFound)
	})
}

func countRows(t *testing.T, st *store.Store, box string) int {
	t.Helper()
	out, err := st.DB().Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 st.Table(tables.Messages),
		KeyConditionExpression:    aws.String("chargeBoxId = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: box}},
		Select:                    types.SelectCount,
	})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

func TestSubprotocolNegotiation(t *testing.T) {
	st := startStack(t, nil)
	cases := []struct {
		name   string
		protos []string
		ok     bool
	}{
		{"none offered", []string{}, false},
		{"other version only", []string{"ocpp2.0.1"}, false},
		{"in a list", []string{"ocpp2.0.1", "ocpp1.6"}, true},
		{"alone", []string{"ocpp1.6"}, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A non-nil empty list offers no subprotocol at all.
			b, resp, err := dial(t, st, "SUB"+string(rune('A'+i)), dialOpts{subprotocols: append([]string{}, c.protos...)})
			if c.ok {
				if err != nil {
					t.Fatalf("refused: %v (%s)", err, status(resp))
				}
				if b.ws.Subprotocol() != "ocpp1.6" {
					t.Fatalf("answered subprotocol %q", b.ws.Subprotocol())
				}
				return
			}
			if err == nil {
				t.Fatal("a client not offering ocpp1.6 was accepted")
			}
			if resp == nil || resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("refusal %s, want 400", status(resp))
			}
			// Auto-registration is on, but a refused connection registers nothing.
			if _, err := st.Store.GetChargeBox(context.Background(), "SUB"+string(rune('A'+i))); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("refused box was registered: %v", err)
			}
		})
	}
}

func TestUnknownBoxRefusedWithoutAutoRegistration(t *testing.T) {
	st := startStack(t, func(c *config.Config) { c.AutoRegister = false })
	_, resp, err := dial(t, st, "STRANGER", dialOpts{})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unknown box: err=%v status=%s, want 403", err, status(resp))
	}
	if _, err := st.Store.GetChargeBox(context.Background(), "STRANGER"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown box was registered: %v", err)
	}
	// Registered, it gets in.
	if _, err := st.Store.CreateChargeBox(context.Background(), store.ChargeBox{ChargeBoxID: "KNOWN", RegistrationStatus: string(ocpp.RegistrationStatusAccepted)}, time.Now()); err != nil {
		t.Fatal(err)
	}
	mustDial(t, st, "KNOWN")
}

// TestRejectedBox: a registered box whose registration is Rejected connects and is told so by
// BootNotification; anything else it sends gets SecurityError (the authorizer's context carries
// the registration to $default).
func TestRejectedBox(t *testing.T) {
	st := startStack(t, func(c *config.Config) { c.AutoRegister = false })
	if _, err := st.Store.CreateChargeBox(context.Background(), store.ChargeBox{ChargeBoxID: "REJECTED1", RegistrationStatus: string(ocpp.RegistrationStatusRejected)}, time.Now()); err != nil {
		t.Fatal(err)
	}
	b := mustDial(t, st, "REJECTED1")
	var boot ocpp.BootNotificationResponse
	b.call("BootNotification", obj("chargePointVendor", "ACME", "chargePointModel", "M"), &boot)
	if boot.Status != ocpp.RegistrationStatusRejected {
		t.Fatalf("boot status %s, want Rejected", boot.Status)
	}
	if fr := b.send("Authorize", obj("idTag", "T1")); fr.Type != ocpp.TypeCallError || fr.ErrorCode != ocpp.SecurityError {
		t.Fatalf("Authorize from a Rejected box: %+v, want CALLERROR SecurityError", fr)
	}
}

func TestBasicAuth(t *testing.T) {
	st := startStack(t, func(c *config.Config) { c.AutoRegister = false })
	const password = "correct-horse-battery"
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Store.CreateChargeBox(context.Background(), store.ChargeBox{ChargeBoxID: "SECURE1", RegistrationStatus: string(ocpp.RegistrationStatusAccepted), PasswordHash: hash}, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, user, pass string
	}{
		{"no credentials", "", ""},
		{"wrong password", "SECURE1", "wrong-horse-battery!"},
		{"wrong user", "OTHER", password},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, resp, err := dial(t, st, "SECURE1", dialOpts{user: c.user, pass: c.pass})
			if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("err=%v status=%s, want 401", err, status(resp))
			}
		})
	}
	b, resp, err := dial(t, st, "SECURE1", dialOpts{user: "SECURE1", pass: password})
	if err != nil {
		t.Fatalf("right password refused: %v (%s)", err, status(resp))
	}
	var hb ocpp.HeartbeatResponse
	b.call("Heartbeat", obj(), &hb)
}

// TestReconnectRace: a box reconnects and the new $connect runs before the old connection's
// $disconnect; the new connection's row must survive and no "disconnected" is logged after the
// new "connected".
func TestReconnectRace(t *testing.T) {
	st, logs := startWatchedStack(t)
	if _, err := st.Store.CreateChargeBox(context.Background(), store.ChargeBox{ChargeBoxID: "RACE1", RegistrationStatus: string(ocpp.RegistrationStatusAccepted), Unsecured: true}, time.Now()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old := mustDial(t, st, "RACE1")
	first, err := st.Store.GetConnection(ctx, "RACE1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fresh := mustDial(t, st, "RACE1")
	second, err := st.Store.GetConnection(ctx, "RACE1", time.Now())
	if err != nil || second.ConnectionID == first.ConnectionID {
		t.Fatalf("second connection row %+v, %v", second, err)
	}
	_ = old.ws.Close()
	eventually(t, "disconnect of the old connection", func() bool {
		return logs.find("charge box disconnected", "connectionId", first.ConnectionID) != nil
	})
	if n := countRows(t, st.Store, "RACE1"); n != 2 {
		t.Fatalf("%d frame-log rows, want the two connected events only", n)
	}
	c, err := st.Store.GetConnection(ctx, "RACE1", time.Now())
	if err != nil || c.ConnectionID != second.ConnectionID {
		t.Fatalf("after the old disconnect the row is %+v, %v; want connection %s", c, err, second.ConnectionID)
	}
	var hb ocpp.HeartbeatResponse
	fresh.call("Heartbeat", obj(), &hb)
}

// TestConcurrentIdenticalStarts sends 20 identical StartTransactions at once; API Gateway runs
// them concurrently and all must get one transaction id and make one session.
func TestConcurrentIdenticalStarts(t *testing.T) {
	st := startStack(t, func(c *config.Config) { c.AcceptUnknownTags = true })
	b := mustDial(t, st, "RETRY1")
	const n = 20
	ids := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var resp ocpp.StartTransactionResponse
			b.call("StartTransaction", obj("connectorId", 1, "idTag", "TAG", "meterStart", 0, "timestamp", "2026-11-23T09:00:00.123Z"), &resp)
			ids[i] = resp.TransactionID
		}()
	}
	wg.Wait()
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("start %d got transaction %d, start 0 got %d", i, ids[i], ids[0])
		}
	}
	out, err := st.Store.DB().Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 st.Store.Table(tables.Sessions),
		IndexName:                 aws.String("byChargeBox"),
		KeyConditionExpression:    aws.String("chargeBoxId = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: "RETRY1"}},
	})
	if err != nil || out.Count != 1 {
		t.Fatalf("sessions of RETRY1: %d, %v", out.Count, err)
	}
}

// TestMalformedFramesGetCallErrors sends broken frames over the wire; the connection survives.
func TestMalformedFramesGetCallErrors(t *testing.T) {
	st := startStack(t, nil)
	b := mustDial(t, st, "BAD1")
	fr := b.send("Teleport", obj())
	if fr.Type != ocpp.TypeCallError || fr.ErrorCode != ocpp.NotImplemented {
		t.Fatalf("unknown action: %+v", fr)
	}
	fr = b.send("Authorize", obj("idTag", 42))
	if fr.Type != ocpp.TypeCallError || fr.ErrorCode != ocpp.TypeConstraintViolation {
		t.Fatalf("wrong type: %+v", fr)
	}
	var hb ocpp.HeartbeatResponse
	b.call("Heartbeat", obj(), &hb)
}

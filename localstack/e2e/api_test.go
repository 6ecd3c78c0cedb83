package e2e

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// TestAPIRemoteOperations sends each of the 19 remote operations through the HTTP API to a
// scripted charge box, which checks the CALL (action and payload) and answers; the caller
// must get that answer, and the answer's side effects must show in the queries.
func TestAPIRemoteOperations(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	b := mustDial(t, st, "RC1")
	b.call("BootNotification", obj("chargePointVendor", "ACME", "chargePointModel", "AC22"), &ocpp.BootNotificationResponse{})
	// The form the system writes DateTimes in, so the CALL's payload equals the body.
	expiry := time.Now().Add(time.Hour).UTC().Truncate(time.Second).Format("2006-01-02T15:04:05.000Z")
	profile := obj("chargingProfileId", 7, "stackLevel", 1, "chargingProfilePurpose", "TxDefaultProfile", "chargingProfileKind", "Absolute",
		"chargingSchedule", obj("chargingRateUnit", "W", "chargingSchedulePeriod", []any{obj("startPeriod", 0, "limit", 11000.0)}))

	tests := []struct {
		op     string
		action ocpp.Action
		body   any
		// sent is what the box must receive; nil means the body itself.
		sent   any
		answer any
		after  func() error
	}{
		{op: "cancel-reservation", action: ocpp.CancelReservation, body: obj("reservationId", 99), answer: obj("status", "Rejected")},
		{op: "change-availability", action: ocpp.ChangeAvailability, body: obj("connectorId", 1, "type", "Inoperative"), answer: obj("status", "Scheduled"),
			after: func() error {
				got := op.must(200, "GET", "/charge-boxes/RC1", nil)
				av, _ := got["availability"].(map[string]any)
				if c1, _ := av["1"].(map[string]any); c1["type"] != "Inoperative" || c1["status"] != "Scheduled" {
					return fmt.Errorf("availability %v", got["availability"])
				}
				return nil
			}},
		{op: "get-configuration", action: ocpp.GetConfiguration, body: obj(), answer: obj("configurationKey", []any{
			obj("key", "HeartbeatInterval", "readonly", false, "value", "300"), obj("key", "NumberOfConnectors", "readonly", true, "value", "2")}),
			after: func() error {
				cfg, _ := op.must(200, "GET", "/charge-boxes/RC1", nil)["configuration"].(map[string]any)
				if hb, _ := cfg["HeartbeatInterval"].(map[string]any); hb["value"] != "300" || len(cfg) != 2 {
					return fmt.Errorf("configuration cache %v", cfg)
				}
				return nil
			}},
		{op: "change-configuration", action: ocpp.ChangeConfiguration, body: obj("key", "HeartbeatInterval", "value", "60"), answer: obj("status", "Accepted"),
			after: func() error {
				cfg, _ := op.must(200, "GET", "/charge-boxes/RC1", nil)["configuration"].(map[string]any)
				if hb, _ := cfg["HeartbeatInterval"].(map[string]any); hb["value"] != "60" || len(cfg) != 2 {
					return fmt.Errorf("configuration cache after change %v", cfg)
				}
				return nil
			}},
		{op: "clear-cache", action: ocpp.ClearCache, body: obj(), answer: obj("status", "Accepted")},
		{op: "set-charging-profile", action: ocpp.SetChargingProfile, body: obj("connectorId", 1, "csChargingProfiles", profile), answer: obj("status", "Accepted"),
			after: func() error {
				ps, _ := op.must(200, "GET", "/charge-boxes/RC1", nil)["chargingProfiles"].([]any)
				if len(ps) != 1 || ps[0].(map[string]any)["chargingProfileId"] != 7.0 {
					return fmt.Errorf("charging profiles %v", ps)
				}
				return nil
			}},
		{op: "get-composite-schedule", action: ocpp.GetCompositeSchedule, body: obj("connectorId", 1, "duration", 3600, "chargingRateUnit", "W"),
			answer: obj("status", "Accepted", "connectorId", 1)},
		{op: "clear-charging-profile", action: ocpp.ClearChargingProfile, body: obj("id", 7), answer: obj("status", "Accepted"),
			after: func() error {
				if ps, _ := op.must(200, "GET", "/charge-boxes/RC1", nil)["chargingProfiles"].([]any); len(ps) != 0 {
					return fmt.Errorf("charging profiles after clear %v", ps)
				}
				return nil
			}},
		{op: "data-transfer", action: ocpp.DataTransfer, body: obj("vendorId", "com.acme", "messageId", "ping", "data", "{}"), answer: obj("status", "Accepted", "data", "pong")},
		{op: "get-diagnostics", action: ocpp.GetDiagnostics, body: obj("location", "ftp://logs.example.com/upload"), answer: obj("fileName", "diag.zip")},
		{op: "send-local-list", action: ocpp.SendLocalList, body: obj("listVersion", 5, "updateType", "Full", "localAuthorizationList", []any{obj("idTag", "RFID-1", "idTagInfo", obj("status", "Accepted"))}),
			answer: obj("status", "Accepted"),
			after: func() error {
				if v := op.must(200, "GET", "/charge-boxes/RC1", nil)["localListVersion"]; v != 5.0 {
					return fmt.Errorf("local list version %v", v)
				}
				return nil
			}},
		{op: "get-local-list-version", action: ocpp.GetLocalListVersion, body: obj(), answer: obj("listVersion", 6),
			after: func() error {
				if v := op.must(200, "GET", "/charge-boxes/RC1", nil)["localListVersion"]; v != 6.0 {
					return fmt.Errorf("local list version %v", v)
				}
				return nil
			}},
		{op: "remote-start-transaction", action: ocpp.RemoteStartTransaction, body: obj("idTag", "RFID-1", "connectorId", 1), answer: obj("status", "Accepted")},
		{op: "remote-stop-transaction", action: ocpp.RemoteStopTransaction, body: obj("transactionId", 42), answer: obj("status", "Rejected")},
		{op: "reserve-now", action: ocpp.ReserveNow, body: obj("connectorId", 2, "expiryDate", expiry, "idTag", "RFID-9", "reservationId", 501), answer: obj("status", "Accepted"),
			after: func() error {
				items, _ := op.must(200, "GET", "/reservations?chargeBoxId=RC1", nil)["items"].([]any)
				if len(items) != 1 || items[0].(map[string]any)["status"] != "active" || items[0].(map[string]any)["idTag"] != "RFID-9" {
					return fmt.Errorf("reservations %v", items)
				}
				return nil
			}},
		{op: "reset", action: ocpp.Reset, body: obj("type", "soft"), sent: obj("type", "Soft"), answer: obj("status", "Accepted")},
		{op: "trigger-message", action: ocpp.TriggerMessage, body: obj("requestedMessage", "StatusNotification", "connectorId", 1), answer: obj("status", "Accepted")},
		{op: "unlock-connector", action: ocpp.UnlockConnector, body: obj("connector_id", 1), sent: obj("connectorId", 1), answer: obj("status", "Unlocked")},
		{op: "update-firmware", action: ocpp.UpdateFirmware, body: obj("location", "https://fw.example.com/4.2.bin", "retrieve_date", "2026-12-01T02:00:00.000Z"),
			sent: obj("location", "https://fw.example.com/4.2.bin", "retrieveDate", "2026-12-01T02:00:00.000Z"), answer: obj()},
	}
	seen := map[ocpp.Action]bool{}
	for _, tt := range tests {
		seen[tt.action] = true
		t.Run(tt.op, func(t *testing.T) {
			remoteAnswered(t, op, b, "RC1", tt.op, tt.action, tt.body, tt.sent, tt.answer)
			if tt.after != nil {
				// The message function applies an answer's effect just after recording the
				// answer the caller got, so the query may lag a moment.
				for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
					err := tt.after()
					if err == nil {
						break
					}
					if time.Now().After(deadline) {
						t.Fatal(err)
					}
				}
			}
		})
	}
	if len(seen) != 19 {
		t.Fatalf("%d operations tested, want 19", len(seen))
	}
	// Every CALL sent is in the frame log, newest first.
	rows, _ := op.must(200, "GET", "/charge-boxes/RC1/messages?limit=200", nil)["items"].([]any)
	sent := 0
	for _, row := range rows {
		frames, _ := row.(map[string]any)["frames"].([]any) // connection events have none
		for _, f := range frames {
			if fm := f.(map[string]any); fm["direction"] == store.ToBox && fm["messageType"] == 2.0 {
				sent++
			}
		}
	}
	if sent != 19 {
		t.Fatalf("%d CALLs in the frame log, want 19", sent)
	}
}

func TestAPITimeoutThenCommandOutcome(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	b := mustDial(t, st, "TO1")
	r := op.do("POST", "/charge-boxes/TO1/remote/reset?wait=0", obj("type", "Hard"))
	if r.Status != http.StatusAccepted || r.Body["status"] != "pending" {
		t.Fatalf("status %d %s", r.Status, r.Raw)
	}
	id, _ := r.Body["commandId"].(string)
	if got := op.must(200, "GET", "/commands/"+id, nil); got["status"] != "pending" || got["action"] != "Reset" {
		t.Fatalf("command before the answer %v", got)
	}
	fr := b.nextCall(ocpp.Reset)
	b.answer(fr, obj("status", "Accepted"))
	eventually(t, "the command to be answered", func() bool {
		got := op.must(200, "GET", "/commands/"+id, nil)
		resp, _ := got["response"].(map[string]any)
		return got["status"] == "answered" && resp["status"] == "Accepted"
	})
	op.must(404, "GET", "/commands/no-such-command", nil)
	// The listings show the command as GET /commands/{commandId} does; another box's listing
	// does not.
	one := op.must(200, "GET", "/commands/"+id, nil)
	fleet := op.must(200, "GET", "/commands?limit=10", nil)
	box := op.must(200, "GET", "/charge-boxes/TO1/commands", nil)
	for name, got := range map[string]map[string]any{"GET /commands": fleet, "GET /charge-boxes/TO1/commands": box} {
		items, _ := got["items"].([]any)
		if len(items) != 1 || !reflect.DeepEqual(items[0], one) {
			t.Fatalf("%s: %v, want [%v]", name, got, one)
		}
	}
	if fleet["from"] == nil || fleet["to"] == nil {
		t.Fatalf("GET /commands does not name its window: %v", fleet)
	}
	if other, _ := op.must(200, "GET", "/charge-boxes/XX1/commands", nil)["items"].([]any); len(other) != 0 {
		t.Fatalf("another box lists TO1's command: %v", other)
	}
	listed := func() map[string]any {
		reg := op.must(200, "GET", "/charge-boxes", nil)
		items, _ := reg["items"].([]any)
		for _, it := range items {
			if b := it.(map[string]any); b["chargeBoxId"] == "TO1" {
				return b
			}
		}
		t.Fatalf("TO1 not in the registry listing: %v", reg)
		return nil
	}
	if got := listed(); got["connected"] != true || got["connectedAt"] == nil {
		t.Fatalf("registry listing of a connected box: %v", got)
	}
	// Once the box has gone, the listing says when it was last seen ($disconnect's time).
	_ = b.ws.Close()
	eventually(t, "the listing to show TO1 offline with its lastSeen", func() bool {
		got := listed()
		return got["connected"] == false && got["lastSeen"] != nil && got["connectedAt"] == nil
	})
}

func TestAPICallErrorIs502(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	b := mustDial(t, st, "CE1")
	pending := op.async("POST", "/charge-boxes/CE1/remote/unlock-connector", obj("connectorId", 1))
	b.fail(b.nextCall(ocpp.UnlockConnector), ocpp.NotSupported, "no lock on this model")
	r := await(t, pending)
	if r.Status != http.StatusBadGateway || r.Body["errorCode"] != "NotSupported" || r.Body["errorDescription"] != "no lock on this model" || r.Body["commandId"] == "" {
		t.Fatalf("status %d %s", r.Status, r.Raw)
	}
	// The slot is free again.
	pending = op.async("POST", "/charge-boxes/CE1/remote/clear-cache", obj())
	b.answer(b.nextCall(ocpp.ClearCache), obj("status", "Accepted"))
	if r := await(t, pending); r.Status != http.StatusOK {
		t.Fatalf("after a CALLERROR: %d %s", r.Status, r.Raw)
	}
}

func TestAPINotConnectedAndGone(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	r := op.do("POST", "/charge-boxes/NOBODY/remote/reset", obj("type", "Soft"))
	if r.Status != http.StatusNotFound || r.Body["error"] != "charge box NOBODY is not registered" {
		t.Fatalf("not registered: %d %s", r.Status, r.Raw)
	}
	if r := op.do("PUT", "/charge-boxes/ASLEEP", obj("registrationStatus", "Accepted", "unsecured", true)); r.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	r = op.do("POST", "/charge-boxes/ASLEEP/remote/reset", obj("type", "Soft"))
	if r.Status != http.StatusConflict || r.Body["error"] != "charge box ASLEEP is not connected" {
		t.Fatalf("not connected: %d %s", r.Status, r.Raw)
	}
	// A connection row whose WebSocket no longer exists ($disconnect was never delivered).
	ctx := context.Background()
	if err := st.Store.Connect(ctx, store.Connection{ChargeBoxID: "GHOST", ConnectionID: "c2hvdWxkIG5vdCBleGlzdA=", ConnectedAt: store.FormatTime(time.Now()), ExpiresAt: time.Now().Add(time.Hour).Unix()},
		store.ConnectionEvent{ChargeBoxID: "GHOST", ConnectionID: "c2hvdWxkIG5vdCBleGlzdA=", EventType: store.EventConnected, OccurredAt: time.Now(), Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	r = op.do("POST", "/charge-boxes/GHOST/remote/reset", obj("type", "Soft"))
	if r.Status != http.StatusConflict || !strings.Contains(r.Body["error"].(string), "gone") {
		t.Fatalf("gone: %d %s", r.Status, r.Raw)
	}
	if _, err := st.Store.GetConnection(ctx, "GHOST", time.Now()); err != store.ErrNotFound {
		t.Fatalf("stale connection row still there: %v", err)
	}
}

func TestAPIConcurrentCallsToOneBox(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	b := mustDial(t, st, "CC1")
	const callers = 5
	replies := make(chan reply, callers)
	var wg sync.WaitGroup
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies <- await(t, op.async("POST", "/charge-boxes/CC1/remote/get-configuration?wait=15", obj()))
		}()
	}
	fr := b.nextCall(ocpp.GetConfiguration)
	// The losers are refused at once, while the winner still waits for this answer.
	conflicts := 0
	for conflicts < callers-1 {
		select {
		case r := <-replies:
			if r.Status != http.StatusConflict || !strings.Contains(r.Body["error"].(string), "outstanding call") {
				t.Fatalf("loser got %d %s", r.Status, r.Raw)
			}
			conflicts++
		case <-time.After(15 * time.Second):
			t.Fatalf("%d conflicts only", conflicts)
		}
	}
	b.answer(fr, obj())
	wg.Wait()
	if r := <-replies; r.Status != http.StatusOK {
		t.Fatalf("winner got %d %s", r.Status, r.Raw)
	}
	b.noCall()
}

func TestAPIBadInputIs400NamingTheField(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	b := mustDial(t, st, "BI1")
	tests := []struct {
		method, path string
		body         any
		field        string
	}{
		{"POST", "/charge-boxes/BI1/remote/reset", obj("type", "Sideways"), "type"},
		{"POST", "/charge-boxes/BI1/remote/change-configuration", obj("key", "HeartbeatInterval"), "value"},
		{"POST", "/charge-boxes/BI1/remote/unlock-connector", obj("connector_id", 0), "connector_id"},
		{"POST", "/charge-boxes/BI1/remote/reserve-now", obj("connectorId", 1, "expiryDate", "later", "idTag", "T", "reservationId", 1), "expiryDate"},
		{"POST", "/charge-boxes/BI1/remote/reset?wait=99", obj("type", "Soft"), "wait"},
		{"POST", "/evses/BI1*1/remote/start-session", obj(), "idTag"},
		{"POST", "/evses/BI1*1/remote/stop-session", obj("session_id", "abc"), "session_id"},
		{"PUT", "/charge-boxes/BI1", obj("registrationStatus", "Perhaps"), "registrationStatus"},
		{"PUT", "/id-tags/T1", obj("status", "Accepted", "maxActiveTransactions", -1), "maxActiveTransactions"},
		{"GET", "/sessions?to=tomorrow", nil, "to"},
		{"GET", "/reservations?next=garbage", nil, "next"},
	}
	for _, tt := range tests {
		r := op.do(tt.method, tt.path, tt.body)
		if r.Status != http.StatusBadRequest || r.Body["field"] != tt.field || r.Body["error"] == "" {
			t.Errorf("%s %s: %d %s, want 400 naming %s", tt.method, tt.path, r.Status, r.Raw, tt.field)
		}
	}
	r := op.do("POST", "/charge-boxes/BI1/remote/reset", "{not json")
	if r.Status != http.StatusBadRequest {
		t.Errorf("malformed JSON: %d %s", r.Status, r.Raw)
	}
	// Nothing invalid was sent.
	b.noCall()
}

func TestAPIRequiresTheBearerToken(t *testing.T) {
	st := startStack(t, nil)
	anon := &operator{t: t, base: st.HTTPURL}
	for _, path := range []string{"/summary", "/charge-boxes", "/charge-boxes/X/remote/reset"} {
		r := anon.do("GET", path, nil)
		if r.Status != http.StatusUnauthorized || r.Body["error"] != "missing or invalid bearer token" {
			t.Errorf("%s without token: %d %s", path, r.Status, r.Raw)
		}
	}
	wrong := &operator{t: t, base: st.HTTPURL, token: "not-" + st.Config.APIToken}
	if r := wrong.do("GET", "/summary", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("wrong token: %d %s", r.Status, r.Raw)
	}
	if r := anon.do("GET", "/health", nil); r.Status != http.StatusOK {
		t.Errorf("health: %d %s", r.Status, r.Raw)
	}
	if r := newOperator(t, st).do("GET", "/summary", nil); r.Status != http.StatusOK {
		t.Errorf("with token: %d %s", r.Status, r.Raw)
	}
}

// TestAPIReservationConsumedByStart: a ReserveNow the box accepts is consumed by its
// StartTransaction carrying the reservationId, and GET /reservations shows it.
func TestAPIReservationConsumedByStart(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	op.must(201, "PUT", "/id-tags/RFID-R", obj("status", "Accepted"))
	b := mustDial(t, st, "RS1")
	expiry := time.Now().Add(30 * time.Minute).UTC().Format(time.RFC3339)
	pending := op.async("POST", "/charge-boxes/RS1/remote/reserve-now", obj("connectorId", 1, "expiryDate", expiry, "idTag", "RFID-R", "reservationId", 77))
	b.answer(b.nextCall(ocpp.ReserveNow), obj("status", "Accepted"))
	if r := await(t, pending); r.Status != http.StatusOK {
		t.Fatalf("reserve: %d %s", r.Status, r.Raw)
	}
	var started ocpp.StartTransactionResponse
	b.call("StartTransaction", obj("connectorId", 1, "idTag", "RFID-R", "meterStart", 100, "reservationId", 77, "timestamp", time.Now().UTC().Format(time.RFC3339)), &started)
	items, _ := op.must(200, "GET", "/reservations?status=consumed", nil)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("consumed reservations %v", items)
	}
	res := items[0].(map[string]any)
	if res["reservationId"] != 77.0 || res["chargeBoxId"] != "RS1" || res["transactionId"] != float64(started.TransactionID) {
		t.Fatalf("reservation %v, transaction %d", res, started.TransactionID)
	}
	sess := op.must(200, "GET", fmt.Sprintf("/sessions/%d", started.TransactionID), nil)
	if sess["reservationId"] != 77.0 || sess["reservationConsumed"] != true {
		t.Fatalf("session %v", sess)
	}
	// A second start naming the consumed reservation is stored without consuming anything.
	var again ocpp.StartTransactionResponse
	b.call("StartTransaction", obj("connectorId", 2, "idTag", "RFID-R", "meterStart", 5, "reservationId", 77, "timestamp", time.Now().UTC().Format(time.RFC3339)), &again)
	if sess := op.must(200, "GET", fmt.Sprintf("/sessions/%d", again.TransactionID), nil); sess["reservationConsumed"] == true {
		t.Fatalf("consumed twice: %v", sess)
	}
	// CancelReservation accepted ends an active one; an expired one is reported expired.
	pending = op.async("POST", "/charge-boxes/RS1/remote/reserve-now", obj("connectorId", 2, "expiryDate", expiry, "idTag", "RFID-R", "reservationId", 78))
	b.answer(b.nextCall(ocpp.ReserveNow), obj("status", "Accepted"))
	await(t, pending)
	pending = op.async("POST", "/charge-boxes/RS1/remote/cancel-reservation", obj("reservationId", 78))
	b.answer(b.nextCall(ocpp.CancelReservation), obj("status", "Accepted"))
	await(t, pending)
	if items, _ := op.must(200, "GET", "/reservations?status=cancelled&chargeBoxId=RS1", nil)["items"].([]any); len(items) != 1 {
		t.Fatalf("cancelled reservations %v", items)
	}
	past := time.Now().Add(-time.Minute)
	if err := st.Store.PutReservation(context.Background(), store.Reservation{ChargeBoxID: "RS1", ReservationID: 79, ConnectorID: 1, IDTag: "RFID-R", CreatedAt: store.FormatTime(past)}, past); err != nil {
		t.Fatal(err)
	}
	if items, _ := op.must(200, "GET", "/reservations?status=expired", nil)["items"].([]any); len(items) != 1 {
		t.Fatalf("expired reservations %v", items)
	}
}

// TestAPIRegistryAndEVSERoutes drives the registry and the original system's EVSE routes.
func TestAPIRegistryAndEVSERoutes(t *testing.T) {
	st := startStack(t, func(c *config.Config) { c.AutoRegister = false })
	op := newOperator(t, st)
	created := op.must(201, "PUT", "/charge-boxes/REG1", obj("registrationStatus", "Accepted", "tenantId", "t1", "password", "a-long-enough-secret", "evses", obj("1", "DE*ACME*E1")))
	if created["hasPassword"] != true || created["passwordHash"] != nil || created["tenantId"] != "t1" {
		t.Fatalf("created %v", created)
	}
	if r := op.do("PUT", "/charge-boxes/OTHER", obj("registrationStatus", "Accepted", "unsecured", true, "evses", obj("1", "DE*ACME*E1"))); r.Status != http.StatusConflict {
		t.Fatalf("EVSE id taken: %d %s", r.Status, r.Raw)
	}
	b, resp, err := dial(t, st, "REG1", dialOpts{user: "REG1", pass: "a-long-enough-secret"})
	if err != nil {
		t.Fatalf("dial: %v %v", err, status(resp))
	}
	b.call("StatusNotification", obj("connectorId", 1, "errorCode", "NoError", "status", "Available"), &ocpp.StatusNotificationResponse{})

	evse := op.must(200, "GET", "/evses/DE*ACME*E1", nil)
	if evse["chargeBoxId"] != "REG1" || evse["connectorId"] != 1.0 || evse["connected"] != true || evse["connector"].(map[string]any)["status"] != "Available" {
		t.Fatalf("evse %v", evse)
	}
	if d := op.must(200, "GET", "/evses/REG1*1", nil); d["chargeBoxId"] != "REG1" {
		t.Fatalf("default EVSE id %v", d)
	}
	op.must(404, "GET", "/evses/no-star", nil)

	op.must(201, "PUT", "/id-tags/TOK1", obj("status", "Accepted", "maxActiveTransactions", 1))
	pending := op.async("POST", "/evses/DE*ACME*E1/remote/start-session", obj("token_id", "TOK1"))
	fr := b.nextCall(ocpp.RemoteStartTransaction)
	if !sameJSON(t, fr.Payload, mustJSON(t, obj("idTag", "TOK1", "connectorId", 1))) {
		t.Fatalf("start-session sent %s", fr.Payload)
	}
	b.answer(fr, obj("status", "Accepted"))
	if r := await(t, pending); r.Status != 200 {
		t.Fatalf("start-session %d %s", r.Status, r.Raw)
	}
	var started ocpp.StartTransactionResponse
	b.call("StartTransaction", obj("connectorId", 1, "idTag", "TOK1", "meterStart", 0, "timestamp", time.Now().UTC().Format(time.RFC3339)), &started)
	if started.IDTagInfo.Status != ocpp.AuthorizationStatusAccepted {
		t.Fatalf("first start %v", started.IDTagInfo)
	}
	// maxActiveTransactions 1: a second transaction of the tag is ConcurrentTx.
	eventually(t, "the tag's running session to be counted", func() bool {
		return op.must(200, "GET", "/id-tags/TOK1", nil)["activeTransactions"] == 1.0
	})
	var authz ocpp.AuthorizeResponse
	b.call("Authorize", obj("idTag", "TOK1"), &authz)
	if authz.IDTagInfo.Status != ocpp.AuthorizationStatusConcurrentTx {
		t.Fatalf("authorize while running %v", authz.IDTagInfo)
	}

	pending = op.async("POST", "/evses/DE*ACME*E1/remote/stop-session", obj("session_id", fmt.Sprint(started.TransactionID)))
	fr = b.nextCall(ocpp.RemoteStopTransaction)
	if !sameJSON(t, fr.Payload, mustJSON(t, obj("transactionId", started.TransactionID))) {
		t.Fatalf("stop-session sent %s", fr.Payload)
	}
	b.answer(fr, obj("status", "Accepted"))
	await(t, pending)
	b.call("StopTransaction", obj("transactionId", started.TransactionID, "meterStop", 900, "timestamp", time.Now().UTC().Format(time.RFC3339)), &ocpp.StopTransactionResponse{})

	sessions, _ := op.must(200, "GET", "/evses/DE*ACME*E1/sessions?status=finished", nil)["items"].([]any)
	if len(sessions) != 1 || sessions[0].(map[string]any)["meterStop"] != 900.0 {
		t.Fatalf("EVSE sessions %v", sessions)
	}
	if s, _ := op.must(200, "GET", "/sessions?status=running", nil)["items"].([]any); len(s) != 0 {
		t.Fatalf("running sessions %v", s)
	}
	if s, _ := op.must(200, "GET", "/charge-boxes/REG1/sessions", nil)["items"].([]any); len(s) != 1 {
		t.Fatalf("box sessions %v", s)
	}
	sum := op.must(200, "GET", "/summary", nil)
	if sum["connectedChargeBoxes"] != 1.0 || sum["connectorsByStatus"].(map[string]any)["Available"] != 1.0 || sum["runningSessions"] != 0.0 {
		t.Fatalf("summary %v", sum)
	}
	if c, _ := op.must(200, "GET", "/connections", nil)["items"].([]any); len(c) != 1 {
		t.Fatalf("connections %v", c)
	}
	box := op.must(200, "GET", "/charge-boxes/REG1", nil)
	if box["lastSeen"] == nil || box["connected"] != true || box["connectors"].([]any)[0].(map[string]any)["evseId"] != "DE*ACME*E1" {
		t.Fatalf("charge box %v", box)
	}

	// Pagination: three tags, pages of two.
	op.must(201, "PUT", "/id-tags/TOK2", obj("status", "Blocked"))
	op.must(201, "PUT", "/id-tags/TOK3", obj("status", "Accepted", "expiryDate", "2030-01-01T00:00:00Z", "parentIdTag", "TOK1"))
	seen := map[string]bool{}
	next := ""
	for pages := 0; pages < 5; pages++ {
		page := op.must(200, "GET", "/id-tags?limit=2&next="+next, nil)
		for _, it := range page["items"].([]any) {
			seen[it.(map[string]any)["idTag"].(string)] = true
		}
		n, _ := page["next"].(string)
		if n == "" {
			break
		}
		next = n
	}
	if len(seen) != 3 {
		t.Fatalf("paged id tags %v", seen)
	}
	op.must(204, "DELETE", "/id-tags/TOK2", nil)
	op.must(404, "GET", "/id-tags/TOK2", nil)
	op.must(200, "PUT", "/charge-boxes/REG1", obj("registrationStatus", "Rejected"))
	if list, _ := op.must(200, "GET", "/charge-boxes", nil)["items"].([]any); len(list) != 1 || list[0].(map[string]any)["registrationStatus"] != "Rejected" {
		t.Fatalf("registry %v", list)
	}
	op.must(204, "DELETE", "/charge-boxes/REG1", nil)
	op.must(404, "GET", "/charge-boxes/REG1", nil)
	op.must(404, "GET", "/evses/DE*ACME*E1", nil)
}

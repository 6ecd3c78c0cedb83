package csms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
	"github.com/serverless-ocpp/csms/shared/tables"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type fixture struct {
	t     *testing.T
	svc   *Service
	st    *store.Store
	db    *dynamodb.Client
	pre   string
	seq   int
	boxID string
	// registration is the status the authorizer put in the connection's context.
	registration string
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	cfg := storetest.Config(t)
	db := storetest.Tables(t, cfg)
	st := store.New(db, cfg.TablePrefix)
	if opts.HeartbeatInterval == 0 {
		opts.HeartbeatInterval = 300 * time.Second
	}
	if opts.MessageRetention == 0 {
		opts.MessageRetention = time.Hour
	}
	svc := New(st, opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.now = func() time.Time { return now }
	f := &fixture{t: t, svc: svc, st: st, db: db, pre: cfg.TablePrefix, boxID: "CP1"}
	if _, err := st.CreateChargeBox(context.Background(), store.ChargeBox{ChargeBoxID: "CP1", RegistrationStatus: string(ocpp.RegistrationStatusAccepted), TenantID: "t1"}, now); err != nil {
		t.Fatal(err)
	}
	return f
}

// send delivers a raw frame and returns the parsed answer (zero Frame when none).
func (f *fixture) send(raw string) (ocpp.Frame, []byte) {
	f.t.Helper()
	f.seq++
	reply, err := f.svc.Receive(context.Background(), Inbound{
		ChargeBoxID: f.boxID, TenantID: "t1", ConnectionID: "conn1", Registration: f.registration,
		ReceivedAt: now.Add(time.Duration(f.seq) * time.Millisecond), Body: []byte(raw),
	})
	if err != nil {
		f.t.Fatalf("Receive(%s): %v", raw, err)
	}
	if reply == nil {
		return ocpp.Frame{}, nil
	}
	fr, perr := ocpp.ParseFrame(reply)
	if perr != nil {
		f.t.Fatalf("answer %s is not a valid frame: %v", reply, perr)
	}
	return fr, reply
}

// call sends a CALL and decodes its CALLRESULT into resp.
func (f *fixture) call(action, payload string, resp any) {
	f.t.Helper()
	fr, raw := f.send(fmt.Sprintf(`[2,"u%d-%s",%q,%s]`, f.seq+1, action, action, payload))
	if fr.Type != ocpp.TypeCallResult {
		f.t.Fatalf("%s: got %s, want CALLRESULT", action, raw)
	}
	if err := ocpp.Decode(fr.Payload, resp); err != nil {
		f.t.Fatalf("%s: answer %s does not decode: %v", action, raw, err)
	}
}

func TestBootNotification(t *testing.T) {
	for _, status := range []string{string(ocpp.RegistrationStatusAccepted), string(ocpp.RegistrationStatusPending), string(ocpp.RegistrationStatusRejected)} {
		t.Run(status, func(t *testing.T) {
			f := newFixture(t, Options{HeartbeatInterval: 240 * time.Second})
			f.boxID = "BOX-" + status
			if _, err := f.st.CreateChargeBox(context.Background(), store.ChargeBox{ChargeBoxID: f.boxID, RegistrationStatus: status}, now); err != nil {
				t.Fatal(err)
			}
			var resp ocpp.BootNotificationResponse
			f.call("BootNotification", `{"chargePointVendor":"ACME","chargePointModel":"Fast 50","chargePointSerialNumber":"SN1","chargeBoxSerialNumber":"BSN1","firmwareVersion":"1.2.3","iccid":"8931","imsi":"2620","meterType":"DC","meterSerialNumber":"M1"}`, &resp)
			if string(resp.Status) != status || resp.Interval != 240 || !resp.CurrentTime.Equal(now) {
				t.Fatalf("answer %+v", resp)
			}
			b, err := f.st.GetChargeBox(context.Background(), f.boxID)
			if err != nil {
				t.Fatal(err)
			}
			want := store.Boot{ChargePointVendor: "ACME", ChargePointModel: "Fast 50", ChargePointSerialNumber: "SN1", ChargeBoxSerialNumber: "BSN1",
				FirmwareVersion: "1.2.3", Iccid: "8931", Imsi: "2620", MeterType: "DC", MeterSerialNumber: "M1", BootedAt: b.BootedAt}
			if b.Boot != want || b.BootedAt == "" {
				t.Fatalf("stored boot %+v, want %+v", b.Boot, want)
			}
		})
	}
}

func TestHeartbeatUpdatesLastSeen(t *testing.T) {
	f := newFixture(t, Options{})
	var resp ocpp.HeartbeatResponse
	f.call("Heartbeat", `{}`, &resp)
	if !resp.CurrentTime.Equal(now) {
		t.Fatalf("currentTime %v", resp.CurrentTime)
	}
	seen, err := f.st.LastSeen(context.Background(), "CP1")
	if err != nil || !seen.Equal(now.Add(time.Millisecond)) {
		t.Fatalf("last seen %v, %v", seen, err)
	}
}

func TestAuthorize(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, tag  string
		stored     *store.IDTag
		acceptAll  bool
		wantStatus ocpp.AuthorizationStatus
		wantParent string
	}{
		{"accepted", "A1", &store.IDTag{Status: "Accepted", ParentIDTag: "P1", ExpiryDate: now.Add(time.Hour).Format(time.RFC3339)}, false, ocpp.AuthorizationStatusAccepted, "P1"},
		{"blocked", "B1", &store.IDTag{Status: "Blocked"}, false, ocpp.AuthorizationStatusBlocked, ""},
		{"expired by date", "E1", &store.IDTag{Status: "Accepted", ExpiryDate: now.Add(-time.Hour).Format(time.RFC3339)}, false, ocpp.AuthorizationStatusExpired, ""},
		{"expired", "E2", &store.IDTag{Status: "Expired"}, false, ocpp.AuthorizationStatusExpired, ""},
		{"concurrent", "C1", &store.IDTag{Status: "ConcurrentTx"}, false, ocpp.AuthorizationStatusConcurrentTx, ""},
		{"unknown", "U1", nil, false, ocpp.AuthorizationStatusInvalid, ""},
		{"unknown accepted by mode", "U2", nil, true, ocpp.AuthorizationStatusAccepted, ""},
		{"corrupt status refused", "X1", &store.IDTag{Status: "Maybe"}, false, ocpp.AuthorizationStatusInvalid, ""},
	}
	f := newFixture(t, Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.svc.opts.AcceptUnknownTags = c.acceptAll
			if c.stored != nil {
				c.stored.IDTag = c.tag
				if err := f.st.PutIDTag(ctx, *c.stored); err != nil {
					t.Fatal(err)
				}
			}
			var resp ocpp.AuthorizeResponse
			f.call("Authorize", fmt.Sprintf(`{"idTag":%q}`, c.tag), &resp)
			if resp.IDTagInfo.Status != c.wantStatus || resp.IDTagInfo.ParentIDTag != c.wantParent {
				t.Fatalf("idTagInfo %+v", resp.IDTagInfo)
			}
		})
	}
}

func TestTransactionLifecycle(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{})
	if err := f.st.PutIDTag(ctx, store.IDTag{IDTag: "TAG1", Status: "Accepted"}); err != nil {
		t.Fatal(err)
	}
	start := `{"connectorId":1,"idTag":"TAG1","meterStart":1000,"timestamp":"2026-11-23T11:00:00Z","reservationId":7}`
	var started ocpp.StartTransactionResponse
	f.call("StartTransaction", start, &started)
	if started.TransactionID <= 0 || started.IDTagInfo.Status != ocpp.AuthorizationStatusAccepted {
		t.Fatalf("start answer %+v", started)
	}
	var again ocpp.StartTransactionResponse
	f.call("StartTransaction", start, &again)
	if again.TransactionID != started.TransactionID {
		t.Fatalf("retried start got %d, first %d", again.TransactionID, started.TransactionID)
	}
	sess, err := f.st.GetSession(ctx, started.TransactionID)
	if err != nil || sess.Status != store.SessionRunning || sess.MeterStart != 1000 || sess.ReservationID == nil || *sess.ReservationID != 7 || sess.TenantID != "t1" {
		t.Fatalf("session %+v, %v", sess, err)
	}

	var mv ocpp.MeterValuesResponse
	f.call("MeterValues", fmt.Sprintf(`{"connectorId":1,"transactionId":%d,"meterValue":[{"timestamp":"2026-11-23T11:30:00Z","sampledValue":[
		{"value":"3000","measurand":"Energy.Active.Import.Register","unit":"Wh","context":"Sample.Periodic","location":"Outlet","format":"Raw"},
		{"value":"16.1","measurand":"Current.Import","unit":"A","phase":"L1"}]}]}`, started.TransactionID), &mv)
	readings, err := f.st.ListReadings(ctx, started.TransactionID)
	if err != nil || len(readings) != 1 || len(readings[0].SampledValues) != 2 {
		t.Fatalf("readings %+v, %v", readings, err)
	}
	if sv := readings[0].SampledValues[1]; sv.Value != "16.1" || sv.Phase != "L1" || sv.Measurand != "Current.Import" || sv.Unit != "A" {
		t.Fatalf("sampled value %+v", sv)
	}

	stop := fmt.Sprintf(`{"transactionId":%d,"idTag":"TAG1","meterStop":5000,"timestamp":"2026-11-23T12:00:00Z","reason":"EVDisconnected",
		"transactionData":[{"timestamp":"2026-11-23T12:00:00Z","sampledValue":[{"value":"5000"}]}]}`, started.TransactionID)
	var stopped ocpp.StopTransactionResponse
	f.call("StopTransaction", stop, &stopped)
	if stopped.IDTagInfo == nil || stopped.IDTagInfo.Status != ocpp.AuthorizationStatusAccepted {
		t.Fatalf("stop answer %+v", stopped)
	}
	f.call("StopTransaction", strings.Replace(stop, `"meterStop":5000`, `"meterStop":9999`, 1), &stopped)
	sess, _ = f.st.GetSession(ctx, started.TransactionID)
	if sess.Status != store.SessionFinished || *sess.MeterStop != 5000 || sess.StopReason != "EVDisconnected" || !strings.Contains(sess.TransactionData, `"5000"`) {
		t.Fatalf("finished session %+v", sess)
	}

	// A stop for a transaction the system never started is accepted and kept as an orphan
	// stop of the box, never as a session.
	var unknown ocpp.StopTransactionResponse
	f.call("StopTransaction", `{"transactionId":424242,"meterStop":10,"timestamp":"2026-11-23T12:00:00Z"}`, &unknown)
	if unknown.IDTagInfo != nil {
		t.Fatalf("idTagInfo without idTag: %+v", unknown)
	}
	if _, err := f.st.GetSession(ctx, 424242); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("orphan stop became a session: %v", err)
	}
	orphans, _, err := f.st.ListAnomalies(ctx, store.AnomalyFilter{ChargeBoxID: "CP1", Kind: store.AnomalyOrphanStop}, store.Page{})
	if err != nil || len(orphans) != 1 || orphans[0].TransactionID != 424242 || *orphans[0].MeterStop != 10 {
		t.Fatalf("orphan stops %+v, %v", orphans, err)
	}
}

func TestStatusNotification(t *testing.T) {
	f := newFixture(t, Options{})
	var resp ocpp.StatusNotificationResponse
	f.call("StatusNotification", `{"connectorId":0,"errorCode":"NoError","status":"Available"}`, &resp)
	f.call("StatusNotification", `{"connectorId":2,"errorCode":"GroundFailure","status":"Faulted","info":"RCD","vendorId":"ACME","vendorErrorCode":"E42","timestamp":"2026-11-23T11:59:00Z"}`, &resp)
	cs, err := f.st.ListConnectors(context.Background(), "CP1")
	if err != nil || len(cs) != 2 {
		t.Fatalf("connectors %+v, %v", cs, err)
	}
	if cs[0].ConnectorID != 0 || cs[0].Status != "Available" {
		t.Fatalf("connector 0 %+v", cs[0])
	}
	c := cs[1]
	if c.Status != "Faulted" || c.ErrorCode != "GroundFailure" || c.Info != "RCD" || c.VendorID != "ACME" || c.VendorErrorCode != "E42" || !strings.HasPrefix(c.StatusAt, "2026-11-23T11:59:00") {
		t.Fatalf("connector 2 %+v", c)
	}
}

func TestDataTransfer(t *testing.T) {
	f := newFixture(t, Options{KnownVendorIDs: []string{"com.acme"}})
	var resp ocpp.DataTransferResponse
	f.call("DataTransfer", `{"vendorId":"com.other","messageId":"x","data":"y"}`, &resp)
	if resp.Status != ocpp.DataTransferStatusUnknownVendorId {
		t.Fatalf("unknown vendor: %+v", resp)
	}
	f.call("DataTransfer", `{"vendorId":"com.acme","data":"y"}`, &resp)
	if resp.Status != ocpp.DataTransferStatusAccepted {
		t.Fatalf("known vendor: %+v", resp)
	}
}

func TestDiagnosticsAndFirmwareStatus(t *testing.T) {
	f := newFixture(t, Options{})
	var d ocpp.DiagnosticsStatusNotificationResponse
	f.call("DiagnosticsStatusNotification", `{"status":"Uploaded"}`, &d)
	var fw ocpp.FirmwareStatusNotificationResponse
	f.call("FirmwareStatusNotification", `{"status":"Installing"}`, &fw)
	b, err := f.st.GetChargeBox(context.Background(), "CP1")
	if err != nil || b.DiagnosticsStatus != "Uploaded" || b.FirmwareStatus != "Installing" || b.FirmwareStatusAt == "" {
		t.Fatalf("box %+v, %v", b, err)
	}
}

func TestCallErrors(t *testing.T) {
	f := newFixture(t, Options{})
	cases := []struct {
		name, frame string
		code        ocpp.ErrorCode
		uniqueID    string
	}{
		{"not JSON", `[2,"a1","Heartbeat",{}`, ocpp.FormationViolation, "-1"},
		{"not an array", `{"x":1}`, ocpp.FormationViolation, "-1"},
		{"bad message type", `[7,"a2","Heartbeat",{}]`, ocpp.FormationViolation, "a2"},
		{"payload missing", `[2,"a3","Heartbeat"]`, ocpp.ProtocolError, "a3"},
		{"unknown action", `[2,"a4","Teleport",{}]`, ocpp.NotImplemented, "a4"},
		{"central-system action from box", `[2,"a5","Reset",{"type":"Soft"}]`, ocpp.NotSupported, "a5"},
		{"wrong JSON type", `[2,"a6","StartTransaction",{"connectorId":"1","idTag":"T","meterStart":0,"timestamp":"2026-11-23T11:00:00Z"}]`, ocpp.TypeConstraintViolation, "a6"},
		{"bad dateTime", `[2,"a7","StartTransaction",{"connectorId":1,"idTag":"T","meterStart":0,"timestamp":"yesterday"}]`, ocpp.TypeConstraintViolation, "a7"},
		{"missing required", `[2,"a8","Authorize",{}]`, ocpp.OccurenceConstraintViolation, "a8"},
		{"too long", `[2,"a9","Authorize",{"idTag":"123456789012345678901"}]`, ocpp.PropertyConstraintViolation, "a9"},
		{"bad enum", `[2,"a10","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}]`, ocpp.PropertyConstraintViolation, "a10"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fr, raw := f.send(c.frame)
			if fr.Type != ocpp.TypeCallError || fr.ErrorCode != c.code || fr.UniqueID != c.uniqueID {
				t.Fatalf("got %s, want CALLERROR %s for %s", raw, c.code, c.uniqueID)
			}
		})
	}
}

// A box connected while Rejected gets BootNotification answered (Rejected) and SecurityError for
// everything else, which changes no state.
func TestRejectedBoxIsAnsweredOnlyToBoot(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{})
	f.boxID, f.registration = "BOX-REJ", string(ocpp.RegistrationStatusRejected)
	if _, err := f.st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: f.boxID, RegistrationStatus: string(ocpp.RegistrationStatusRejected)}, now); err != nil {
		t.Fatal(err)
	}
	var boot ocpp.BootNotificationResponse
	f.call("BootNotification", `{"chargePointVendor":"ACME","chargePointModel":"M"}`, &boot)
	if boot.Status != ocpp.RegistrationStatusRejected {
		t.Fatalf("boot answered %s, want Rejected", boot.Status)
	}
	for _, frame := range []string{
		`[2,"r1","Heartbeat",{}]`,
		`[2,"r2","Authorize",{"idTag":"T1"}]`,
		`[2,"r3","StartTransaction",{"connectorId":1,"idTag":"T1","meterStart":0,"timestamp":"2026-11-23T11:00:00Z"}]`,
		`[2,"r4","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Charging"}]`,
	} {
		fr, raw := f.send(frame)
		if fr.Type != ocpp.TypeCallError || fr.ErrorCode != ocpp.SecurityError {
			t.Errorf("%s: got %s, want CALLERROR SecurityError", frame, raw)
		}
	}
	// Validation comes first: a malformed request still gets its own code.
	if fr, raw := f.send(`[2,"r5","Authorize",{}]`); fr.ErrorCode != ocpp.OccurenceConstraintViolation {
		t.Errorf("malformed request from a Rejected box: got %s, want OccurenceConstraintViolation", raw)
	}
	if _, err := f.st.GetConnector(ctx, f.boxID, 1); err == nil {
		t.Error("a Rejected box's StatusNotification or StartTransaction was stored")
	}
	var sessions []store.Session
	if err := f.st.ScanAll(ctx, tables.Sessions, &sessions); err != nil || len(sessions) != 0 {
		t.Errorf("sessions %v, %v: want none", sessions, err)
	}
	// Accepted by an operator while connected: the next boot says so and the box is served.
	if _, _, err := f.st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: f.boxID, RegistrationStatus: string(ocpp.RegistrationStatusAccepted)}, now); err != nil {
		t.Fatal(err)
	}
	f.call("BootNotification", `{"chargePointVendor":"ACME","chargePointModel":"M"}`, &boot)
	var hb ocpp.HeartbeatResponse
	f.call("Heartbeat", `{}`, &hb)
	if boot.Status != ocpp.RegistrationStatusAccepted {
		t.Fatalf("boot after acceptance answered %s", boot.Status)
	}
}

func TestInternalErrorWhenStorageFails(t *testing.T) {
	f := newFixture(t, Options{})
	// A store on tables that do not exist fails every write.
	f.svc.store = store.New(f.db, "missing-")
	fr, raw := f.send(`[2,"e1","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Available"}]`)
	if fr.Type != ocpp.TypeCallError || fr.ErrorCode != ocpp.InternalError || fr.UniqueID != "e1" {
		t.Fatalf("got %s, want InternalError", raw)
	}
}

func TestAnswersCompletePendingCommands(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{})
	if err := f.st.Connect(ctx, store.Connection{ChargeBoxID: "CP1", ConnectionID: "conn1", ConnectedAt: store.FormatTime(now), ExpiresAt: now.Add(time.Hour).Unix()},
		store.ConnectionEvent{ChargeBoxID: "CP1", ConnectionID: "conn1", EventType: store.EventConnected, OccurredAt: now, Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	begin := func(id string) {
		if err := f.st.BeginCommand(ctx, store.Command{CommandID: id, ChargeBoxID: "CP1", ConnectionID: "conn1", Action: "Reset", Request: `{"type":"Hard"}`,
			Status: store.CommandPending, CreatedAt: store.FormatTime(now), ExpiresAt: now.Add(time.Hour).Unix()}, now, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	begin("r1")
	if fr, raw := f.send(`[3,"r1",{"status":"Accepted"}]`); raw != nil {
		t.Fatalf("a CALLRESULT got an answer: %+v", fr)
	}
	c, err := f.st.GetCommand(ctx, "r1")
	if err != nil || c.Status != store.CommandAnswered || c.Response != `{"status":"Accepted"}` {
		t.Fatalf("command %+v, %v", c, err)
	}
	begin("r2")
	f.send(`[4,"r2","NotSupported","no reset here",{}]`)
	if c, _ := f.st.GetCommand(ctx, "r2"); c.Status != store.CommandFailed || c.ErrorCode != "NotSupported" || c.ErrorDescription != "no reset here" {
		t.Fatalf("command %+v", c)
	}
	begin("r3")
	f.send(`[3,"r3",{"status":"Perhaps"}]`)
	if c, _ := f.st.GetCommand(ctx, "r3"); c.Status != store.CommandRejected || c.ErrorCode != string(ocpp.PropertyConstraintViolation) {
		t.Fatalf("command %+v", c)
	}
	// An answer nobody waits for is logged and changes nothing.
	if _, raw := f.send(`[3,"nobody",{}]`); raw != nil {
		t.Fatal("unsolicited CALLRESULT answered")
	}
}

// TestFrameLogHoldsBothFrames checks the one-row-per-exchange log the publisher reads.
func TestFrameLogHoldsBothFrames(t *testing.T) {
	f := newFixture(t, Options{})
	_, reply := f.send(`[2,"h1","Heartbeat",{}]`)
	out, err := f.db.Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 aws.String(tables.Messages.FullName(f.pre)),
		KeyConditionExpression:    aws.String("chargeBoxId = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: "CP1"}},
	})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("rows %d, %v", len(out.Items), err)
	}
	var row struct {
		Kind   string              `dynamodbav:"kind"`
		Tenant string              `dynamodbav:"tenantId"`
		Frames []store.LoggedFrame `dynamodbav:"frames"`
	}
	if err := attributevalue.UnmarshalMap(out.Items[0], &row); err != nil {
		t.Fatal(err)
	}
	want := []store.LoggedFrame{
		{Direction: "from-box", Raw: `[2,"h1","Heartbeat",{}]`, MessageType: 2, UniqueID: "h1", Action: "Heartbeat"},
		{Direction: "to-box", Raw: string(reply), MessageType: 3, UniqueID: "h1", ResponseTo: "Heartbeat"},
	}
	if row.Kind != "frames" || row.Tenant != "t1" || len(row.Frames) != 2 {
		t.Fatalf("row %+v", row)
	}
	for i := range want {
		got := row.Frames[i]
		got.OccurredAt = ""
		if got != want[i] {
			t.Fatalf("frame %d: %+v, want %+v", i, got, want[i])
		}
	}
	var js []any
	if err := json.Unmarshal([]byte(row.Frames[1].Raw), &js); err != nil {
		t.Fatal(err)
	}
}

// TestRetriedStartKeepsItsAnswer: with one transaction allowed per tag, a retried
// StartTransaction must not count its own session and turn into ConcurrentTx.
func TestRetriedStartKeepsItsAnswer(t *testing.T) {
	f := newFixture(t, Options{})
	if err := f.st.PutIDTag(context.Background(), store.IDTag{IDTag: "ONE", Status: "Accepted", MaxActiveTransactions: 1}); err != nil {
		t.Fatal(err)
	}
	start := `{"connectorId":1,"idTag":"ONE","meterStart":0,"timestamp":"2026-11-23T11:00:00Z"}`
	var first, retry, other ocpp.StartTransactionResponse
	f.call("StartTransaction", start, &first)
	f.call("StartTransaction", start, &retry)
	if first.IDTagInfo.Status != ocpp.AuthorizationStatusAccepted || retry.IDTagInfo.Status != ocpp.AuthorizationStatusAccepted || retry.TransactionID != first.TransactionID {
		t.Fatalf("first %+v, retry %+v", first, retry)
	}
	// The running-session index is eventually consistent: poll until the second start sees it.
	// Each attempt is a new start (its own timestamp), not a retry of the previous one.
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		f.call("StartTransaction", fmt.Sprintf(`{"connectorId":2,"idTag":"ONE","meterStart":0,"timestamp":"2026-11-23T11:05:%02dZ"}`, i%60), &other)
		if other.IDTagInfo.Status == ocpp.AuthorizationStatusConcurrentTx || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if other.IDTagInfo.Status != ocpp.AuthorizationStatusConcurrentTx {
		t.Fatalf("second transaction of a one-transaction tag: %+v", other)
	}
}

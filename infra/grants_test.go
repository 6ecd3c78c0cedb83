package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/csms"
	"github.com/serverless-ocpp/csms/shared/gateway"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/publish"
	"github.com/serverless-ocpp/csms/shared/replay"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// recorder notes the IAM action and table of every DynamoDB call a client makes. Transactions
// and batches are recorded as IAM evaluates them: each item's own action on its own table.
type recorder struct {
	prefix string
	mu     sync.Mutex
	seen   map[string]map[string]bool // logical table -> IAM actions
}

func (r *recorder) note(table, action string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := strings.TrimPrefix(table, r.prefix)
	if r.seen[name] == nil {
		r.seen[name] = map[string]bool{}
	}
	r.seen[name]["dynamodb:"+action] = true
}

func (r *recorder) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	switch p := in.Parameters.(type) {
	case *dynamodb.GetItemInput:
		r.note(aws.ToString(p.TableName), "GetItem")
	case *dynamodb.PutItemInput:
		r.note(aws.ToString(p.TableName), "PutItem")
	case *dynamodb.UpdateItemInput:
		r.note(aws.ToString(p.TableName), "UpdateItem")
	case *dynamodb.DeleteItemInput:
		r.note(aws.ToString(p.TableName), "DeleteItem")
	case *dynamodb.QueryInput:
		r.note(aws.ToString(p.TableName), "Query")
	case *dynamodb.ScanInput:
		r.note(aws.ToString(p.TableName), "Scan")
	case *dynamodb.BatchWriteItemInput:
		for t := range p.RequestItems {
			r.note(t, "BatchWriteItem")
		}
	case *dynamodb.BatchGetItemInput:
		for t := range p.RequestItems {
			r.note(t, "BatchGetItem")
		}
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range p.TransactItems {
			switch {
			case it.Put != nil:
				r.note(aws.ToString(it.Put.TableName), "PutItem")
			case it.Update != nil:
				r.note(aws.ToString(it.Update.TableName), "UpdateItem")
			case it.Delete != nil:
				r.note(aws.ToString(it.Delete.TableName), "DeleteItem")
			case it.ConditionCheck != nil:
				r.note(aws.ToString(it.ConditionCheck.TableName), "ConditionCheckItem")
			}
		}
	case *dynamodb.TransactGetItemsInput:
		for _, it := range p.TransactItems {
			r.note(aws.ToString(it.Get.TableName), "GetItem")
		}
	default:
		r.note("(unknown)", fmt.Sprintf("%T", p))
	}
	return next.HandleInitialize(ctx, in)
}

// recordedStore is a store whose every call is noted by the returned recorder.
func recordedStore(t *testing.T, cfg config.Config) (*store.Store, *recorder) {
	t.Helper()
	awsCfg, err := cfg.AWS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{prefix: cfg.TablePrefix, seen: map[string]map[string]bool{}}
	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(cfg.DynamoDBEndpoint)
		o.DisableValidateResponseChecksum = true
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("recordGrants", r.handle), middleware.After)
		})
	})
	return store.New(db, cfg.TablePrefix), r
}

// TestGrantsCoverWhatTheCodeDoes runs each function's handlers through its paths against
// DynamoDB Local, records every DynamoDB action per table, and checks that FunctionAccess grants
// exactly those: a missing grant would only show as AccessDenied on AWS, an unused one is more
// than least privilege allows. (api is granted every table and is not checked here.)
func TestGrantsCoverWhatTheCodeDoes(t *testing.T) {
	g := newGrantsRun(t)
	observed := map[string]*recorder{
		FnAuthorizer: g.authorizer(),
		FnConnect:    g.connect(),
		FnMessage:    g.message(),
		FnDisconnect: g.disconnect(),
		FnPublisher:  g.publisher(),
	}
	for fn, rec := range observed {
		checkGrants(t, fn, rec)
	}
}

// grantsRun is the scenario of TestGrantsCoverWhatTheCodeDoes: tables with a registered box
// and an id tag, and each function's handlers on a store that records the calls.
type grantsRun struct {
	t     *testing.T
	cfg   config.Config
	admin *store.Store
	ctx   context.Context
	now   time.Time
	log   *slog.Logger
}

func newGrantsRun(t *testing.T) *grantsRun {
	cfg := storetest.Config(t)
	g := &grantsRun{t: t, cfg: cfg, admin: store.New(storetest.Tables(t, cfg), cfg.TablePrefix), ctx: context.Background(),
		now: time.Now().UTC(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := g.admin.CreateChargeBox(g.ctx, store.ChargeBox{ChargeBoxID: "CP1", RegistrationStatus: "Accepted"}, g.now); err != nil {
		t.Fatal(err)
	}
	if err := g.admin.PutIDTag(g.ctx, store.IDTag{IDTag: "TAG", Status: "Accepted", MaxActiveTransactions: 5}); err != nil {
		t.Fatal(err)
	}
	return g
}

func (g *grantsRun) handlers(st *store.Store) *gateway.Handlers {
	svc := csms.New(st, csms.Options{HeartbeatInterval: time.Minute, MessageRetention: time.Hour, KnownVendorIDs: []string{"com.example"}}, g.log)
	return gateway.New(st, svc, gateway.Options{AutoRegister: true, DefaultTenantID: "d", ConnectionTTL: time.Hour, MessageRetention: time.Hour}, g.log)
}

func rc(conn string) events.APIGatewayWebsocketProxyRequestContext {
	return events.APIGatewayWebsocketProxyRequestContext{ConnectionID: conn, RequestTimeEpoch: time.Now().UnixMilli(),
		Authorizer: map[string]any{"chargeBoxId": "CP1", "tenantId": "d", "registrationStatus": "Accepted"}}
}

// authorizer: a registered box, and an unknown one registered on the spot.
func (g *grantsRun) authorizer() *recorder {
	t, ctx := g.t, g.ctx
	st, r := recordedStore(t, g.cfg)
	for _, id := range []string{"CP1", "NEW1"} {
		if _, err := g.handlers(st).Authorize(ctx, events.APIGatewayCustomAuthorizerRequestTypeRequest{MethodArn: "arn", QueryStringParameters: map[string]string{"chargeBoxId": id},
			Headers: map[string]string{"Sec-WebSocket-Protocol": "ocpp1.6"}}); err != nil {
			t.Fatal(err)
		}
	}
	g.authorizerKeyGrace(g.handlers(st))
	return r
}

func (g *grantsRun) connect() *recorder {
	st, r := recordedStore(g.t, g.cfg)
	if _, err := g.handlers(st).Connect(g.ctx, events.APIGatewayWebsocketProxyRequest{Headers: map[string]string{"Sec-WebSocket-Protocol": "ocpp1.6"}, RequestContext: rc("c1")}); err != nil {
		g.t.Fatal(err)
	}
	return r
}

// message: every charge-box action, retries, and an answer to every remote command.
func (g *grantsRun) message() *recorder {
	t, ctx, admin, now := g.t, g.ctx, g.admin, g.now
	st, r := recordedStore(t, g.cfg)
	h := g.handlers(st)
	send := func(frame string) {
		t.Helper()
		if _, err := h.Message(ctx, events.APIGatewayWebsocketProxyRequest{Body: frame, RequestContext: rc("c1")}); err != nil {
			t.Fatalf("%s: %v", frame, err)
		}
	}
	if err := admin.PutReservation(ctx, store.Reservation{ChargeBoxID: "CP1", ReservationID: 9, ConnectorID: 1, ExpiryDate: store.FormatTime(now.Add(time.Hour)),
		IDTag: "TAG", Status: store.ReservationActive, CreatedAt: store.FormatTime(now)}, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, f := range chargeBoxFrames {
		send(f)
	}
	g.answerEveryCommand(send)
	g.signCertificate(h, send)
	// A box that connected while Rejected: its requests read its current registration.
	if _, err := admin.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: "REJ1", RegistrationStatus: "Rejected"}, now); err != nil {
		t.Fatal(err)
	}
	rejected := rc("c2")
	rejected.Authorizer = map[string]any{"chargeBoxId": "REJ1", "tenantId": "d", "registrationStatus": "Rejected"}
	if _, err := h.Message(ctx, events.APIGatewayWebsocketProxyRequest{Body: `[2,"r1","Heartbeat",{}]`, RequestContext: rejected}); err != nil {
		t.Fatal(err)
	}
	return r
}

// chargeBoxFrames are the CALLs of the message scenario: every action a box sends, retries too.
var chargeBoxFrames = []string{
	`[2,"m1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]`,
	`[2,"m2","Heartbeat",{}]`,
	`[2,"m3","Authorize",{"idTag":"TAG"}]`,
	`[2,"m4","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Preparing"}]`,
	`[2,"m5","StartTransaction",{"connectorId":1,"idTag":"TAG","meterStart":0,"timestamp":"2026-11-23T10:00:00Z","reservationId":9}]`,
	`[2,"m5","StartTransaction",{"connectorId":1,"idTag":"TAG","meterStart":0,"timestamp":"2026-11-23T10:00:00Z","reservationId":9}]`,
	`[2,"m6","StartTransaction",{"connectorId":1,"idTag":"TAG","meterStart":5,"timestamp":"2026-11-23T10:05:00Z"}]`,
	`[2,"m7","MeterValues",{"connectorId":1,"transactionId":2,"meterValue":[{"timestamp":"2026-11-23T10:10:00Z","sampledValue":[{"value":"10"}]}]}]`,
	`[2,"m7b","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-11-23T10:10:00Z","sampledValue":[{"value":"10"}]}]}]`,
	`[2,"m7c","MeterValues",{"connectorId":1,"transactionId":4242,"meterValue":[{"timestamp":"2026-11-23T10:10:00Z","sampledValue":[{"value":"10"}]}]}]`,
	`[2,"m8","StopTransaction",{"transactionId":2,"idTag":"TAG","meterStop":20,"timestamp":"2026-11-23T10:20:00Z"}]`,
	`[2,"m9","StopTransaction",{"transactionId":4242,"meterStop":20,"timestamp":"2026-11-23T10:20:00Z"}]`,
	`[2,"m10","DataTransfer",{"vendorId":"com.example"}]`,
	`[2,"m11","DiagnosticsStatusNotification",{"status":"Idle"}]`,
	`[2,"m12","FirmwareStatusNotification",{"status":"Idle"}]`,
	// The security extension, a resent event too.
	`[2,"m13","SecurityEventNotification",{"type":"TamperDetectionActivated","timestamp":"2026-11-23T10:30:00Z"}]`,
	`[2,"m13","SecurityEventNotification",{"type":"TamperDetectionActivated","timestamp":"2026-11-23T10:30:00Z"}]`,
	`[2,"m14","SignedFirmwareStatusNotification",{"status":"Downloading","requestId":1}]`,
	`[2,"m15","LogStatusNotification",{"status":"Uploading","requestId":2}]`,
}

// answerEveryCommand answers a pending command of every central-system action with its example,
// then clears what the accepted SetChargingProfile installed (the delete path).
func (g *grantsRun) answerEveryCommand(send func(string)) {
	t, ctx, admin, now := g.t, g.ctx, g.admin, g.now
	for _, spec := range ocpp.Actions() {
		if spec.Initiator == ocpp.ChargeBox {
			continue
		}
		req, err1 := os.ReadFile(filepath.Join("..", "shared", "ocpp", "testdata", string(spec.Action)+".req.json"))
		conf, err2 := os.ReadFile(filepath.Join("..", "shared", "ocpp", "testdata", string(spec.Action)+".conf.json"))
		if err1 != nil || err2 != nil {
			t.Fatalf("examples of %s: %v %v", spec.Action, err1, err2)
		}
		id := "cmd-" + string(spec.Action)
		if err := admin.BeginCommand(ctx, store.Command{CommandID: id, ChargeBoxID: "CP1", ConnectionID: "c1", Action: string(spec.Action), Request: string(req),
			Status: store.CommandPending, CreatedAt: store.FormatTime(now), ExpiresAt: now.Add(time.Hour).Unix()}, now, time.Minute); err != nil {
			t.Fatalf("begin %s: %v", spec.Action, err)
		}
		send(fmt.Sprintf(`[3,%q,%s]`, id, conf))
	}
	// Clear what the accepted SetChargingProfile installed: the delete path.
	if err := admin.BeginCommand(ctx, store.Command{CommandID: "cmd-clear-all", ChargeBoxID: "CP1", ConnectionID: "c1", Action: "ClearChargingProfile", Request: `{}`,
		Status: store.CommandPending, CreatedAt: store.FormatTime(now), ExpiresAt: now.Add(time.Hour).Unix()}, now, time.Minute); err != nil {
		t.Fatal(err)
	}
	send(`[3,"cmd-clear-all",{"status":"Accepted"}]`)
}

// disconnect: this connection, and a stale one.
func (g *grantsRun) disconnect() *recorder {
	st, r := recordedStore(g.t, g.cfg)
	for _, conn := range []string{"stale", "c1"} {
		if _, err := g.handlers(st).Disconnect(g.ctx, events.APIGatewayWebsocketProxyRequest{RequestContext: rc(conn)}); err != nil {
			g.t.Fatal(err)
		}
	}
	return r
}

// publisher: a frame row and a finished session with readings.
func (g *grantsRun) publisher() *recorder {
	t, ctx, cfg, now := g.t, g.ctx, g.cfg, g.now
	st, r := recordedStore(t, cfg)
	var printed strings.Builder
	pub := publish.NewHandler(bus.NewPrinter(&printed), st, g.log)
	attr := events.NewStringAttribute
	n := events.NewNumberAttribute
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		{EventID: "1", EventName: "INSERT", EventSourceArn: "arn:aws:dynamodb:r:1:table/" + cfg.TablePrefix + "messages/stream/x", Change: events.DynamoDBStreamRecord{
			SequenceNumber: "1", Keys: map[string]events.DynamoDBAttributeValue{"chargeBoxId": attr("CP1"), "seq": attr("s1")},
			NewImage: map[string]events.DynamoDBAttributeValue{
				"chargeBoxId": attr("CP1"), "seq": attr("s1"), "kind": attr("connection"), "occurredAt": attr(store.FormatTime(now)),
				"eventType": attr("connected"), "connectionId": attr("c1"), "tenantId": attr("d"), "status": attr("Accepted"), "ip": attr("1.2.3.4"),
			}}},
		{EventID: "2", EventName: "MODIFY", EventSourceArn: "arn:aws:dynamodb:r:1:table/" + cfg.TablePrefix + "sessions/stream/x", Change: events.DynamoDBStreamRecord{
			SequenceNumber: "2", Keys: map[string]events.DynamoDBAttributeValue{"transactionId": n("2")},
			OldImage: map[string]events.DynamoDBAttributeValue{"transactionId": n("2"), "status": attr("running")},
			NewImage: map[string]events.DynamoDBAttributeValue{
				"transactionId": n("2"), "chargeBoxId": attr("CP1"), "tenantId": attr("d"), "connectorId": n("1"), "idTag": attr("TAG"),
				"meterStart": n("5"), "startedAt": attr(store.FormatTime(now)), "status": attr("finished"), "meterStop": n("20"), "stoppedAt": attr(store.FormatTime(now)),
			}}},
	}}
	resp, err := pub(ctx, ev)
	if err != nil || len(resp.BatchItemFailures) > 0 || strings.Count(printed.String(), "\n") != 2 {
		t.Fatalf("publisher: %+v, %v; published:\n%s", resp, err, printed.String())
	}
	// A replay event (docs/messages.md, "Replay"): one box's frame log (a Query), then the
	// whole fleet's frame log and sessions (the admin export's Scans).
	from, to := now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)
	for _, req := range []replay.Request{{From: from, To: to, ChargeBoxID: "CP1"}, {From: from, To: to}} {
		for {
			res, err := replay.Step(ctx, replay.Source{Store: st}, req, pub)
			if err != nil {
				t.Fatalf("publisher replay %+v: %v", req, err)
			}
			if req.Next = res.Next; req.Next == "" {
				break
			}
		}
	}
	return r
}

// checkGrants compares what fn was seen doing with what FunctionAccess grants it.
func checkGrants(t *testing.T, fn string, rec *recorder) {
	t.Helper()
	if len(rec.seen) == 0 {
		t.Errorf("%s: no DynamoDB call recorded; the scenario does not exercise it", fn)
	}
	for table, actions := range rec.seen {
		granted := FunctionAccess[fn].Tables[table]
		var missing []string
		for a := range actions {
			if !slices.Contains(granted, a) {
				missing = append(missing, a)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s uses %v on table %q, not granted in FunctionAccess", fn, missing, table)
		}
	}
	if fn == FnAPI {
		return
	}
	for table, granted := range FunctionAccess[fn].Tables {
		for _, a := range granted {
			if !rec.seen[table][a] {
				t.Errorf("%s: %s on %q is granted but no path uses it; least privilege: remove it (or cover the path here)", fn, a, table)
			}
		}
	}
}

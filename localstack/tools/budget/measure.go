package budget

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/csms"
	"github.com/serverless-ocpp/csms/shared/gateway"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Row is the cost of one step: an OCPP action (or a connection event) handled by the real
// Lambda handlers on DynamoDB Local.
type Row struct {
	// Name is the budget key: the action, or "$connect authorizer (new box)" and the like.
	Name string `json:"name"`
	// Function is the Lambda that runs the step (authorizer, connect, message, disconnect).
	Function string `json:"function"`
	Count
}

// step is one event of the measured sequence.
type step struct {
	name, function, file string
	// patch edits the event's body (e.g. to use the transaction id the start got).
	patch func(body string) string
}

// Measure runs the events/ samples, in the order a charge box's life has them, through the
// gateway handlers with a counting DynamoDB client on fresh tables (cfg.TablePrefix must be
// fresh), and returns the calls each made. eventsDir is the repository's events/ folder.
func Measure(ctx context.Context, cfg config.Config, eventsDir string) ([]Row, error) {
	h, st, counter, err := countingHandlers(ctx, cfg)
	if err != nil {
		return nil, err
	}
	done, err := withCertificates(h, cfg, counter)
	if err != nil {
		return nil, err
	}
	defer done()
	txID := 0
	var rows []Row
	for _, s := range lifeSteps(&txID) {
		if s.name == "CALLRESULT to a pending command" {
			// The command the answer refers to, written as the api function would (not counted here).
			if err := pendingCommand(ctx, st, filepath.Join(eventsDir, s.file)); err != nil {
				return nil, err
			}
		}
		counter.Take()
		reply, err := run(ctx, h, s, filepath.Join(eventsDir, s.file))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		if s.name == "StartTransaction" {
			if txID, err = transactionID(reply); err != nil {
				return nil, err
			}
		}
		rows = append(rows, Row{Name: s.name, Function: s.function, Count: counter.Take()})
	}
	return rows, nil
}

// countingHandlers builds the gateway handlers on a DynamoDB client whose calls the returned
// Counter counts, after creating the tables.
func countingHandlers(ctx context.Context, cfg config.Config) (*gateway.Handlers, *store.Store, *Counter, error) {
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	counter := NewCounter()
	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if cfg.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.DynamoDBEndpoint)
			o.DisableValidateResponseChecksum = true // as store.NewClient does for DynamoDB Local
		}
		counter.Attach(&o.APIOptions)
	})
	if err := store.CreateTables(ctx, db, cfg.TablePrefix); err != nil {
		return nil, nil, nil, fmt.Errorf("create tables: %w", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := store.New(db, cfg.TablePrefix)
	svc := csms.New(st, csms.Options{HeartbeatInterval: cfg.HeartbeatInterval, AcceptUnknownTags: true,
		KnownVendorIDs: cfg.KnownVendorIDs, MessageRetention: cfg.MessageRetention,
		Certificates: csms.Certificates{CPOName: sampleCPO}}, log)
	h := gateway.New(st, svc, gateway.Options{AutoRegister: true, DefaultTenantID: cfg.DefaultTenantID,
		ConnectionTTL: cfg.ConnectionTTL, MessageRetention: cfg.MessageRetention}, log)
	return h, st, counter, nil
}

// lifeSteps is a charge box's life as sample events; the steps after StartTransaction use the
// transaction id it answered, read from *txID when they run.
func lifeSteps(txID *int) []step {
	useTx := func(body string) string {
		return strings.Replace(body, `"transactionId":1001`, fmt.Sprintf(`"transactionId":%d`, *txID), 1)
	}
	msg := func(name, file string) step { return step{name: name, function: "message", file: "message/" + file} }
	return []step{
		{name: "$connect authorizer (new box, auto-registered)", function: "authorizer", file: "authorizer/connect.json"},
		{name: "$connect authorizer", function: "authorizer", file: "authorizer/connect.json"},
		{name: "$connect", function: "connect", file: "connect/connect.json"},
		msg("BootNotification", "boot-notification.json"),
		msg("StatusNotification", "status-notification.json"),
		msg("Authorize", "authorize.json"),
		msg("StartTransaction", "start-transaction.json"),
		{name: "MeterValues", function: "message", file: "message/meter-values.json", patch: useTx},
		{name: "MeterValues (retry with a new uniqueId)", function: "message", file: "message/meter-values.json", patch: func(b string) string {
			return strings.Replace(useTx(b), "meter-values-1", "meter-values-2", 1)
		}},
		{name: "MeterValues (1,912 elements)", function: "message", file: "message/meter-values.json", patch: func(b string) string {
			return manyMeterValues(useTx(b), 1912)
		}},
		{name: "MeterValues (a transaction the box does not own)", function: "message", file: "message/meter-values.json", patch: func(b string) string {
			return strings.Replace(useTx(b), `"connectorId":1`, `"connectorId":2`, 1)
		}},
		msg("Heartbeat", "heartbeat.json"),
		{name: "StopTransaction", function: "message", file: "message/stop-transaction.json", patch: useTx},
		{name: "StopTransaction (retry)", function: "message", file: "message/stop-transaction.json", patch: func(b string) string {
			return strings.Replace(useTx(b), "stop-transaction-1", "stop-transaction-2", 1)
		}},
		{name: "StopTransaction (a transaction never issued)", function: "message", file: "message/stop-transaction.json", patch: func(b string) string {
			return strings.Replace(strings.Replace(b, `"transactionId":1001`, `"transactionId":2000000000`, 1), "stop-transaction-1", "stop-transaction-3", 1)
		}},
		{name: "StartTransaction (retry with a new uniqueId)", function: "message", file: "message/start-transaction.json", patch: func(b string) string {
			return strings.Replace(b, "start-transaction-1", "start-transaction-2", 1)
		}},
		msg("DataTransfer", "data-transfer.json"),
		msg("DiagnosticsStatusNotification", "diagnostics-status-notification.json"),
		msg("FirmwareStatusNotification", "firmware-status-notification.json"),
		msg("SecurityEventNotification", "security-event-notification.json"),
		msg("SecurityEventNotification (retry)", "security-event-notification.json"),
		msg("SignedFirmwareStatusNotification", "signed-firmware-status-notification.json"),
		msg("LogStatusNotification", "log-status-notification.json"),
		msg("CALLRESULT to a pending command", "call-result.json"),
		msg("CALLERROR to no pending command", "call-error.json"),
		msg("malformed frame", "malformed-frame.json"),
		msg("unknown action", "unknown-action.json"),
		msg("SignCertificate (accepted; CertificateSigned sent)", "sign-certificate.json"),
		{name: "SignCertificate (rejected)", function: "message", file: "message/sign-certificate.json", patch: func(b string) string {
			return strings.Replace(strings.Replace(b, "BEGIN CERTIFICATE REQUEST", "BEGIN GARBAGE", 1), "sign-certificate-1", "sign-certificate-2", 1)
		}},
		{name: "$disconnect", function: "disconnect", file: "disconnect/disconnect.json"},
	}
}

// manyMeterValues replaces the meterValue array of a MeterValues frame with n elements of one
// short value each: what fits in API Gateway's 128 KB message.
func manyMeterValues(body string, n int) string {
	i, j := strings.Index(body, `"meterValue":[`), strings.LastIndex(body, "]}]")
	if i < 0 || j < i {
		return body
	}
	var b strings.Builder
	for k := range n {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"timestamp":"2026-11-23T10:%02d:%02dZ","sampledValue":[{"value":"%d"}]}`, 20+k/60, k%60, k%10)
	}
	return body[:i] + `"meterValue":[` + b.String() + body[j:]
}

// transactionID reads the transaction id from StartTransaction's CALLRESULT.
func transactionID(reply string) (int, error) {
	var frame []json.RawMessage
	var conf struct {
		TransactionID int `json:"transactionId"`
	}
	if json.Unmarshal([]byte(reply), &frame) != nil || len(frame) != 3 || json.Unmarshal(frame[2], &conf) != nil || conf.TransactionID == 0 {
		return 0, fmt.Errorf("StartTransaction answered %s", reply)
	}
	return conf.TransactionID, nil
}

// run hands one sample event to its handler and returns the body it answered.
func run(ctx context.Context, h *gateway.Handlers, s step, path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if s.function == "authorizer" {
		var req events.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return "", fmt.Errorf("decode %s: %w", path, err)
		}
		resp, err := h.Authorize(ctx, req)
		if err != nil {
			return "", err
		}
		if len(resp.PolicyDocument.Statement) == 0 || resp.PolicyDocument.Statement[0].Effect != "Allow" {
			return "", fmt.Errorf("authorizer denied the sample box")
		}
		return "", nil
	}
	var req events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return "", fmt.Errorf("decode %s: %w", path, err)
	}
	if s.patch != nil {
		req.Body = s.patch(req.Body)
	}
	// Each step is a new frame: a later receipt time keeps the frame-log rows apart.
	req.RequestContext.RequestTimeEpoch = time.Now().UnixMilli()
	var resp events.APIGatewayProxyResponse
	switch s.function {
	case "connect":
		resp, err = h.Connect(ctx, req)
	case "message":
		resp, err = h.Message(ctx, req)
	case "disconnect":
		resp, err = h.Disconnect(ctx, req)
	default:
		return "", fmt.Errorf("unknown function %q", s.function)
	}
	if err != nil {
		return "", err
	}
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, resp.Body)
	}
	return resp.Body, nil
}

// pendingCommand stores the remote command the call-result sample answers.
func pendingCommand(ctx context.Context, st *store.Store, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var req events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return err
	}
	var frame []json.RawMessage
	var id string
	if json.Unmarshal([]byte(req.Body), &frame) != nil || len(frame) < 2 || json.Unmarshal(frame[1], &id) != nil {
		return fmt.Errorf("%s: not a frame", path)
	}
	box, _ := req.RequestContext.Authorizer.(map[string]any)["chargeBoxId"].(string)
	now := time.Now()
	return st.BeginCommand(ctx, store.Command{CommandID: id, ChargeBoxID: box, ConnectionID: req.RequestContext.ConnectionID,
		Action: "Reset", Request: `{"type":"Soft"}`, Status: store.CommandPending, CreatedAt: store.FormatTime(now),
		ExpiresAt: now.Add(time.Hour).Unix()}, now, time.Minute)
}

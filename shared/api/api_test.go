package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

func TestOperationsAreTheNineteenKebabCased(t *testing.T) {
	want := map[string]ocpp.Action{
		"cancel-reservation": ocpp.CancelReservation, "change-availability": ocpp.ChangeAvailability,
		"change-configuration": ocpp.ChangeConfiguration, "clear-cache": ocpp.ClearCache,
		"clear-charging-profile": ocpp.ClearChargingProfile, "data-transfer": ocpp.DataTransfer,
		"get-composite-schedule": ocpp.GetCompositeSchedule, "get-configuration": ocpp.GetConfiguration,
		"get-diagnostics": ocpp.GetDiagnostics, "get-local-list-version": ocpp.GetLocalListVersion,
		"remote-start-transaction": ocpp.RemoteStartTransaction, "remote-stop-transaction": ocpp.RemoteStopTransaction,
		"reserve-now": ocpp.ReserveNow, "reset": ocpp.Reset, "send-local-list": ocpp.SendLocalList,
		"set-charging-profile": ocpp.SetChargingProfile, "trigger-message": ocpp.TriggerMessage,
		"unlock-connector": ocpp.UnlockConnector, "update-firmware": ocpp.UpdateFirmware,
		// The security extension's.
		"certificate-signed": ocpp.CertificateSigned, "install-certificate": ocpp.InstallCertificate,
		"delete-certificate": ocpp.DeleteCertificate, "get-installed-certificate-ids": ocpp.GetInstalledCertificateIds,
		"get-log": ocpp.GetLog, "signed-update-firmware": ocpp.SignedUpdateFirmware,
		"extended-trigger-message": ocpp.ExtendedTriggerMessage,
	}
	got := map[string]ocpp.Action{}
	for _, op := range operations {
		got[op.Name] = op.Action
	}
	if len(got) != len(want) || len(operations) != len(want) {
		t.Fatalf("%d operations: %v", len(operations), got)
	}
	for name, action := range want {
		if got[name] != action {
			t.Errorf("%s -> %q, want %s", name, got[name], action)
		}
	}
}

func opNamed(t *testing.T, name string) operation {
	t.Helper()
	for _, op := range operations {
		if op.Name == name {
			return op
		}
	}
	t.Fatalf("no operation %s", name)
	return operation{}
}

func TestParseOperationAcceptsOCPPAndSnakeCaseBodies(t *testing.T) {
	tests := []struct {
		op, body string
		check    func(any) bool
	}{
		{"reset", `{"type":"Soft"}`, func(v any) bool { return v.(*ocpp.ResetRequest).Type == ocpp.ResetTypeSoft }},
		{"reset", `{"type":"hard"}`, func(v any) bool { return v.(*ocpp.ResetRequest).Type == ocpp.ResetTypeHard }},
		{"unlock-connector", `{"connector_id":2}`, func(v any) bool { return v.(*ocpp.UnlockConnectorRequest).ConnectorID == 2 }},
		{"unlock-connector", `{"connectorId":1}`, func(v any) bool { return v.(*ocpp.UnlockConnectorRequest).ConnectorID == 1 }},
		{"get-configuration", ``, func(v any) bool { return len(v.(*ocpp.GetConfigurationRequest).Key) == 0 }},
		{"get-configuration", `{"key":["HeartbeatInterval"]}`, func(v any) bool { return v.(*ocpp.GetConfigurationRequest).Key[0] == "HeartbeatInterval" }},
		{"change-configuration", `{"key":"HeartbeatInterval","value":"60"}`, func(v any) bool { return v.(*ocpp.ChangeConfigurationRequest).Value == "60" }},
		{"clear-cache", `{}`, func(v any) bool { _, ok := v.(*ocpp.ClearCacheRequest); return ok }},
		{"get-diagnostics", `{"location":"ftp://logs.example.com/up"}`, func(v any) bool { return v.(*ocpp.GetDiagnosticsRequest).Location == "ftp://logs.example.com/up" }},
		{"update-firmware", `{"location":"https://fw.example.com/4.2.bin","retrieve_date":"2026-12-01T02:00:00Z"}`, func(v any) bool {
			r := v.(*ocpp.UpdateFirmwareRequest)
			return r.RetrieveDate.Equal(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
		}},
		{"update-firmware", `{"location":"https://fw.example.com/4.2.bin","retrieveDate":"2026-12-01T02:00:00Z"}`, func(v any) bool { return v.(*ocpp.UpdateFirmwareRequest).Location != "" }},
	}
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.body, func(t *testing.T) {
			req, err := parseOperation(opNamed(t, tt.op), []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(req) {
				t.Fatalf("parsed %+v", req)
			}
		})
	}
}

func TestParseOperationNamesTheBadField(t *testing.T) {
	tests := []struct{ op, body, field string }{
		{"reset", `{"type":"Sideways"}`, "type"},
		{"reset", `{}`, "type"},
		{"unlock-connector", `{"connector_id":0}`, "connector_id"},
		{"unlock-connector", `{"connector_id":"one"}`, "connector_id"},
		{"change-configuration", `{"key":"HeartbeatInterval"}`, "value"},
		{"reserve-now", `{"connectorId":1,"expiryDate":"tomorrow","idTag":"T","reservationId":1}`, "expiryDate"},
		{"remote-start-transaction", `{"idTag":"THIS-TAG-IS-FAR-TOO-LONG-FOR-OCPP"}`, "idTag"},
		{"set-charging-profile", `{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"W","chargingSchedulePeriod":[]}}}`, "csChargingProfiles.chargingSchedule.chargingSchedulePeriod"},
		{"update-firmware", `{"location":"https://fw.example.com/x","retrieve_date":"soon"}`, "retrieve_date"},
	}
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.field, func(t *testing.T) {
			_, err := parseOperation(opNamed(t, tt.op), []byte(tt.body))
			br, ok := err.(*badRequest)
			if !ok {
				t.Fatalf("error %v (%T), want a bad request", err, err)
			}
			if br.Field != tt.field {
				t.Fatalf("field %q (%s), want %q", br.Field, br.Msg, tt.field)
			}
		})
	}
}

// handle runs one request through Handle; the API has no store, so only requests refused
// before any storage access can be served.
func handle(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	a := New(nil, nil, Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	path, query, _ := strings.Cut(path, "?")
	resp, err := a.Handle(context.Background(), events.APIGatewayV2HTTPRequest{
		RawPath: path, RawQueryString: query, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return resp.StatusCode, m
}

func TestHandleRefusesBadInputWith400NamingTheField(t *testing.T) {
	tests := []struct{ method, path, body, field string }{
		{"POST", "/charge-boxes/CP1/remote/reset", `{"type":"Sideways"}`, "type"},
		{"POST", "/charge-boxes/CP1/remote/reset", `[1,2]`, ""},
		{"POST", "/charge-boxes/CP1/remote/trigger-message", `{"requestedMessage":"Heartbeat","connectorId":-1}`, "connectorId"},
		{"PUT", "/charge-boxes/CP1", `{"registrationStatus":"Maybe"}`, "registrationStatus"},
		{"PUT", "/charge-boxes/CP1", `{"registrationStatus":"Accepted","colour":"red"}`, "colour"},
		{"PUT", "/charge-boxes/CP1", `{"registrationStatus":"Accepted","evses":{"x":"E1"}}`, "evses.x"},
		{"PUT", "/charge-boxes/CP1", `{"registrationStatus":"Accepted","password":"fifteen-chars!!"}`, "password"},
		{"PUT", "/charge-boxes/CP1", `{"registrationStatus":"Accepted","password":"forty-one-characters-is-one-too-many-ok!!"}`, "password"},
		{"PUT", "/charge-boxes/CP1", `{"registrationStatus":"Accepted","unsecured":"yes"}`, "unsecured"},
		{"GET", "/charge-boxes?unsecured=maybe", ``, "unsecured"},
		{"PUT", "/id-tags/T1", `{"status":"Accepted","expiryDate":"next week"}`, "expiryDate"},
		{"PUT", "/id-tags/T1", `{"status":"Accepted","maxActiveTransactions":"two"}`, "maxActiveTransactions"},
		{"GET", "/sessions?status=paused", ``, "status"},
		{"GET", "/sessions?from=yesterday", ``, "from"},
		{"GET", "/sessions?limit=0", ``, "limit"},
		{"GET", "/sessions/abc", ``, "transactionId"},
		{"GET", "/commands?from=yesterday", ``, "from"},
		{"GET", "/commands?to=2026-01-01T00:00:00Z&from=2026-01-02T00:00:00Z", ``, "from"},
		{"GET", "/commands?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", ``, "from"},
		{"GET", "/charge-boxes/CP1/commands?limit=1001", ``, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.field, func(t *testing.T) {
			status, body := handle(t, tt.method, tt.path, tt.body)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d %v", status, body)
			}
			if body["error"] == "" || (body["field"] == nil) != (tt.field == "") || (tt.field != "" && body["field"] != tt.field) {
				t.Fatalf("body %v, want field %q", body, tt.field)
			}
		})
	}
}

func TestHandleUnknownRouteIs404JSON(t *testing.T) {
	for _, path := range []string{"/charge-boxes/CP1/remote/self-destruct", "/nothing"} {
		status, body := handle(t, "POST", path, `{}`)
		if status != http.StatusNotFound || body["error"] == nil {
			t.Fatalf("%s: %d %v", path, status, body)
		}
	}
	if status, body := handle(t, "GET", "/health", ""); status != 200 || body["status"] != "ok" {
		t.Fatalf("health %d %v", status, body)
	}
}

func TestUnknownRouteSuggestsTheNearOne(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"POST", "/charge-boxes/CP001/remote/Reset", "did you mean POST /charge-boxes/{id}/remote/reset?"},
		{"POST", "/charge-boxes/CP001/remote/RemoteStartTransaction", "did you mean POST /charge-boxes/{id}/remote/remote-start-transaction?"},
		{"POST", "/charge-boxes/CP001/remote/rest", "did you mean POST /charge-boxes/{id}/remote/reset?"},
		{"GET", "/chargeboxes/CP001", "did you mean GET /charge-boxes/{id}?"},
		{"POST", "/id-tags/T1", " /id-tags/{idTag}?"}, // GET, PUT and DELETE are as near
		{"POST", "/charge-boxes/CP1/remote/self-destruct", ""},
		{"GET", "/nothing", ""},
	}
	for _, tt := range tests {
		status, body := handle(t, tt.method, tt.path, `{}`)
		msg, _ := body["error"].(string)
		if status != http.StatusNotFound || strings.Contains(msg, "did you mean") != (tt.want != "") || !strings.HasSuffix(msg, tt.want) {
			t.Errorf("%s %s: %d %q, want a 404 ending %q", tt.method, tt.path, status, msg, tt.want)
		}
	}
}

func TestWaitParam(t *testing.T) {
	a := New(nil, nil, Options{CommandWait: 10 * time.Second, CommandWaitMax: 25 * time.Second}, slog.Default())
	tests := []struct {
		query string
		want  time.Duration
		bad   bool
	}{
		{"", 10 * time.Second, false},
		{"wait=0", 0, false},
		{"wait=25", 25 * time.Second, false},
		{"wait=26", 0, true},
		{"wait=-1", 0, true},
		{"wait=1.5", 0, true},
		{"wait=soon", 0, true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/x?"+tt.query, nil)
		got, err := a.waitParam(r)
		if (err != nil) != tt.bad || (!tt.bad && got != tt.want) {
			t.Errorf("%q: %v, %v", tt.query, got, err)
		}
	}
}

const openAPIFile = "../../docs/openapi.json"

// TestOpenAPIDocumentsEveryRoute fails when docs/openapi.json lacks a route of the router or
// documents one the router does not have. UPDATE_OPENAPI=1 rewrites the file from Routes().
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	generated, err := json.MarshalIndent(OpenAPI(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	generated = append(generated, '\n')
	if os.Getenv("UPDATE_OPENAPI") == "1" {
		if err := os.WriteFile(openAPIFile, generated, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatalf("%v (UPDATE_OPENAPI=1 go test ./shared/api writes it)", err)
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	routed := map[string]bool{}
	for _, rt := range Routes() {
		routed[rt.Method+" "+rt.Path] = true
	}
	var missing, extra []string
	for k := range routed {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !routed[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("docs/openapi.json lacks %v and documents unrouted %v (UPDATE_OPENAPI=1 go test ./shared/api regenerates it)", missing, extra)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	if !bytes.Equal(raw, generated) {
		t.Fatalf("docs/openapi.json differs from the routes' bodies and errors (UPDATE_OPENAPI=1 go test ./shared/api regenerates it)")
	}
}

// Every route of the original-field table exists and lists those fields, so a misspelt route
// cannot silently drop its aliases.
func TestOriginalFieldsBelongToRoutes(t *testing.T) {
	listed := map[string]map[string]string{}
	for _, r := range Routes() {
		if r.Aliases != nil {
			listed[r.Path[strings.LastIndex(r.Path, "/")+1:]] = r.Aliases
		}
	}
	for route, fields := range originalFields {
		if got, ok := listed[route]; !ok || len(got) != len(fields) {
			t.Errorf("route %s: aliases %v in the routes, %v in originalFields", route, got, fields)
		}
	}
	if len(listed) != len(originalFields) {
		t.Errorf("%d routes with aliases, originalFields has %d", len(listed), len(originalFields))
	}
}

func TestRenameRefusesAFieldGivenTwice(t *testing.T) {
	for _, body := range []map[string]any{
		{"token_id": "A", "idTag": "B"},
		{"transaction_id": 1, "session_id": "1"},
	} {
		route := startSessionRoute
		if _, ok := body["session_id"]; ok {
			route = stopSessionRoute
		}
		if _, err := rename(body, originalFields[route]); err == nil {
			t.Errorf("%v renamed without error", body)
		}
	}
	body := map[string]any{"token_id": "A", "connector_id": 2}
	used, err := rename(body, originalFields[startSessionRoute])
	if err != nil || body["idTag"] != "A" || body["connectorId"] != 2 || used["idTag"] != "token_id" || len(body) != 2 {
		t.Errorf("rename = %v, %v; body %v", used, err, body)
	}
}

package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/bus/bustest"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/publish"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// securityEvents returns the security-event messages of one box (other tests share RabbitMQ).
func securityEvents(t *testing.T, ds []amqp.Delivery, box string) []publish.SecurityEventMessage {
	var out []publish.SecurityEventMessage
	for _, d := range bustest.Unique(ds) {
		if d.RoutingKey != bus.KeySecurityEvents {
			continue
		}
		var m publish.SecurityEventMessage
		if err := json.Unmarshal(d.Body, &m); err != nil {
			t.Fatalf("message %s: %v", d.Body, err)
		}
		if m.ChargeBoxSerial == box {
			out = append(out, m)
		}
	}
	return out
}

// TestSecurityEventsOverTheAPIAndRabbitMQ: a box's SecurityEventNotifications are answered,
// listed per box and fleet-wide (filters, pages) and published on ocpp.security-events; bad
// frames get the core profile's CALLERROR codes.
func TestSecurityEventsOverTheAPIAndRabbitMQ(t *testing.T) {
	url := bustest.URL(t)
	bustest.UseBroker(t)
	consumer := bustest.NewConsumer(t, url, bustest.Binding{Exchange: bus.ExchangeOCPP, Key: bus.KeySecurityEvents},
		bustest.Binding{Exchange: bus.ExchangeOCPP, Key: bus.KeyFrames})
	cfg := storetest.Config(t)
	cfg.AutoRegister, cfg.AMQPURL, cfg.MessageRetention = true, url, time.Hour
	st := startPublishingStack(t, cfg)
	op := newOperator(t, st)
	id := fmt.Sprintf("SEC-%d", time.Now().UnixNano()%1e9)
	b := mustDial(t, st, id)
	b.call("BootNotification", obj("chargePointVendor", "ACME", "chargePointModel", "M"), &ocpp.BootNotificationResponse{})
	b.call("SecurityEventNotification", obj("type", "StartupOfTheDevice", "timestamp", "2026-11-23T10:00:00Z"), &ocpp.SecurityEventNotificationResponse{})
	b.call("SecurityEventNotification", obj("type", "InvalidMessages", "timestamp", "2026-11-23T10:05:00Z", "techInfo", "3 frames"), &ocpp.SecurityEventNotificationResponse{})
	b.call("SecurityEventNotification", obj("type", "TamperDetectionActivated", "timestamp", "2026-11-23T10:10:00Z", "techInfo", "lid opened"), &ocpp.SecurityEventNotificationResponse{})

	for _, bad := range []struct {
		payload any
		code    ocpp.ErrorCode
	}{
		{obj("timestamp", "2026-11-23T10:00:00Z"), ocpp.OccurenceConstraintViolation},
		{obj("type", "X", "timestamp", 1795428000), ocpp.TypeConstraintViolation},
		{obj("type", strings.Repeat("x", 51), "timestamp", "2026-11-23T10:00:00Z"), ocpp.PropertyConstraintViolation},
		{obj("type", "X", "timestamp", "2026-11-23T10:00:00Z", "techInfo", strings.Repeat("x", 256)), ocpp.PropertyConstraintViolation},
	} {
		if fr := b.send("SecurityEventNotification", bad.payload); fr.Type != ocpp.TypeCallError || fr.ErrorCode != bad.code {
			t.Errorf("%v: answer %+v, want CALLERROR %s", bad.payload, fr, bad.code)
		}
	}
	if fr := b.send("LogStatusNotification", obj("status", "Uploaded ")); fr.ErrorCode != ocpp.PropertyConstraintViolation {
		t.Errorf("LogStatusNotification outside the enumeration: %+v", fr)
	}
	if fr := b.send("SignedFirmwareStatusNotification", obj("status", "Installed", "requestId", "1")); fr.ErrorCode != ocpp.TypeConstraintViolation {
		t.Errorf("SignedFirmwareStatusNotification requestId as a string: %+v", fr)
	}

	items, _ := op.must(200, "GET", "/charge-boxes/"+id+"/security-events", nil)["items"].([]any)
	if len(items) != 3 {
		t.Fatalf("%d events of the box, want 3 (refused frames store nothing): %v", len(items), items)
	}
	first := items[0].(map[string]any)
	if first["type"] != "TamperDetectionActivated" || first["critical"] != true || first["techInfo"] != "lid opened" ||
		first["timestamp"] != "2026-11-23T10:10:00.000000000Z" || first["receivedAt"] == nil || first["chargeBoxId"] != id {
		t.Fatalf("newest event %v", first)
	}
	if _, leaked := first["eventKey"]; leaked {
		t.Errorf("bookkeeping attribute shown: %v", first)
	}
	one, _ := op.must(200, "GET", "/charge-boxes/"+id+"/security-events?type=InvalidMessages", nil)["items"].([]any)
	if len(one) != 1 || one[0].(map[string]any)["techInfo"] != "3 frames" {
		t.Errorf("type filter: %v", one)
	}
	window, _ := op.must(200, "GET", "/security-events?chargeBoxId="+id+"&from=2026-11-23T10:01:00Z&to=2026-11-23T10:06:00Z", nil)["items"].([]any)
	if len(window) != 1 || window[0].(map[string]any)["type"] != "InvalidMessages" {
		t.Errorf("time window: %v", window)
	}
	fleet, _ := op.must(200, "GET", "/security-events?type=TamperDetectionActivated&from=2026-11-23T10:10:00Z&to=2026-11-23T10:10:00Z&limit=1000", nil)["items"].([]any)
	found := false
	for _, e := range fleet {
		found = found || e.(map[string]any)["chargeBoxId"] == id
	}
	if !found {
		t.Errorf("fleet-wide type listing lacks %s: %v", id, fleet)
	}
	// Pages of one event each, newest first, and the token only fits its own listing.
	var seen []string
	next := ""
	for range 4 {
		page := op.must(200, "GET", "/charge-boxes/"+id+"/security-events?limit=1"+nextParam(next), nil)
		for _, e := range page["items"].([]any) {
			seen = append(seen, e.(map[string]any)["type"].(string))
		}
		if next, _ = page["next"].(string); next == "" {
			break
		}
	}
	if strings.Join(seen, ",") != "TamperDetectionActivated,InvalidMessages,StartupOfTheDevice" {
		t.Errorf("pages %v", seen)
	}
	tok, _ := op.must(200, "GET", "/charge-boxes/"+id+"/security-events?limit=1", nil)["next"].(string)
	if r := op.do("GET", "/security-events?limit=1"+nextParam(tok), nil); r.Status != 400 || r.Body["field"] != "next" {
		t.Errorf("a box's token on the fleet listing: %d %s", r.Status, r.Raw)
	}
	if r := op.do("GET", "/security-events?from=yesterday", nil); r.Status != 400 || r.Body["field"] != "from" {
		t.Errorf("bad from: %d %s", r.Status, r.Raw)
	}

	got := consumer.WaitFor(30*time.Second, "the box's three security events", func(ds []amqp.Delivery) bool {
		return len(securityEvents(t, ds, id)) >= 3
	})
	msgs := securityEvents(t, got, id)
	if len(msgs) != 3 || msgs[0].Type != "StartupOfTheDevice" || !msgs[0].Critical || msgs[1].Critical || msgs[2].TechInfo != "lid opened" || msgs[2].UniqueID == "" {
		t.Fatalf("security-event messages %+v", msgs)
	}
	frames := forBox(t, got, id, bus.KeyFrames)
	events := 0
	for _, f := range frames {
		if f.Action != nil && *f.Action == "SecurityEventNotification" {
			events++
		}
	}
	if events != 3+4 { // the raw frames go out as for every action, refused ones too
		t.Errorf("%d SecurityEventNotification frames published, want 7", events)
	}
}

func selfSignedPEM(t *testing.T, cn string, serial int64) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"Test CPO"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// boxView polls GET /charge-boxes/{id} until check accepts it (an answer's effect is stored
// just after the caller got the answer).
func boxView(t *testing.T, op *operator, id string, check func(map[string]any) error) map[string]any {
	t.Helper()
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		v := op.must(200, "GET", "/charge-boxes/"+id, nil)
		if err = check(v); err == nil {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
}

// TestSecurityRemoteOperations sends each of the security extension's remote operations
// through the HTTP API to a scripted box that checks the CALL and answers; the caller gets the
// answer, and what it (and the box's later notifications) tells shows on the box.
func TestSecurityRemoteOperations(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	id := "SECOP1"
	b := mustDial(t, st, id)
	b.call("BootNotification", obj("chargePointVendor", "ACME", "chargePointModel", "AC22"), &ocpp.BootNotificationResponse{})
	root := selfSignedPEM(t, "CSMS Root", 0x5eed)
	rootCert, err := ocpp.ParseCertificatePEM(root)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := ocpp.HashCertificate(rootCert, nil)
	if err != nil {
		t.Fatal(err)
	}
	hashBody := obj("hashAlgorithm", "SHA256", "issuerNameHash", hash.IssuerNameHash, "issuerKeyHash", hash.IssuerKeyHash, "serialNumber", hash.SerialNumber)
	// The operator's PEM with CRLF line ends and indentation: the box gets it re-encoded.
	messy := "\r\n" + strings.ReplaceAll(root, "\n", "\r\n")

	tests := []struct {
		op     string
		action ocpp.Action
		body   any
		sent   any // what the box must receive; nil means the body
		answer any
		// then runs after the answer: notifications from the box, checks of the box view.
		then func(t *testing.T) error
	}{
		{op: "install-certificate", action: ocpp.InstallCertificate, body: obj("certificateType", "CentralSystemRootCertificate", "certificate", messy),
			sent: obj("certificateType", "CentralSystemRootCertificate", "certificate", root), answer: obj("status", "Accepted"),
			then: func(t *testing.T) error {
				boxView(t, op, id, func(v map[string]any) error {
					ic, _ := v["installedCertificate"].(map[string]any)
					h, _ := ic["certificateHashData"].(map[string]any)
					if h["serialNumber"] != "5eed" || h["issuerKeyHash"] != hash.IssuerKeyHash || ic["certificateType"] != "CentralSystemRootCertificate" {
						return fmt.Errorf("installed certificate %v", v["installedCertificate"])
					}
					return nil
				})
				return nil
			}},
		{op: "get-installed-certificate-ids", action: ocpp.GetInstalledCertificateIds, body: obj("certificateType", "CentralSystemRootCertificate"),
			answer: obj("status", "Accepted", "certificateHashData", []any{hashBody}),
			then: func(t *testing.T) error {
				boxView(t, op, id, func(v map[string]any) error {
					roots, _ := v["centralSystemRootCertificates"].(map[string]any)
					list, _ := roots["certificateHashData"].([]any)
					if roots["status"] != "Accepted" || len(list) != 1 || list[0].(map[string]any)["issuerNameHash"] != hash.IssuerNameHash {
						return fmt.Errorf("installed certificate ids %v", v["centralSystemRootCertificates"])
					}
					return nil
				})
				return nil
			}},
		{op: "delete-certificate", action: ocpp.DeleteCertificate, body: obj("certificateHashData", hashBody), answer: obj("status", "Accepted")},
		{op: "get-log", action: ocpp.GetLog, body: obj("logType", "SecurityLog", "requestId", 17, "retries", 2, "retryInterval", 30,
			"log", obj("remoteLocation", "https://logs.example.com/upload", "oldestTimestamp", "2026-11-22T00:00:00.000Z", "latestTimestamp", "2026-11-23T00:00:00.000Z")),
			answer: obj("status", "Accepted", "filename", "security-17.log"),
			then: func(t *testing.T) error {
				b.call("LogStatusNotification", obj("status", "Uploading", "requestId", 17), &ocpp.LogStatusNotificationResponse{})
				b.call("LogStatusNotification", obj("status", "Uploaded", "requestId", 17), &ocpp.LogStatusNotificationResponse{})
				boxView(t, op, id, func(v map[string]any) error {
					lr, _ := v["logRequest"].(map[string]any)
					if lr["requestId"] != 17.0 || lr["filename"] != "security-17.log" || lr["logType"] != "SecurityLog" || v["logStatus"] != "Uploaded" || v["logStatusRequestId"] != 17.0 {
						return fmt.Errorf("log progress %v %v %v", lr, v["logStatus"], v["logStatusRequestId"])
					}
					return nil
				})
				return nil
			}},
		{op: "signed-update-firmware", action: ocpp.SignedUpdateFirmware, body: obj("requestId", 23, "retries", 1,
			"firmware", obj("location", "https://fw.example.com/5.0.bin", "retrieveDateTime", "2026-12-01T02:00:00.000Z", "signingCertificate", root, "signature", "MEUCIQC4")),
			answer: obj("status", "Accepted"),
			then: func(t *testing.T) error {
				for _, s := range []string{"Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"} {
					b.call("SignedFirmwareStatusNotification", obj("status", s, "requestId", 23), &ocpp.SignedFirmwareStatusNotificationResponse{})
				}
				boxView(t, op, id, func(v map[string]any) error {
					fr, _ := v["signedFirmwareRequest"].(map[string]any)
					if fr["requestId"] != 23.0 || fr["status"] != "Accepted" || v["signedFirmwareStatus"] != "Installed" || v["signedFirmwareStatusRequestId"] != 23.0 {
						return fmt.Errorf("firmware progress %v %v", fr, v["signedFirmwareStatus"])
					}
					return nil
				})
				return nil
			}},
		{op: "extended-trigger-message", action: ocpp.ExtendedTriggerMessage, body: obj("requestedMessage", "SignChargePointCertificate"), answer: obj("status", "Accepted")},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			remoteAnswered(t, op, b, id, tt.op, tt.action, tt.body, tt.sent, tt.answer)
			if tt.then != nil {
				if err := tt.then(t); err != nil {
					t.Fatal(err)
				}
			}
		})
	}

	// Refused before anything is sent: 400 naming the field.
	for _, bad := range []struct {
		op, field string
		body      any
	}{
		{"install-certificate", "certificate", obj("certificateType", "CentralSystemRootCertificate", "certificate", "not a certificate")},
		{"install-certificate", "certificate", obj("certificateType", "CentralSystemRootCertificate", "certificate", strings.Replace(root, "CERTIFICATE", "PRIVATE KEY", 2))},
		{"install-certificate", "certificateType", obj("certificateType", "V2GRootCertificate", "certificate", root)},
		{"delete-certificate", "certificateHashData.hashAlgorithm", obj("certificateHashData", obj("hashAlgorithm", "MD5", "issuerNameHash", "a", "issuerKeyHash", "b", "serialNumber", "1"))},
		{"get-log", "log.remoteLocation", obj("logType", "DiagnosticsLog", "requestId", 1, "log", obj("remoteLocation", strings.Repeat("x", 513)))},
		{"get-log", "requestId", obj("logType", "DiagnosticsLog", "log", obj("remoteLocation", "ftp://x/"))},
		{"signed-update-firmware", "firmware.signature", obj("requestId", 1, "firmware", obj("location", "x", "retrieveDateTime", "2026-12-01T02:00:00Z", "signingCertificate", "c"))},
		{"extended-trigger-message", "requestedMessage", obj("requestedMessage", "DiagnosticsStatusNotification")},
		{"extended-trigger-message", "connectorId", obj("requestedMessage", "MeterValues", "connectorId", "1")},
	} {
		r := op.do("POST", "/charge-boxes/"+id+"/remote/"+bad.op, bad.body)
		if r.Status != 400 || r.Body["field"] != bad.field {
			t.Errorf("%s %v: %d %s, want 400 field %s", bad.op, bad.body, r.Status, r.Raw, bad.field)
		}
	}
	b.noCall()
}

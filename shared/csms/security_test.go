package csms

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

func TestSecurityEventsAreStoredAndCriticalOnesLoggedOnce(t *testing.T) {
	f := newFixture(t, Options{})
	var logs bytes.Buffer
	f.svc.log = slog.New(slog.NewJSONHandler(&logs, nil))
	ctx := context.Background()
	tamper := `[2,"se-1","SecurityEventNotification",{"type":"TamperDetectionActivated","timestamp":"2026-11-23T11:59:00Z","techInfo":"lid"}]`
	for range 2 { // the second is a resend: same uniqueId and timestamp
		if fr, raw := f.send(tamper); fr.Type != ocpp.TypeCallResult || string(fr.Payload) != "{}" {
			t.Fatalf("answer %s", raw)
		}
	}
	var resp ocpp.SecurityEventNotificationResponse
	f.call("SecurityEventNotification", `{"type":"InvalidMessages","timestamp":"2026-11-23T11:59:30Z"}`, &resp)
	if n := strings.Count(logs.String(), CriticalSecurityEventLog); n != 1 {
		t.Errorf("%d critical log lines, want 1:\n%s", n, logs.String())
	}
	items, _, err := f.st.ListSecurityEvents(ctx, store.SecurityEventFilter{ChargeBoxID: "CP1"}, store.Page{})
	if err != nil || len(items) != 2 {
		t.Fatalf("events %+v, %v", items, err)
	}
	if e := items[1]; e.Type != "TamperDetectionActivated" || !e.Critical || e.TechInfo != "lid" || e.TenantID != "t1" || e.Timestamp != "2026-11-23T11:59:00.000000000Z" || e.ReceivedAt == "" {
		t.Errorf("tamper event %+v", e)
	}
	if items[0].Critical {
		t.Errorf("InvalidMessages is not critical: %+v", items[0])
	}
}

func TestLogAndSignedFirmwareProgressOnTheBox(t *testing.T) {
	f := newFixture(t, Options{})
	var r1 ocpp.LogStatusNotificationResponse
	f.call("LogStatusNotification", `{"status":"Uploading","requestId":7}`, &r1)
	var r2 ocpp.SignedFirmwareStatusNotificationResponse
	f.call("SignedFirmwareStatusNotification", `{"status":"InvalidSignature","requestId":42}`, &r2)
	b, err := f.st.GetChargeBox(context.Background(), "CP1")
	if err != nil {
		t.Fatal(err)
	}
	if b.LogStatus != "Uploading" || *b.LogStatusRequestID != 7 || b.SignedFirmwareStatus != "InvalidSignature" || *b.SignedFirmwareStatusRequest != 42 {
		t.Errorf("state %+v", b.SecurityState)
	}
	// A bad frame gets the core profile's CALLERROR and changes nothing.
	if fr, raw := f.send(`[2,"bad","LogStatusNotification",{"status":"Done"}]`); fr.ErrorCode != ocpp.PropertyConstraintViolation {
		t.Errorf("bad status answered %s", raw)
	}
}

func rootCertificate(t *testing.T) (string, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0x1234), Subject: pkix.Name{CommonName: "CSMS Root", Organization: []string{"CPO"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), cert
}

func TestSecurityAnswersEffects(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{})
	if err := f.st.Connect(ctx, store.Connection{ChargeBoxID: "CP1", ConnectionID: "conn1", ConnectedAt: store.FormatTime(now), ExpiresAt: now.Add(time.Hour).Unix()},
		store.ConnectionEvent{ChargeBoxID: "CP1", ConnectionID: "conn1", EventType: store.EventConnected, OccurredAt: now, Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	answer := func(id string, action ocpp.Action, req any, resp string) {
		t.Helper()
		b, _ := json.Marshal(req)
		if err := f.st.BeginCommand(ctx, store.Command{CommandID: id, ChargeBoxID: "CP1", ConnectionID: "conn1", Action: string(action), Request: string(b),
			Status: store.CommandPending, CreatedAt: store.FormatTime(now), ExpiresAt: now.Add(time.Hour).Unix()}, now, time.Minute); err != nil {
			t.Fatal(err)
		}
		f.send(`[3,"` + id + `",` + resp + `]`)
		if c, err := f.st.GetCommand(ctx, id); err != nil || c.Status != store.CommandAnswered {
			t.Fatalf("%s: %+v %v", action, c, err)
		}
	}
	pemText, cert := rootCertificate(t)
	answer("c1", ocpp.InstallCertificate, ocpp.InstallCertificateRequest{CertificateType: ocpp.CertificateUseCentralSystemRootCertificate, Certificate: pemText}, `{"status":"Accepted"}`)
	answer("c2", ocpp.GetInstalledCertificateIds, ocpp.GetInstalledCertificateIdsRequest{CertificateType: ocpp.CertificateUseManufacturerRootCertificate}, `{"status":"NotFound"}`)
	answer("c3", ocpp.GetLog, ocpp.GetLogRequest{LogType: ocpp.LogTypeSecurityLog, RequestID: 9, Log: ocpp.LogParameters{RemoteLocation: "ftp://logs/"}}, `{"status":"Accepted","filename":"s.log"}`)
	answer("c4", ocpp.SignedUpdateFirmware, ocpp.SignedUpdateFirmwareRequest{RequestID: 10, Firmware: ocpp.Firmware{Location: "https://fw/", RetrieveDateTime: ocpp.DateTime{Time: now},
		SigningCertificate: pemText, Signature: "c2ln"}}, `{"status":"RevokedCertificate"}`)
	b, err := f.st.GetChargeBox(ctx, "CP1")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ocpp.HashCertificate(cert, nil)
	ic := b.InstalledCertificate
	if ic == nil || ic.Hash == nil || ic.Hash.IssuerKeyHash != want.IssuerKeyHash || ic.Hash.SerialNumber != "1234" || ic.CertificateType != "CentralSystemRootCertificate" || !strings.Contains(ic.Subject, "CSMS Root") {
		t.Errorf("installed certificate %+v", ic)
	}
	if m := b.ManufacturerRootCertificates; m == nil || m.Status != "NotFound" || len(m.Certificates) != 0 || m.CommandID != "c2" {
		t.Errorf("manufacturer roots %+v", m)
	}
	if l := b.LogRequest; l == nil || l.RequestID != 9 || l.Filename != "s.log" || l.LogType != "SecurityLog" || l.Status != "Accepted" {
		t.Errorf("log request %+v", l)
	}
	if fw := b.FirmwareRequest; fw == nil || fw.RequestID != 10 || fw.Status != "RevokedCertificate" || fw.Location != "https://fw/" {
		t.Errorf("firmware request %+v", fw)
	}
}

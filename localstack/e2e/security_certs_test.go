package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/bus/bustest"
	"github.com/serverless-ocpp/csms/shared/certs"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

const e2eCPO = "E2E CPO"

// certStack runs a stack with its own CA file and CPO name.
func certStack(t *testing.T) (*stack.Stack, *certs.CA) {
	t.Helper()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	st := startStack(t, func(c *config.Config) { c.Security.CAFile, c.Security.CPOName = caFile, e2eCPO })
	b, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatalf("the local stack made no CA: %v", err)
	}
	ca, err := certs.ParseCA(b)
	if err != nil {
		t.Fatal(err)
	}
	return st, ca
}

func makeCSR(t *testing.T, key *ecdsa.PrivateKey, cn, org string) string {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn, Organization: []string{org}}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// TestSignCertificate: a box's CSR made with crypto/x509 is answered Accepted, then the box gets
// CertificateSigned whose chain verifies against the CA and carries the CSR's key; the
// certificate is listed per box and fleet-wide. Garbage and mismatched CSRs are Rejected with
// nothing signed, sent or recorded.
func TestSignCertificate(t *testing.T) {
	st, ca := certStack(t)
	op := newOperator(t, st)
	id := fmt.Sprintf("SECB-CERT-%d", time.Now().UnixNano()%1e9)
	b := mustDial(t, st, id)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	var resp ocpp.SignCertificateResponse
	b.call("SignCertificate", obj("csr", makeCSR(t, key, id, e2eCPO)), &resp)
	if resp.Status != ocpp.GenericStatusAccepted {
		t.Fatalf("SignCertificate answered %s", resp.Status)
	}
	fr := b.nextCall(ocpp.CertificateSigned)
	var signed ocpp.CertificateSignedRequest
	if err := ocpp.Decode(fr.Payload, &signed); err != nil {
		t.Fatal(err)
	}
	b.answer(fr, obj("status", "Accepted"))
	leaf := verifyChain(t, ca, signed.CertificateChain)
	if !key.PublicKey.Equal(leaf.PublicKey) || leaf.Subject.CommonName != id {
		t.Fatalf("the certificate does not carry the CSR's key and subject: %s", leaf.Subject)
	}
	serial := hex.EncodeToString(leaf.SerialNumber.Bytes())

	items := op.must(200, "GET", "/charge-boxes/"+id+"/certificates", nil)["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["serial"] != serial {
		t.Fatalf("certificates of the box: %v", items)
	}
	cmdID, _ := items[0].(map[string]any)["commandId"].(string)
	if cmdID != fr.UniqueID {
		t.Errorf("the record names command %q, the CALL was %s", cmdID, fr.UniqueID)
	}
	eventually(t, "CertificateSigned answered", func() bool {
		return op.must(200, "GET", "/commands/"+fr.UniqueID, nil)["status"] == string(store.CommandAnswered)
	})
	if !fleetHas(t, op, serial) {
		t.Errorf("GET /certificates does not list %s", serial)
	}

	for name, csr := range map[string]string{
		"garbage":  "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgQ1NS\n-----END CERTIFICATE REQUEST-----\n",
		"wrong CN": makeCSR(t, key, id+"-other", e2eCPO),
		"wrong O":  makeCSR(t, key, id, "Someone Else"),
	} {
		b.call("SignCertificate", obj("csr", csr), &resp)
		if resp.Status != ocpp.GenericStatusRejected {
			t.Errorf("%s CSR answered %s", name, resp.Status)
		}
		// A CertificateSigned would have been posted before the answer: none is waiting.
		b.noCall()
	}
	if n := len(op.must(200, "GET", "/charge-boxes/"+id+"/certificates", nil)["items"].([]any)); n != 1 {
		t.Errorf("%d certificates recorded after the rejected CSRs, want 1", n)
	}
	// Bad frames get the core actions' CALLERROR codes.
	for payload, code := range map[string]ocpp.ErrorCode{
		`{}`:        ocpp.OccurenceConstraintViolation,
		`{"csr":1}`: ocpp.TypeConstraintViolation,
		`{"csr":"` + strings.Repeat("A", 5501) + `"}`: ocpp.PropertyConstraintViolation,
	} {
		if got := b.send("SignCertificate", json.RawMessage(payload)); got.Type != ocpp.TypeCallError || got.ErrorCode != code {
			t.Errorf("SignCertificate %.40s: %v %s, want CALLERROR %s", payload, got.Type, got.ErrorCode, code)
		}
	}
}

// verifyChain parses a CertificateSigned chain and verifies its leaf against the CA.
func verifyChain(t *testing.T, ca *certs.CA, chain string) *x509.Certificate {
	t.Helper()
	var got []*x509.Certificate
	for rest := []byte(chain); ; {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			break
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if len(got) < 1 {
		t.Fatalf("chain holds no certificate: %q", chain)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	if _, err := got[0].Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("the certificate does not verify against the CA: %v", err)
	}
	return got[0]
}

func fleetHas(t *testing.T, op *operator, serial string) bool {
	t.Helper()
	next := ""
	for range 100 {
		page := op.must(200, "GET", "/certificates?limit=50&next="+next, nil)
		for _, it := range page["items"].([]any) {
			if it.(map[string]any)["serial"] == serial {
				return true
			}
		}
		if next, _ = page["next"].(string); next == "" {
			return false
		}
	}
	return false
}

// lockedBuffer collects the stack's log output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestAuthorizationKeyRotation rotates a box's key twice (a given key, then a generated one):
// the old key works during the grace period and is refused after it; the first connection with
// the new key ends the grace at once. No key appears in the frame log, the logs, RabbitMQ or an
// API answer, also when the box reports it in GetConfiguration.
func TestAuthorizationKeyRotation(t *testing.T) {
	url := bustest.URL(t)
	bustest.UseBroker(t)
	consumer := bustest.NewConsumer(t, url, bustest.Binding{Exchange: bus.ExchangeOCPP, Key: bus.KeyFrames})
	logs := &lockedBuffer{}
	cfg := storetest.Config(t)
	cfg.AMQPURL, cfg.MessageRetention, cfg.Security.AuthorizationKeyGrace = url, time.Hour, 3*time.Second
	st, err := stack.Start(context.Background(), cfg, stack.Options{WSAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Publish: true, PrintTo: logs, StreamPoll: 50 * time.Millisecond}, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	op := newOperator(t, st)
	id := fmt.Sprintf("SECB-KEY-%d", time.Now().UnixNano()%1e9)
	k0, k1 := "initial-key-0123456789", "rotated-key-ABCDEFGHIJ-1"
	op.must(201, "PUT", "/charge-boxes/"+id, obj("registrationStatus", "Accepted", "password", k0))
	connect := func(pass string) (*box, int) {
		b, resp, err := dial(t, st, id, dialOpts{user: id, pass: pass})
		if err != nil {
			if resp == nil {
				t.Fatalf("dial: %v", err)
			}
			return nil, resp.StatusCode
		}
		return b, http.StatusSwitchingProtocols
	}

	// Rotation 1, the operator's key; the box accepts.
	b, _ := connect(k0)
	got := rotate(t, op, b, obj("key", k1))
	if got != k1 {
		t.Fatalf("the box received key %q, want the given one", got)
	}
	if _, code := connect(k0); code != http.StatusSwitchingProtocols {
		t.Fatalf("the old key was refused during the grace period (%d)", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, code := connect(k0)
		if code == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the old key is still accepted after the grace period")
		}
		time.Sleep(200 * time.Millisecond) // polling a deadline, not synchronising
	}

	// Rotation 2, a generated key; connecting with it ends the grace of k1 at once.
	b, code := connect(k1)
	if b == nil {
		t.Fatalf("the rotated key was refused (%d)", code)
	}
	k2 := rotate(t, op, b, nil)
	if len(k2) != 40 {
		t.Fatalf("generated key %q: want 40 characters", k2)
	}
	b, code = connect(k2)
	if b == nil {
		t.Fatalf("the generated key was refused (%d)", code)
	}
	if _, code := connect(k1); code != http.StatusUnauthorized {
		t.Fatalf("the previous key was accepted after the box connected with the new one (%d)", code)
	}

	// The box reports its key in GetConfiguration; the answer, the cache and the log hide it.
	ch := op.async("POST", "/charge-boxes/"+id+"/remote/get-configuration", obj())
	fr := b.nextCall(ocpp.GetConfiguration)
	b.answer(fr, obj("configurationKey", []any{obj("key", "AuthorizationKey", "readonly", false, "value", k2)}))
	answers := []string{await(t, ch).Raw, op.do("GET", "/charge-boxes/"+id, nil).Raw}
	refused := op.do("POST", "/charge-boxes/"+id+"/remote/change-configuration", obj("key", "authorizationKey", "value", strings.Repeat("z", 20)))
	if refused.Status != http.StatusBadRequest || refused.Body["field"] != "key" {
		t.Errorf("generic ChangeConfiguration of AuthorizationKey: %d %s, want 400 naming key", refused.Status, refused.Raw)
	}
	answers = append(answers, op.do("GET", "/charge-boxes/"+id+"/messages?limit=100", nil).Raw)

	rows, _, err := st.Store.ListMessages(context.Background(), id, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	frames, _ := json.Marshal(rows)
	deliveries := consumer.WaitFor(30*time.Second, "the GetConfiguration answer on RabbitMQ", func(ds []amqp.Delivery) bool {
		for _, p := range forBox(t, ds, id, bus.KeyFrames) {
			if strings.Contains(p.Raw, "configurationKey") {
				return true
			}
		}
		return false
	})
	published := ""
	for _, p := range forBox(t, deliveries, id, bus.KeyFrames) {
		published += p.Raw + "\n"
	}
	if !strings.Contains(published, `"ChangeConfiguration"`) || !strings.Contains(string(frames), ocpp.Redacted) {
		t.Fatalf("the rotation frames were not logged and published (published: %s)", published)
	}
	for _, key := range []string{k1, k2} {
		for where, text := range map[string]string{"frame log": string(frames), "logs": logs.String(), "RabbitMQ": published, "API answers": strings.Join(answers, "\n")} {
			if strings.Contains(text, key) {
				t.Errorf("a rotated AuthorizationKey appears in the %s", where)
			}
		}
	}
}

// rotate asks for a key rotation, answers the box's ChangeConfiguration Accepted and returns the
// key the box received; the API answer must not hold it.
func rotate(t *testing.T, op *operator, b *box, body any) string {
	t.Helper()
	if body == nil {
		body = obj()
	}
	ch := op.async("POST", "/charge-boxes/"+b.id+"/authorization-key", body)
	fr := b.nextCall(ocpp.ChangeConfiguration)
	var req ocpp.ChangeConfigurationRequest
	if err := ocpp.Decode(fr.Payload, &req); err != nil || req.Key != ocpp.AuthorizationKey {
		t.Fatalf("rotation sent %s (%v)", fr.Payload, err)
	}
	b.answer(fr, obj("status", "Accepted"))
	r := await(t, ch)
	if r.Status != http.StatusOK || strings.Contains(r.Raw, req.Value) {
		t.Fatalf("rotation answered %d %s", r.Status, r.Raw)
	}
	return req.Value
}

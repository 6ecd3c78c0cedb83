package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/auth"
	"github.com/serverless-ocpp/csms/shared/certs"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// clientCert issues a client certificate for box from ca, as CloudFront forwards it.
func clientCert(t *testing.T, ca *certs.CA, box string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: box, Organization: []string{"CPO"}}}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := certs.CheckCSR(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), box, "CPO")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Sign(csr, time.Hour*24, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return url.PathEscape(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})))
}

func testCA(t *testing.T) *certs.CA {
	t.Helper()
	b, err := certs.NewCABundle("CPO", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ca, err := certs.ParseCA(b)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// Security profile 3: a registered box with a client certificate of the CA naming it is admitted
// without a password, but only when the origin-verify header proves CloudFront sent it.
func TestAuthorizeClientCertificate(t *testing.T) {
	ctx := context.Background()
	h, st := newHandlers(t, false)
	ca := testCA(t)
	h.sec = security{clientCerts: true, ca: func(context.Context) (*certs.CA, error) { return ca, nil },
		originVerify: func(context.Context) (string, error) { return "from-cloudfront", nil }}
	hash, err := auth.HashPassword("sixteen-chars-password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: "P3", RegistrationStatus: string(ocpp.RegistrationStatusAccepted), PasswordHash: hash}, time.Now()); err != nil {
		t.Fatal(err)
	}
	req := func(id, cert, origin string) error {
		r := authzRequest(id, "")
		r.Headers["CloudFront-Viewer-Cert-Present"] = "1"
		r.Headers["CloudFront-Viewer-Cert-Pem"] = cert
		if origin != "" {
			r.Headers["X-Origin-Verify"] = origin
		}
		resp, err := h.Authorize(ctx, r)
		if err == nil && resp.PolicyDocument.Statement[0].Effect != "Allow" {
			return errors.New(resp.PolicyDocument.Statement[0].Effect)
		}
		return err
	}
	good := clientCert(t, ca, "P3")
	if err := req("P3", good, "from-cloudfront"); err != nil {
		t.Fatalf("valid client certificate: %v", err)
	}
	for name, err := range map[string]error{
		"no origin header":        req("P3", good, ""),
		"wrong origin header":     req("P3", good, "guess"),
		"certificate of another":  req("P3", clientCert(t, ca, "OTHER"), "from-cloudfront"),
		"certificate of other CA": req("P3", clientCert(t, testCA(t), "P3"), "from-cloudfront"),
		"garbage certificate":     req("P3", "not%20a%20cert", "from-cloudfront"),
	} {
		if err == nil || err.Error() != "Unauthorized" {
			t.Errorf("%s: %v, want Unauthorized", name, err)
		}
	}
	if err := req("NEWBOX", clientCert(t, ca, "NEWBOX"), "from-cloudfront"); err == nil || err.Error() != "Deny" {
		t.Errorf("unregistered box with a certificate: %v, want Deny", err)
	}
	h.sec.clientCerts = false // profile 3 off: the headers are ignored and a password is needed
	if err := req("P3", good, "from-cloudfront"); err == nil || err.Error() != "Unauthorized" {
		t.Errorf("profile 3 off: %v, want Unauthorized (no password)", err)
	}
}

// After a key rotation the previous key works until the grace ends or the box connects with the
// new key.
func TestAuthorizeKeyGrace(t *testing.T) {
	ctx := context.Background()
	h, st := newHandlers(t, false)
	const oldKey, newKey = "old-key-0123456789", "new-key-0123456789"
	basic := func(box, key string) error {
		resp, err := h.Authorize(ctx, authzRequest(box, "Basic "+base64.StdEncoding.EncodeToString([]byte(box+":"+key))))
		if err == nil && resp.PolicyDocument.Statement[0].Effect != "Allow" {
			return errors.New(resp.PolicyDocument.Statement[0].Effect)
		}
		return err
	}
	for _, box := range []string{"G1", "G2"} {
		oldHash, _ := auth.HashPassword(oldKey)
		if _, err := st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: box, RegistrationStatus: "Accepted", PasswordHash: oldHash}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	newHash, _ := auth.HashPassword(newKey)
	if err := st.RotatePassword(ctx, "G1", newHash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.RotatePassword(ctx, "G1", newHash, time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("a repeated rotation: %v", err)
	}
	if err := basic("G1", oldKey); err != nil {
		t.Fatalf("old key during the grace: %v", err)
	}
	if err := basic("G1", newKey); err != nil {
		t.Fatalf("new key: %v", err)
	}
	if err := basic("G1", oldKey); err == nil {
		t.Fatal("old key accepted after the box connected with the new one")
	}
	if err := st.RotatePassword(ctx, "G2", newHash, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := basic("G2", oldKey); err == nil {
		t.Fatal("old key accepted after the grace period")
	}
	if err := st.RotatePassword(ctx, "NOBOX", newHash, time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rotation of an unregistered box: %v", err)
	}
}

package certs_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/certs"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newCA(t *testing.T) *certs.CA {
	t.Helper()
	b, err := certs.NewCABundle("ACME CPO", now)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := certs.ParseCA(b)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func csrPEM(t *testing.T, key crypto.Signer, cn, org string) string {
	t.Helper()
	subj := pkix.Name{CommonName: cn}
	if org != "" {
		subj.Organization = []string{org}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subj}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

func ecKey(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCheckCSR(t *testing.T) {
	p256 := ecKey(t, elliptic.P256())
	good := csrPEM(t, p256, "CB-1", "ACME CPO")
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	// Flip a byte of the signature (the DER's tail) to break it.
	block, _ := pem.Decode([]byte(good))
	broken := append([]byte(nil), block.Bytes...)
	broken[len(broken)-3] ^= 0xff
	badSig := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: broken}))

	for _, tt := range []struct {
		name, csr, want string
	}{
		{"P-256 accepted", good, ""},
		{"P-384 accepted", csrPEM(t, ecKey(t, elliptic.P384()), "CB-1", "ACME CPO"), ""},
		{"garbage", "hello, I am a CSR", "not a PEM"},
		{"certificate instead of CSR", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a PEM"},
		{"garbage DER", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte("junk")})), "malformed"},
		{"trailing data", good + "more", "data after"},
		{"bad signature", badSig, "signature"},
		{"wrong CN", csrPEM(t, p256, "CB-2", "ACME CPO"), "commonName"},
		{"wrong O", csrPEM(t, p256, "CB-1", "Other CPO"), "organizationName"},
		{"no O", csrPEM(t, p256, "CB-1", ""), "organizationName"},
		{"small RSA key", csrPEM(t, small, "CB-1", "ACME CPO"), "1024 bits"},
		{"P-224 curve", csrPEM(t, ecKey(t, elliptic.P224()), "CB-1", "ACME CPO"), "curve"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := certs.CheckCSR(tt.csr, "CB-1", "ACME CPO")
			if tt.want == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if !errors.Is(err, certs.ErrRejected) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want a rejection saying %q", err, tt.want)
			}
		})
	}
	if _, err := certs.CheckCSR(good, "CB-1", ""); !errors.Is(err, certs.ErrRejected) {
		t.Errorf("no CPO name configured: %v", err)
	}
}

func TestSignAndChain(t *testing.T) {
	ca := newCA(t)
	key := ecKey(t, elliptic.P256())
	csr, err := certs.CheckCSR(csrPEM(t, key, "CB-1", "ACME CPO"), "CB-1", "ACME CPO")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Sign(csr, 365*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := ca.Chain(leaf, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []*x509.Certificate
	for rest := []byte(chain); ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if len(got) != 2 || !got[1].Equal(ca.Cert) {
		t.Fatalf("chain holds %d certificates, want leaf and CA", len(got))
	}
	if !key.PublicKey.Equal(got[0].PublicKey) || got[0].Subject.CommonName != "CB-1" {
		t.Error("the leaf does not carry the CSR's key and subject")
	}
	roots, _ := ca.Pool()
	if _, err := got[0].Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("leaf does not verify against the CA: %v", err)
	}
	// A box with a small CertificateSignedMaxChainSize gets the leaf only; one too small for the
	// leaf gets nothing.
	leafOnly, err := ca.Chain(leaf, len(chain)-1)
	if err != nil || strings.Count(leafOnly, "BEGIN CERTIFICATE") != 1 {
		t.Errorf("trimmed chain = %q, %v", leafOnly, err)
	}
	if _, err := ca.Chain(leaf, 100); err == nil {
		t.Error("a chain limit below the leaf's size was accepted")
	}

	header := url.PathEscape(strings.SplitAfter(chain, "-----END CERTIFICATE-----\n")[0])
	if err := ca.VerifyClient(header, "CB-1", now); err != nil {
		t.Errorf("VerifyClient: %v", err)
	}
	if err := ca.VerifyClient(header, "CB-2", now); err == nil {
		t.Error("a certificate of CB-1 admitted CB-2")
	}
	if err := newCA(t).VerifyClient(header, "CB-1", now); err == nil {
		t.Error("a certificate of another CA was admitted")
	}
	if err := ca.VerifyClient(header, "CB-1", now.AddDate(2, 0, 0)); err == nil {
		t.Error("an expired certificate was admitted")
	}
}

func TestParseCA(t *testing.T) {
	b, err := certs.NewCABundle("ACME CPO", now)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	keyAt := strings.Index(s, "-----BEGIN PRIVATE KEY")
	other, _ := certs.NewCABundle("Other", now)
	otherKey := string(other)[strings.Index(string(other), "-----BEGIN PRIVATE KEY"):]
	for name, bundle := range map[string]string{
		"no key":         s[:keyAt],
		"no certificate": s[keyAt:],
		"foreign key":    s[:keyAt] + otherKey,
	} {
		if _, err := certs.ParseCA([]byte(bundle)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestEnsureFileReuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "ca.pem")
	created, err := certs.EnsureFile(path, "ACME CPO", now)
	if err != nil || !created {
		t.Fatalf("first start: created=%v err=%v", created, err)
	}
	first, _ := os.ReadFile(path)
	created, err = certs.EnsureFile(path, "ACME CPO", now)
	if err != nil || created {
		t.Fatalf("second start: created=%v err=%v", created, err)
	}
	second, _ := os.ReadFile(path)
	if string(first) != string(second) {
		t.Error("the CA was replaced on the second start")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("CA file mode %v", fi.Mode().Perm())
	}
}

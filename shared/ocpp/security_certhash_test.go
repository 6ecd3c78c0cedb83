package ocpp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/testenv"
)

// newCert makes a certificate of subject cn with serial, signed by parent (self-signed when nil).
func newCert(t *testing.T, cn string, serial int64, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"Test CPO"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: parent == nil, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func sha(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func TestHashCertificate(t *testing.T) {
	root, rootKey := newCert(t, "Root CA", 0x0a1b2c, nil, nil)
	leaf, _ := newCert(t, "CP001", 0x00ff, root, rootKey)

	// The issuer's key as the uncompressed point, computed apart from the certificate's DER.
	ecdhKey, err := rootKey.PublicKey.ECDH()
	if err != nil {
		t.Fatal(err)
	}
	rootKeyHash := sha(ecdhKey.Bytes())

	got, err := ocpp.HashCertificate(leaf, root)
	if err != nil {
		t.Fatal(err)
	}
	want := ocpp.CertificateHashData{HashAlgorithm: ocpp.HashAlgorithmSHA256, IssuerNameHash: sha(root.RawSubject), IssuerKeyHash: rootKeyHash, SerialNumber: "ff"}
	if got != want {
		t.Errorf("leaf hash data = %+v, want %+v", got, want)
	}
	if ocpp.Validate(&got) != nil || len(got.IssuerNameHash) != 64 {
		t.Errorf("hash data does not validate: %+v", got)
	}

	self, err := ocpp.HashCertificate(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if self.SerialNumber != "a1b2c" || self.IssuerKeyHash != rootKeyHash || self.IssuerNameHash != sha(root.RawIssuer) {
		t.Errorf("root hash data = %+v", self)
	}
	if _, err := ocpp.HashCertificate(leaf, nil); err == nil {
		t.Error("a certificate that is not self-signed hashed without its issuer")
	}
	if _, err := ocpp.HashCertificate(nil, nil); err == nil {
		t.Error("nil certificate hashed")
	}
}

func TestParseCertificatePEM(t *testing.T) {
	root, _ := newCert(t, "Root CA", 1, nil, nil)
	block := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}))
	got, err := ocpp.ParseCertificatePEM(block + "\n")
	if err != nil || !got.Equal(root) {
		t.Fatalf("parse = %v, %v", got, err)
	}
	for name, text := range map[string]string{
		"empty":        "",
		"not PEM":      "MIIB",
		"private key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})),
		"garbage DER":  string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not a certificate")})),
		"two blocks":   block + block,
		"text after":   block + "trailer",
		"cut in half":  block[:len(block)/2],
		"wrong header": strings.Replace(block, "CERTIFICATE", "CERT", 2),
	} {
		if _, err := ocpp.ParseCertificatePEM(text); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// TestHashCertificateAgreesWithOpenSSL compares the hash data with the CertID of an OCSP
// request openssl builds for the same certificate (RFC 6960: the same three values), for a
// self-signed root and for a leaf signed by it. OpenSSL prints the serial's whole octets
// ("0102"); the whitepaper's form has no leading zeroes ("102").
func TestHashCertificateAgreesWithOpenSSL(t *testing.T) {
	openssl := testenv.Tool(t, "openssl", "install OpenSSL (apt-get install openssl)")
	root, rootKey := newCert(t, "Root CA", 0x00abcdef, nil, nil)
	leaf, _ := newCert(t, "CP042", 0x0102, root, rootKey)
	dir := t.TempDir()
	write := func(name string, c *x509.Certificate) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rootFile, leafFile := write("root.pem", root), write("leaf.pem", leaf)
	for _, c := range []struct {
		name           string
		cert, issuer   *x509.Certificate
		certF, issuerF string
	}{{"root", root, nil, rootFile, rootFile}, {"leaf", leaf, root, leafFile, rootFile}} {
		req := filepath.Join(dir, c.name+".der")
		if out, err := exec.Command(openssl, "ocsp", "-sha256", "-issuer", c.issuerF, "-cert", c.certF, "-no_nonce", "-reqout", req).CombinedOutput(); err != nil {
			t.Fatalf("openssl ocsp: %v\n%s", err, out)
		}
		out, err := exec.Command(openssl, "ocsp", "-reqin", req, "-req_text").CombinedOutput()
		if err != nil {
			t.Fatalf("openssl ocsp -req_text: %v\n%s", err, out)
		}
		field := func(label string) string {
			_, rest, ok := strings.Cut(string(out), label+": ")
			if !ok {
				t.Fatalf("no %s in %s", label, out)
			}
			v, _, _ := strings.Cut(rest, "\n")
			return strings.ToLower(strings.TrimSpace(v))
		}
		got, err := ocpp.HashCertificate(c.cert, c.issuer)
		if err != nil {
			t.Fatal(err)
		}
		if got.IssuerNameHash != field("Issuer Name Hash") || got.IssuerKeyHash != field("Issuer Key Hash") || got.SerialNumber != strings.TrimLeft(field("Serial Number"), "0") {
			t.Errorf("%s: %+v, openssl's CertID:\n%s", c.name, got, out)
		}
	}
}

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
	"strings"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
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

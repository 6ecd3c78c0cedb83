package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MinRSABits is the smallest RSA key signed: the whitepaper asks for 2048 bits at least.
const MinRSABits = 2048

// ErrRejected is what every CSR refusal wraps; the text says which check failed.
var ErrRejected = errors.New("certificate signing request rejected")

func reject(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRejected, fmt.Sprintf(format, args...))
}

// CheckCSR parses a PEM CSR and checks it for box: one CERTIFICATE REQUEST block, a valid
// self-signature, an RSA key of at least MinRSABits or an ECDSA key on P-256 or P-384, a
// subject whose commonName is the box's identity and whose organizationName is cpoName (the
// whitepaper's CpoName). Any failure wraps ErrRejected.
func CheckCSR(csrPEM, box, cpoName string) (*x509.CertificateRequest, error) {
	block, rest := pem.Decode([]byte(csrPEM))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, reject("not a PEM CERTIFICATE REQUEST")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, reject("data after the CERTIFICATE REQUEST block")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, reject("malformed PKCS#10: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, reject("signature does not verify: %v", err)
	}
	switch k := csr.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < MinRSABits {
			return nil, reject("RSA key of %d bits: at least %d required", k.N.BitLen(), MinRSABits)
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return nil, reject("ECDSA curve %s: P-256 or P-384 required", k.Curve.Params().Name)
		}
	default:
		return nil, reject("key type %T: RSA or ECDSA required", csr.PublicKey)
	}
	if csr.Subject.CommonName != box {
		return nil, reject("subject commonName %q is not the charge box identity %q", csr.Subject.CommonName, box)
	}
	if cpoName == "" {
		return nil, reject("no CPO name is configured (CPO_NAME)")
	}
	if len(csr.Subject.Organization) != 1 || csr.Subject.Organization[0] != cpoName {
		return nil, reject("subject organizationName %q is not the CPO name %q", strings.Join(csr.Subject.Organization, ","), cpoName)
	}
	return csr, nil
}

// Sign issues the box's certificate for a checked CSR: the CSR's subject and key, valid from an
// hour before now (clock skew of the box) for validity, for TLS client authentication, signed
// by the CA.
func (ca *CA) Sign(csr *x509.CertificateRequest, validity time.Duration, now time.Time) (*x509.Certificate, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	notAfter := now.Add(validity)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter // a leaf never outlives its issuer
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      csr.Subject,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if _, isRSA := csr.PublicKey.(*rsa.PublicKey); isRSA {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, csr.PublicKey, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("sign certificate of %s: %w", csr.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// Chain is the PEM chain for CertificateSigned: the leaf, then the CA and its parents, as many as
// fit in maxLen characters (the box's CertificateSignedMaxChainSize; 0 means the message's own
// limit, 10000). The leaf alone must fit.
func (ca *CA) Chain(leaf *x509.Certificate, maxLen int) (string, error) {
	if maxLen <= 0 || maxLen > 10000 {
		maxLen = 10000
	}
	out := pemOf(leaf)
	if len(out) > maxLen {
		return "", fmt.Errorf("the certificate alone (%d characters) exceeds the chain limit %d", len(out), maxLen)
	}
	for _, c := range append([]*x509.Certificate{ca.Cert}, ca.Parents...) {
		p := pemOf(c)
		if len(out)+len(p) > maxLen {
			break
		}
		out += p
	}
	return out, nil
}

func pemOf(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

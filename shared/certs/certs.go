// Package certs is the central system's charging-station certificate authority (OCPP 1.6
// security extension, SignCertificate): it checks a box's PKCS#10 CSR, signs it with the
// operator's CA and builds the PEM chain CertificateSigned carries. It also verifies the client
// certificates of security profile 3. Only the Go standard library's crypto/x509 does the work.
package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// CA is a certificate authority: its certificate, its private key and the certificates above it
// (intermediates, the root) that complete a chain.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// Parents are the further certificates of the bundle, nearest first.
	Parents []*x509.Certificate
}

// ParseCA reads a PEM bundle: the CA's certificate first, then any parents, and its private key
// (PKCS#8, PKCS#1 or SEC 1). This is the format of the Secrets Manager secret and of the local
// stack's .local/ca.pem.
func ParseCA(bundle []byte) (*CA, error) {
	ca := &CA{}
	rest := bundle
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("CA bundle: certificate: %w", err)
			}
			if ca.Cert == nil {
				ca.Cert = c
			} else {
				ca.Parents = append(ca.Parents, c)
			}
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			k, err := parseKey(b)
			if err != nil {
				return nil, fmt.Errorf("CA bundle: private key: %w", err)
			}
			ca.Key = k
		}
	}
	switch {
	case ca.Cert == nil:
		return nil, errors.New("CA bundle: no CERTIFICATE block")
	case ca.Key == nil:
		return nil, errors.New("CA bundle: no private key block")
	case !ca.Cert.IsCA:
		return nil, errors.New("CA bundle: the first certificate is not a CA (basicConstraints CA:TRUE)")
	}
	if !publicKeysEqual(ca.Cert.PublicKey, ca.Key.Public()) {
		return nil, errors.New("CA bundle: the private key does not belong to the first certificate")
	}
	return ca, nil
}

func parseKey(b *pem.Block) (crypto.Signer, error) {
	var k any
	var err error
	switch b.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("key type %T cannot sign", k)
	}
	return s, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// NewCABundle creates a self-signed CA (ECDSA P-256, ten years) named after org and returns it as
// a PEM bundle for ParseCA. The local stack makes its CA with it; on AWS the operator brings one.
func NewCABundle(org string, now time.Time) ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: org + " charging station CA", Organization: []string{org}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode CA key: %w", err)
	}
	var buf bytes.Buffer
	_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	_ = pem.Encode(&buf, &pem.Block{Type: "PRIVATE KEY", Bytes: pk})
	return buf.Bytes(), nil
}

// newSerial returns a random positive 128-bit serial number (RFC 5280 allows up to 20 octets).
func newSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// Pool returns a pool holding the CA's certificate and its parents, for verifying chains.
func (ca *CA) Pool() (roots, intermediates *x509.CertPool) {
	roots, intermediates = x509.NewCertPool(), x509.NewCertPool()
	top := ca.Cert
	if len(ca.Parents) > 0 {
		intermediates.AddCert(ca.Cert)
		for _, p := range ca.Parents[:len(ca.Parents)-1] {
			intermediates.AddCert(p)
		}
		top = ca.Parents[len(ca.Parents)-1]
	}
	roots.AddCert(top)
	return roots, intermediates
}

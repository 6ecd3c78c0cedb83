package certs

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"time"
)

// VerifyClient checks the client certificate of a security profile 3 connection as CloudFront
// forwards it in CloudFront-Viewer-Cert-Pem (the leaf, PEM, URL-encoded; see
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/viewer-mtls-headers.html):
// it must chain to the CA for client authentication at now and name the box in its subject
// commonName. CloudFront has already checked the TLS handshake's proof of the key.
func (ca *CA) VerifyClient(headerPEM, box string, now time.Time) error {
	text, err := url.PathUnescape(headerPEM) // keeps "+" of the base64 as it is
	if err != nil {
		return fmt.Errorf("client certificate header: %w", err)
	}
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return fmt.Errorf("client certificate header holds no PEM CERTIFICATE")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("client certificate: %w", err)
	}
	roots, intermediates := ca.Pool()
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return fmt.Errorf("client certificate does not chain to the CA: %w", err)
	}
	if cert.Subject.CommonName != box {
		return fmt.Errorf("client certificate names %q, not %q", cert.Subject.CommonName, box)
	}
	return nil
}

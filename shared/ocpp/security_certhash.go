package ocpp

import (
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
)

// HashCertificate computes the CertificateHashData that identifies cert on a charge box, as the
// security whitepaper (and OCPP 2.0.1's CertificateHashDataType, which it follows) defines it,
// the same way as an OCSP CertID (RFC 6960, section 4.1.1):
//
//   - issuerNameHash: SHA-256 of the DER encoding of cert's issuer name field;
//   - issuerKeyHash: SHA-256 of the issuer's public key, the value of the subjectPublicKey BIT
//     STRING of the issuer's certificate (without tag, length and unused-bits octet);
//   - serialNumber: cert's serial number in hexadecimal, without "0x" and leading zeroes.
//
// Hashes are lower-case hex. issuer is the certificate that signed cert; nil means cert is
// self-signed (a root, what InstallCertificate installs), which is checked.
func HashCertificate(cert, issuer *x509.Certificate) (CertificateHashData, error) {
	if cert == nil {
		return CertificateHashData{}, errors.New("hash certificate: no certificate")
	}
	if issuer == nil {
		if err := cert.CheckSignatureFrom(cert); err != nil {
			return CertificateHashData{}, fmt.Errorf("hash certificate: no issuer given and the certificate is not self-signed: %w", err)
		}
		issuer = cert
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil || len(rest) > 0 {
		return CertificateHashData{}, fmt.Errorf("hash certificate: issuer's public key info does not parse: %v", err)
	}
	if cert.SerialNumber == nil || cert.SerialNumber.Sign() < 0 {
		return CertificateHashData{}, errors.New("hash certificate: no positive serial number")
	}
	name := sha256.Sum256(cert.RawIssuer)
	key := sha256.Sum256(spki.PublicKey.Bytes)
	return CertificateHashData{
		HashAlgorithm:  HashAlgorithmSHA256,
		IssuerNameHash: hex.EncodeToString(name[:]),
		IssuerKeyHash:  hex.EncodeToString(key[:]),
		SerialNumber:   cert.SerialNumber.Text(16),
	}, nil
}

// ParseCertificatePEM parses the one PEM "CERTIFICATE" block of text (what InstallCertificate
// carries) as an X.509 certificate. Text after the block (a second block too) is refused.
func ParseCertificatePEM(text string) (*x509.Certificate, error) {
	block, rest := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("PEM block is %q, want CERTIFICATE", block.Type)
	}
	for _, b := range rest {
		if b != ' ' && b != '\n' && b != '\r' && b != '\t' {
			return nil, errors.New("text after the certificate's PEM block")
		}
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	return cert, nil
}

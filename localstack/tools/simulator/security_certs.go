package simulator

import (
	"crypto/x509"
	"encoding/pem"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// certificateSigned accepts a chain whose first block is a parsable certificate, as a box that
// installs it would; anything else is Rejected.
func (b *box) certificateSigned(req *ocpp.CertificateSignedRequest) *ocpp.CertificateSignedResponse {
	block, _ := pem.Decode([]byte(req.CertificateChain))
	if block == nil || block.Type != "CERTIFICATE" {
		return &ocpp.CertificateSignedResponse{Status: ocpp.CertificateSignedStatusRejected}
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return &ocpp.CertificateSignedResponse{Status: ocpp.CertificateSignedStatusRejected}
	}
	return &ocpp.CertificateSignedResponse{Status: ocpp.CertificateSignedStatusAccepted}
}

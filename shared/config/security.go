package config

import (
	"fmt"
	"time"
)

// Security holds the settings of the OCPP 1.6 security extension's certificates, key rotation
// and security profile 3 (docs/security-certificates.md).
type Security struct {
	// CPOName is the organizationName a charge box's CSR must carry (the whitepaper's CpoName).
	// Empty: every SignCertificate is rejected.
	CPOName string
	// CASecretARN names the Secrets Manager secret holding the charging-station CA (certificate
	// and private key, one PEM bundle). CAFile is the same bundle as a file (the local stack's
	// .local/ca.pem). Neither: no certificate is signed.
	CASecretARN string
	CAFile      string
	// CertificateValidity is how long an issued charge-box certificate is valid.
	CertificateValidity time.Duration
	// AuthorizationKeyGrace is how long the previous AuthorizationKey stays valid after a box
	// accepted a new one, unless the box connects with the new key first.
	AuthorizationKeyGrace time.Duration
	// ClientCertAuth turns on security profile 3: the authorizer admits a box by the client
	// certificate CloudFront forwards, but only on requests carrying the origin-verify header
	// whose value is in the secret OriginVerifySecretARN (OriginVerifyValue locally).
	ClientCertAuth        bool
	OriginVerifySecretARN string
	OriginVerifyValue     string
}

func readSecurity(r *Reader) Security {
	return Security{
		CPOName:               r.String("CPO_NAME", ""),
		CASecretARN:           r.String("CA_SECRET_ARN", ""),
		CAFile:                r.String("CA_FILE", ""),
		CertificateValidity:   r.Duration("CERTIFICATE_VALIDITY", 365*24*time.Hour),
		AuthorizationKeyGrace: r.Duration("AUTHORIZATION_KEY_GRACE", 24*time.Hour),
		ClientCertAuth:        r.Bool("CLIENT_CERT_AUTH", false),
		OriginVerifySecretARN: r.String("ORIGIN_VERIFY_SECRET_ARN", ""),
		OriginVerifyValue:     r.String("ORIGIN_VERIFY_VALUE", ""),
	}
}

// validate reports security settings the functions cannot run with.
func (s Security) validate() []error {
	var errs []error
	if s.CASecretARN != "" && s.CAFile != "" {
		errs = append(errs, fmt.Errorf("CA_SECRET_ARN and CA_FILE: give one, not both"))
	}
	if s.CertificateValidity < time.Hour {
		errs = append(errs, fmt.Errorf("certificate validity %s (CERTIFICATE_VALIDITY): at least 1h", s.CertificateValidity))
	}
	if s.ClientCertAuth {
		if s.OriginVerifySecretARN == "" && s.OriginVerifyValue == "" {
			errs = append(errs, fmt.Errorf("client certificate auth (CLIENT_CERT_AUTH) needs ORIGIN_VERIFY_SECRET_ARN"))
		}
		if s.CASecretARN == "" && s.CAFile == "" {
			errs = append(errs, fmt.Errorf("client certificate auth (CLIENT_CERT_AUTH) needs the CA (CA_SECRET_ARN)"))
		}
	}
	return errs
}

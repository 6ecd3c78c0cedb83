package ocpp

// Certificate messages of the OCA's "Improved security for OCPP 1.6-J" (Security Whitepaper,
// edition 3): SignCertificate (box to central system, a PKCS#10 CSR) and CertificateSigned
// (central system to box, the signed chain). Field limits follow the whitepaper's JSON schemas
// (urn:OCPP:Cp:1.6:2020:3:SignCertificate.req: csr maxLength 5500;
// CertificateSigned.req: certificateChain maxLength 10000).

// The certificate actions of the security extension.
const (
	SignCertificate   Action = "SignCertificate"
	CertificateSigned Action = "CertificateSigned"
)

// SignCertificateRequest is SignCertificate.req: the box's CSR, PEM encoded (RFC 2986).
type SignCertificateRequest struct {
	Csr string `json:"csr" ocpp:"required,max=5500"`
}

// SignCertificateResponse is SignCertificate.conf.
type SignCertificateResponse struct {
	Status GenericStatus `json:"status" ocpp:"required"`
}

// CertificateSignedRequest is CertificateSigned.req: PEM certificates, the box's own first.
type CertificateSignedRequest struct {
	CertificateChain string `json:"certificateChain" ocpp:"required,max=10000"`
}

// CertificateSignedResponse is CertificateSigned.conf.
type CertificateSignedResponse struct {
	Status CertificateSignedStatus `json:"status" ocpp:"required"`
}

// GenericStatus is the whitepaper's GenericStatusEnumType (SignCertificate.conf).
type GenericStatus string

// GenericStatus values.
const (
	GenericStatusAccepted GenericStatus = "Accepted"
	GenericStatusRejected GenericStatus = "Rejected"
)

var genericStatusValues = newEnumSet(GenericStatusAccepted, GenericStatusRejected)

// Valid reports whether v is a value of GenericStatus.
func (v GenericStatus) Valid() bool { return genericStatusValues.has(string(v)) }

// Values lists the values of GenericStatus in specification order.
func (GenericStatus) Values() []string { return genericStatusValues.list() }

// CertificateSignedStatus is the whitepaper's CertificateSignedStatusEnumType.
type CertificateSignedStatus string

// CertificateSignedStatus values.
const (
	CertificateSignedStatusAccepted CertificateSignedStatus = "Accepted"
	CertificateSignedStatusRejected CertificateSignedStatus = "Rejected"
)

var certificateSignedStatusValues = newEnumSet(CertificateSignedStatusAccepted, CertificateSignedStatusRejected)

// Valid reports whether v is a value of CertificateSignedStatus.
func (v CertificateSignedStatus) Valid() bool { return certificateSignedStatusValues.has(string(v)) }

// Values lists the values of CertificateSignedStatus in specification order.
func (CertificateSignedStatus) Values() []string { return certificateSignedStatusValues.list() }

// securityCertSpecs are the certificate actions, appended to the action table.
var securityCertSpecs = []Spec{
	spec[SignCertificateRequest, SignCertificateResponse](SignCertificate, ChargeBox),
	spec[CertificateSignedRequest, CertificateSignedResponse](CertificateSigned, CentralSystem),
}

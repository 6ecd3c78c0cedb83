package ocpp

// The request and response PDUs of the security extension's actions this package defines
// (OCA, "Improved security for OCPP 1.6-J", edition 3, and its JSON schemas
// urn:OCPP:Cp:1.6:2020:3). Field names, types, string lengths and enumerations are the schemas';
// minimums of retries, retryInterval and connectorId follow the core actions (GetDiagnostics,
// TriggerMessage), as the whitepaper's field tables allow nothing else.

// The security extension's actions defined here.
const (
	SecurityEventNotification        Action = "SecurityEventNotification"
	SignedFirmwareStatusNotification Action = "SignedFirmwareStatusNotification"
	LogStatusNotification            Action = "LogStatusNotification"
	InstallCertificate               Action = "InstallCertificate"
	DeleteCertificate                Action = "DeleteCertificate"
	GetInstalledCertificateIds       Action = "GetInstalledCertificateIds"
	GetLog                           Action = "GetLog"
	SignedUpdateFirmware             Action = "SignedUpdateFirmware"
	ExtendedTriggerMessage           Action = "ExtendedTriggerMessage"
)

// securitySpecs are the security extension's actions of this file, charge box initiated first.
var securitySpecs = []Spec{
	spec[SecurityEventNotificationRequest, SecurityEventNotificationResponse](SecurityEventNotification, ChargeBox),
	spec[SignedFirmwareStatusNotificationRequest, SignedFirmwareStatusNotificationResponse](SignedFirmwareStatusNotification, ChargeBox),
	spec[LogStatusNotificationRequest, LogStatusNotificationResponse](LogStatusNotification, ChargeBox),
	spec[InstallCertificateRequest, InstallCertificateResponse](InstallCertificate, CentralSystem),
	spec[DeleteCertificateRequest, DeleteCertificateResponse](DeleteCertificate, CentralSystem),
	spec[GetInstalledCertificateIdsRequest, GetInstalledCertificateIdsResponse](GetInstalledCertificateIds, CentralSystem),
	spec[GetLogRequest, GetLogResponse](GetLog, CentralSystem),
	spec[SignedUpdateFirmwareRequest, SignedUpdateFirmwareResponse](SignedUpdateFirmware, CentralSystem),
	spec[ExtendedTriggerMessageRequest, ExtendedTriggerMessageResponse](ExtendedTriggerMessage, CentralSystem),
}

// SecurityEventNotificationRequest is SecurityEventNotification.req. Type is one of the
// whitepaper's security events (appendix 1) or a vendor's own.
type SecurityEventNotificationRequest struct {
	Type      string   `json:"type" ocpp:"required,max=50"`
	Timestamp DateTime `json:"timestamp" ocpp:"required"`
	TechInfo  string   `json:"techInfo,omitempty" ocpp:"max=255"`
}

// SecurityEventNotificationResponse is SecurityEventNotification.conf.
type SecurityEventNotificationResponse struct{}

// SignedFirmwareStatusNotificationRequest is SignedFirmwareStatusNotification.req. RequestID is
// the SignedUpdateFirmware's requestId the status belongs to.
type SignedFirmwareStatusNotificationRequest struct {
	Status    SignedFirmwareStatus `json:"status" ocpp:"required"`
	RequestID *int                 `json:"requestId,omitempty"`
}

// SignedFirmwareStatusNotificationResponse is SignedFirmwareStatusNotification.conf.
type SignedFirmwareStatusNotificationResponse struct{}

// LogStatusNotificationRequest is LogStatusNotification.req. RequestID is the GetLog's requestId
// the status belongs to.
type LogStatusNotificationRequest struct {
	Status    UploadLogStatus `json:"status" ocpp:"required"`
	RequestID *int            `json:"requestId,omitempty"`
}

// LogStatusNotificationResponse is LogStatusNotification.conf.
type LogStatusNotificationResponse struct{}

// InstallCertificateRequest is InstallCertificate.req. Certificate is PEM-encoded X.509.
type InstallCertificateRequest struct {
	CertificateType CertificateUse `json:"certificateType" ocpp:"required"`
	Certificate     string         `json:"certificate" ocpp:"required,max=5500"`
}

// InstallCertificateResponse is InstallCertificate.conf.
type InstallCertificateResponse struct {
	Status InstallCertificateStatus `json:"status" ocpp:"required"`
}

// CertificateHashData identifies an installed certificate (CertificateHashDataType): hashes as
// hex strings, the serial number in hex without leading zeroes. HashCertificate computes it.
type CertificateHashData struct {
	HashAlgorithm  HashAlgorithm `json:"hashAlgorithm" ocpp:"required"`
	IssuerNameHash string        `json:"issuerNameHash" ocpp:"required,max=128"`
	IssuerKeyHash  string        `json:"issuerKeyHash" ocpp:"required,max=128"`
	SerialNumber   string        `json:"serialNumber" ocpp:"required,max=40"`
}

// DeleteCertificateRequest is DeleteCertificate.req.
type DeleteCertificateRequest struct {
	CertificateHashData CertificateHashData `json:"certificateHashData" ocpp:"required"`
}

// DeleteCertificateResponse is DeleteCertificate.conf.
type DeleteCertificateResponse struct {
	Status DeleteCertificateStatus `json:"status" ocpp:"required"`
}

// GetInstalledCertificateIdsRequest is GetInstalledCertificateIds.req.
type GetInstalledCertificateIdsRequest struct {
	CertificateType CertificateUse `json:"certificateType" ocpp:"required"`
}

// GetInstalledCertificateIdsResponse is GetInstalledCertificateIds.conf.
type GetInstalledCertificateIdsResponse struct {
	CertificateHashData []CertificateHashData         `json:"certificateHashData,omitempty" ocpp:"minItems=1"`
	Status              GetInstalledCertificateStatus `json:"status" ocpp:"required"`
}

// LogParameters is where a GetLog's log goes and the time window it covers (LogParametersType).
type LogParameters struct {
	RemoteLocation  string    `json:"remoteLocation" ocpp:"required,max=512"`
	OldestTimestamp *DateTime `json:"oldestTimestamp,omitempty"`
	LatestTimestamp *DateTime `json:"latestTimestamp,omitempty"`
}

// GetLogRequest is GetLog.req. RetryInterval is in seconds.
type GetLogRequest struct {
	Log           LogParameters `json:"log" ocpp:"required"`
	LogType       LogType       `json:"logType" ocpp:"required"`
	RequestID     int           `json:"requestId" ocpp:"required"`
	Retries       *int          `json:"retries,omitempty" ocpp:"min=0"`
	RetryInterval *int          `json:"retryInterval,omitempty" ocpp:"min=0"`
}

// GetLogResponse is GetLog.conf. Filename names the file the box will upload.
type GetLogResponse struct {
	Status   LogStatus `json:"status" ocpp:"required"`
	Filename string    `json:"filename,omitempty" ocpp:"max=255"`
}

// Firmware is the signed firmware a SignedUpdateFirmware installs (FirmwareType):
// SigningCertificate is PEM, Signature base64.
type Firmware struct {
	Location           string    `json:"location" ocpp:"required,max=512"`
	RetrieveDateTime   DateTime  `json:"retrieveDateTime" ocpp:"required"`
	InstallDateTime    *DateTime `json:"installDateTime,omitempty"`
	SigningCertificate string    `json:"signingCertificate" ocpp:"required,max=5500"`
	Signature          string    `json:"signature" ocpp:"required,max=800"`
}

// SignedUpdateFirmwareRequest is SignedUpdateFirmware.req. RetryInterval is in seconds.
type SignedUpdateFirmwareRequest struct {
	Retries       *int     `json:"retries,omitempty" ocpp:"min=0"`
	RetryInterval *int     `json:"retryInterval,omitempty" ocpp:"min=0"`
	RequestID     int      `json:"requestId" ocpp:"required"`
	Firmware      Firmware `json:"firmware" ocpp:"required"`
}

// SignedUpdateFirmwareResponse is SignedUpdateFirmware.conf.
type SignedUpdateFirmwareResponse struct {
	Status UpdateFirmwareStatus `json:"status" ocpp:"required"`
}

// ExtendedTriggerMessageRequest is ExtendedTriggerMessage.req.
type ExtendedTriggerMessageRequest struct {
	RequestedMessage ExtendedMessageTrigger `json:"requestedMessage" ocpp:"required"`
	ConnectorID      *int                   `json:"connectorId,omitempty" ocpp:"min=0"`
}

// ExtendedTriggerMessageResponse is ExtendedTriggerMessage.conf.
type ExtendedTriggerMessageResponse struct {
	Status TriggerMessageStatus `json:"status" ocpp:"required"`
}

package ocpp

// The enumerations of the security extension (OCA, "Improved security for OCPP 1.6-J",
// edition 3, JSON schemas urn:OCPP:Cp:1.6:2020:3), named as in enums.go. ExtendedTriggerMessage
// answers with TriggerMessageStatus, whose values the extension repeats.

// SignedFirmwareStatus is the status a SignedFirmwareStatusNotification reports (FirmwareStatusEnumType of the security extension).
type SignedFirmwareStatus string

// SignedFirmwareStatus values.
const (
	SignedFirmwareStatusDownloaded                SignedFirmwareStatus = "Downloaded"
	SignedFirmwareStatusDownloadFailed            SignedFirmwareStatus = "DownloadFailed"
	SignedFirmwareStatusDownloading               SignedFirmwareStatus = "Downloading"
	SignedFirmwareStatusDownloadScheduled         SignedFirmwareStatus = "DownloadScheduled"
	SignedFirmwareStatusDownloadPaused            SignedFirmwareStatus = "DownloadPaused"
	SignedFirmwareStatusIdle                      SignedFirmwareStatus = "Idle"
	SignedFirmwareStatusInstallationFailed        SignedFirmwareStatus = "InstallationFailed"
	SignedFirmwareStatusInstalling                SignedFirmwareStatus = "Installing"
	SignedFirmwareStatusInstalled                 SignedFirmwareStatus = "Installed"
	SignedFirmwareStatusInstallRebooting          SignedFirmwareStatus = "InstallRebooting"
	SignedFirmwareStatusInstallScheduled          SignedFirmwareStatus = "InstallScheduled"
	SignedFirmwareStatusInstallVerificationFailed SignedFirmwareStatus = "InstallVerificationFailed"
	SignedFirmwareStatusInvalidSignature          SignedFirmwareStatus = "InvalidSignature"
	SignedFirmwareStatusSignatureVerified         SignedFirmwareStatus = "SignatureVerified"
)

var signedFirmwareStatusValues = newEnumSet(SignedFirmwareStatusDownloaded, SignedFirmwareStatusDownloadFailed, SignedFirmwareStatusDownloading, SignedFirmwareStatusDownloadScheduled, SignedFirmwareStatusDownloadPaused, SignedFirmwareStatusIdle, SignedFirmwareStatusInstallationFailed, SignedFirmwareStatusInstalling, SignedFirmwareStatusInstalled, SignedFirmwareStatusInstallRebooting, SignedFirmwareStatusInstallScheduled, SignedFirmwareStatusInstallVerificationFailed, SignedFirmwareStatusInvalidSignature, SignedFirmwareStatusSignatureVerified)

// Valid reports whether v is a value of SignedFirmwareStatus.
func (v SignedFirmwareStatus) Valid() bool { return signedFirmwareStatusValues.has(string(v)) }

// Values lists the values of SignedFirmwareStatus in specification order.
func (SignedFirmwareStatus) Values() []string { return signedFirmwareStatusValues.list() }

// UploadLogStatus is the status a LogStatusNotification reports (UploadLogStatusEnumType).
type UploadLogStatus string

// UploadLogStatus values.
const (
	UploadLogStatusBadMessage            UploadLogStatus = "BadMessage"
	UploadLogStatusIdle                  UploadLogStatus = "Idle"
	UploadLogStatusNotSupportedOperation UploadLogStatus = "NotSupportedOperation"
	UploadLogStatusPermissionDenied      UploadLogStatus = "PermissionDenied"
	UploadLogStatusUploaded              UploadLogStatus = "Uploaded"
	UploadLogStatusUploadFailure         UploadLogStatus = "UploadFailure"
	UploadLogStatusUploading             UploadLogStatus = "Uploading"
)

var uploadLogStatusValues = newEnumSet(UploadLogStatusBadMessage, UploadLogStatusIdle, UploadLogStatusNotSupportedOperation, UploadLogStatusPermissionDenied, UploadLogStatusUploaded, UploadLogStatusUploadFailure, UploadLogStatusUploading)

// Valid reports whether v is a value of UploadLogStatus.
func (v UploadLogStatus) Valid() bool { return uploadLogStatusValues.has(string(v)) }

// Values lists the values of UploadLogStatus in specification order.
func (UploadLogStatus) Values() []string { return uploadLogStatusValues.list() }

// CertificateUse is the kind of root certificate InstallCertificate and GetInstalledCertificateIds name (CertificateUseEnumType).
type CertificateUse string

// CertificateUse values.
const (
	CertificateUseCentralSystemRootCertificate CertificateUse = "CentralSystemRootCertificate"
	CertificateUseManufacturerRootCertificate  CertificateUse = "ManufacturerRootCertificate"
)

var certificateUseValues = newEnumSet(CertificateUseCentralSystemRootCertificate, CertificateUseManufacturerRootCertificate)

// Valid reports whether v is a value of CertificateUse.
func (v CertificateUse) Valid() bool { return certificateUseValues.has(string(v)) }

// Values lists the values of CertificateUse in specification order.
func (CertificateUse) Values() []string { return certificateUseValues.list() }

// InstallCertificateStatus is the answer to an InstallCertificate (InstallCertificateStatusEnumType).
type InstallCertificateStatus string

// InstallCertificateStatus values.
const (
	InstallCertificateStatusAccepted InstallCertificateStatus = "Accepted"
	InstallCertificateStatusFailed   InstallCertificateStatus = "Failed"
	InstallCertificateStatusRejected InstallCertificateStatus = "Rejected"
)

var installCertificateStatusValues = newEnumSet(InstallCertificateStatusAccepted, InstallCertificateStatusFailed, InstallCertificateStatusRejected)

// Valid reports whether v is a value of InstallCertificateStatus.
func (v InstallCertificateStatus) Valid() bool { return installCertificateStatusValues.has(string(v)) }

// Values lists the values of InstallCertificateStatus in specification order.
func (InstallCertificateStatus) Values() []string { return installCertificateStatusValues.list() }

// HashAlgorithm is the hash algorithm of a CertificateHashData (HashAlgorithmEnumType).
type HashAlgorithm string

// HashAlgorithm values.
const (
	HashAlgorithmSHA256 HashAlgorithm = "SHA256"
	HashAlgorithmSHA384 HashAlgorithm = "SHA384"
	HashAlgorithmSHA512 HashAlgorithm = "SHA512"
)

var hashAlgorithmValues = newEnumSet(HashAlgorithmSHA256, HashAlgorithmSHA384, HashAlgorithmSHA512)

// Valid reports whether v is a value of HashAlgorithm.
func (v HashAlgorithm) Valid() bool { return hashAlgorithmValues.has(string(v)) }

// Values lists the values of HashAlgorithm in specification order.
func (HashAlgorithm) Values() []string { return hashAlgorithmValues.list() }

// DeleteCertificateStatus is the answer to a DeleteCertificate (DeleteCertificateStatusEnumType).
type DeleteCertificateStatus string

// DeleteCertificateStatus values.
const (
	DeleteCertificateStatusAccepted DeleteCertificateStatus = "Accepted"
	DeleteCertificateStatusFailed   DeleteCertificateStatus = "Failed"
	DeleteCertificateStatusNotFound DeleteCertificateStatus = "NotFound"
)

var deleteCertificateStatusValues = newEnumSet(DeleteCertificateStatusAccepted, DeleteCertificateStatusFailed, DeleteCertificateStatusNotFound)

// Valid reports whether v is a value of DeleteCertificateStatus.
func (v DeleteCertificateStatus) Valid() bool { return deleteCertificateStatusValues.has(string(v)) }

// Values lists the values of DeleteCertificateStatus in specification order.
func (DeleteCertificateStatus) Values() []string { return deleteCertificateStatusValues.list() }

// GetInstalledCertificateStatus is the answer to a GetInstalledCertificateIds (GetInstalledCertificateStatusEnumType).
type GetInstalledCertificateStatus string

// GetInstalledCertificateStatus values.
const (
	GetInstalledCertificateStatusAccepted GetInstalledCertificateStatus = "Accepted"
	GetInstalledCertificateStatusNotFound GetInstalledCertificateStatus = "NotFound"
)

var getInstalledCertificateStatusValues = newEnumSet(GetInstalledCertificateStatusAccepted, GetInstalledCertificateStatusNotFound)

// Valid reports whether v is a value of GetInstalledCertificateStatus.
func (v GetInstalledCertificateStatus) Valid() bool {
	return getInstalledCertificateStatusValues.has(string(v))
}

// Values lists the values of GetInstalledCertificateStatus in specification order.
func (GetInstalledCertificateStatus) Values() []string {
	return getInstalledCertificateStatusValues.list()
}

// LogType is the log a GetLog asks for (LogEnumType).
type LogType string

// LogType values.
const (
	LogTypeDiagnosticsLog LogType = "DiagnosticsLog"
	LogTypeSecurityLog    LogType = "SecurityLog"
)

var logTypeValues = newEnumSet(LogTypeDiagnosticsLog, LogTypeSecurityLog)

// Valid reports whether v is a value of LogType.
func (v LogType) Valid() bool { return logTypeValues.has(string(v)) }

// Values lists the values of LogType in specification order.
func (LogType) Values() []string { return logTypeValues.list() }

// LogStatus is the answer to a GetLog (LogStatusEnumType).
type LogStatus string

// LogStatus values.
const (
	LogStatusAccepted         LogStatus = "Accepted"
	LogStatusRejected         LogStatus = "Rejected"
	LogStatusAcceptedCanceled LogStatus = "AcceptedCanceled"
)

var logStatusValues = newEnumSet(LogStatusAccepted, LogStatusRejected, LogStatusAcceptedCanceled)

// Valid reports whether v is a value of LogStatus.
func (v LogStatus) Valid() bool { return logStatusValues.has(string(v)) }

// Values lists the values of LogStatus in specification order.
func (LogStatus) Values() []string { return logStatusValues.list() }

// UpdateFirmwareStatus is the answer to a SignedUpdateFirmware (UpdateFirmwareStatusEnumType).
type UpdateFirmwareStatus string

// UpdateFirmwareStatus values.
const (
	UpdateFirmwareStatusAccepted           UpdateFirmwareStatus = "Accepted"
	UpdateFirmwareStatusRejected           UpdateFirmwareStatus = "Rejected"
	UpdateFirmwareStatusAcceptedCanceled   UpdateFirmwareStatus = "AcceptedCanceled"
	UpdateFirmwareStatusInvalidCertificate UpdateFirmwareStatus = "InvalidCertificate"
	UpdateFirmwareStatusRevokedCertificate UpdateFirmwareStatus = "RevokedCertificate"
)

var updateFirmwareStatusValues = newEnumSet(UpdateFirmwareStatusAccepted, UpdateFirmwareStatusRejected, UpdateFirmwareStatusAcceptedCanceled, UpdateFirmwareStatusInvalidCertificate, UpdateFirmwareStatusRevokedCertificate)

// Valid reports whether v is a value of UpdateFirmwareStatus.
func (v UpdateFirmwareStatus) Valid() bool { return updateFirmwareStatusValues.has(string(v)) }

// Values lists the values of UpdateFirmwareStatus in specification order.
func (UpdateFirmwareStatus) Values() []string { return updateFirmwareStatusValues.list() }

// ExtendedMessageTrigger is the message an ExtendedTriggerMessage asks for (MessageTriggerEnumType of the security extension).
type ExtendedMessageTrigger string

// ExtendedMessageTrigger values.
const (
	ExtendedMessageTriggerBootNotification           ExtendedMessageTrigger = "BootNotification"
	ExtendedMessageTriggerLogStatusNotification      ExtendedMessageTrigger = "LogStatusNotification"
	ExtendedMessageTriggerFirmwareStatusNotification ExtendedMessageTrigger = "FirmwareStatusNotification"
	ExtendedMessageTriggerHeartbeat                  ExtendedMessageTrigger = "Heartbeat"
	ExtendedMessageTriggerMeterValues                ExtendedMessageTrigger = "MeterValues"
	ExtendedMessageTriggerSignChargePointCertificate ExtendedMessageTrigger = "SignChargePointCertificate"
	ExtendedMessageTriggerStatusNotification         ExtendedMessageTrigger = "StatusNotification"
)

var extendedMessageTriggerValues = newEnumSet(ExtendedMessageTriggerBootNotification, ExtendedMessageTriggerLogStatusNotification, ExtendedMessageTriggerFirmwareStatusNotification, ExtendedMessageTriggerHeartbeat, ExtendedMessageTriggerMeterValues, ExtendedMessageTriggerSignChargePointCertificate, ExtendedMessageTriggerStatusNotification)

// Valid reports whether v is a value of ExtendedMessageTrigger.
func (v ExtendedMessageTrigger) Valid() bool { return extendedMessageTriggerValues.has(string(v)) }

// Values lists the values of ExtendedMessageTrigger in specification order.
func (ExtendedMessageTrigger) Values() []string { return extendedMessageTriggerValues.list() }

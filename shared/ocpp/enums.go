package ocpp

// The OCPP 1.6 enumerations (specification section 7). Constant names are the type name
// (without a trailing "Type") followed by the value without punctuation, e.g. PhaseL1N for "L1-N".

// RegistrationStatus is the Central System's answer to a BootNotification.
type RegistrationStatus string

// RegistrationStatus values.
const (
	RegistrationStatusAccepted RegistrationStatus = "Accepted"
	RegistrationStatusPending  RegistrationStatus = "Pending"
	RegistrationStatusRejected RegistrationStatus = "Rejected"
)

var registrationStatusValues = newEnumSet(RegistrationStatusAccepted, RegistrationStatusPending, RegistrationStatusRejected)

// Valid reports whether v is a value of RegistrationStatus.
func (v RegistrationStatus) Valid() bool { return registrationStatusValues.has(string(v)) }

// Values lists the values of RegistrationStatus in specification order.
func (RegistrationStatus) Values() []string { return registrationStatusValues.list() }

// AuthorizationStatus is the status of an identifier in IdTagInfo.
type AuthorizationStatus string

// AuthorizationStatus values.
const (
	AuthorizationStatusAccepted     AuthorizationStatus = "Accepted"
	AuthorizationStatusBlocked      AuthorizationStatus = "Blocked"
	AuthorizationStatusExpired      AuthorizationStatus = "Expired"
	AuthorizationStatusInvalid      AuthorizationStatus = "Invalid"
	AuthorizationStatusConcurrentTx AuthorizationStatus = "ConcurrentTx"
)

var authorizationStatusValues = newEnumSet(AuthorizationStatusAccepted, AuthorizationStatusBlocked, AuthorizationStatusExpired, AuthorizationStatusInvalid, AuthorizationStatusConcurrentTx)

// Valid reports whether v is a value of AuthorizationStatus.
func (v AuthorizationStatus) Valid() bool { return authorizationStatusValues.has(string(v)) }

// Values lists the values of AuthorizationStatus in specification order.
func (AuthorizationStatus) Values() []string { return authorizationStatusValues.list() }

// ChargePointStatus is the status a StatusNotification reports for a connector or the Charge Point (connectorId 0).
type ChargePointStatus string

// ChargePointStatus values.
const (
	ChargePointStatusAvailable     ChargePointStatus = "Available"
	ChargePointStatusPreparing     ChargePointStatus = "Preparing"
	ChargePointStatusCharging      ChargePointStatus = "Charging"
	ChargePointStatusSuspendedEVSE ChargePointStatus = "SuspendedEVSE"
	ChargePointStatusSuspendedEV   ChargePointStatus = "SuspendedEV"
	ChargePointStatusFinishing     ChargePointStatus = "Finishing"
	ChargePointStatusReserved      ChargePointStatus = "Reserved"
	ChargePointStatusUnavailable   ChargePointStatus = "Unavailable"
	ChargePointStatusFaulted       ChargePointStatus = "Faulted"
)

var chargePointStatusValues = newEnumSet(ChargePointStatusAvailable, ChargePointStatusPreparing, ChargePointStatusCharging, ChargePointStatusSuspendedEVSE, ChargePointStatusSuspendedEV, ChargePointStatusFinishing, ChargePointStatusReserved, ChargePointStatusUnavailable, ChargePointStatusFaulted)

// Valid reports whether v is a value of ChargePointStatus.
func (v ChargePointStatus) Valid() bool { return chargePointStatusValues.has(string(v)) }

// Values lists the values of ChargePointStatus in specification order.
func (ChargePointStatus) Values() []string { return chargePointStatusValues.list() }

// ChargePointErrorCode is the error a StatusNotification reports.
type ChargePointErrorCode string

// ChargePointErrorCode values.
const (
	ChargePointErrorCodeConnectorLockFailure ChargePointErrorCode = "ConnectorLockFailure"
	ChargePointErrorCodeEVCommunicationError ChargePointErrorCode = "EVCommunicationError"
	ChargePointErrorCodeGroundFailure        ChargePointErrorCode = "GroundFailure"
	ChargePointErrorCodeHighTemperature      ChargePointErrorCode = "HighTemperature"
	ChargePointErrorCodeInternalError        ChargePointErrorCode = "InternalError"
	ChargePointErrorCodeLocalListConflict    ChargePointErrorCode = "LocalListConflict"
	ChargePointErrorCodeNoError              ChargePointErrorCode = "NoError"
	ChargePointErrorCodeOtherError           ChargePointErrorCode = "OtherError"
	ChargePointErrorCodeOverCurrentFailure   ChargePointErrorCode = "OverCurrentFailure"
	ChargePointErrorCodePowerMeterFailure    ChargePointErrorCode = "PowerMeterFailure"
	ChargePointErrorCodePowerSwitchFailure   ChargePointErrorCode = "PowerSwitchFailure"
	ChargePointErrorCodeReaderFailure        ChargePointErrorCode = "ReaderFailure"
	ChargePointErrorCodeResetFailure         ChargePointErrorCode = "ResetFailure"
	ChargePointErrorCodeUnderVoltage         ChargePointErrorCode = "UnderVoltage"
	ChargePointErrorCodeOverVoltage          ChargePointErrorCode = "OverVoltage"
	ChargePointErrorCodeWeakSignal           ChargePointErrorCode = "WeakSignal"
)

var chargePointErrorCodeValues = newEnumSet(ChargePointErrorCodeConnectorLockFailure, ChargePointErrorCodeEVCommunicationError, ChargePointErrorCodeGroundFailure, ChargePointErrorCodeHighTemperature, ChargePointErrorCodeInternalError, ChargePointErrorCodeLocalListConflict, ChargePointErrorCodeNoError, ChargePointErrorCodeOtherError, ChargePointErrorCodeOverCurrentFailure, ChargePointErrorCodePowerMeterFailure, ChargePointErrorCodePowerSwitchFailure, ChargePointErrorCodeReaderFailure, ChargePointErrorCodeResetFailure, ChargePointErrorCodeUnderVoltage, ChargePointErrorCodeOverVoltage, ChargePointErrorCodeWeakSignal)

// Valid reports whether v is a value of ChargePointErrorCode.
func (v ChargePointErrorCode) Valid() bool { return chargePointErrorCodeValues.has(string(v)) }

// Values lists the values of ChargePointErrorCode in specification order.
func (ChargePointErrorCode) Values() []string { return chargePointErrorCodeValues.list() }

// Reason is why a transaction stopped (StopTransaction).
type Reason string

// Reason values.
const (
	ReasonEmergencyStop  Reason = "EmergencyStop"
	ReasonEVDisconnected Reason = "EVDisconnected"
	ReasonHardReset      Reason = "HardReset"
	ReasonLocal          Reason = "Local"
	ReasonOther          Reason = "Other"
	ReasonPowerLoss      Reason = "PowerLoss"
	ReasonReboot         Reason = "Reboot"
	ReasonRemote         Reason = "Remote"
	ReasonSoftReset      Reason = "SoftReset"
	ReasonUnlockCommand  Reason = "UnlockCommand"
	ReasonDeAuthorized   Reason = "DeAuthorized"
)

var reasonValues = newEnumSet(ReasonEmergencyStop, ReasonEVDisconnected, ReasonHardReset, ReasonLocal, ReasonOther, ReasonPowerLoss, ReasonReboot, ReasonRemote, ReasonSoftReset, ReasonUnlockCommand, ReasonDeAuthorized)

// Valid reports whether v is a value of Reason.
func (v Reason) Valid() bool { return reasonValues.has(string(v)) }

// Values lists the values of Reason in specification order.
func (Reason) Values() []string { return reasonValues.list() }

// Measurand is the quantity a SampledValue measures; absent means Energy.Active.Import.Register.
type Measurand string

// Measurand values.
const (
	MeasurandEnergyActiveExportRegister   Measurand = "Energy.Active.Export.Register"
	MeasurandEnergyActiveImportRegister   Measurand = "Energy.Active.Import.Register"
	MeasurandEnergyReactiveExportRegister Measurand = "Energy.Reactive.Export.Register"
	MeasurandEnergyReactiveImportRegister Measurand = "Energy.Reactive.Import.Register"
	MeasurandEnergyActiveExportInterval   Measurand = "Energy.Active.Export.Interval"
	MeasurandEnergyActiveImportInterval   Measurand = "Energy.Active.Import.Interval"
	MeasurandEnergyReactiveExportInterval Measurand = "Energy.Reactive.Export.Interval"
	MeasurandEnergyReactiveImportInterval Measurand = "Energy.Reactive.Import.Interval"
	MeasurandPowerActiveExport            Measurand = "Power.Active.Export"
	MeasurandPowerActiveImport            Measurand = "Power.Active.Import"
	MeasurandPowerOffered                 Measurand = "Power.Offered"
	MeasurandPowerReactiveExport          Measurand = "Power.Reactive.Export"
	MeasurandPowerReactiveImport          Measurand = "Power.Reactive.Import"
	MeasurandPowerFactor                  Measurand = "Power.Factor"
	MeasurandCurrentImport                Measurand = "Current.Import"
	MeasurandCurrentExport                Measurand = "Current.Export"
	MeasurandCurrentOffered               Measurand = "Current.Offered"
	MeasurandVoltage                      Measurand = "Voltage"
	MeasurandFrequency                    Measurand = "Frequency"
	MeasurandTemperature                  Measurand = "Temperature"
	MeasurandSoC                          Measurand = "SoC"
	MeasurandRPM                          Measurand = "RPM"
)

var measurandValues = newEnumSet(MeasurandEnergyActiveExportRegister, MeasurandEnergyActiveImportRegister, MeasurandEnergyReactiveExportRegister, MeasurandEnergyReactiveImportRegister, MeasurandEnergyActiveExportInterval, MeasurandEnergyActiveImportInterval, MeasurandEnergyReactiveExportInterval, MeasurandEnergyReactiveImportInterval, MeasurandPowerActiveExport, MeasurandPowerActiveImport, MeasurandPowerOffered, MeasurandPowerReactiveExport, MeasurandPowerReactiveImport, MeasurandPowerFactor, MeasurandCurrentImport, MeasurandCurrentExport, MeasurandCurrentOffered, MeasurandVoltage, MeasurandFrequency, MeasurandTemperature, MeasurandSoC, MeasurandRPM)

// Valid reports whether v is a value of Measurand.
func (v Measurand) Valid() bool { return measurandValues.has(string(v)) }

// Values lists the values of Measurand in specification order.
func (Measurand) Values() []string { return measurandValues.list() }

// ReadingContext is why a SampledValue was taken; absent means Sample.Periodic.
type ReadingContext string

// ReadingContext values.
const (
	ReadingContextInterruptionBegin ReadingContext = "Interruption.Begin"
	ReadingContextInterruptionEnd   ReadingContext = "Interruption.End"
	ReadingContextSampleClock       ReadingContext = "Sample.Clock"
	ReadingContextSamplePeriodic    ReadingContext = "Sample.Periodic"
	ReadingContextTransactionBegin  ReadingContext = "Transaction.Begin"
	ReadingContextTransactionEnd    ReadingContext = "Transaction.End"
	ReadingContextTrigger           ReadingContext = "Trigger"
	ReadingContextOther             ReadingContext = "Other"
)

var readingContextValues = newEnumSet(ReadingContextInterruptionBegin, ReadingContextInterruptionEnd, ReadingContextSampleClock, ReadingContextSamplePeriodic, ReadingContextTransactionBegin, ReadingContextTransactionEnd, ReadingContextTrigger, ReadingContextOther)

// Valid reports whether v is a value of ReadingContext.
func (v ReadingContext) Valid() bool { return readingContextValues.has(string(v)) }

// Values lists the values of ReadingContext in specification order.
func (ReadingContext) Values() []string { return readingContextValues.list() }

// ValueFormat is how a SampledValue's value is encoded; absent means Raw.
type ValueFormat string

// ValueFormat values.
const (
	ValueFormatRaw        ValueFormat = "Raw"
	ValueFormatSignedData ValueFormat = "SignedData"
)

var valueFormatValues = newEnumSet(ValueFormatRaw, ValueFormatSignedData)

// Valid reports whether v is a value of ValueFormat.
func (v ValueFormat) Valid() bool { return valueFormatValues.has(string(v)) }

// Values lists the values of ValueFormat in specification order.
func (ValueFormat) Values() []string { return valueFormatValues.list() }

// Phase is the electrical phase a SampledValue applies to.
type Phase string

// Phase values.
const (
	PhaseL1   Phase = "L1"
	PhaseL2   Phase = "L2"
	PhaseL3   Phase = "L3"
	PhaseN    Phase = "N"
	PhaseL1N  Phase = "L1-N"
	PhaseL2N  Phase = "L2-N"
	PhaseL3N  Phase = "L3-N"
	PhaseL1L2 Phase = "L1-L2"
	PhaseL2L3 Phase = "L2-L3"
	PhaseL3L1 Phase = "L3-L1"
)

var phaseValues = newEnumSet(PhaseL1, PhaseL2, PhaseL3, PhaseN, PhaseL1N, PhaseL2N, PhaseL3N, PhaseL1L2, PhaseL2L3, PhaseL3L1)

// Valid reports whether v is a value of Phase.
func (v Phase) Valid() bool { return phaseValues.has(string(v)) }

// Values lists the values of Phase in specification order.
func (Phase) Values() []string { return phaseValues.list() }

// Location is where a SampledValue was measured; absent means Outlet.
type Location string

// Location values.
const (
	LocationCable  Location = "Cable"
	LocationEV     Location = "EV"
	LocationInlet  Location = "Inlet"
	LocationOutlet Location = "Outlet"
	LocationBody   Location = "Body"
)

var locationValues = newEnumSet(LocationCable, LocationEV, LocationInlet, LocationOutlet, LocationBody)

// Valid reports whether v is a value of Location.
func (v Location) Valid() bool { return locationValues.has(string(v)) }

// Values lists the values of Location in specification order.
func (Location) Values() []string { return locationValues.list() }

// UnitOfMeasure is the unit of a SampledValue; absent means Wh. Both Celsius (specification text) and Celcius (spelling of the published JSON schema) are accepted.
type UnitOfMeasure string

// UnitOfMeasure values.
const (
	UnitOfMeasureWh         UnitOfMeasure = "Wh"
	UnitOfMeasureKWh        UnitOfMeasure = "kWh"
	UnitOfMeasureVarh       UnitOfMeasure = "varh"
	UnitOfMeasureKvarh      UnitOfMeasure = "kvarh"
	UnitOfMeasureW          UnitOfMeasure = "W"
	UnitOfMeasureKW         UnitOfMeasure = "kW"
	UnitOfMeasureVA         UnitOfMeasure = "VA"
	UnitOfMeasureKVA        UnitOfMeasure = "kVA"
	UnitOfMeasureVar        UnitOfMeasure = "var"
	UnitOfMeasureKvar       UnitOfMeasure = "kvar"
	UnitOfMeasureA          UnitOfMeasure = "A"
	UnitOfMeasureV          UnitOfMeasure = "V"
	UnitOfMeasureCelsius    UnitOfMeasure = "Celsius"
	UnitOfMeasureCelcius    UnitOfMeasure = "Celcius"
	UnitOfMeasureFahrenheit UnitOfMeasure = "Fahrenheit"
	UnitOfMeasureK          UnitOfMeasure = "K"
	UnitOfMeasurePercent    UnitOfMeasure = "Percent"
)

var unitOfMeasureValues = newEnumSet(UnitOfMeasureWh, UnitOfMeasureKWh, UnitOfMeasureVarh, UnitOfMeasureKvarh, UnitOfMeasureW, UnitOfMeasureKW, UnitOfMeasureVA, UnitOfMeasureKVA, UnitOfMeasureVar, UnitOfMeasureKvar, UnitOfMeasureA, UnitOfMeasureV, UnitOfMeasureCelsius, UnitOfMeasureCelcius, UnitOfMeasureFahrenheit, UnitOfMeasureK, UnitOfMeasurePercent)

// Valid reports whether v is a value of UnitOfMeasure.
func (v UnitOfMeasure) Valid() bool { return unitOfMeasureValues.has(string(v)) }

// Values lists the values of UnitOfMeasure in specification order.
func (UnitOfMeasure) Values() []string { return unitOfMeasureValues.list() }

// DiagnosticsStatus is the progress a DiagnosticsStatusNotification reports.
type DiagnosticsStatus string

// DiagnosticsStatus values.
const (
	DiagnosticsStatusIdle         DiagnosticsStatus = "Idle"
	DiagnosticsStatusUploaded     DiagnosticsStatus = "Uploaded"
	DiagnosticsStatusUploadFailed DiagnosticsStatus = "UploadFailed"
	DiagnosticsStatusUploading    DiagnosticsStatus = "Uploading"
)

var diagnosticsStatusValues = newEnumSet(DiagnosticsStatusIdle, DiagnosticsStatusUploaded, DiagnosticsStatusUploadFailed, DiagnosticsStatusUploading)

// Valid reports whether v is a value of DiagnosticsStatus.
func (v DiagnosticsStatus) Valid() bool { return diagnosticsStatusValues.has(string(v)) }

// Values lists the values of DiagnosticsStatus in specification order.
func (DiagnosticsStatus) Values() []string { return diagnosticsStatusValues.list() }

// FirmwareStatus is the progress a FirmwareStatusNotification reports.
type FirmwareStatus string

// FirmwareStatus values.
const (
	FirmwareStatusDownloaded         FirmwareStatus = "Downloaded"
	FirmwareStatusDownloadFailed     FirmwareStatus = "DownloadFailed"
	FirmwareStatusDownloading        FirmwareStatus = "Downloading"
	FirmwareStatusIdle               FirmwareStatus = "Idle"
	FirmwareStatusInstallationFailed FirmwareStatus = "InstallationFailed"
	FirmwareStatusInstalling         FirmwareStatus = "Installing"
	FirmwareStatusInstalled          FirmwareStatus = "Installed"
)

var firmwareStatusValues = newEnumSet(FirmwareStatusDownloaded, FirmwareStatusDownloadFailed, FirmwareStatusDownloading, FirmwareStatusIdle, FirmwareStatusInstallationFailed, FirmwareStatusInstalling, FirmwareStatusInstalled)

// Valid reports whether v is a value of FirmwareStatus.
func (v FirmwareStatus) Valid() bool { return firmwareStatusValues.has(string(v)) }

// Values lists the values of FirmwareStatus in specification order.
func (FirmwareStatus) Values() []string { return firmwareStatusValues.list() }

// DataTransferStatus is the answer to a DataTransfer.
type DataTransferStatus string

// DataTransferStatus values.
const (
	DataTransferStatusAccepted         DataTransferStatus = "Accepted"
	DataTransferStatusRejected         DataTransferStatus = "Rejected"
	DataTransferStatusUnknownMessageId DataTransferStatus = "UnknownMessageId"
	DataTransferStatusUnknownVendorId  DataTransferStatus = "UnknownVendorId"
)

var dataTransferStatusValues = newEnumSet(DataTransferStatusAccepted, DataTransferStatusRejected, DataTransferStatusUnknownMessageId, DataTransferStatusUnknownVendorId)

// Valid reports whether v is a value of DataTransferStatus.
func (v DataTransferStatus) Valid() bool { return dataTransferStatusValues.has(string(v)) }

// Values lists the values of DataTransferStatus in specification order.
func (DataTransferStatus) Values() []string { return dataTransferStatusValues.list() }

// AvailabilityType is the availability a ChangeAvailability asks for.
type AvailabilityType string

// AvailabilityType values.
const (
	AvailabilityTypeInoperative AvailabilityType = "Inoperative"
	AvailabilityTypeOperative   AvailabilityType = "Operative"
)

var availabilityTypeValues = newEnumSet(AvailabilityTypeInoperative, AvailabilityTypeOperative)

// Valid reports whether v is a value of AvailabilityType.
func (v AvailabilityType) Valid() bool { return availabilityTypeValues.has(string(v)) }

// Values lists the values of AvailabilityType in specification order.
func (AvailabilityType) Values() []string { return availabilityTypeValues.list() }

// AvailabilityStatus is the answer to a ChangeAvailability.
type AvailabilityStatus string

// AvailabilityStatus values.
const (
	AvailabilityStatusAccepted  AvailabilityStatus = "Accepted"
	AvailabilityStatusRejected  AvailabilityStatus = "Rejected"
	AvailabilityStatusScheduled AvailabilityStatus = "Scheduled"
)

var availabilityStatusValues = newEnumSet(AvailabilityStatusAccepted, AvailabilityStatusRejected, AvailabilityStatusScheduled)

// Valid reports whether v is a value of AvailabilityStatus.
func (v AvailabilityStatus) Valid() bool { return availabilityStatusValues.has(string(v)) }

// Values lists the values of AvailabilityStatus in specification order.
func (AvailabilityStatus) Values() []string { return availabilityStatusValues.list() }

// ConfigurationStatus is the answer to a ChangeConfiguration.
type ConfigurationStatus string

// ConfigurationStatus values.
const (
	ConfigurationStatusAccepted       ConfigurationStatus = "Accepted"
	ConfigurationStatusRejected       ConfigurationStatus = "Rejected"
	ConfigurationStatusRebootRequired ConfigurationStatus = "RebootRequired"
	ConfigurationStatusNotSupported   ConfigurationStatus = "NotSupported"
)

var configurationStatusValues = newEnumSet(ConfigurationStatusAccepted, ConfigurationStatusRejected, ConfigurationStatusRebootRequired, ConfigurationStatusNotSupported)

// Valid reports whether v is a value of ConfigurationStatus.
func (v ConfigurationStatus) Valid() bool { return configurationStatusValues.has(string(v)) }

// Values lists the values of ConfigurationStatus in specification order.
func (ConfigurationStatus) Values() []string { return configurationStatusValues.list() }

// ClearCacheStatus is the answer to a ClearCache.
type ClearCacheStatus string

// ClearCacheStatus values.
const (
	ClearCacheStatusAccepted ClearCacheStatus = "Accepted"
	ClearCacheStatusRejected ClearCacheStatus = "Rejected"
)

var clearCacheStatusValues = newEnumSet(ClearCacheStatusAccepted, ClearCacheStatusRejected)

// Valid reports whether v is a value of ClearCacheStatus.
func (v ClearCacheStatus) Valid() bool { return clearCacheStatusValues.has(string(v)) }

// Values lists the values of ClearCacheStatus in specification order.
func (ClearCacheStatus) Values() []string { return clearCacheStatusValues.list() }

// ChargingProfilePurposeType is the purpose of a ChargingProfile.
type ChargingProfilePurposeType string

// ChargingProfilePurposeType values.
const (
	ChargingProfilePurposeChargePointMaxProfile ChargingProfilePurposeType = "ChargePointMaxProfile"
	ChargingProfilePurposeTxDefaultProfile      ChargingProfilePurposeType = "TxDefaultProfile"
	ChargingProfilePurposeTxProfile             ChargingProfilePurposeType = "TxProfile"
)

var chargingProfilePurposeTypeValues = newEnumSet(ChargingProfilePurposeChargePointMaxProfile, ChargingProfilePurposeTxDefaultProfile, ChargingProfilePurposeTxProfile)

// Valid reports whether v is a value of ChargingProfilePurposeType.
func (v ChargingProfilePurposeType) Valid() bool {
	return chargingProfilePurposeTypeValues.has(string(v))
}

// Values lists the values of ChargingProfilePurposeType in specification order.
func (ChargingProfilePurposeType) Values() []string { return chargingProfilePurposeTypeValues.list() }

// ChargingProfileKindType is the kind of schedule of a ChargingProfile.
type ChargingProfileKindType string

// ChargingProfileKindType values.
const (
	ChargingProfileKindAbsolute  ChargingProfileKindType = "Absolute"
	ChargingProfileKindRecurring ChargingProfileKindType = "Recurring"
	ChargingProfileKindRelative  ChargingProfileKindType = "Relative"
)

var chargingProfileKindTypeValues = newEnumSet(ChargingProfileKindAbsolute, ChargingProfileKindRecurring, ChargingProfileKindRelative)

// Valid reports whether v is a value of ChargingProfileKindType.
func (v ChargingProfileKindType) Valid() bool { return chargingProfileKindTypeValues.has(string(v)) }

// Values lists the values of ChargingProfileKindType in specification order.
func (ChargingProfileKindType) Values() []string { return chargingProfileKindTypeValues.list() }

// RecurrencyKindType is the period of a recurring ChargingProfile.
type RecurrencyKindType string

// RecurrencyKindType values.
const (
	RecurrencyKindDaily  RecurrencyKindType = "Daily"
	RecurrencyKindWeekly RecurrencyKindType = "Weekly"
)

var recurrencyKindTypeValues = newEnumSet(RecurrencyKindDaily, RecurrencyKindWeekly)

// Valid reports whether v is a value of RecurrencyKindType.
func (v RecurrencyKindType) Valid() bool { return recurrencyKindTypeValues.has(string(v)) }

// Values lists the values of RecurrencyKindType in specification order.
func (RecurrencyKindType) Values() []string { return recurrencyKindTypeValues.list() }

// ChargingRateUnitType is the unit of a ChargingSchedule's limits.
type ChargingRateUnitType string

// ChargingRateUnitType values.
const (
	ChargingRateUnitW ChargingRateUnitType = "W"
	ChargingRateUnitA ChargingRateUnitType = "A"
)

var chargingRateUnitTypeValues = newEnumSet(ChargingRateUnitW, ChargingRateUnitA)

// Valid reports whether v is a value of ChargingRateUnitType.
func (v ChargingRateUnitType) Valid() bool { return chargingRateUnitTypeValues.has(string(v)) }

// Values lists the values of ChargingRateUnitType in specification order.
func (ChargingRateUnitType) Values() []string { return chargingRateUnitTypeValues.list() }

// ClearChargingProfileStatus is the answer to a ClearChargingProfile.
type ClearChargingProfileStatus string

// ClearChargingProfileStatus values.
const (
	ClearChargingProfileStatusAccepted ClearChargingProfileStatus = "Accepted"
	ClearChargingProfileStatusUnknown  ClearChargingProfileStatus = "Unknown"
)

var clearChargingProfileStatusValues = newEnumSet(ClearChargingProfileStatusAccepted, ClearChargingProfileStatusUnknown)

// Valid reports whether v is a value of ClearChargingProfileStatus.
func (v ClearChargingProfileStatus) Valid() bool {
	return clearChargingProfileStatusValues.has(string(v))
}

// Values lists the values of ClearChargingProfileStatus in specification order.
func (ClearChargingProfileStatus) Values() []string { return clearChargingProfileStatusValues.list() }

// GetCompositeScheduleStatus is the answer to a GetCompositeSchedule.
type GetCompositeScheduleStatus string

// GetCompositeScheduleStatus values.
const (
	GetCompositeScheduleStatusAccepted GetCompositeScheduleStatus = "Accepted"
	GetCompositeScheduleStatusRejected GetCompositeScheduleStatus = "Rejected"
)

var getCompositeScheduleStatusValues = newEnumSet(GetCompositeScheduleStatusAccepted, GetCompositeScheduleStatusRejected)

// Valid reports whether v is a value of GetCompositeScheduleStatus.
func (v GetCompositeScheduleStatus) Valid() bool {
	return getCompositeScheduleStatusValues.has(string(v))
}

// Values lists the values of GetCompositeScheduleStatus in specification order.
func (GetCompositeScheduleStatus) Values() []string { return getCompositeScheduleStatusValues.list() }

// RemoteStartStopStatus is the answer to a RemoteStartTransaction or RemoteStopTransaction.
type RemoteStartStopStatus string

// RemoteStartStopStatus values.
const (
	RemoteStartStopStatusAccepted RemoteStartStopStatus = "Accepted"
	RemoteStartStopStatusRejected RemoteStartStopStatus = "Rejected"
)

var remoteStartStopStatusValues = newEnumSet(RemoteStartStopStatusAccepted, RemoteStartStopStatusRejected)

// Valid reports whether v is a value of RemoteStartStopStatus.
func (v RemoteStartStopStatus) Valid() bool { return remoteStartStopStatusValues.has(string(v)) }

// Values lists the values of RemoteStartStopStatus in specification order.
func (RemoteStartStopStatus) Values() []string { return remoteStartStopStatusValues.list() }

// ReservationStatus is the answer to a ReserveNow.
type ReservationStatus string

// ReservationStatus values.
const (
	ReservationStatusAccepted    ReservationStatus = "Accepted"
	ReservationStatusFaulted     ReservationStatus = "Faulted"
	ReservationStatusOccupied    ReservationStatus = "Occupied"
	ReservationStatusRejected    ReservationStatus = "Rejected"
	ReservationStatusUnavailable ReservationStatus = "Unavailable"
)

var reservationStatusValues = newEnumSet(ReservationStatusAccepted, ReservationStatusFaulted, ReservationStatusOccupied, ReservationStatusRejected, ReservationStatusUnavailable)

// Valid reports whether v is a value of ReservationStatus.
func (v ReservationStatus) Valid() bool { return reservationStatusValues.has(string(v)) }

// Values lists the values of ReservationStatus in specification order.
func (ReservationStatus) Values() []string { return reservationStatusValues.list() }

// CancelReservationStatus is the answer to a CancelReservation.
type CancelReservationStatus string

// CancelReservationStatus values.
const (
	CancelReservationStatusAccepted CancelReservationStatus = "Accepted"
	CancelReservationStatusRejected CancelReservationStatus = "Rejected"
)

var cancelReservationStatusValues = newEnumSet(CancelReservationStatusAccepted, CancelReservationStatusRejected)

// Valid reports whether v is a value of CancelReservationStatus.
func (v CancelReservationStatus) Valid() bool { return cancelReservationStatusValues.has(string(v)) }

// Values lists the values of CancelReservationStatus in specification order.
func (CancelReservationStatus) Values() []string { return cancelReservationStatusValues.list() }

// ResetType is the kind of reset a Reset asks for.
type ResetType string

// ResetType values.
const (
	ResetTypeHard ResetType = "Hard"
	ResetTypeSoft ResetType = "Soft"
)

var resetTypeValues = newEnumSet(ResetTypeHard, ResetTypeSoft)

// Valid reports whether v is a value of ResetType.
func (v ResetType) Valid() bool { return resetTypeValues.has(string(v)) }

// Values lists the values of ResetType in specification order.
func (ResetType) Values() []string { return resetTypeValues.list() }

// ResetStatus is the answer to a Reset.
type ResetStatus string

// ResetStatus values.
const (
	ResetStatusAccepted ResetStatus = "Accepted"
	ResetStatusRejected ResetStatus = "Rejected"
)

var resetStatusValues = newEnumSet(ResetStatusAccepted, ResetStatusRejected)

// Valid reports whether v is a value of ResetStatus.
func (v ResetStatus) Valid() bool { return resetStatusValues.has(string(v)) }

// Values lists the values of ResetStatus in specification order.
func (ResetStatus) Values() []string { return resetStatusValues.list() }

// UpdateType is how a SendLocalList changes the local list.
type UpdateType string

// UpdateType values.
const (
	UpdateTypeDifferential UpdateType = "Differential"
	UpdateTypeFull         UpdateType = "Full"
)

var updateTypeValues = newEnumSet(UpdateTypeDifferential, UpdateTypeFull)

// Valid reports whether v is a value of UpdateType.
func (v UpdateType) Valid() bool { return updateTypeValues.has(string(v)) }

// Values lists the values of UpdateType in specification order.
func (UpdateType) Values() []string { return updateTypeValues.list() }

// UpdateStatus is the answer to a SendLocalList.
type UpdateStatus string

// UpdateStatus values.
const (
	UpdateStatusAccepted        UpdateStatus = "Accepted"
	UpdateStatusFailed          UpdateStatus = "Failed"
	UpdateStatusNotSupported    UpdateStatus = "NotSupported"
	UpdateStatusVersionMismatch UpdateStatus = "VersionMismatch"
)

var updateStatusValues = newEnumSet(UpdateStatusAccepted, UpdateStatusFailed, UpdateStatusNotSupported, UpdateStatusVersionMismatch)

// Valid reports whether v is a value of UpdateStatus.
func (v UpdateStatus) Valid() bool { return updateStatusValues.has(string(v)) }

// Values lists the values of UpdateStatus in specification order.
func (UpdateStatus) Values() []string { return updateStatusValues.list() }

// ChargingProfileStatus is the answer to a SetChargingProfile.
type ChargingProfileStatus string

// ChargingProfileStatus values.
const (
	ChargingProfileStatusAccepted     ChargingProfileStatus = "Accepted"
	ChargingProfileStatusRejected     ChargingProfileStatus = "Rejected"
	ChargingProfileStatusNotSupported ChargingProfileStatus = "NotSupported"
)

var chargingProfileStatusValues = newEnumSet(ChargingProfileStatusAccepted, ChargingProfileStatusRejected, ChargingProfileStatusNotSupported)

// Valid reports whether v is a value of ChargingProfileStatus.
func (v ChargingProfileStatus) Valid() bool { return chargingProfileStatusValues.has(string(v)) }

// Values lists the values of ChargingProfileStatus in specification order.
func (ChargingProfileStatus) Values() []string { return chargingProfileStatusValues.list() }

// MessageTrigger is the message a TriggerMessage asks for.
type MessageTrigger string

// MessageTrigger values.
const (
	MessageTriggerBootNotification              MessageTrigger = "BootNotification"
	MessageTriggerDiagnosticsStatusNotification MessageTrigger = "DiagnosticsStatusNotification"
	MessageTriggerFirmwareStatusNotification    MessageTrigger = "FirmwareStatusNotification"
	MessageTriggerHeartbeat                     MessageTrigger = "Heartbeat"
	MessageTriggerMeterValues                   MessageTrigger = "MeterValues"
	MessageTriggerStatusNotification            MessageTrigger = "StatusNotification"
)

var messageTriggerValues = newEnumSet(MessageTriggerBootNotification, MessageTriggerDiagnosticsStatusNotification, MessageTriggerFirmwareStatusNotification, MessageTriggerHeartbeat, MessageTriggerMeterValues, MessageTriggerStatusNotification)

// Valid reports whether v is a value of MessageTrigger.
func (v MessageTrigger) Valid() bool { return messageTriggerValues.has(string(v)) }

// Values lists the values of MessageTrigger in specification order.
func (MessageTrigger) Values() []string { return messageTriggerValues.list() }

// TriggerMessageStatus is the answer to a TriggerMessage.
type TriggerMessageStatus string

// TriggerMessageStatus values.
const (
	TriggerMessageStatusAccepted       TriggerMessageStatus = "Accepted"
	TriggerMessageStatusRejected       TriggerMessageStatus = "Rejected"
	TriggerMessageStatusNotImplemented TriggerMessageStatus = "NotImplemented"
)

var triggerMessageStatusValues = newEnumSet(TriggerMessageStatusAccepted, TriggerMessageStatusRejected, TriggerMessageStatusNotImplemented)

// Valid reports whether v is a value of TriggerMessageStatus.
func (v TriggerMessageStatus) Valid() bool { return triggerMessageStatusValues.has(string(v)) }

// Values lists the values of TriggerMessageStatus in specification order.
func (TriggerMessageStatus) Values() []string { return triggerMessageStatusValues.list() }

// UnlockStatus is the answer to an UnlockConnector.
type UnlockStatus string

// UnlockStatus values.
const (
	UnlockStatusUnlocked     UnlockStatus = "Unlocked"
	UnlockStatusUnlockFailed UnlockStatus = "UnlockFailed"
	UnlockStatusNotSupported UnlockStatus = "NotSupported"
)

var unlockStatusValues = newEnumSet(UnlockStatusUnlocked, UnlockStatusUnlockFailed, UnlockStatusNotSupported)

// Valid reports whether v is a value of UnlockStatus.
func (v UnlockStatus) Valid() bool { return unlockStatusValues.has(string(v)) }

// Values lists the values of UnlockStatus in specification order.
func (UnlockStatus) Values() []string { return unlockStatusValues.list() }

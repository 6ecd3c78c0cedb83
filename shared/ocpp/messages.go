package ocpp

// The request (.req) and response (.conf) PDUs of the 28 OCPP 1.6 actions (specification,
// section 6), in the order of Actions. Constraints come from the published 1.6 JSON schemas
// and, where the schemas are silent, from the field tables of the specification (connectorId
// ranges, stackLevel >= 0, minimum cardinalities); docs/ocpp.md lists the choices.

// AuthorizeRequest is Authorize.req.
type AuthorizeRequest struct {
	IDTag string `json:"idTag" ocpp:"required,max=20"`
}

// AuthorizeResponse is Authorize.conf.
type AuthorizeResponse struct {
	IDTagInfo IDTagInfo `json:"idTagInfo" ocpp:"required"`
}

// BootNotificationRequest is BootNotification.req.
type BootNotificationRequest struct {
	ChargePointVendor       string `json:"chargePointVendor" ocpp:"required,max=20"`
	ChargePointModel        string `json:"chargePointModel" ocpp:"required,max=20"`
	ChargePointSerialNumber string `json:"chargePointSerialNumber,omitempty" ocpp:"max=25"`
	ChargeBoxSerialNumber   string `json:"chargeBoxSerialNumber,omitempty" ocpp:"max=25"`
	FirmwareVersion         string `json:"firmwareVersion,omitempty" ocpp:"max=50"`
	Iccid                   string `json:"iccid,omitempty" ocpp:"max=20"`
	Imsi                    string `json:"imsi,omitempty" ocpp:"max=20"`
	MeterType               string `json:"meterType,omitempty" ocpp:"max=25"`
	MeterSerialNumber       string `json:"meterSerialNumber,omitempty" ocpp:"max=25"`
}

// BootNotificationResponse is BootNotification.conf. Interval is in seconds.
type BootNotificationResponse struct {
	Status      RegistrationStatus `json:"status" ocpp:"required"`
	CurrentTime DateTime           `json:"currentTime" ocpp:"required"`
	Interval    int                `json:"interval" ocpp:"required"`
}

// HeartbeatRequest is Heartbeat.req.
type HeartbeatRequest struct{}

// HeartbeatResponse is Heartbeat.conf.
type HeartbeatResponse struct {
	CurrentTime DateTime `json:"currentTime" ocpp:"required"`
}

// StartTransactionRequest is StartTransaction.req.
type StartTransactionRequest struct {
	ConnectorID   int      `json:"connectorId" ocpp:"required,min=1"`
	IDTag         string   `json:"idTag" ocpp:"required,max=20"`
	MeterStart    int      `json:"meterStart" ocpp:"required"`
	ReservationID *int     `json:"reservationId,omitempty"`
	Timestamp     DateTime `json:"timestamp" ocpp:"required"`
}

// StartTransactionResponse is StartTransaction.conf.
type StartTransactionResponse struct {
	IDTagInfo     IDTagInfo `json:"idTagInfo" ocpp:"required"`
	TransactionID int       `json:"transactionId" ocpp:"required"`
}

// StopTransactionRequest is StopTransaction.req.
type StopTransactionRequest struct {
	IDTag           string       `json:"idTag,omitempty" ocpp:"max=20"`
	MeterStop       int          `json:"meterStop" ocpp:"required"`
	Timestamp       DateTime     `json:"timestamp" ocpp:"required"`
	TransactionID   int          `json:"transactionId" ocpp:"required"`
	Reason          Reason       `json:"reason,omitempty"`
	TransactionData []MeterValue `json:"transactionData,omitempty"`
}

// StopTransactionResponse is StopTransaction.conf.
type StopTransactionResponse struct {
	IDTagInfo *IDTagInfo `json:"idTagInfo,omitempty"`
}

// StatusNotificationRequest is StatusNotification.req.
type StatusNotificationRequest struct {
	ConnectorID     int                  `json:"connectorId" ocpp:"required,min=0"`
	ErrorCode       ChargePointErrorCode `json:"errorCode" ocpp:"required"`
	Info            string               `json:"info,omitempty" ocpp:"max=50"`
	Status          ChargePointStatus    `json:"status" ocpp:"required"`
	Timestamp       *DateTime            `json:"timestamp,omitempty"`
	VendorID        string               `json:"vendorId,omitempty" ocpp:"max=255"`
	VendorErrorCode string               `json:"vendorErrorCode,omitempty" ocpp:"max=50"`
}

// StatusNotificationResponse is StatusNotification.conf.
type StatusNotificationResponse struct{}

// MeterValuesRequest is MeterValues.req.
type MeterValuesRequest struct {
	ConnectorID   int          `json:"connectorId" ocpp:"required,min=0"`
	TransactionID *int         `json:"transactionId,omitempty"`
	MeterValue    []MeterValue `json:"meterValue" ocpp:"required,minItems=1"`
}

// MeterValuesResponse is MeterValues.conf.
type MeterValuesResponse struct{}

// DataTransferRequest is DataTransfer.req. Data is a string in OCPP 1.6; structured vendor
// data travels JSON-encoded inside it.
type DataTransferRequest struct {
	VendorID  string `json:"vendorId" ocpp:"required,max=255"`
	MessageID string `json:"messageId,omitempty" ocpp:"max=50"`
	Data      string `json:"data,omitempty"`
}

// DataTransferResponse is DataTransfer.conf.
type DataTransferResponse struct {
	Status DataTransferStatus `json:"status" ocpp:"required"`
	Data   string             `json:"data,omitempty"`
}

// DiagnosticsStatusNotificationRequest is DiagnosticsStatusNotification.req.
type DiagnosticsStatusNotificationRequest struct {
	Status DiagnosticsStatus `json:"status" ocpp:"required"`
}

// DiagnosticsStatusNotificationResponse is DiagnosticsStatusNotification.conf.
type DiagnosticsStatusNotificationResponse struct{}

// FirmwareStatusNotificationRequest is FirmwareStatusNotification.req.
type FirmwareStatusNotificationRequest struct {
	Status FirmwareStatus `json:"status" ocpp:"required"`
}

// FirmwareStatusNotificationResponse is FirmwareStatusNotification.conf.
type FirmwareStatusNotificationResponse struct{}

// CancelReservationRequest is CancelReservation.req.
type CancelReservationRequest struct {
	ReservationID int `json:"reservationId" ocpp:"required"`
}

// CancelReservationResponse is CancelReservation.conf.
type CancelReservationResponse struct {
	Status CancelReservationStatus `json:"status" ocpp:"required"`
}

// ChangeAvailabilityRequest is ChangeAvailability.req; connectorId 0 is the whole Charge Point.
type ChangeAvailabilityRequest struct {
	ConnectorID int              `json:"connectorId" ocpp:"required,min=0"`
	Type        AvailabilityType `json:"type" ocpp:"required"`
}

// ChangeAvailabilityResponse is ChangeAvailability.conf.
type ChangeAvailabilityResponse struct {
	Status AvailabilityStatus `json:"status" ocpp:"required"`
}

// ChangeConfigurationRequest is ChangeConfiguration.req.
type ChangeConfigurationRequest struct {
	Key   string `json:"key" ocpp:"required,max=50"`
	Value string `json:"value" ocpp:"required,max=500"`
}

// ChangeConfigurationResponse is ChangeConfiguration.conf.
type ChangeConfigurationResponse struct {
	Status ConfigurationStatus `json:"status" ocpp:"required"`
}

// ClearCacheRequest is ClearCache.req.
type ClearCacheRequest struct{}

// ClearCacheResponse is ClearCache.conf.
type ClearCacheResponse struct {
	Status ClearCacheStatus `json:"status" ocpp:"required"`
}

// ClearChargingProfileRequest is ClearChargingProfile.req; every field is a filter.
type ClearChargingProfileRequest struct {
	ID                     *int                       `json:"id,omitempty"`
	ConnectorID            *int                       `json:"connectorId,omitempty"`
	ChargingProfilePurpose ChargingProfilePurposeType `json:"chargingProfilePurpose,omitempty"`
	StackLevel             *int                       `json:"stackLevel,omitempty"`
}

// ClearChargingProfileResponse is ClearChargingProfile.conf.
type ClearChargingProfileResponse struct {
	Status ClearChargingProfileStatus `json:"status" ocpp:"required"`
}

// GetCompositeScheduleRequest is GetCompositeSchedule.req. Duration is in seconds.
type GetCompositeScheduleRequest struct {
	ConnectorID      int                  `json:"connectorId" ocpp:"required"`
	Duration         int                  `json:"duration" ocpp:"required"`
	ChargingRateUnit ChargingRateUnitType `json:"chargingRateUnit,omitempty"`
}

// GetCompositeScheduleResponse is GetCompositeSchedule.conf.
type GetCompositeScheduleResponse struct {
	Status           GetCompositeScheduleStatus `json:"status" ocpp:"required"`
	ConnectorID      *int                       `json:"connectorId,omitempty"`
	ScheduleStart    *DateTime                  `json:"scheduleStart,omitempty"`
	ChargingSchedule *ChargingSchedule          `json:"chargingSchedule,omitempty"`
}

// GetConfigurationRequest is GetConfiguration.req; no key asks for all keys.
type GetConfigurationRequest struct {
	Key []string `json:"key,omitempty" ocpp:"max=50"`
}

// GetConfigurationResponse is GetConfiguration.conf.
type GetConfigurationResponse struct {
	ConfigurationKey []KeyValue `json:"configurationKey,omitempty"`
	UnknownKey       []string   `json:"unknownKey,omitempty" ocpp:"max=50"`
}

// GetDiagnosticsRequest is GetDiagnostics.req. Location is the upload directory (anyURI).
type GetDiagnosticsRequest struct {
	Location      string    `json:"location" ocpp:"required,uri"`
	Retries       *int      `json:"retries,omitempty"`
	RetryInterval *int      `json:"retryInterval,omitempty"`
	StartTime     *DateTime `json:"startTime,omitempty"`
	StopTime      *DateTime `json:"stopTime,omitempty"`
}

// GetDiagnosticsResponse is GetDiagnostics.conf; no fileName means no diagnostics available.
type GetDiagnosticsResponse struct {
	FileName string `json:"fileName,omitempty" ocpp:"max=255"`
}

// GetLocalListVersionRequest is GetLocalListVersion.req.
type GetLocalListVersionRequest struct{}

// GetLocalListVersionResponse is GetLocalListVersion.conf.
type GetLocalListVersionResponse struct {
	ListVersion int `json:"listVersion" ocpp:"required"`
}

// RemoteStartTransactionRequest is RemoteStartTransaction.req.
type RemoteStartTransactionRequest struct {
	ConnectorID     *int             `json:"connectorId,omitempty" ocpp:"min=1"`
	IDTag           string           `json:"idTag" ocpp:"required,max=20"`
	ChargingProfile *ChargingProfile `json:"chargingProfile,omitempty"`
}

// RemoteStartTransactionResponse is RemoteStartTransaction.conf.
type RemoteStartTransactionResponse struct {
	Status RemoteStartStopStatus `json:"status" ocpp:"required"`
}

// RemoteStopTransactionRequest is RemoteStopTransaction.req.
type RemoteStopTransactionRequest struct {
	TransactionID int `json:"transactionId" ocpp:"required"`
}

// RemoteStopTransactionResponse is RemoteStopTransaction.conf.
type RemoteStopTransactionResponse struct {
	Status RemoteStartStopStatus `json:"status" ocpp:"required"`
}

// ReserveNowRequest is ReserveNow.req; connectorId 0 reserves the Charge Point as a whole.
type ReserveNowRequest struct {
	ConnectorID   int      `json:"connectorId" ocpp:"required,min=0"`
	ExpiryDate    DateTime `json:"expiryDate" ocpp:"required"`
	IDTag         string   `json:"idTag" ocpp:"required,max=20"`
	ParentIDTag   string   `json:"parentIdTag,omitempty" ocpp:"max=20"`
	ReservationID int      `json:"reservationId" ocpp:"required"`
}

// ReserveNowResponse is ReserveNow.conf.
type ReserveNowResponse struct {
	Status ReservationStatus `json:"status" ocpp:"required"`
}

// ResetRequest is Reset.req.
type ResetRequest struct {
	Type ResetType `json:"type" ocpp:"required"`
}

// ResetResponse is Reset.conf.
type ResetResponse struct {
	Status ResetStatus `json:"status" ocpp:"required"`
}

// SendLocalListRequest is SendLocalList.req.
type SendLocalListRequest struct {
	ListVersion            int                 `json:"listVersion" ocpp:"required"`
	LocalAuthorizationList []AuthorizationData `json:"localAuthorizationList,omitempty"`
	UpdateType             UpdateType          `json:"updateType" ocpp:"required"`
}

// SendLocalListResponse is SendLocalList.conf.
type SendLocalListResponse struct {
	Status UpdateStatus `json:"status" ocpp:"required"`
}

// SetChargingProfileRequest is SetChargingProfile.req.
type SetChargingProfileRequest struct {
	ConnectorID        int             `json:"connectorId" ocpp:"required"`
	CsChargingProfiles ChargingProfile `json:"csChargingProfiles" ocpp:"required"`
}

// SetChargingProfileResponse is SetChargingProfile.conf.
type SetChargingProfileResponse struct {
	Status ChargingProfileStatus `json:"status" ocpp:"required"`
}

// TriggerMessageRequest is TriggerMessage.req. The field table says connectorId > 0 but the
// operation text (section 5.17) asks for the Charge Point's own status with connectorId 0,
// so 0 is accepted.
type TriggerMessageRequest struct {
	RequestedMessage MessageTrigger `json:"requestedMessage" ocpp:"required"`
	ConnectorID      *int           `json:"connectorId,omitempty" ocpp:"min=0"`
}

// TriggerMessageResponse is TriggerMessage.conf.
type TriggerMessageResponse struct {
	Status TriggerMessageStatus `json:"status" ocpp:"required"`
}

// UnlockConnectorRequest is UnlockConnector.req.
type UnlockConnectorRequest struct {
	ConnectorID int `json:"connectorId" ocpp:"required,min=1"`
}

// UnlockConnectorResponse is UnlockConnector.conf.
type UnlockConnectorResponse struct {
	Status UnlockStatus `json:"status" ocpp:"required"`
}

// UpdateFirmwareRequest is UpdateFirmware.req. Location is the firmware's URI.
type UpdateFirmwareRequest struct {
	Location      string   `json:"location" ocpp:"required,uri"`
	Retries       *int     `json:"retries,omitempty"`
	RetrieveDate  DateTime `json:"retrieveDate" ocpp:"required"`
	RetryInterval *int     `json:"retryInterval,omitempty"`
}

// UpdateFirmwareResponse is UpdateFirmware.conf.
type UpdateFirmwareResponse struct{}

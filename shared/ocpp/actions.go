package ocpp

// Action is the name of an OCPP 1.6 operation as it appears in a CALL. It is case-sensitive.
type Action string

// The 28 OCPP 1.6 actions (the security extension's are in security_messages.go).
const (
	Authorize                     Action = "Authorize"
	BootNotification              Action = "BootNotification"
	Heartbeat                     Action = "Heartbeat"
	StartTransaction              Action = "StartTransaction"
	StopTransaction               Action = "StopTransaction"
	StatusNotification            Action = "StatusNotification"
	MeterValues                   Action = "MeterValues"
	DataTransfer                  Action = "DataTransfer"
	DiagnosticsStatusNotification Action = "DiagnosticsStatusNotification"
	FirmwareStatusNotification    Action = "FirmwareStatusNotification"
	CancelReservation             Action = "CancelReservation"
	ChangeAvailability            Action = "ChangeAvailability"
	ChangeConfiguration           Action = "ChangeConfiguration"
	ClearCache                    Action = "ClearCache"
	ClearChargingProfile          Action = "ClearChargingProfile"
	GetCompositeSchedule          Action = "GetCompositeSchedule"
	GetConfiguration              Action = "GetConfiguration"
	GetDiagnostics                Action = "GetDiagnostics"
	GetLocalListVersion           Action = "GetLocalListVersion"
	RemoteStartTransaction        Action = "RemoteStartTransaction"
	RemoteStopTransaction         Action = "RemoteStopTransaction"
	ReserveNow                    Action = "ReserveNow"
	Reset                         Action = "Reset"
	SendLocalList                 Action = "SendLocalList"
	SetChargingProfile            Action = "SetChargingProfile"
	TriggerMessage                Action = "TriggerMessage"
	UnlockConnector               Action = "UnlockConnector"
	UpdateFirmware                Action = "UpdateFirmware"
)

// Initiator says which side may send an action's CALL.
type Initiator int

// Initiators. DataTransfer is the only action both sides may initiate.
const (
	ChargeBox Initiator = iota + 1
	CentralSystem
	Both
)

// String implements fmt.Stringer.
func (i Initiator) String() string {
	switch i {
	case ChargeBox:
		return "ChargeBox"
	case CentralSystem:
		return "CentralSystem"
	case Both:
		return "Both"
	}
	return "Initiator(?)"
}

// From reports whether a CALL of this action may come from side (ChargeBox or CentralSystem).
func (i Initiator) From(side Initiator) bool {
	return i == Both || i == side
}

// Spec describes one action: who initiates it and how to make its request and response.
// NewRequest and NewResponse return pointers to zero structs (e.g. *BootNotificationRequest).
type Spec struct {
	Action      Action
	Initiator   Initiator
	NewRequest  func() any
	NewResponse func() any
}

func spec[Req, Resp any](a Action, i Initiator) Spec {
	return Spec{
		Action:      a,
		Initiator:   i,
		NewRequest:  func() any { return new(Req) },
		NewResponse: func() any { return new(Resp) },
	}
}

// specs is the action table: adding an action is one line here plus its two types. The
// security extension's actions follow the 28 core ones (security_*.go).
var specs = append([]Spec{
	spec[AuthorizeRequest, AuthorizeResponse](Authorize, ChargeBox),
	spec[BootNotificationRequest, BootNotificationResponse](BootNotification, ChargeBox),
	spec[HeartbeatRequest, HeartbeatResponse](Heartbeat, ChargeBox),
	spec[StartTransactionRequest, StartTransactionResponse](StartTransaction, ChargeBox),
	spec[StopTransactionRequest, StopTransactionResponse](StopTransaction, ChargeBox),
	spec[StatusNotificationRequest, StatusNotificationResponse](StatusNotification, ChargeBox),
	spec[MeterValuesRequest, MeterValuesResponse](MeterValues, ChargeBox),
	spec[DataTransferRequest, DataTransferResponse](DataTransfer, Both),
	spec[DiagnosticsStatusNotificationRequest, DiagnosticsStatusNotificationResponse](DiagnosticsStatusNotification, ChargeBox),
	spec[FirmwareStatusNotificationRequest, FirmwareStatusNotificationResponse](FirmwareStatusNotification, ChargeBox),
	spec[CancelReservationRequest, CancelReservationResponse](CancelReservation, CentralSystem),
	spec[ChangeAvailabilityRequest, ChangeAvailabilityResponse](ChangeAvailability, CentralSystem),
	spec[ChangeConfigurationRequest, ChangeConfigurationResponse](ChangeConfiguration, CentralSystem),
	spec[ClearCacheRequest, ClearCacheResponse](ClearCache, CentralSystem),
	spec[ClearChargingProfileRequest, ClearChargingProfileResponse](ClearChargingProfile, CentralSystem),
	spec[GetCompositeScheduleRequest, GetCompositeScheduleResponse](GetCompositeSchedule, CentralSystem),
	spec[GetConfigurationRequest, GetConfigurationResponse](GetConfiguration, CentralSystem),
	spec[GetDiagnosticsRequest, GetDiagnosticsResponse](GetDiagnostics, CentralSystem),
	spec[GetLocalListVersionRequest, GetLocalListVersionResponse](GetLocalListVersion, CentralSystem),
	spec[RemoteStartTransactionRequest, RemoteStartTransactionResponse](RemoteStartTransaction, CentralSystem),
	spec[RemoteStopTransactionRequest, RemoteStopTransactionResponse](RemoteStopTransaction, CentralSystem),
	spec[ReserveNowRequest, ReserveNowResponse](ReserveNow, CentralSystem),
	spec[ResetRequest, ResetResponse](Reset, CentralSystem),
	spec[SendLocalListRequest, SendLocalListResponse](SendLocalList, CentralSystem),
	spec[SetChargingProfileRequest, SetChargingProfileResponse](SetChargingProfile, CentralSystem),
	spec[TriggerMessageRequest, TriggerMessageResponse](TriggerMessage, CentralSystem),
	spec[UnlockConnectorRequest, UnlockConnectorResponse](UnlockConnector, CentralSystem),
	spec[UpdateFirmwareRequest, UpdateFirmwareResponse](UpdateFirmware, CentralSystem),
}, securityCertSpecs...)

// allSpecs are the core actions, then the security extension's.
var allSpecs = append(specs[:len(specs):len(specs)], securitySpecs...)

var specByName = func() map[string]Spec {
	m := make(map[string]Spec, len(allSpecs))
	for _, s := range allSpecs {
		m[string(s.Action)] = s
	}
	return m
}()

// Lookup returns the Spec of an action. The name is matched exactly (case-sensitive).
func Lookup(action string) (Spec, bool) {
	s, ok := specByName[action]
	return s, ok
}

// Actions returns all actions in a stable order: the 28 core ones (charge box initiated first,
// then DataTransfer, then central system initiated), then the security extension's. The slice is a copy.
func Actions() []Spec {
	out := make([]Spec, len(allSpecs))
	copy(out, allSpecs)
	return out
}

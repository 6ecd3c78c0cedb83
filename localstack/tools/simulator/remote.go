package simulator

import (
	"fmt"
	"strconv"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// VendorID is the DataTransfer vendor the simulated boxes answer Accepted.
const VendorID = "org.serverless-ocpp.simulator"

// configKey is one configuration key of a box (GetConfiguration / ChangeConfiguration).
type configKey struct {
	value    string
	readonly bool
}

func (k *configKey) int() int {
	if k == nil {
		return 0
	}
	v, _ := strconv.Atoi(k.value)
	return v
}

func defaultConfig(cfg Config) map[string]*configKey {
	return map[string]*configKey{
		"HeartbeatInterval":                 {value: "300"},
		"MeterValueSampleInterval":          {value: fmt.Sprint(int(cfg.MeterInterval / time.Second))},
		"MeterValuesSampledData":            {value: "Energy.Active.Import.Register,Power.Active.Import"},
		"ConnectionTimeOut":                 {value: "60"},
		"AuthorizeRemoteTxRequests":         {value: "false"},
		"LocalAuthListEnabled":              {value: "true"},
		"LocalPreAuthorize":                 {value: "false"},
		"NumberOfConnectors":                {value: fmt.Sprint(cfg.Connectors), readonly: true},
		"SupportedFeatureProfiles":          {value: "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger", readonly: true},
		"ChargeProfileMaxStackLevel":        {value: "8", readonly: true},
		"ReserveConnectorZeroSupported":     {value: "false", readonly: true},
		"StopTransactionOnEVSideDisconnect": {value: "true"},
		// The security extension's keys a box reports (AuthorizationKey is write-only: never).
		"SecurityProfile":                {value: securityProfile(cfg)},
		"CpoName":                        {value: "Simulated CPO"},
		"AdditionalRootCertificateCheck": {value: "false", readonly: true},
		"CertificateSignedMaxChainSize":  {value: "10000", readonly: true},
		"CertificateStoreMaxLength":      {value: fmt.Sprint(maxCertificates), readonly: true},
	}
}

// remoteHandler answers one central-system CALL. It may queue follow-up work (a session to
// start, messages to send) on b.todo: answers go out first, as a real box does.
type remoteHandler func(b *box, req any) any

// remoteHandlers covers every action the central system may send: the 18 central-system
// actions, DataTransfer and the security extension's. It is filled in init because the handlers (Reset reboots the box,
// which answers CALLs again) refer back to it.
var remoteHandlers map[ocpp.Action]remoteHandler

func init() {
	remoteHandlers = map[ocpp.Action]remoteHandler{
		ocpp.CancelReservation:      remote((*box).cancelReservation),
		ocpp.ChangeAvailability:     remote((*box).changeAvailability),
		ocpp.ChangeConfiguration:    remote((*box).changeConfiguration),
		ocpp.ClearCache:             remote((*box).clearCache),
		ocpp.ClearChargingProfile:   remote((*box).clearChargingProfile),
		ocpp.DataTransfer:           remote((*box).dataTransfer),
		ocpp.GetCompositeSchedule:   remote((*box).getCompositeSchedule),
		ocpp.GetConfiguration:       remote((*box).getConfiguration),
		ocpp.GetDiagnostics:         remote((*box).getDiagnostics),
		ocpp.GetLocalListVersion:    remote((*box).getLocalListVersion),
		ocpp.RemoteStartTransaction: remote((*box).remoteStart),
		ocpp.RemoteStopTransaction:  remote((*box).remoteStop),
		ocpp.ReserveNow:             remote((*box).reserveNow),
		ocpp.Reset:                  remote((*box).reset),
		ocpp.SendLocalList:          remote((*box).sendLocalList),
		ocpp.SetChargingProfile:     remote((*box).setChargingProfile),
		ocpp.TriggerMessage:         remote((*box).triggerMessage),
		ocpp.UnlockConnector:        remote((*box).unlockConnector),
		ocpp.UpdateFirmware:         remote((*box).updateFirmware),
		// The security extension (security.go).
		ocpp.InstallCertificate:         remote((*box).installCertificate),
		ocpp.DeleteCertificate:          remote((*box).deleteCertificate),
		ocpp.GetInstalledCertificateIds: remote((*box).getInstalledCertificateIds),
		ocpp.GetLog:                     remote((*box).getLog),
		ocpp.SignedUpdateFirmware:       remote((*box).signedUpdateFirmware),
		ocpp.ExtendedTriggerMessage:     remote((*box).extendedTriggerMessage),
		ocpp.CertificateSigned:          remote((*box).certificateSigned),
	}
}

func remote[Req, Resp any](f func(*box, *Req) *Resp) remoteHandler {
	return func(b *box, req any) any { return f(b, req.(*Req)) }
}

// answerRemote validates a CALL from the central system and answers it.
func (b *box) answerRemote(f ocpp.Frame) {
	b.st.remoteCall(f.Action)
	var out []byte
	spec, known := ocpp.Lookup(f.Action)
	h, handled := remoteHandlers[ocpp.Action(f.Action)]
	switch {
	case !known:
		out = ocpp.ErrorFrame(f.UniqueID, ocpp.NotImplemented, fmt.Sprintf("unknown action %q", f.Action), nil)
	case !handled || !spec.Initiator.From(ocpp.CentralSystem):
		out = ocpp.ErrorFrame(f.UniqueID, ocpp.NotSupported, f.Action+" is not sent by a central system", nil)
	default:
		req, err := ocpp.DecodeRequest(f.Action, f.Payload)
		if err != nil {
			b.st.problem("invalid CALLs from the central system")
			oe := ocpp.AsError(err)
			out = ocpp.ErrorFrame(f.UniqueID, oe.Code, oe.Description, nil)
			break
		}
		resp := h(b, req)
		if out, err = ocpp.ResultFrame(f.UniqueID, resp); err != nil {
			b.st.problem("invalid answers built by the simulator: " + f.Action)
			out = ocpp.ErrorFrame(f.UniqueID, ocpp.InternalError, "simulator built an invalid answer", nil)
		}
	}
	if b.ws != nil {
		_ = b.write(out)
	}
	b.traceLine(fmt.Sprintf("received [2,%q,%q,%s] -> answered %s", f.UniqueID, f.Action, f.Payload, out))
}

// later queues a follow-up to run after the answer has been sent.
func (b *box) later(f func() error) { b.todo = append(b.todo, f) }

func (b *box) cancelReservation(req *ocpp.CancelReservationRequest) *ocpp.CancelReservationResponse {
	for _, c := range b.connectors {
		if c.reservation != nil && c.reservation.ReservationID == req.ReservationID {
			c.reservation = nil
			if c.phase == idle {
				b.later(func() error { return b.status(c.id, idleStatus(c)) })
			}
			return &ocpp.CancelReservationResponse{Status: ocpp.CancelReservationStatusAccepted}
		}
	}
	return &ocpp.CancelReservationResponse{Status: ocpp.CancelReservationStatusRejected}
}

func (b *box) changeAvailability(req *ocpp.ChangeAvailabilityRequest) *ocpp.ChangeAvailabilityResponse {
	targets := b.connectors
	if req.ConnectorID > 0 {
		c := b.connector(req.ConnectorID)
		if c == nil {
			return &ocpp.ChangeAvailabilityResponse{Status: ocpp.AvailabilityStatusRejected}
		}
		targets = []*connector{c}
	}
	operative := req.Type == ocpp.AvailabilityTypeOperative
	status := ocpp.AvailabilityStatusAccepted
	for _, c := range targets {
		if !operative && c.phase != idle {
			// A running session finishes first (specification 5.2).
			c.inoperative, status = true, ocpp.AvailabilityStatusScheduled
			continue
		}
		c.operative, c.inoperative = operative, false
		if c.phase == idle {
			b.later(func() error { return b.status(c.id, idleStatus(c)) })
		}
	}
	return &ocpp.ChangeAvailabilityResponse{Status: status}
}

func (b *box) changeConfiguration(req *ocpp.ChangeConfigurationRequest) *ocpp.ChangeConfigurationResponse {
	k, ok := b.config[req.Key]
	switch {
	case !ok:
		return &ocpp.ChangeConfigurationResponse{Status: ocpp.ConfigurationStatusNotSupported}
	case k.readonly:
		return &ocpp.ChangeConfigurationResponse{Status: ocpp.ConfigurationStatusRejected}
	}
	if req.Key == "HeartbeatInterval" || req.Key == "MeterValueSampleInterval" || req.Key == "ConnectionTimeOut" {
		n, err := strconv.Atoi(req.Value)
		if err != nil || n <= 0 {
			return &ocpp.ChangeConfigurationResponse{Status: ocpp.ConfigurationStatusRejected}
		}
		if req.Key == "HeartbeatInterval" {
			b.heartbeat = b.cfg.scaled(time.Duration(n) * time.Second)
			b.nextHeartbeat = time.Now().Add(b.heartbeat)
		}
	}
	k.value = req.Value
	return &ocpp.ChangeConfigurationResponse{Status: ocpp.ConfigurationStatusAccepted}
}

func (b *box) clearCache(*ocpp.ClearCacheRequest) *ocpp.ClearCacheResponse {
	return &ocpp.ClearCacheResponse{Status: ocpp.ClearCacheStatusAccepted}
}

func (b *box) clearChargingProfile(req *ocpp.ClearChargingProfileRequest) *ocpp.ClearChargingProfileResponse {
	cleared := false
	for id, p := range b.profiles {
		match := (req.ID == nil || *req.ID == id) &&
			(req.ChargingProfilePurpose == "" || req.ChargingProfilePurpose == p.ChargingProfilePurpose) &&
			(req.StackLevel == nil || *req.StackLevel == p.StackLevel)
		if match {
			delete(b.profiles, id)
			cleared = true
		}
	}
	if cleared {
		return &ocpp.ClearChargingProfileResponse{Status: ocpp.ClearChargingProfileStatusAccepted}
	}
	return &ocpp.ClearChargingProfileResponse{Status: ocpp.ClearChargingProfileStatusUnknown}
}

func (b *box) dataTransfer(req *ocpp.DataTransferRequest) *ocpp.DataTransferResponse {
	if req.VendorID != VendorID {
		return &ocpp.DataTransferResponse{Status: ocpp.DataTransferStatusUnknownVendorId}
	}
	return &ocpp.DataTransferResponse{Status: ocpp.DataTransferStatusAccepted, Data: req.Data}
}

func (b *box) getCompositeSchedule(req *ocpp.GetCompositeScheduleRequest) *ocpp.GetCompositeScheduleResponse {
	if req.ConnectorID < 0 || req.ConnectorID > len(b.connectors) || req.Duration <= 0 {
		return &ocpp.GetCompositeScheduleResponse{Status: ocpp.GetCompositeScheduleStatusRejected}
	}
	unit := req.ChargingRateUnit
	if unit == "" {
		unit = ocpp.ChargingRateUnitA
	}
	limit := 32.0
	if unit == ocpp.ChargingRateUnitW {
		limit = 22000
	}
	// The lowest limit of the stored profiles' first periods in the requested unit.
	for _, p := range b.profiles {
		s := p.ChargingSchedule
		if s.ChargingRateUnit == unit && len(s.ChargingSchedulePeriod) > 0 && s.ChargingSchedulePeriod[0].Limit < limit {
			limit = s.ChargingSchedulePeriod[0].Limit
		}
	}
	id, dur, start := req.ConnectorID, req.Duration, ocpp.NewDateTime(time.Now().UTC())
	return &ocpp.GetCompositeScheduleResponse{Status: ocpp.GetCompositeScheduleStatusAccepted, ConnectorID: &id, ScheduleStart: &start,
		ChargingSchedule: &ocpp.ChargingSchedule{Duration: &dur, StartSchedule: &start, ChargingRateUnit: unit,
			ChargingSchedulePeriod: []ocpp.ChargingSchedulePeriod{{StartPeriod: 0, Limit: limit}}}}
}

func (b *box) getConfiguration(req *ocpp.GetConfigurationRequest) *ocpp.GetConfigurationResponse {
	resp := &ocpp.GetConfigurationResponse{}
	keys := req.Key
	if len(keys) == 0 {
		for k := range b.config {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if v, ok := b.config[k]; ok {
			value := v.value
			resp.ConfigurationKey = append(resp.ConfigurationKey, ocpp.KeyValue{Key: k, Readonly: v.readonly, Value: &value})
		} else {
			resp.UnknownKey = append(resp.UnknownKey, k)
		}
	}
	return resp
}

func (b *box) getDiagnostics(*ocpp.GetDiagnosticsRequest) *ocpp.GetDiagnosticsResponse {
	for _, s := range []ocpp.DiagnosticsStatus{ocpp.DiagnosticsStatusUploading, ocpp.DiagnosticsStatusUploaded} {
		b.later(func() error {
			return b.simpleCall(ocpp.DiagnosticsStatusNotification, &ocpp.DiagnosticsStatusNotificationRequest{Status: s}, &ocpp.DiagnosticsStatusNotificationResponse{})
		})
	}
	return &ocpp.GetDiagnosticsResponse{FileName: fmt.Sprintf("diagnostics-%s-%d.zip", b.id, time.Now().Unix())}
}

func (b *box) getLocalListVersion(*ocpp.GetLocalListVersionRequest) *ocpp.GetLocalListVersionResponse {
	return &ocpp.GetLocalListVersionResponse{ListVersion: b.localListVersion}
}

func (b *box) remoteStart(req *ocpp.RemoteStartTransactionRequest) *ocpp.RemoteStartTransactionResponse {
	var c *connector
	if req.ConnectorID != nil {
		c = b.connector(*req.ConnectorID)
	} else {
		for _, cand := range b.connectors {
			if cand.phase == idle && cand.operative && cand.reservation == nil {
				c = cand
				break
			}
		}
	}
	if c == nil || c.phase != idle || !c.operative || (c.reservation != nil && c.reservation.IDTag != req.IDTag) {
		return &ocpp.RemoteStartTransactionResponse{Status: ocpp.RemoteStartStopStatusRejected}
	}
	var reservation *int
	if c.reservation != nil {
		id := c.reservation.ReservationID
		reservation = &id
	}
	if req.ChargingProfile != nil {
		b.profiles[req.ChargingProfile.ChargingProfileID] = *req.ChargingProfile
	}
	// AuthorizeRemoteTxRequests is false: the box starts without an Authorize.
	b.prepareStart(c, req.IDTag, true, reservation)
	b.later(func() error {
		if err := b.status(c.id, ocpp.ChargePointStatusPreparing); err != nil {
			return err
		}
		return b.advance(c, time.Now())
	})
	return &ocpp.RemoteStartTransactionResponse{Status: ocpp.RemoteStartStopStatusAccepted}
}

func (b *box) remoteStop(req *ocpp.RemoteStopTransactionRequest) *ocpp.RemoteStopTransactionResponse {
	for _, c := range b.connectors {
		if c.phase == charging && c.tx == req.TransactionID {
			b.prepareStop(c, ocpp.ReasonRemote)
			b.later(func() error { return b.advance(c, time.Now()) })
			return &ocpp.RemoteStopTransactionResponse{Status: ocpp.RemoteStartStopStatusAccepted}
		}
	}
	return &ocpp.RemoteStopTransactionResponse{Status: ocpp.RemoteStartStopStatusRejected}
}

func (b *box) reserveNow(req *ocpp.ReserveNowRequest) *ocpp.ReserveNowResponse {
	c := b.connector(req.ConnectorID)
	switch {
	case c == nil: // connector 0: ReserveConnectorZeroSupported is false
		return &ocpp.ReserveNowResponse{Status: ocpp.ReservationStatusRejected}
	case !c.operative:
		return &ocpp.ReserveNowResponse{Status: ocpp.ReservationStatusUnavailable}
	case c.phase != idle || (c.reservation != nil && c.reservation.ReservationID != req.ReservationID):
		return &ocpp.ReserveNowResponse{Status: ocpp.ReservationStatusOccupied}
	}
	r := *req
	c.reservation = &r
	b.later(func() error { return b.status(c.id, ocpp.ChargePointStatusReserved) })
	return &ocpp.ReserveNowResponse{Status: ocpp.ReservationStatusAccepted}
}

func (b *box) reset(req *ocpp.ResetRequest) *ocpp.ResetResponse {
	reason := ocpp.ReasonSoftReset
	if req.Type == ocpp.ResetTypeHard {
		reason = ocpp.ReasonHardReset
	}
	b.later(func() error { return b.reboot(reason) })
	return &ocpp.ResetResponse{Status: ocpp.ResetStatusAccepted}
}

// reboot stops the running sessions, closes the connection, comes back and boots again.
func (b *box) reboot(reason ocpp.Reason) error {
	b.st.event("resets")
	for _, c := range b.connectors {
		b.prepareStop(c, reason)
		for attempt := 0; attempt < 3 && (c.phase == stopping || c.phase == starting); attempt++ {
			if err := b.advance(c, time.Now()); err != nil {
				b.handle(err)
			}
		}
		c.reservation = nil
	}
	b.drop()
	b.sleep(b.jitter(5 * time.Second))
	if !b.connectRetry(b.hard) {
		return errDown
	}
	b.boot(b.soft)
	return nil
}

func (b *box) sendLocalList(req *ocpp.SendLocalListRequest) *ocpp.SendLocalListResponse {
	if req.UpdateType == ocpp.UpdateTypeDifferential && req.ListVersion <= b.localListVersion {
		return &ocpp.SendLocalListResponse{Status: ocpp.UpdateStatusVersionMismatch}
	}
	b.localListVersion = req.ListVersion
	return &ocpp.SendLocalListResponse{Status: ocpp.UpdateStatusAccepted}
}

func (b *box) setChargingProfile(req *ocpp.SetChargingProfileRequest) *ocpp.SetChargingProfileResponse {
	p := req.CsChargingProfiles
	reject := &ocpp.SetChargingProfileResponse{Status: ocpp.ChargingProfileStatusRejected}
	if req.ConnectorID < 0 || req.ConnectorID > len(b.connectors) || p.StackLevel > b.config["ChargeProfileMaxStackLevel"].int() {
		return reject
	}
	if p.ChargingProfilePurpose == ocpp.ChargingProfilePurposeTxProfile {
		c := b.connector(req.ConnectorID)
		if c == nil || c.phase != charging || (p.TransactionID != nil && *p.TransactionID != c.tx) {
			return reject
		}
	}
	b.profiles[p.ChargingProfileID] = p
	return &ocpp.SetChargingProfileResponse{Status: ocpp.ChargingProfileStatusAccepted}
}

func (b *box) triggerMessage(req *ocpp.TriggerMessageRequest) *ocpp.TriggerMessageResponse {
	targets := b.connectors
	if req.ConnectorID != nil && *req.ConnectorID > 0 {
		c := b.connector(*req.ConnectorID)
		if c == nil {
			return &ocpp.TriggerMessageResponse{Status: ocpp.TriggerMessageStatusRejected}
		}
		targets = []*connector{c}
	}
	switch req.RequestedMessage {
	case ocpp.MessageTriggerBootNotification:
		b.later(func() error {
			var resp ocpp.BootNotificationResponse
			return b.simpleCall(ocpp.BootNotification, &ocpp.BootNotificationRequest{ChargePointVendor: "Simulator", ChargePointModel: "SIM-AC-22",
				ChargePointSerialNumber: b.id, FirmwareVersion: "1.6.0-sim", MeterType: "SIM-METER"}, &resp)
		})
	case ocpp.MessageTriggerHeartbeat:
		b.later(func() error {
			return b.simpleCall(ocpp.Heartbeat, &ocpp.HeartbeatRequest{}, &ocpp.HeartbeatResponse{})
		})
	case ocpp.MessageTriggerStatusNotification:
		if req.ConnectorID != nil && *req.ConnectorID == 0 {
			b.later(func() error { return b.status(0, ocpp.ChargePointStatusAvailable) })
			break
		}
		for _, c := range targets {
			b.later(func() error { return b.status(c.id, c.status) })
		}
	case ocpp.MessageTriggerMeterValues:
		for _, c := range targets {
			b.later(func() error {
				now := time.Now()
				req := &ocpp.MeterValuesRequest{ConnectorID: c.id, MeterValue: []ocpp.MeterValue{b.sample(c, now, ocpp.ReadingContextTrigger)}}
				if c.phase == charging {
					b.accumulate(c, now)
					tx := c.tx
					req.TransactionID = &tx
					req.MeterValue = []ocpp.MeterValue{b.sample(c, now, ocpp.ReadingContextTrigger)}
				}
				return b.simpleCall(ocpp.MeterValues, req, &ocpp.MeterValuesResponse{})
			})
		}
	case ocpp.MessageTriggerDiagnosticsStatusNotification:
		b.later(func() error {
			return b.simpleCall(ocpp.DiagnosticsStatusNotification, &ocpp.DiagnosticsStatusNotificationRequest{Status: ocpp.DiagnosticsStatusIdle}, &ocpp.DiagnosticsStatusNotificationResponse{})
		})
	case ocpp.MessageTriggerFirmwareStatusNotification:
		b.later(func() error {
			return b.simpleCall(ocpp.FirmwareStatusNotification, &ocpp.FirmwareStatusNotificationRequest{Status: ocpp.FirmwareStatusIdle}, &ocpp.FirmwareStatusNotificationResponse{})
		})
	default:
		return &ocpp.TriggerMessageResponse{Status: ocpp.TriggerMessageStatusNotImplemented}
	}
	return &ocpp.TriggerMessageResponse{Status: ocpp.TriggerMessageStatusAccepted}
}

func (b *box) unlockConnector(req *ocpp.UnlockConnectorRequest) *ocpp.UnlockConnectorResponse {
	c := b.connector(req.ConnectorID)
	if c == nil {
		return &ocpp.UnlockConnectorResponse{Status: ocpp.UnlockStatusNotSupported}
	}
	if c.phase == charging {
		b.prepareStop(c, ocpp.ReasonUnlockCommand)
		b.later(func() error { return b.advance(c, time.Now()) })
	}
	return &ocpp.UnlockConnectorResponse{Status: ocpp.UnlockStatusUnlocked}
}

func (b *box) updateFirmware(*ocpp.UpdateFirmwareRequest) *ocpp.UpdateFirmwareResponse {
	for _, s := range []ocpp.FirmwareStatus{ocpp.FirmwareStatusDownloading, ocpp.FirmwareStatusDownloaded, ocpp.FirmwareStatusInstalling, ocpp.FirmwareStatusInstalled} {
		b.later(func() error {
			return b.simpleCall(ocpp.FirmwareStatusNotification, &ocpp.FirmwareStatusNotificationRequest{Status: s}, &ocpp.FirmwareStatusNotificationResponse{})
		})
	}
	return &ocpp.UpdateFirmwareResponse{}
}

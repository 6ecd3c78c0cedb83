package csms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

func (s *Service) bootNotification(ctx context.Context, c *call, req *ocpp.BootNotificationRequest) (*ocpp.BootNotificationResponse, error) {
	stored, err := s.store.RecordBoot(ctx, c.ChargeBoxID, store.Boot{
		ChargePointVendor: req.ChargePointVendor, ChargePointModel: req.ChargePointModel,
		ChargePointSerialNumber: req.ChargePointSerialNumber, ChargeBoxSerialNumber: req.ChargeBoxSerialNumber,
		FirmwareVersion: req.FirmwareVersion, Iccid: req.Iccid, Imsi: req.Imsi,
		MeterType: req.MeterType, MeterSerialNumber: req.MeterSerialNumber,
		BootedAt: store.FormatTime(c.ReceivedAt),
	})
	status := ocpp.RegistrationStatus(stored)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// The registry entry was deleted while the box stayed connected.
		status = ocpp.RegistrationStatusRejected
	case err != nil:
		return nil, err
	case status == "":
		status = ocpp.RegistrationStatusPending // a registry entry without a status
	}
	return &ocpp.BootNotificationResponse{
		Status:      status,
		CurrentTime: ocpp.DateTime{Time: s.now().UTC()},
		Interval:    int(s.opts.HeartbeatInterval / time.Second),
	}, nil
}

// heartbeat writes nothing of its own: the frame-log row is the last-seen record.
func (s *Service) heartbeat(_ context.Context, _ *call, _ *ocpp.HeartbeatRequest) (*ocpp.HeartbeatResponse, error) {
	return &ocpp.HeartbeatResponse{CurrentTime: ocpp.DateTime{Time: s.now().UTC()}}, nil
}

func (s *Service) authorize(ctx context.Context, _ *call, req *ocpp.AuthorizeRequest) (*ocpp.AuthorizeResponse, error) {
	info, err := s.idTagInfo(ctx, req.IDTag, true)
	if err != nil {
		return nil, err
	}
	return &ocpp.AuthorizeResponse{IDTagInfo: info}, nil
}

// idTagInfo looks an id tag up on the authorization list. With limit, an accepted tag already
// running its maxActiveTransactions sessions is ConcurrentTx.
func (s *Service) idTagInfo(ctx context.Context, idTag string, limit bool) (ocpp.IDTagInfo, error) {
	t, err := s.store.GetIDTag(ctx, idTag)
	if errors.Is(err, store.ErrNotFound) {
		if s.opts.AcceptUnknownTags {
			return ocpp.IDTagInfo{Status: ocpp.AuthorizationStatusAccepted}, nil
		}
		return ocpp.IDTagInfo{Status: ocpp.AuthorizationStatusInvalid}, nil
	}
	if err != nil {
		return ocpp.IDTagInfo{}, fmt.Errorf("authorize %s: %w", idTag, err)
	}
	info := ocpp.IDTagInfo{Status: ocpp.AuthorizationStatus(t.Status), ParentIDTag: t.ParentIDTag}
	if ocpp.Validate(&info) != nil {
		// A status the list should never hold: refuse rather than answer out of spec.
		info.Status = ocpp.AuthorizationStatusInvalid
	}
	if t.ExpiryDate != "" {
		exp, err := time.Parse(time.RFC3339Nano, t.ExpiryDate)
		if err == nil {
			info.ExpiryDate = &ocpp.DateTime{Time: exp.UTC()}
			if info.Status == ocpp.AuthorizationStatusAccepted && !exp.After(s.now()) {
				info.Status = ocpp.AuthorizationStatusExpired
			}
		}
	}
	if limit && info.Status == ocpp.AuthorizationStatusAccepted && t.MaxActiveTransactions > 0 {
		running, err := s.store.CountRunning(ctx, idTag)
		if err != nil {
			return ocpp.IDTagInfo{}, err
		}
		if running >= t.MaxActiveTransactions {
			info.Status = ocpp.AuthorizationStatusConcurrentTx
		}
	}
	return info, nil
}

func (s *Service) startTransaction(ctx context.Context, c *call, req *ocpp.StartTransactionRequest) (*ocpp.StartTransactionResponse, error) {
	// Counted before this session is stored, so the limit-th session is still Accepted.
	info, err := s.idTagInfo(ctx, req.IDTag, true)
	if err != nil {
		return nil, err
	}
	// The session is stored whatever the tag's status: the box has started it and will
	// stop it (or not) by its own configuration, and the energy must be accounted.
	started, err := s.store.Start(ctx, store.Session{
		ChargeBoxID: c.ChargeBoxID, TenantID: c.TenantID, ConnectorID: req.ConnectorID, IDTag: req.IDTag,
		MeterStart: req.MeterStart, StartedAt: store.FormatTime(req.Timestamp.Time), ReservationID: req.ReservationID,
		IDTagStatus: string(info.Status), StartFlags: s.startFlags(req, c.ReceivedAt),
	}, s.now())
	if err != nil {
		return nil, err
	}
	if started.Retry && started.IDTagStatus != "" {
		// A retry is answered as the first start was; counting now would count that session.
		info.Status = ocpp.AuthorizationStatus(started.IDTagStatus)
	}
	return &ocpp.StartTransactionResponse{TransactionID: started.TransactionID, IDTagInfo: info}, nil
}

func (s *Service) stopTransaction(ctx context.Context, c *call, req *ocpp.StopTransactionRequest) (*ocpp.StopTransactionResponse, error) {
	var data string
	if len(req.TransactionData) > 0 {
		b, err := json.Marshal(req.TransactionData)
		if err != nil {
			return nil, fmt.Errorf("encode transactionData: %w", err)
		}
		data = string(b)
	}
	stopped, err := s.store.FinishSession(ctx, store.Stop{
		ChargeBoxID: c.ChargeBoxID, TenantID: c.TenantID, TransactionID: req.TransactionID, MeterStop: req.MeterStop,
		StoppedAt: store.FormatTime(req.Timestamp.Time), Reason: string(req.Reason), IDTag: req.IDTag, TransactionData: data,
		UniqueID: c.UniqueID,
		Flags:    s.stopFlags(req, c.ReceivedAt),
	}, s.now())
	if err != nil {
		return nil, err
	}
	switch {
	case stopped.Anomaly != nil:
		s.logAnomaly(c, stopped.Anomaly)
	case !stopped.Changed:
		s.log.Info("stop changed nothing (already finished: a retry)", "chargeBoxId", c.ChargeBoxID, "transactionId", req.TransactionID)
	}
	resp := &ocpp.StopTransactionResponse{}
	if req.IDTag != "" {
		info, err := s.idTagInfo(ctx, req.IDTag, false)
		if err != nil {
			return nil, err
		}
		resp.IDTagInfo = &info
	}
	return resp, nil
}

func (s *Service) statusNotification(ctx context.Context, c *call, req *ocpp.StatusNotificationRequest) (*ocpp.StatusNotificationResponse, error) {
	at := c.ReceivedAt
	if req.Timestamp != nil {
		at = req.Timestamp.Time
	}
	// The receipt order decides which status is current; the box's timestamp is kept as sent.
	stored, err := s.store.SetConnectorStatus(ctx, store.Connector{
		ChargeBoxID: c.ChargeBoxID, ConnectorID: req.ConnectorID, Status: string(req.Status), ErrorCode: string(req.ErrorCode),
		Info: req.Info, VendorID: req.VendorID, VendorErrorCode: req.VendorErrorCode,
		StatusAt: store.FormatTime(at), ReceivedAt: store.FormatTime(c.ReceivedAt), TimestampAhead: s.ahead(at, c.ReceivedAt),
	})
	if err != nil {
		return nil, err
	}
	if !stored {
		s.log.Info("status notification received before the stored one ignored", "chargeBoxId", c.ChargeBoxID, "connectorId", req.ConnectorID)
	}
	return &ocpp.StatusNotificationResponse{}, nil
}

func (s *Service) meterValues(ctx context.Context, c *call, req *ocpp.MeterValuesRequest) (*ocpp.MeterValuesResponse, error) {
	mv := store.MeterValues{ChargeBoxID: c.ChargeBoxID, TenantID: c.TenantID, ConnectorID: req.ConnectorID,
		UniqueID: c.UniqueID, Source: string(ocpp.MeterValues), Values: make([]store.MeterValue, 0, len(req.MeterValue))}
	if req.TransactionID != nil {
		mv.TransactionID = *req.TransactionID
	}
	for _, v := range req.MeterValue {
		m := store.MeterValue{Timestamp: store.FormatTime(v.Timestamp.Time), SampledValues: make([]store.SampledValue, 0, len(v.SampledValue))}
		for _, sv := range v.SampledValue {
			m.SampledValues = append(m.SampledValues, store.SampledValue{
				Value: sv.Value, Context: string(sv.Context), Format: string(sv.Format), Measurand: string(sv.Measurand),
				Phase: string(sv.Phase), Location: string(sv.Location), Unit: string(sv.Unit),
			})
		}
		mv.Values = append(mv.Values, m)
	}
	stored, err := s.store.PutMeterValues(ctx, mv, s.now())
	if err != nil {
		return nil, err
	}
	if stored.Anomaly != nil {
		s.logAnomaly(c, stored.Anomaly)
	}
	return &ocpp.MeterValuesResponse{}, nil
}

// AnomalyLog is the message of the log line written for every frame that was not allowed to
// change what it named (an anomaly record); infra/ counts these lines in a CloudWatch metric.
const AnomalyLog = "anomaly: frame named a transaction the charge box does not own"

// logAnomaly writes the anomaly's log line, one per attempt.
func (s *Service) logAnomaly(c *call, a *store.Anomaly) {
	s.log.Warn(AnomalyLog, "chargeBoxId", c.ChargeBoxID, "uniqueId", c.UniqueID, "action", c.Action,
		"anomalyKind", a.Kind, "transactionId", a.TransactionID, "ownerChargeBoxId", a.OwnerChargeBoxID, "anomalyKey", a.AnomalyKey)
}

// dataTransfer answers vendor messages; the frame log keeps what was sent.
func (s *Service) dataTransfer(_ context.Context, c *call, req *ocpp.DataTransferRequest) (*ocpp.DataTransferResponse, error) {
	if !s.vendorKnown(req.VendorID) {
		return &ocpp.DataTransferResponse{Status: ocpp.DataTransferStatusUnknownVendorId}, nil
	}
	s.log.Info("data transfer", "chargeBoxId", c.ChargeBoxID, "vendorId", req.VendorID, "messageId", req.MessageID)
	return &ocpp.DataTransferResponse{Status: ocpp.DataTransferStatusAccepted}, nil
}

func (s *Service) diagnosticsStatusNotification(ctx context.Context, c *call, req *ocpp.DiagnosticsStatusNotificationRequest) (*ocpp.DiagnosticsStatusNotificationResponse, error) {
	if err := s.store.SetDiagnosticsStatus(ctx, c.ChargeBoxID, string(req.Status), c.ReceivedAt); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &ocpp.DiagnosticsStatusNotificationResponse{}, nil
}

func (s *Service) firmwareStatusNotification(ctx context.Context, c *call, req *ocpp.FirmwareStatusNotificationRequest) (*ocpp.FirmwareStatusNotificationResponse, error) {
	if err := s.store.SetFirmwareStatus(ctx, c.ChargeBoxID, string(req.Status), c.ReceivedAt); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &ocpp.FirmwareStatusNotificationResponse{}, nil
}

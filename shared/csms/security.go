package csms

import (
	"context"
	"errors"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// The security extension's messages from charge boxes, and what the answers to its remote
// operations change (see effects).

// CriticalSecurityEventLog is the message of the log line written once per critical security
// event (the whitepaper's list, store.CriticalSecurityEvent); infra/ counts these lines in a
// CloudWatch metric with an alarm.
const CriticalSecurityEventLog = "critical security event from a charge box"

func (s *Service) securityEventNotification(ctx context.Context, c *call, req *ocpp.SecurityEventNotificationRequest) (*ocpp.SecurityEventNotificationResponse, error) {
	e := store.SecurityEvent{
		ChargeBoxID: c.ChargeBoxID, TenantID: c.TenantID, Type: req.Type, Timestamp: store.FormatTime(req.Timestamp.Time),
		TechInfo: req.TechInfo, ReceivedAt: store.FormatTime(c.ReceivedAt), UniqueID: c.UniqueID,
		Critical: store.CriticalSecurityEvent(req.Type),
	}
	stored, err := s.store.PutSecurityEvent(ctx, e)
	if err != nil {
		return nil, err
	}
	if stored && e.Critical {
		s.log.Warn(CriticalSecurityEventLog, "chargeBoxId", c.ChargeBoxID, "uniqueId", c.UniqueID,
			"securityEventType", e.Type, "eventTimestamp", e.Timestamp, "techInfo", e.TechInfo)
	}
	return &ocpp.SecurityEventNotificationResponse{}, nil
}

func (s *Service) signedFirmwareStatusNotification(ctx context.Context, c *call, req *ocpp.SignedFirmwareStatusNotificationRequest) (*ocpp.SignedFirmwareStatusNotificationResponse, error) {
	if err := s.store.SetSignedFirmwareStatus(ctx, c.ChargeBoxID, string(req.Status), req.RequestID, c.ReceivedAt); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &ocpp.SignedFirmwareStatusNotificationResponse{}, nil
}

func (s *Service) logStatusNotification(ctx context.Context, c *call, req *ocpp.LogStatusNotificationRequest) (*ocpp.LogStatusNotificationResponse, error) {
	if err := s.store.SetLogStatus(ctx, c.ChargeBoxID, string(req.Status), req.RequestID, c.ReceivedAt); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &ocpp.LogStatusNotificationResponse{}, nil
}

// setRecord stores a SecurityState record of the command's box; a box deleted meanwhile has
// nowhere to keep it.
func (s *Service) setRecord(ctx context.Context, cmd store.Command, attr string, record any) error {
	if err := s.store.SetSecurityRecord(ctx, cmd.ChargeBoxID, attr, record); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

func getLogEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.GetLogRequest, resp *ocpp.GetLogResponse) error {
	return s.setRecord(ctx, cmd, "logRequest", store.LogRequest{
		RequestID: req.RequestID, LogType: string(req.LogType), RemoteLocation: req.Log.RemoteLocation,
		Status: string(resp.Status), Filename: resp.Filename, CommandID: cmd.CommandID, At: store.FormatTime(s.now()),
	})
}

func signedUpdateFirmwareEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.SignedUpdateFirmwareRequest, resp *ocpp.SignedUpdateFirmwareResponse) error {
	return s.setRecord(ctx, cmd, "signedFirmwareRequest", store.FirmwareRequest{
		RequestID: req.RequestID, Location: req.Firmware.Location, RetrieveDateTime: store.FormatTime(req.Firmware.RetrieveDateTime.Time),
		Status: string(resp.Status), CommandID: cmd.CommandID, At: store.FormatTime(s.now()),
	})
}

func getInstalledCertificateIdsEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.GetInstalledCertificateIdsRequest, resp *ocpp.GetInstalledCertificateIdsResponse) error {
	rec := store.InstalledCertificates{Status: string(resp.Status), Certificates: []store.CertificateHash{}, CommandID: cmd.CommandID, At: store.FormatTime(s.now())}
	for _, h := range resp.CertificateHashData {
		rec.Certificates = append(rec.Certificates, certificateHash(h))
	}
	attr := "manufacturerRootCertificates"
	if req.CertificateType == ocpp.CertificateUseCentralSystemRootCertificate {
		attr = "centralSystemRootCertificates"
	}
	return s.setRecord(ctx, cmd, attr, rec)
}

// installCertificateEffect records the certificate a box accepted, with the hash data that
// names it on the box (computed when it is self-signed, as root certificates are).
func installCertificateEffect(ctx context.Context, s *Service, cmd store.Command, req *ocpp.InstallCertificateRequest, resp *ocpp.InstallCertificateResponse) error {
	if resp.Status != ocpp.InstallCertificateStatusAccepted {
		return nil
	}
	cert, err := ocpp.ParseCertificatePEM(req.Certificate)
	if err != nil {
		return err // the API parsed it before sending: not reached
	}
	rec := store.InstalledCertificate{CertificateType: string(req.CertificateType), Subject: cert.Subject.String(),
		NotAfter: cert.NotAfter.UTC().Format(time.RFC3339), CommandID: cmd.CommandID, At: store.FormatTime(s.now())}
	if h, err := ocpp.HashCertificate(cert, nil); err == nil {
		ch := certificateHash(h)
		rec.Hash = &ch
	}
	return s.setRecord(ctx, cmd, "installedCertificate", rec)
}

func certificateHash(h ocpp.CertificateHashData) store.CertificateHash {
	return store.CertificateHash{HashAlgorithm: string(h.HashAlgorithm), IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber}
}

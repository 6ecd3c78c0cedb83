package simulator

import (
	"fmt"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// The security extension's remote operations, answered as a box with a certificate store
// and signed-firmware support would: certificates are kept per type by their hash data, and a
// GetLog or SignedUpdateFirmware reports its progress with the request's requestId.

// securityProfile is the box's SecurityProfile: 1 (Basic authentication) with a password, or
// 0. The simulator speaks ws:// or wss:// as its URL says and never checks the server itself.
func securityProfile(cfg Config) string {
	if cfg.Password != "" {
		return "1"
	}
	return "0"
}

// maxCertificates is the box's CertificateStoreMaxLength.
const maxCertificates = 10

func (b *box) installCertificate(req *ocpp.InstallCertificateRequest) *ocpp.InstallCertificateResponse {
	cert, err := ocpp.ParseCertificatePEM(req.Certificate)
	if err != nil {
		return &ocpp.InstallCertificateResponse{Status: ocpp.InstallCertificateStatusRejected}
	}
	h, err := ocpp.HashCertificate(cert, nil)
	if err != nil || len(b.certs[req.CertificateType]) >= maxCertificates {
		// Only root certificates are installed this way, and the store is bounded.
		return &ocpp.InstallCertificateResponse{Status: ocpp.InstallCertificateStatusRejected}
	}
	if b.certs == nil {
		b.certs = map[ocpp.CertificateUse][]ocpp.CertificateHashData{}
	}
	for _, have := range b.certs[req.CertificateType] {
		if have == h {
			return &ocpp.InstallCertificateResponse{Status: ocpp.InstallCertificateStatusAccepted}
		}
	}
	b.certs[req.CertificateType] = append(b.certs[req.CertificateType], h)
	return &ocpp.InstallCertificateResponse{Status: ocpp.InstallCertificateStatusAccepted}
}

func (b *box) deleteCertificate(req *ocpp.DeleteCertificateRequest) *ocpp.DeleteCertificateResponse {
	for use, list := range b.certs {
		for i, h := range list {
			if h == req.CertificateHashData {
				b.certs[use] = append(list[:i:i], list[i+1:]...)
				return &ocpp.DeleteCertificateResponse{Status: ocpp.DeleteCertificateStatusAccepted}
			}
		}
	}
	return &ocpp.DeleteCertificateResponse{Status: ocpp.DeleteCertificateStatusNotFound}
}

func (b *box) getInstalledCertificateIds(req *ocpp.GetInstalledCertificateIdsRequest) *ocpp.GetInstalledCertificateIdsResponse {
	list := b.certs[req.CertificateType]
	if len(list) == 0 {
		return &ocpp.GetInstalledCertificateIdsResponse{Status: ocpp.GetInstalledCertificateStatusNotFound}
	}
	return &ocpp.GetInstalledCertificateIdsResponse{Status: ocpp.GetInstalledCertificateStatusAccepted, CertificateHashData: append([]ocpp.CertificateHashData(nil), list...)}
}

func (b *box) getLog(req *ocpp.GetLogRequest) *ocpp.GetLogResponse {
	id := req.RequestID
	for _, s := range []ocpp.UploadLogStatus{ocpp.UploadLogStatusUploading, ocpp.UploadLogStatusUploaded} {
		b.later(func() error {
			return b.simpleCall(ocpp.LogStatusNotification, &ocpp.LogStatusNotificationRequest{Status: s, RequestID: &id}, &ocpp.LogStatusNotificationResponse{})
		})
	}
	return &ocpp.GetLogResponse{Status: ocpp.LogStatusAccepted, Filename: fmt.Sprintf("%s-%s-%d.log", req.LogType, b.id, id)}
}

func (b *box) signedUpdateFirmware(req *ocpp.SignedUpdateFirmwareRequest) *ocpp.SignedUpdateFirmwareResponse {
	if _, err := ocpp.ParseCertificatePEM(req.Firmware.SigningCertificate); err != nil {
		return &ocpp.SignedUpdateFirmwareResponse{Status: ocpp.UpdateFirmwareStatusInvalidCertificate}
	}
	id := req.RequestID
	for _, s := range []ocpp.SignedFirmwareStatus{ocpp.SignedFirmwareStatusDownloading, ocpp.SignedFirmwareStatusDownloaded,
		ocpp.SignedFirmwareStatusSignatureVerified, ocpp.SignedFirmwareStatusInstalling, ocpp.SignedFirmwareStatusInstalled} {
		b.later(func() error {
			return b.simpleCall(ocpp.SignedFirmwareStatusNotification, &ocpp.SignedFirmwareStatusNotificationRequest{Status: s, RequestID: &id}, &ocpp.SignedFirmwareStatusNotificationResponse{})
		})
	}
	return &ocpp.SignedUpdateFirmwareResponse{Status: ocpp.UpdateFirmwareStatusAccepted}
}

// extendedTriggerMessage sends what TriggerMessage would for the messages both know; the
// status notifications of logs and signed firmware report Idle (nothing under way), and the
// simulator has no certificate of its own to renew.
func (b *box) extendedTriggerMessage(req *ocpp.ExtendedTriggerMessageRequest) *ocpp.ExtendedTriggerMessageResponse {
	switch req.RequestedMessage {
	case ocpp.ExtendedMessageTriggerLogStatusNotification:
		b.later(func() error {
			return b.simpleCall(ocpp.LogStatusNotification, &ocpp.LogStatusNotificationRequest{Status: ocpp.UploadLogStatusIdle}, &ocpp.LogStatusNotificationResponse{})
		})
	case ocpp.ExtendedMessageTriggerFirmwareStatusNotification:
		b.later(func() error {
			return b.simpleCall(ocpp.SignedFirmwareStatusNotification, &ocpp.SignedFirmwareStatusNotificationRequest{Status: ocpp.SignedFirmwareStatusIdle}, &ocpp.SignedFirmwareStatusNotificationResponse{})
		})
	case ocpp.ExtendedMessageTriggerSignChargePointCertificate:
		return &ocpp.ExtendedTriggerMessageResponse{Status: ocpp.TriggerMessageStatusNotImplemented}
	default:
		resp := b.triggerMessage(&ocpp.TriggerMessageRequest{RequestedMessage: ocpp.MessageTrigger(req.RequestedMessage), ConnectorID: req.ConnectorID})
		return &ocpp.ExtendedTriggerMessageResponse{Status: resp.Status}
	}
	return &ocpp.ExtendedTriggerMessageResponse{Status: ocpp.TriggerMessageStatusAccepted}
}

package csms

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/serverless-ocpp/csms/shared/certs"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Certificates configure SignCertificate (the charging-station CA) and AuthorizationKey
// rotation; the zero value rejects every CSR.
type Certificates struct {
	// CA yields the CA; nil is certs.NoCA.
	CA      certs.Source
	CPOName string
	// Validity of an issued certificate (default one year).
	Validity time.Duration
	// KeyGrace is how long a rotated-out AuthorizationKey stays valid (default 24 h).
	KeyGrace time.Duration
	// CommandTTL and CallHold are the follow-up CALL's command lifetime and how long it holds
	// the box's call slot (defaults 7 days, 30 s).
	CommandTTL time.Duration
	CallHold   time.Duration
}

// CertificateSignedMaxChainSize is the configuration key that bounds a box's certificateChain.
const CertificateSignedMaxChainSize = "CertificateSignedMaxChainSize"

// FollowUp is a CALL the central system sends to the box right after its answer to the box's
// frame has gone out (CertificateSigned after SignCertificate.conf).
type FollowUp struct {
	Action  ocpp.Action
	Request any
	// sent runs once the CALL is posted, with its command id.
	sent func(ctx context.Context, commandID string) error
}

// Result is the answer to one frame and what to send after it.
type Result struct {
	Reply    []byte
	FollowUp *FollowUp
}

// PostFunc posts one frame to a connection (API Gateway's PostToConnection).
type PostFunc func(ctx context.Context, connectionID string, data []byte) error

// signCertificate checks the box's CSR and, when it passes, signs it, records the certificate
// and answers Accepted with CertificateSigned to follow. Any failed check answers Rejected and
// nothing is signed or recorded.
func (s *Service) signCertificate(ctx context.Context, c *call, req *ocpp.SignCertificateRequest) (*ocpp.SignCertificateResponse, error) {
	log := s.log.With("chargeBoxId", c.ChargeBoxID, "uniqueId", c.UniqueID)
	rejected := &ocpp.SignCertificateResponse{Status: ocpp.GenericStatusRejected}
	opts := s.opts.Certificates
	csr, err := certs.CheckCSR(req.Csr, c.ChargeBoxID, opts.CPOName)
	if err != nil {
		log.Warn("certificate signing request rejected", "error", err)
		return rejected, nil
	}
	source := opts.CA
	if source == nil {
		source = certs.NoCA
	}
	ca, err := source(ctx)
	if err != nil {
		log.Error("charging-station CA unavailable; CSR rejected", "error", err)
		return rejected, nil
	}
	validity := opts.Validity
	if validity <= 0 {
		validity = 365 * 24 * time.Hour
	}
	now := s.now().UTC()
	leaf, err := ca.Sign(csr, validity, now)
	if err != nil {
		log.Error("sign certificate", "error", err)
		return rejected, nil
	}
	chain, err := ca.Chain(leaf, s.maxChainSize(ctx, c.ChargeBoxID))
	if err != nil {
		log.Warn("certificate does not fit the box's chain limit; CSR rejected", "error", err)
		return rejected, nil
	}
	rec := issued(c.ChargeBoxID, leaf, now)
	if err := s.store.PutCertificate(ctx, rec); err != nil {
		return nil, err // InternalError: the box retries; the unrecorded certificate was never sent
	}
	log.Info("certificate issued", "serial", rec.Serial, "notAfter", rec.NotAfter)
	c.followUp = &FollowUp{Action: ocpp.CertificateSigned, Request: &ocpp.CertificateSignedRequest{CertificateChain: chain},
		sent: func(ctx context.Context, id string) error { return s.store.SetCertificateCommand(ctx, rec, id) }}
	return &ocpp.SignCertificateResponse{Status: ocpp.GenericStatusAccepted}, nil
}

// issued is the record of a certificate.
func issued(box string, leaf *x509.Certificate, now time.Time) store.IssuedCertificate {
	sum := sha256.Sum256(leaf.Raw)
	return store.IssuedCertificate{
		ChargeBoxID: box, Serial: hex.EncodeToString(leaf.SerialNumber.Bytes()),
		Subject: leaf.Subject.String(), Issuer: leaf.Issuer.String(),
		NotBefore: leaf.NotBefore.UTC().Format(time.RFC3339), NotAfter: leaf.NotAfter.UTC().Format(time.RFC3339),
		IssuedAt: store.FormatTime(now), SHA256: hex.EncodeToString(sum[:]),
		PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})),
	}
}

// maxChainSize is the box's CertificateSignedMaxChainSize from the configuration cache; 0 (the
// message's own limit) when unknown.
func (s *Service) maxChainSize(ctx context.Context, box string) int {
	b, err := s.store.GetChargeBox(ctx, box)
	if err != nil {
		return 0
	}
	for k, v := range b.Configuration {
		if k == CertificateSignedMaxChainSize && v.Value != nil {
			n, err := strconv.Atoi(*v.Value)
			if err == nil && n > 0 {
				return n
			}
		}
	}
	return 0
}

// Send sends a follow-up CALL to the box on its connection through the remote-command path: a
// pending command holding the box's call slot, the CALL in the frame log, then the post. The box's
// answer completes the command as any remote command's does (GET /commands/{id}).
func (s *Service) Send(ctx context.Context, in Inbound, f *FollowUp, post PostFunc) (string, error) {
	opts := s.opts.Certificates
	ttl, hold := opts.CommandTTL, opts.CallHold
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	if hold <= 0 {
		hold = 30 * time.Second
	}
	id := ocpp.NewUniqueID()
	frame, err := ocpp.CallFrame(id, f.Action, f.Request)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", f.Action, err)
	}
	payload, err := json.Marshal(f.Request)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", f.Action, err)
	}
	now := s.now()
	if err := s.store.BeginCommand(ctx, store.Command{
		CommandID: id, ChargeBoxID: in.ChargeBoxID, ConnectionID: in.ConnectionID, Action: string(f.Action), Request: string(payload),
		Status: store.CommandPending, CreatedAt: store.FormatTime(now), ExpiresAt: now.Add(ttl).Unix(),
	}, now, hold); err != nil {
		return "", fmt.Errorf("reserve the call slot for %s: %w", f.Action, err)
	}
	err = s.store.LogExchange(ctx, store.Exchange{ChargeBoxID: in.ChargeBoxID, TenantID: in.TenantID, ConnectionID: in.ConnectionID,
		OccurredAt: now, Retention: s.opts.MessageRetention, Frames: []store.LoggedFrame{{Direction: store.ToBox, Raw: string(frame),
			MessageType: int(ocpp.TypeCall), UniqueID: id, Action: string(f.Action), OccurredAt: store.FormatTime(now)}}})
	if err == nil {
		err = post(ctx, in.ConnectionID, frame)
	}
	if err != nil {
		if ferr := s.store.FailCommand(context.WithoutCancel(ctx), in.ChargeBoxID, id, "the call could not be sent", s.now()); ferr != nil {
			err = errors.Join(err, ferr)
		}
		return "", fmt.Errorf("send %s: %w", f.Action, err)
	}
	if f.sent != nil {
		if err := f.sent(ctx, id); err != nil {
			s.log.Error("note follow-up command", "chargeBoxId", in.ChargeBoxID, "commandId", id, "error", err)
		}
	}
	s.log.Info("follow-up call sent", slog.String("chargeBoxId", in.ChargeBoxID), slog.String("action", string(f.Action)), slog.String("uniqueId", id))
	return id, nil
}

// rotateKey stores the hash of the AuthorizationKey a box accepted; the previous key stays
// valid for the grace period. A command without a hash (a ChangeConfiguration that did not come
// from the rotation route, which the API refuses) changes nothing.
func (s *Service) rotateKey(ctx context.Context, cmd store.Command) error {
	if cmd.NewPasswordHash == "" {
		s.log.Warn("AuthorizationKey accepted without a rotation hash; password unchanged", "chargeBoxId", cmd.ChargeBoxID, "commandId", cmd.CommandID)
		return nil
	}
	grace := s.opts.Certificates.KeyGrace
	if grace <= 0 {
		grace = 24 * time.Hour
	}
	if err := s.store.RotatePassword(ctx, cmd.ChargeBoxID, cmd.NewPasswordHash, s.now().Add(grace)); err != nil {
		return err
	}
	s.log.Info("AuthorizationKey rotated", "chargeBoxId", cmd.ChargeBoxID, "commandId", cmd.CommandID, "graceUntil", store.FormatTime(s.now().Add(grace)))
	return nil
}

// UseCA sets the CA source SignCertificate signs with (built where the AWS clients are) and the
// CPO name CSRs must carry.
func (s *Service) UseCA(src certs.Source, cpoName string) {
	s.opts.Certificates.CA, s.opts.Certificates.CPOName = src, cpoName
}

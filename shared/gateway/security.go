package gateway

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/serverless-ocpp/csms/shared/auth"
	"github.com/serverless-ocpp/csms/shared/certs"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/csms"
	"github.com/serverless-ocpp/csms/shared/secret"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Security profile 3 (client certificates through CloudFront viewer mTLS). CloudFront forwards
// the verified client certificate to the origin in CloudFront-Viewer-Cert-* headers
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/viewer-mtls-headers.html);
// anyone can send such headers to an origin directly, so they are believed only on requests
// that also carry OriginVerifyHeader with the secret value CloudFront adds as a custom origin
// header.
const (
	OriginVerifyHeader = "X-Origin-Verify"
	certPresentHeader  = "CloudFront-Viewer-Cert-Present"
	certPEMHeader      = "CloudFront-Viewer-Cert-Pem"
)

// ClientCertHeaders are the viewer mTLS headers the authorizer reads. CloudFront adds them to
// viewer requests in mTLS mode but forwards them to the origin only when the behaviour's origin
// request policy names them (same page, "Configure header forwarding"); infra adds them.
var ClientCertHeaders = []string{certPresentHeader, certPEMHeader}

// security is what the handlers need beyond the store for the security extension.
type security struct {
	// post sends frames to a connection (message: CertificateSigned after SignCertificate.conf).
	post csms.PostFunc
	// clientCerts turns on security profile 3 in the authorizer.
	clientCerts  bool
	ca           certs.Source
	originVerify func(ctx context.Context) (string, error)
}

// caSource builds the CA source the settings name: the Secrets Manager secret, the file, or none.
func caSource(s config.Security, awsCfg aws.Config) certs.Source {
	switch {
	case s.CASecretARN != "":
		return certs.SecretSource(s.CASecretARN, secretsmanager.NewFromConfig(awsCfg))
	case s.CAFile != "":
		return certs.FileSource(s.CAFile)
	}
	return certs.NoCA
}

// WithAWS gives the handlers the AWS clients of the security extension, built here so that only
// the functions that need them build them: the CA (message signs, the authorizer checks client
// certificates), the Management API client (message sends CertificateSigned) and the origin
// secret (authorizer, security profile 3).
func (h *Handlers) WithAWS(cfg config.Config, awsCfg aws.Config) *Handlers {
	sec := cfg.Security
	ca := caSource(sec, awsCfg)
	h.csms.UseCA(ca, sec.CPOName)
	mgmt := apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) {
		if cfg.ManagementEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.ManagementEndpoint)
		}
	})
	h.sec = security{
		post: func(ctx context.Context, conn string, data []byte) error {
			_, err := mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(conn), Data: data})
			return err
		},
		clientCerts: sec.ClientCertAuth, ca: ca,
		originVerify: originSecret(sec, secretsmanager.NewFromConfig(awsCfg)),
	}
	return h
}

// originSecret yields the expected origin-verify value: the setting (local stack) or the secret,
// read once per container.
func originSecret(s config.Security, sm certs.SecretGetter) func(ctx context.Context) (string, error) {
	if s.OriginVerifyValue != "" {
		v := s.OriginVerifyValue
		return func(context.Context) (string, error) { return v, nil }
	}
	if s.OriginVerifySecretARN == "" {
		return func(context.Context) (string, error) {
			return "", errors.New("no origin-verify secret configured (ORIGIN_VERIFY_SECRET_ARN)")
		}
	}
	return secret.Once("origin-verify secret", s.OriginVerifySecretARN, sm, func(v string) (string, error) {
		if v == "" {
			return "", errors.New("empty")
		}
		return v, nil
	})
}

// clientCertificate decides a security profile 3 connection: ok when the request came through
// CloudFront (origin-verify header) with a client certificate of the box from the CA. handled
// is false when the request carries no client certificate, so password auth applies.
func (h *Handlers) clientCertificate(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest, id string, log *slog.Logger) (handled, ok bool) {
	if !h.sec.clientCerts || header(req.Headers, certPresentHeader) != "1" {
		return false, false
	}
	want, err := h.sec.originVerify(ctx)
	got := header(req.Headers, OriginVerifyHeader)
	if err != nil || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		log.Warn("connection refused: client certificate headers without a valid origin-verify header", "error", err)
		return true, false
	}
	ca, err := h.sec.ca(ctx)
	if err != nil {
		log.Error("connection refused: CA unavailable for the client certificate", "error", err)
		return true, false
	}
	if err := ca.VerifyClient(header(req.Headers, certPEMHeader), id, h.now()); err != nil {
		log.Warn("connection refused: client certificate", "error", err)
		return true, false
	}
	return true, true
}

// checkPassword checks Basic credentials against the box's password and, during a key
// rotation's grace period, its previous one. The first connection with the new key ends the
// grace: from then on only the new key is accepted.
func (h *Handlers) checkPassword(ctx context.Context, authorization, id string, box store.ChargeBox, log *slog.Logger) bool {
	if auth.CheckBasic(authorization, id, box.PasswordHash) {
		if box.PreviousPasswordHash != "" {
			if err := h.store.EndPasswordGrace(ctx, id, box.PasswordHash); err != nil {
				log.Error("end AuthorizationKey grace", "error", err)
			} else {
				log.Info("connected with the new AuthorizationKey; the previous one is no longer accepted")
			}
		}
		return true
	}
	if box.PreviousPasswordValid(h.now()) && auth.CheckBasic(authorization, id, box.PreviousPasswordHash) {
		log.Warn("connected with the previous AuthorizationKey during its grace period", "graceUntil", box.PreviousPasswordUntil)
		return true
	}
	return false
}

// followUp posts the answer itself and then the follow-up CALL, so the box sees them in that
// order (a route response would only go out after this function returns). It reports whether
// the answer was posted; when it was not, the route response carries it and the follow-up is
// dropped (the issued certificate stays listed for the operator to deliver).
func (h *Handlers) followUp(ctx context.Context, in csms.Inbound, res csms.Result) bool {
	log := h.log.With("chargeBoxId", in.ChargeBoxID, "connectionId", in.ConnectionID, "action", string(res.FollowUp.Action))
	if h.sec.post == nil {
		log.Warn("follow-up call not sent: this function has no Management API client")
		return false
	}
	if err := h.sec.post(ctx, in.ConnectionID, res.Reply); err != nil {
		log.Error("post answer before follow-up call", "error", err)
		return false
	}
	if _, err := h.csms.Send(ctx, in, res.FollowUp, h.sec.post); err != nil {
		log.Error("follow-up call not sent", "error", err)
	}
	return true
}

package gateway

import (
	"log/slog"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/csms"
	"github.com/serverless-ocpp/csms/shared/store"
)

// FromConfig builds the handlers on st from the settings. The Lambda functions (through
// shared/launch) and the local stack wire them the same way.
func FromConfig(cfg config.Config, st *store.Store, log *slog.Logger) *Handlers {
	svc := csms.New(st, csms.Options{
		HeartbeatInterval: cfg.HeartbeatInterval, AcceptUnknownTags: cfg.AcceptUnknownTags,
		KnownVendorIDs: cfg.KnownVendorIDs, MessageRetention: cfg.MessageRetention, ClockSkew: cfg.ClockSkew,
		Certificates: csms.Certificates{
			CPOName: cfg.Security.CPOName, Validity: cfg.Security.CertificateValidity, KeyGrace: cfg.Security.AuthorizationKeyGrace,
			CommandTTL: cfg.CommandTTL, CallHold: cfg.CommandWaitMax,
		},
	}, log)
	return New(st, svc, Options{
		AutoRegister: cfg.AutoRegister, DefaultTenantID: cfg.DefaultTenantID,
		ConnectionTTL: cfg.ConnectionTTL, MessageRetention: cfg.MessageRetention,
	}, log)
}

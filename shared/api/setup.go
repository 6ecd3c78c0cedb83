package api

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/store"
)

// FromConfig builds the API on st from the settings, posting to charge boxes through a
// Management API client at cfg.ManagementEndpoint (the execute-api endpoint on AWS, the local
// stack's locally). The client is built here, the only place that needs it, so that the other
// functions do not link its SDK package. The Lambda function (through shared/launch) and the
// local stack wire the API the same way.
func FromConfig(cfg config.Config, st *store.Store, awsCfg aws.Config, log *slog.Logger) *API {
	mgmt := apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) {
		if cfg.ManagementEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.ManagementEndpoint)
		}
	})
	return New(st, mgmt, Options{
		CommandWait: cfg.CommandWait, CommandWaitMax: cfg.CommandWaitMax, CommandTTL: cfg.CommandTTL,
		MessageRetention: cfg.MessageRetention,
	}, log)
}

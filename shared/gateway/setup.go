package gateway

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/csms"
	"github.com/serverless-ocpp/csms/shared/store"
)

// FromConfig builds the handlers and the store they share from the settings; Lambda functions
// and the local stack wire the same way.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (*Handlers, *store.Store, error) {
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, nil, err
	}
	st := store.New(store.NewClient(awsCfg, cfg.DynamoDBEndpoint), cfg.TablePrefix)
	svc := csms.New(st, csms.Options{
		HeartbeatInterval: cfg.HeartbeatInterval, AcceptUnknownTags: cfg.AcceptUnknownTags,
		KnownVendorIDs: cfg.KnownVendorIDs, MessageRetention: cfg.MessageRetention, ClockSkew: cfg.ClockSkew,
	}, log)
	return New(st, svc, Options{
		AutoRegister: cfg.AutoRegister, DefaultTenantID: cfg.DefaultTenantID,
		ConnectionTTL: cfg.ConnectionTTL, MessageRetention: cfg.MessageRetention,
	}, log), st, nil
}

// Main is the whole main of a WebSocket Lambda function: it loads the configuration, builds the
// handlers and serves the one pick chooses. A bad configuration stops the function at start.
func Main(pick func(*Handlers) any) {
	log := config.Logger()
	slog.SetDefault(log)
	cfg, err := config.Load()
	if err != nil {
		log.Error("configuration", "error", err)
		os.Exit(1)
	}
	h, _, err := FromConfig(context.Background(), cfg, log)
	if err != nil {
		log.Error("setup", "error", err)
		os.Exit(1)
	}
	lambda.Start(pick(h))
}

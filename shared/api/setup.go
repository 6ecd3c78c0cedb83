package api

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/store"
)

// FromConfig builds the API from the settings: the store and a Management API client posting
// to cfg.ManagementEndpoint (the execute-api endpoint on AWS, the local stack's locally).
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (*API, error) {
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, err
	}
	st := store.New(store.NewClient(awsCfg, cfg.DynamoDBEndpoint), cfg.TablePrefix)
	mgmt := apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) {
		if cfg.ManagementEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.ManagementEndpoint)
		}
	})
	return New(st, mgmt, Options{
		CommandWait: cfg.CommandWait, CommandWaitMax: cfg.CommandWaitMax, CommandTTL: cfg.CommandTTL,
		MessageRetention: cfg.MessageRetention,
	}, log), nil
}

// Main is the whole main of the API Lambda function.
func Main() {
	log := config.Logger()
	slog.SetDefault(log)
	cfg, err := config.Load()
	if err != nil {
		log.Error("configuration", "error", err)
		os.Exit(1)
	}
	a, err := FromConfig(context.Background(), cfg, log)
	if err != nil {
		log.Error("setup", "error", err)
		os.Exit(1)
	}
	lambda.Start(a.Handle)
}

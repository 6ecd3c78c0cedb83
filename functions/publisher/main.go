// Command publisher is the Lambda function on the DynamoDB streams of the frame log and the
// sessions table: it publishes frames, connection events and finished sessions to RabbitMQ.
// It only wires configuration to shared/publish.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/publish"
)

func main() {
	log := config.Logger()
	cfg, err := config.Load()
	if err != nil {
		log.Error("configuration", "error", err)
		os.Exit(1)
	}
	h, _, err := publish.FromConfig(context.Background(), cfg, log, os.Stdout)
	if err != nil {
		log.Error("setup", "error", err)
		os.Exit(1)
	}
	slog.SetDefault(log)
	lambda.Start(h)
}

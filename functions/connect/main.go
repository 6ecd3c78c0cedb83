// Command connect is the Lambda function behind the WebSocket API's $connect route: subprotocol and connection row.
// It only wires configuration to shared/gateway.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/gateway"
)

func main() {
	log := config.Logger()
	cfg, err := config.Load()
	if err != nil {
		log.Error("configuration", "error", err)
		os.Exit(1)
	}
	h, _, err := gateway.FromConfig(context.Background(), cfg, log)
	if err != nil {
		log.Error("setup", "error", err)
		os.Exit(1)
	}
	slog.SetDefault(log)
	lambda.Start(h.Connect)
}

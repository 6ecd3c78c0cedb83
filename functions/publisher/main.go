// Command publisher is the Lambda function on the DynamoDB streams of the frame log and the
// sessions table: it publishes frames, connection events and finished sessions to RabbitMQ
// (shared/publish).
package main

import (
	"os"

	"github.com/serverless-ocpp/csms/shared/launch"
	"github.com/serverless-ocpp/csms/shared/publish"
)

func main() {
	launch.Start(func(e launch.Env) (any, error) {
		h, _, err := publish.FromConfig(e.Config, e.Store, e.AWS, e.Log, os.Stdout)
		return h, err
	})
}

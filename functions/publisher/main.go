// Command publisher is the Lambda function on the DynamoDB streams of the frame log and the
// sessions table: it publishes frames, connection events and finished sessions to RabbitMQ
// (shared/publish). A direct invocation with a replay event republishes a window from the
// tables and the failure store, one bounded step per invocation (publish.Entry, shared/replay).
package main

import (
	"os"

	"github.com/serverless-ocpp/csms/shared/launch"
	"github.com/serverless-ocpp/csms/shared/publish"
)

func main() {
	launch.Start(func(e launch.Env) (any, error) {
		h, _, err := publish.Lambda(e.Config, e.Store, e.AWS, e.Log, os.Stdout)
		return h, err
	})
}

// Command message is the Lambda function behind the WebSocket API's $default route: every OCPP-J
// frame from a charge box (gateway.Handlers.Message).
package main

import (
	"github.com/serverless-ocpp/csms/shared/gateway"
	"github.com/serverless-ocpp/csms/shared/launch"
)

func main() {
	launch.Start(func(e launch.Env) (any, error) {
		return gateway.FromConfig(e.Config, e.Store, e.Log).WithAWS(e.Config, e.AWS).Message, nil
	})
}

// Command disconnect is the Lambda function behind the WebSocket API's $disconnect route
// (gateway.Handlers.Disconnect).
package main

import (
	"github.com/serverless-ocpp/csms/shared/gateway"
	"github.com/serverless-ocpp/csms/shared/launch"
)

func main() {
	launch.Start(func(e launch.Env) (any, error) { return gateway.FromConfig(e.Config, e.Store, e.Log).Disconnect, nil })
}

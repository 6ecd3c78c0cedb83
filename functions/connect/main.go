// Command connect is the Lambda function behind the WebSocket API's $connect route: subprotocol
// and connection row (gateway.Handlers.Connect).
package main

import (
	"github.com/serverless-ocpp/csms/shared/gateway"
	"github.com/serverless-ocpp/csms/shared/launch"
)

func main() {
	launch.Start(func(e launch.Env) (any, error) { return gateway.FromConfig(e.Config, e.Store, e.Log).Connect, nil })
}

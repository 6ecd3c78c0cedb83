// Command authorizer is the Lambda function behind the WebSocket API's $connect REQUEST authorizer:
// charge-box identity, registry and Basic auth (gateway.Handlers.Authorize).
package main

import (
	"github.com/serverless-ocpp/csms/shared/gateway"
	"github.com/serverless-ocpp/csms/shared/launch"
)

func main() {
	launch.Start(func(e launch.Env) (any, error) {
		return gateway.FromConfig(e.Config, e.Store, e.Log).WithAWS(e.Config, e.AWS).Authorize, nil
	})
}

// Command api is the Lambda function behind the operator HTTP API: remote OCPP operations,
// queries and the registry (api.API.Handle), and the scheduled reconciliation of the aggregates
// (api.API.HandleEvent).
package main

import (
	"github.com/serverless-ocpp/csms/shared/api"
	"github.com/serverless-ocpp/csms/shared/launch"
)

func main() {
	launch.Start(func(e launch.Env) (any, error) {
		return api.FromConfig(e.Config, e.Store, e.AWS, e.Log).HandleEvent, nil
	})
}

// Command api is the Lambda function behind the operator HTTP API: remote OCPP operations,
// queries and the registry (shared/api).
package main

import "github.com/serverless-ocpp/csms/shared/api"

func main() { api.Main() }

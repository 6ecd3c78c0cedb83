// Command authorizer is the Lambda function behind the WebSocket API's $connect REQUEST authorizer: charge-box identity, registry and Basic auth.
package main

import "github.com/serverless-ocpp/csms/shared/gateway"

func main() { gateway.Main(func(h *gateway.Handlers) any { return h.Authorize }) }

// Command disconnect is the Lambda function behind the WebSocket API's $disconnect route.
package main

import "github.com/serverless-ocpp/csms/shared/gateway"

func main() { gateway.Main(func(h *gateway.Handlers) any { return h.Disconnect }) }

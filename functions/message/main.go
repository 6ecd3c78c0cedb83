// Command message is the Lambda function behind the WebSocket API's $default route: every OCPP-J frame from a charge box.
package main

import "github.com/serverless-ocpp/csms/shared/gateway"

func main() { gateway.Main(func(h *gateway.Handlers) any { return h.Message }) }

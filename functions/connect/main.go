// Command connect is the Lambda function behind the WebSocket API's $connect route: subprotocol and connection row.
package main

import "github.com/serverless-ocpp/csms/shared/gateway"

func main() { gateway.Main(func(h *gateway.Handlers) any { return h.Connect }) }

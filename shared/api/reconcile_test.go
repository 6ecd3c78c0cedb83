package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// The api function takes both its events: the scheduled reconciliation and HTTP API requests.
func TestHandleEventReconcilesOrServes(t *testing.T) {
	a := New(storetest.New(t), nil, Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	out, err := a.HandleEvent(context.Background(), json.RawMessage(`{"reconcile":true}`))
	if r, ok := out.(store.Reconciled); err != nil || !ok || r != (store.Reconciled{}) {
		t.Fatalf("reconcile event: %#v, %v", out, err)
	}
	out, err = a.HandleEvent(context.Background(), json.RawMessage(`{"rawPath":"/summary","requestContext":{"http":{"method":"GET"}}}`))
	res, ok := out.(events.APIGatewayV2HTTPResponse)
	if err != nil || !ok || res.StatusCode != 200 {
		t.Fatalf("HTTP event: %#v, %v", out, err)
	}
}

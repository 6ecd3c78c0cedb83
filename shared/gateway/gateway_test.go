package gateway

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/auth"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

func TestOffers(t *testing.T) {
	cases := []struct {
		name string
		h    map[string]string
		mv   map[string][]string
		want bool
	}{
		{"alone", map[string]string{"Sec-WebSocket-Protocol": "ocpp1.6"}, nil, true},
		{"list with spaces", map[string]string{"sec-websocket-protocol": "ocpp2.0.1 ,  ocpp1.6"}, nil, true},
		{"several header lines", nil, map[string][]string{"Sec-WebSocket-Protocol": {"ocpp2.0.1", "ocpp1.6"}}, true},
		{"other only", map[string]string{"Sec-WebSocket-Protocol": "ocpp2.0.1"}, nil, false},
		{"prefix is not a match", map[string]string{"Sec-WebSocket-Protocol": "ocpp1.6j"}, nil, false},
		{"none", nil, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := offers(c.h, c.mv, Subprotocol); got != c.want {
				t.Fatalf("offers = %v, want %v", got, c.want)
			}
		})
	}
}

func newHandlers(t *testing.T, autoRegister bool) (*Handlers, *store.Store) {
	t.Helper()
	st := storetest.New(t)
	return New(st, nil, Options{AutoRegister: autoRegister, DefaultTenantID: "dflt", ConnectionTTL: time.Hour, MessageRetention: time.Hour},
		slog.New(slog.NewTextHandler(io.Discard, nil))), st
}

func authzRequest(id, authorization string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		MethodArn:             "arn:aws:execute-api:eu-central-1:123456789012:abc/prod/$connect",
		QueryStringParameters: map[string]string{"chargeBoxId": id},
		Headers:               map[string]string{"authorization": authorization, "sec-websocket-protocol": Subprotocol},
	}
}

func TestAuthorize(t *testing.T) {
	ctx := context.Background()
	h, st := newHandlers(t, false)
	const pw = "sixteen-chars-password"
	hash, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: "SEC", RegistrationStatus: string(ocpp.RegistrationStatusPending), TenantID: "t9", PasswordHash: hash}, time.Now()); err != nil {
		t.Fatal(err)
	}
	good := "Basic " + base64.StdEncoding.EncodeToString([]byte("SEC:"+pw))

	resp, err := h.Authorize(ctx, authzRequest("SEC", good))
	if err != nil || resp.PolicyDocument.Statement[0].Effect != "Allow" {
		t.Fatalf("right credentials: %+v, %v", resp, err)
	}
	if resp.Context["chargeBoxId"] != "SEC" || resp.Context["tenantId"] != "t9" || resp.Context["registrationStatus"] != "Pending" {
		t.Fatalf("context %+v", resp.Context)
	}
	if _, err := h.Authorize(ctx, authzRequest("SEC", "")); err == nil || err.Error() != "Unauthorized" {
		t.Fatalf("missing credentials: %v, want Unauthorized (401)", err)
	}
	for _, id := range []string{"UNKNOWN", "bad:id", ""} {
		resp, err := h.Authorize(ctx, authzRequest(id, ""))
		if err != nil || resp.PolicyDocument.Statement[0].Effect != "Deny" {
			t.Fatalf("%q: %+v, %v; want Deny (403)", id, resp, err)
		}
	}

	auto, st2 := newHandlers(t, true)
	resp, err = auto.Authorize(ctx, authzRequest("NEW1", ""))
	if err != nil || resp.PolicyDocument.Statement[0].Effect != "Allow" || resp.Context["tenantId"] != "dflt" {
		t.Fatalf("auto-registration: %+v, %v", resp, err)
	}
	if b, err := st2.GetChargeBox(ctx, "NEW1"); err != nil || !b.AutoRegistered || !b.Unsecured || b.Secured() || b.RegistrationStatus != string(ocpp.RegistrationStatusAccepted) {
		t.Fatalf("auto-registered box %+v, %v", b, err)
	}

	// A box that $connect will refuse (no ocpp1.6 offered: 400) is not registered on the way.
	noProto := authzRequest("NEW2", "")
	noProto.Headers["sec-websocket-protocol"] = "ocpp2.0.1"
	if _, err := auto.Authorize(ctx, noProto); err != nil {
		t.Fatalf("no ocpp1.6 offered: %v", err)
	}
	if b, err := st2.GetChargeBox(ctx, "NEW2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("refused box registered: %+v, %v", b, err)
	}
}

func TestConnectRequiresSubprotocolAndAuthorizerContext(t *testing.T) {
	h, st := newHandlers(t, false)
	ctx := context.Background()
	req := events.APIGatewayWebsocketProxyRequest{
		Headers: map[string]string{"Sec-WebSocket-Protocol": "ocpp1.6"},
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{
			ConnectionID: "c1", RequestTimeEpoch: time.Now().UnixMilli(),
			Authorizer: map[string]any{"chargeBoxId": "CP1", "tenantId": "t1", "registrationStatus": "Accepted"},
		},
	}
	resp, err := h.Connect(ctx, req)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Headers["Sec-WebSocket-Protocol"] != "ocpp1.6" {
		t.Fatalf("connect: %+v, %v", resp, err)
	}
	if c, err := st.GetConnection(ctx, "CP1", time.Now()); err != nil || c.ConnectionID != "c1" || c.TenantID != "t1" {
		t.Fatalf("connection row %+v, %v", c, err)
	}
	noProto := req
	noProto.Headers = map[string]string{}
	if resp, _ := h.Connect(ctx, noProto); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("no subprotocol: %d", resp.StatusCode)
	}
	noAuth := req
	noAuth.RequestContext.Authorizer = nil
	if resp, _ := h.Connect(ctx, noAuth); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no authorizer context: %d", resp.StatusCode)
	}
}

// TestLateConnectIsRefused: a $connect whose request time is older than the stored connection's
// (an invocation overtaken by the box's reconnect) is refused with 409 and changes nothing.
func TestLateConnectIsRefused(t *testing.T) {
	h, st := newHandlers(t, false)
	ctx := context.Background()
	now := time.Now()
	connect := func(conn string, at time.Time) int {
		resp, err := h.Connect(ctx, events.APIGatewayWebsocketProxyRequest{
			Headers: map[string]string{"Sec-WebSocket-Protocol": "ocpp1.6"},
			RequestContext: events.APIGatewayWebsocketProxyRequestContext{
				ConnectionID: conn, RequestTimeEpoch: at.UnixMilli(),
				Authorizer: map[string]any{"chargeBoxId": "CP1", "tenantId": "t1", "registrationStatus": "Accepted"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	if code := connect("newer", now); code != http.StatusOK {
		t.Fatalf("connect: %d", code)
	}
	if code := connect("older", now.Add(-time.Second)); code != http.StatusConflict {
		t.Fatalf("late connect: %d, want 409", code)
	}
	if c, err := st.GetConnection(ctx, "CP1", now); err != nil || c.ConnectionID != "newer" {
		t.Fatalf("connection %+v, %v; want the newer one", c, err)
	}
}

// Package gateway adapts API Gateway WebSocket events to the central system: the $connect
// authorizer (identity, registry, Basic auth), $connect (subprotocol, connection row),
// $default (every OCPP-J frame) and $disconnect. The same code runs in Lambda and in the local
// stack, which hands it the same events.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/auth"
	"github.com/serverless-ocpp/csms/shared/csms"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Subprotocol is the only WebSocket subprotocol the central system speaks.
const Subprotocol = "ocpp1.6"

// Authorizer context keys, delivered by API Gateway to $connect, $default and $disconnect.
const (
	ctxChargeBoxID  = "chargeBoxId"
	ctxTenantID     = "tenantId"
	ctxRegistration = "registrationStatus"
)

// Options configure the gateway handlers.
type Options struct {
	// AutoRegister admits unknown charge boxes and registers them as Accepted and unsecured
	// (security profile 0: no password). Off by default, and on AWS.
	AutoRegister    bool
	DefaultTenantID string
	// ConnectionTTL bounds a connection row whose $disconnect never arrives.
	ConnectionTTL    time.Duration
	MessageRetention time.Duration
}

// Handlers are the Lambda handlers of the WebSocket API.
type Handlers struct {
	store *store.Store
	csms  *csms.Service
	opts  Options
	log   *slog.Logger
	now   func() time.Time
	sec   security
}

// New returns the handlers.
func New(st *store.Store, svc *csms.Service, opts Options, log *slog.Logger) *Handlers {
	return &Handlers{store: st, csms: svc, opts: opts, log: log, now: time.Now}
}

// errUnauthorized is the error text API Gateway turns into 401 for a REQUEST authorizer.
var errUnauthorized = errors.New("Unauthorized")

// Authorize is the $connect REQUEST authorizer. It admits a registered charge box (or any valid
// identity with auto-registration on) whose Basic credentials match when it has a password; a
// box registered without one (security profile 0) is admitted on its id alone, with a warning.
// Unknown boxes get Deny (403), bad credentials "Unauthorized" (401).
func (h *Handlers) Authorize(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	id := req.QueryStringParameters[ctxChargeBoxID]
	log := h.log.With("chargeBoxId", id, "requestId", req.RequestContext.RequestID, "sourceIp", req.RequestContext.Identity.SourceIP)
	if err := auth.ValidID(id); err != nil {
		log.Warn("connection refused: bad identity", "error", err)
		return deny(req.MethodArn, id), nil
	}
	certHandled, certOK := h.clientCertificate(ctx, req, id, log)
	if certHandled && !certOK {
		return events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
	}
	box, err := h.store.GetChargeBox(ctx, id)
	switch {
	case err == nil && certOK:
		// Security profile 3: the client certificate named the box; no password is asked.
	case errors.Is(err, store.ErrNotFound) && certHandled:
		log.Warn("connection refused: client certificate of an unregistered charge box")
		return deny(req.MethodArn, id), nil
	case errors.Is(err, store.ErrNotFound) && h.opts.AutoRegister && !offers(req.Headers, req.MultiValueHeaders, Subprotocol):
		// $connect refuses this request (400, subprotocol required) before it writes anything;
		// a refused connection must not register the box, so it is passed on unregistered.
		log.Info("not auto-registered: subprotocol ocpp1.6 not offered, $connect will refuse it")
		return events.APIGatewayCustomAuthorizerResponse{PrincipalID: id, PolicyDocument: policy("Allow", req.MethodArn),
			Context: map[string]any{ctxChargeBoxID: id, ctxTenantID: h.opts.DefaultTenantID, ctxRegistration: ""}}, nil
	case errors.Is(err, store.ErrNotFound) && h.opts.AutoRegister:
		box, err = h.store.CreateChargeBox(ctx, store.ChargeBox{
			ChargeBoxID: id, RegistrationStatus: string(ocpp.RegistrationStatusAccepted), TenantID: h.opts.DefaultTenantID,
			AutoRegistered: true, Unsecured: true,
		}, h.now())
		if err != nil {
			return events.APIGatewayCustomAuthorizerResponse{}, err
		}
		log.Info("charge box auto-registered")
	case errors.Is(err, store.ErrNotFound):
		log.Warn("connection refused: unknown charge box")
		return deny(req.MethodArn, id), nil
	case err != nil:
		return events.APIGatewayCustomAuthorizerResponse{}, err
	}
	switch {
	case certOK:
		log.Info("charge box admitted by its client certificate (security profile 3)")
	case box.Secured() && !h.checkPassword(ctx, header(req.Headers, "Authorization"), id, box, log):
		log.Warn("connection refused: bad credentials")
		return events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
	case !box.Secured():
		log.Warn("unsecured charge box admitted on its id alone (security profile 0)")
	}
	tenant := box.TenantID
	if tenant == "" {
		tenant = h.opts.DefaultTenantID
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID:    id,
		PolicyDocument: policy("Allow", req.MethodArn),
		Context:        map[string]any{ctxChargeBoxID: id, ctxTenantID: tenant, ctxRegistration: box.RegistrationStatus},
	}, nil
}

func deny(arn, id string) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{PrincipalID: id, PolicyDocument: policy("Deny", arn)}
}

func policy(effect, arn string) events.APIGatewayCustomAuthorizerPolicy {
	return events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
		{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{arn}},
	}}
}

// Connect handles $connect: the box must offer the ocpp1.6 subprotocol, which is answered
// exactly; the connection row replaces any earlier one of the box, and "connected" is logged.
// A $connect older than the stored connection (a slow invocation overtaken by a reconnect) is
// refused with 409 and changes nothing.
func (h *Handlers) Connect(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	id, tenant, registration := identity(req.RequestContext)
	rc := req.RequestContext
	log := h.log.With("chargeBoxId", id, "connectionId", rc.ConnectionID)
	if id == "" {
		log.Error("connect without authorizer context")
		return events.APIGatewayProxyResponse{StatusCode: http.StatusForbidden}, nil
	}
	if !offers(req.Headers, req.MultiValueHeaders, Subprotocol) {
		log.Warn("connection refused: subprotocol ocpp1.6 not offered", "offered", header(req.Headers, "Sec-WebSocket-Protocol"))
		return events.APIGatewayProxyResponse{StatusCode: http.StatusBadRequest, Body: "subprotocol ocpp1.6 required"}, nil
	}
	now := requestTime(rc.RequestTimeEpoch, h.now)
	err := h.store.Connect(ctx, store.Connection{
		ChargeBoxID: id, ConnectionID: rc.ConnectionID, TenantID: tenant, ConnectedAt: store.FormatTime(now),
		SourceIP: rc.Identity.SourceIP, UserAgent: rc.Identity.UserAgent, ExpiresAt: store.ConnectionExpiry(now, h.opts.ConnectionTTL),
	}, store.ConnectionEvent{
		ChargeBoxID: id, TenantID: tenant, ConnectionID: rc.ConnectionID, EventType: store.EventConnected,
		IP: rc.Identity.SourceIP, Status: registration, OccurredAt: now, Retention: h.opts.MessageRetention,
	})
	if errors.Is(err, store.ErrSuperseded) {
		log.Warn("connection refused: a newer connection of the box is stored", "connectedAt", store.FormatTime(now))
		return events.APIGatewayProxyResponse{StatusCode: http.StatusConflict, Body: "a newer connection of this charge box exists"}, nil
	}
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	log.Info("charge box connected", "sourceIp", rc.Identity.SourceIP)
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Headers: map[string]string{"Sec-WebSocket-Protocol": Subprotocol}}, nil
}

// Message handles $default: one OCPP-J frame. The answer frame is returned as the body, which
// the route response sends back to the box without a PostToConnection call.
func (h *Handlers) Message(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	id, tenant, registration := identity(req.RequestContext)
	if id == "" {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("message on connection %s without authorizer context", req.RequestContext.ConnectionID)
	}
	in := csms.Inbound{
		ChargeBoxID: id, TenantID: tenant, ConnectionID: req.RequestContext.ConnectionID, Registration: registration,
		ReceivedAt: requestTime(req.RequestContext.RequestTimeEpoch, h.now), Body: []byte(req.Body),
	}
	res, err := h.csms.Handle(ctx, in)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if res.FollowUp != nil && h.followUp(ctx, in, res) {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil // both frames posted
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: string(res.Reply)}, nil
}

// Disconnect handles $disconnect: the connection row goes only if it is still this
// connection's, and "disconnected" is logged unless a newer connection replaced this one
// (the box is online).
func (h *Handlers) Disconnect(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	id, tenant, _ := identity(req.RequestContext)
	rc := req.RequestContext
	if id == "" {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	}
	now := requestTime(rc.RequestTimeEpoch, h.now)
	outcome, err := h.store.Disconnect(ctx, id, rc.ConnectionID, store.ConnectionEvent{
		ChargeBoxID: id, TenantID: tenant, ConnectionID: rc.ConnectionID, EventType: store.EventDisconnected,
		IP: rc.Identity.SourceIP, Status: store.StatusDisconnected, OccurredAt: now, Retention: h.opts.MessageRetention,
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	h.log.Info("charge box disconnected", "chargeBoxId", id, "connectionId", rc.ConnectionID, "outcome", outcome.String())
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
}

// identity reads the authorizer context API Gateway attaches to every event of a connection.
func identity(rc events.APIGatewayWebsocketProxyRequestContext) (id, tenant, registration string) {
	m, _ := rc.Authorizer.(map[string]any)
	get := func(k string) string { v, _ := m[k].(string); return v }
	return get(ctxChargeBoxID), get(ctxTenantID), get(ctxRegistration)
}

// requestTime is API Gateway's receipt time of the event; it makes a Lambda retry of the same
// event write the same frame-log row.
func requestTime(epochMillis int64, now func() time.Time) time.Time {
	if epochMillis > 0 {
		return time.UnixMilli(epochMillis).UTC()
	}
	return now().UTC()
}

// header reads a header case-insensitively (API Gateway keeps the client's spelling).
func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// offers reports whether the Sec-WebSocket-Protocol header(s) list proto; the list may be
// comma-separated, spaced, or spread over several header lines.
func offers(h map[string]string, mv map[string][]string, proto string) bool {
	var values []string
	for k, vs := range mv {
		if strings.EqualFold(k, "Sec-WebSocket-Protocol") {
			values = append(values, vs...)
		}
	}
	if len(values) == 0 {
		values = []string{header(h, "Sec-WebSocket-Protocol")}
	}
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == proto {
				return true
			}
		}
	}
	return false
}

package apigw

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gorilla/websocket"
)

func TestConnectEvent(t *testing.T) {
	rec := &recorder{connectResponse: func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Sec-WebSocket-Protocol": "ocpp1.6"}}, nil
	}}
	_, ts := startServer(t, rec.handlers(), Options{Stage: "dev", APIID: "api123"})

	d := websocket.Dialer{Subprotocols: []string{"ocpp2.0", "ocpp1.6"}}
	header := http.Header{"Authorization": {"Basic Q0IgMTpzZWNyZXQ="}, "User-Agent": {"box/1.0"}}
	before := time.Now()
	ws, _, err := d.Dial(wsURL(ts, "/ocpp/CB%201?chargeBoxId=spoofed&foo=bar&foo=baz"), header)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer ws.Close()
	if got := ws.Subprotocol(); got != "ocpp1.6" {
		t.Errorf("subprotocol = %q, want the one $connect chose, ocpp1.6", got)
	}

	ev := rec.lastConnect(t)
	rc := ev.RequestContext
	checks := []struct {
		name      string
		got, want any
	}{
		{"routeKey", rc.RouteKey, "$connect"},
		{"eventType", rc.EventType, "CONNECT"},
		{"messageDirection", rc.MessageDirection, "IN"},
		{"stage", rc.Stage, "dev"},
		{"apiId", rc.APIID, "api123"},
		{"domainName", rc.DomainName, strings.TrimPrefix(ts.URL, "http://")},
		{"sourceIp", rc.Identity.SourceIP, "127.0.0.1"},
		{"userAgent", rc.Identity.UserAgent, "box/1.0"},
		{"connectionId length", len(rc.ConnectionID), 16},
		{"chargeBoxId", ev.QueryStringParameters["chargeBoxId"], "CB 1"},
		{"foo", ev.QueryStringParameters["foo"], "baz"},
		{"multi foo", ev.MultiValueQueryStringParameters["foo"], []string{"bar", "baz"}},
		{"Sec-WebSocket-Protocol", ev.Headers["Sec-WebSocket-Protocol"], "ocpp2.0, ocpp1.6"},
		{"Authorization", ev.Headers["Authorization"], "Basic Q0IgMTpzZWNyZXQ="},
		{"Host", ev.Headers["Host"], strings.TrimPrefix(ts.URL, "http://")},
		{"multi Authorization", ev.MultiValueHeaders["Authorization"], []string{"Basic Q0IgMTpzZWNyZXQ="}},
		{"authorizer", rc.Authorizer, nil},
		{"body", ev.Body, ""},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if rc.RequestID == "" || rc.ExtendedRequestID == "" {
		t.Error("requestId and extendedRequestId must be set")
	}
	if rc.ConnectedAt < before.UnixMilli() || rc.ConnectedAt > time.Now().UnixMilli() {
		t.Errorf("connectedAt = %d, not the time of the request", rc.ConnectedAt)
	}
	if rc.RequestTimeEpoch < rc.ConnectedAt {
		t.Errorf("requestTimeEpoch %d before connectedAt %d", rc.RequestTimeEpoch, rc.ConnectedAt)
	}
	if _, err := time.Parse(requestTimeLayout, rc.RequestTime); err != nil {
		t.Errorf("requestTime %q: %v", rc.RequestTime, err)
	}
}

func TestConnectRefusal(t *testing.T) {
	tests := []struct {
		name       string
		resp       events.APIGatewayProxyResponse
		err        error
		wantStatus int
		wantBody   string
	}{
		{"handler status and body", events.APIGatewayProxyResponse{StatusCode: 401, Body: "bad password"}, nil, 401, "bad password"},
		{"base64 body", events.APIGatewayProxyResponse{StatusCode: 400, Body: "bm8gc3VicHJvdG9jb2w=", IsBase64Encoded: true}, nil, 400, "no subprotocol"},
		{"handler error", events.APIGatewayProxyResponse{}, errors.New("boom"), 500, `{"message":"Internal server error"}`},
		{"missing status", events.APIGatewayProxyResponse{}, nil, 500, `{"message":"Internal server error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{connectResponse: func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				return tt.resp, tt.err
			}}
			srv, ts := startServer(t, rec.handlers(), Options{})
			status, body := dialRefused(t, ts, "/ocpp/CB1")
			if status != tt.wantStatus || body != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			_ = srv.Close()
			if _, _, n := rec.counts(); n != 0 {
				t.Errorf("%d $disconnect events for a refused connection, want 0", n)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	rec := &recorder{}
	_, ts := startServer(t, rec.handlers(), Options{})
	tests := []struct {
		name, path string
		upgrade    bool
		want       int
	}{
		{"unknown path", "/other/CB1", true, http.StatusForbidden},
		{"path below the identity", "/ocpp/CB1/extra", true, http.StatusForbidden},
		{"no upgrade", "/ocpp/CB1", false, http.StatusUpgradeRequired},
		{"management path below an id", "/@connections/abc/def", false, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.upgrade {
				if status, _ := dialRefused(t, ts, tt.path); status != tt.want {
					t.Errorf("status %d, want %d", status, tt.want)
				}
				return
			}
			resp, err := http.Get(ts.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	if n, _, _ := rec.counts(); n != 0 {
		t.Errorf("$connect invoked %d times for rejected paths", n)
	}
}

func allowPolicy(resource string) events.APIGatewayCustomAuthorizerPolicy {
	return events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
		{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{resource}},
	}}
}

func TestAuthorizerOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		resp       events.APIGatewayCustomAuthorizerResponse
		err        error
		wantStatus int
		wantCalled bool
	}{
		{"missing identity skips the authorizer", "/ocpp", events.APIGatewayCustomAuthorizerResponse{}, nil, 401, false},
		{"Unauthorized error", "/ocpp/CB1", events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized"), 401, true},
		{"other error", "/ocpp/CB1", events.APIGatewayCustomAuthorizerResponse{}, errors.New("table missing"), 500, true},
		{"deny", "/ocpp/CB1", events.APIGatewayCustomAuthorizerResponse{PrincipalID: "CB1", PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: "Deny", Resource: []string{"*"}}},
		}}, nil, 403, true},
		{"allow for another resource", "/ocpp/CB1", events.APIGatewayCustomAuthorizerResponse{PrincipalID: "CB1",
			PolicyDocument: allowPolicy("arn:aws:execute-api:*:*:other/*")}, nil, 403, true},
		{"context with an object", "/ocpp/CB1", events.APIGatewayCustomAuthorizerResponse{PrincipalID: "CB1",
			PolicyDocument: allowPolicy("*"), Context: map[string]interface{}{"nested": map[string]string{}}}, nil, 500, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var called atomic.Bool
			rec := &recorder{}
			h := rec.handlers()
			h.Authorizer = func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
				called.Store(true)
				return tt.resp, tt.err
			}
			_, ts := startServer(t, h, Options{})
			if status, _ := dialRefused(t, ts, tt.path); status != tt.wantStatus {
				t.Errorf("status %d, want %d", status, tt.wantStatus)
			}
			if called.Load() != tt.wantCalled {
				t.Errorf("authorizer called = %v, want %v", called.Load(), tt.wantCalled)
			}
			if n, _, _ := rec.counts(); n != 0 {
				t.Errorf("$connect invoked %d times after a refusal", n)
			}
		})
	}
}

func TestAuthorizerAllowPropagatesContext(t *testing.T) {
	rec := &recorder{defaultResponse: func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "ok"}, nil
	}}
	h := rec.handlers()
	authReqs := make(chan events.APIGatewayCustomAuthorizerRequestTypeRequest, 1)
	h.Authorizer = func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		authReqs <- req
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID:    req.QueryStringParameters["chargeBoxId"],
			PolicyDocument: allowPolicy(req.MethodArn),
			Context:        map[string]interface{}{"tenantId": "t1", "registered": true},
		}, nil
	}
	srv, ts := startServer(t, h, Options{Stage: "dev", APIID: "api123"})

	ws := dial(t, ts, "/ocpp/CB1")
	req := <-authReqs
	if want := "arn:aws:execute-api:local:000000000000:api123/dev/$connect"; req.MethodArn != want {
		t.Errorf("methodArn = %q, want %q", req.MethodArn, want)
	}
	if req.Type != "REQUEST" || req.QueryStringParameters["chargeBoxId"] != "CB1" || req.Headers["Sec-WebSocket-Protocol"] != "ocpp1.6" {
		t.Errorf("authorizer request lacks type, identity or headers: %+v", req)
	}
	if req.RequestContext.Identity.SourceIP != "127.0.0.1" || req.RequestContext.Stage != "dev" || req.RequestContext.APIID != "api123" {
		t.Errorf("authorizer requestContext = %+v", req.RequestContext)
	}

	if err := ws.WriteMessage(websocket.TextMessage, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, ws); got != "ok" {
		t.Fatalf("route response %q, want ok", got)
	}
	_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	_ = srv.Close()

	want := map[string]interface{}{"principalId": "CB1", "tenantId": "t1", "registered": true}
	all := map[string]events.APIGatewayWebsocketProxyRequest{
		"$connect":    rec.lastConnect(t),
		"$default":    rec.defaultEvents()[0],
		"$disconnect": rec.disconnectEvents()[0],
	}
	for route, ev := range all {
		if !reflect.DeepEqual(ev.RequestContext.Authorizer, want) {
			t.Errorf("%s authorizer = %#v, want %#v", route, ev.RequestContext.Authorizer, want)
		}
	}
}

func TestPolicyAllows(t *testing.T) {
	const arn = "arn:aws:execute-api:local:000000000000:local/local/$connect"
	stmt := func(effect, action, resource string) events.IAMPolicyStatement {
		return events.IAMPolicyStatement{Effect: effect, Action: []string{action}, Resource: []string{resource}}
	}
	tests := []struct {
		name  string
		stmts []events.IAMPolicyStatement
		want  bool
	}{
		{"exact allow", []events.IAMPolicyStatement{stmt("Allow", "execute-api:Invoke", arn)}, true},
		{"wildcard allow", []events.IAMPolicyStatement{stmt("Allow", "execute-api:*", "arn:aws:execute-api:*:*:local/*")}, true},
		{"action case folds", []events.IAMPolicyStatement{stmt("Allow", "Execute-API:invoke", "*")}, true},
		{"no statement", nil, false},
		{"other api", []events.IAMPolicyStatement{stmt("Allow", "execute-api:Invoke", "arn:aws:execute-api:*:*:other/*")}, false},
		{"deny wins", []events.IAMPolicyStatement{stmt("Allow", "*", "*"), stmt("Deny", "execute-api:Invoke", arn)}, false},
		{"other action", []events.IAMPolicyStatement{stmt("Allow", "execute-api:ManageConnections", "*")}, false},
		{"question mark", []events.IAMPolicyStatement{stmt("Allow", "execute-api:Invoke", "arn:aws:execute-api:loca?:*")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := events.APIGatewayCustomAuthorizerPolicy{Statement: tt.stmts}
			if got := policyAllows(doc, arn); got != tt.want {
				t.Errorf("policyAllows = %v, want %v", got, tt.want)
			}
		})
	}
}

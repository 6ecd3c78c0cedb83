package apigw

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gorilla/websocket"
)

// identityParameter is the authorizer's identity source, route.request.querystring.chargeBoxId.
const identityParameter = "chargeBoxId"

// upgradeHeadersOwnedByGateway are response headers the handshake itself writes; a handler's
// copy of them would corrupt the 101 response.
var upgradeHeadersOwnedByGateway = []string{
	"Upgrade", "Connection", "Sec-Websocket-Accept", "Sec-Websocket-Extensions",
	"Content-Length", "Transfer-Encoding",
}

// upgradeRequest is what the authorizer and $connect events are built from: the upgrade
// request's headers and query, the identity set as CloudFront's function sets it.
type upgradeRequest struct {
	headers      map[string]string
	multiHeaders map[string][]string
	params       map[string]string
	multiParams  map[string][]string
	at           time.Time
}

// serveConnect runs the authorizer and $connect for an upgrade request and, when both let it
// through, upgrades and starts the connection.
func (s *Server) serveConnect(w http.ResponseWriter, r *http.Request, escapedID string) {
	c, req, ok := s.newConnection(w, r, escapedID)
	if !ok {
		return
	}
	done, ok := s.admit.enter()
	if !ok {
		c.log.Debug("new connection throttled")
		writeMessage(w, http.StatusTooManyRequests, http.StatusText(http.StatusTooManyRequests))
		return
	}
	defer done()
	if s.h.Authorizer != nil {
		if status, ok := s.authorize(r, c, req); !ok {
			writeMessage(w, status, http.StatusText(status))
			return
		}
	}
	var responseHeader http.Header
	if s.h.Connect != nil {
		if responseHeader, ok = s.connect(w, r, c, req); !ok {
			return
		}
	}
	s.upgrade(w, r, c, responseHeader)
}

// newConnection checks that r can become a connection and describes it; when it cannot, it
// has answered the client and returns false.
func (s *Server) newConnection(w http.ResponseWriter, r *http.Request, escapedID string) (*conn, upgradeRequest, bool) {
	if !websocket.IsWebSocketUpgrade(r) {
		writeMessage(w, http.StatusUpgradeRequired, "Upgrade Required")
		return nil, upgradeRequest{}, false
	}
	if s.isClosed() {
		writeMessage(w, http.StatusServiceUnavailable, "Service Unavailable")
		return nil, upgradeRequest{}, false
	}
	chargeBoxID, err := url.PathUnescape(escapedID)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, "Bad Request")
		return nil, upgradeRequest{}, false
	}
	// CloudFront's function turns the path identity into the query parameter; other
	// parameters travel unchanged.
	query := r.URL.Query()
	if chargeBoxID != "" {
		query.Set(identityParameter, chargeBoxID)
	}
	req := upgradeRequest{at: time.Now()}
	req.headers, req.multiHeaders = requestHeaders(r)
	req.params, req.multiParams = queryParameters(query)
	c := &conn{
		srv:         s,
		id:          newID(),
		chargeBoxID: query.Get(identityParameter),
		connectedAt: req.at,
		sourceIP:    sourceIP(r),
		userAgent:   r.UserAgent(),
		domainName:  r.Host,
	}
	c.lastActive.Store(req.at.UnixNano())
	c.log = s.log.With("connectionId", c.id, "chargeBoxId", c.chargeBoxID)
	return c, req, true
}

// connect invokes $connect and returns the headers to upgrade with. When the handler refuses
// or fails, it has answered the client and returns false.
func (s *Server) connect(w http.ResponseWriter, r *http.Request, c *conn, req upgradeRequest) (http.Header, bool) {
	ev := events.APIGatewayWebsocketProxyRequest{
		Headers:                         req.headers,
		MultiValueHeaders:               req.multiHeaders,
		QueryStringParameters:           req.params,
		MultiValueQueryStringParameters: req.multiParams,
		RequestContext:                  c.requestContext(routeConnect, "CONNECT", req.at),
	}
	ctx, cancel := integrationContext(r.Context())
	resp, err := invoke(ctx, s.h.Connect, ev)
	cancel()
	log := c.log.With("routeKey", routeConnect, "requestId", ev.RequestContext.RequestID)
	switch {
	case err != nil:
		log.Error("$connect handler failed", "error", err)
		writeMessage(w, http.StatusInternalServerError, "Internal server error")
		return nil, false
	case resp.StatusCode == 0:
		log.Error("$connect handler returned no statusCode")
		writeMessage(w, http.StatusInternalServerError, "Internal server error")
		return nil, false
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		log.Info("$connect refused", "status", resp.StatusCode)
		writeProxyResponse(w, resp, log)
		return nil, false
	}
	header := responseHeaders(resp)
	for _, h := range upgradeHeadersOwnedByGateway {
		header.Del(h)
	}
	return header, true
}

// upgrade registers the connection, answers 101 with responseHeader and starts serving it.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, c *conn, responseHeader http.Header) {
	// The connection is registered from the end of $connect, so a post racing the 101
	// response waits for the upgrade instead of failing, while a post from inside $connect
	// gets 410 as on AWS.
	c.ready = make(chan struct{})
	if !s.register(c) {
		writeMessage(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	// Subprotocols stays nil so gorilla answers with exactly the Sec-WebSocket-Protocol the
	// $connect handler chose, as API Gateway copies the integration's header.
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }, HandshakeTimeout: writeWait}
	hw := &hijackWriter{ResponseWriter: w, maxFrame: s.opts.MaxFrameBytes}
	ws, err := up.Upgrade(hw, r, responseHeader)
	if err != nil {
		// gorilla has answered the client already.
		c.log.Warn("websocket upgrade failed", "error", err)
		c.markClosing(closeAbnormal, closeDescription(closeAbnormal))
		s.unregister(c)
		close(c.ready)
		return
	}
	c.ws, c.raw = ws, hw.limiter
	c.start()
}

// authorize runs the REQUEST authorizer; on refusal it returns the HTTP status to answer.
func (s *Server) authorize(r *http.Request, c *conn, req upgradeRequest) (int, bool) {
	log := c.log.With("routeKey", routeConnect)
	// API Gateway does not invoke the authorizer when an identity source is missing.
	if req.params[identityParameter] == "" {
		log.Info("connection refused: no chargeBoxId")
		return http.StatusUnauthorized, false
	}
	methodArn := fmt.Sprintf("arn:aws:execute-api:local:%s:%s/%s/%s", accountID, s.opts.APIID, s.opts.Stage, routeConnect)
	ev := events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:                            "REQUEST",
		MethodArn:                       methodArn,
		Headers:                         req.headers,
		MultiValueHeaders:               req.multiHeaders,
		QueryStringParameters:           req.params,
		MultiValueQueryStringParameters: req.multiParams,
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			AccountID: accountID,
			Stage:     s.opts.Stage,
			RequestID: newID(),
			APIID:     s.opts.APIID,
			Identity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{
				SourceIP: c.sourceIP,
			},
		},
	}
	ctx, cancel := integrationContext(r.Context())
	defer cancel()
	resp, err := invoke(ctx, s.h.Authorizer, ev)
	switch {
	case err != nil && err.Error() == "Unauthorized":
		log.Info("connection refused by authorizer", "status", http.StatusUnauthorized)
		return http.StatusUnauthorized, false
	case err != nil:
		log.Error("authorizer failed", "error", err)
		return http.StatusInternalServerError, false
	}
	if !policyAllows(resp.PolicyDocument, methodArn) {
		log.Info("connection refused by authorizer policy", "status", http.StatusForbidden, "principalId", resp.PrincipalID)
		return http.StatusForbidden, false
	}
	ctxMap, err := authorizerContext(resp)
	if err != nil {
		log.Error("authorizer response refused", "error", err)
		return http.StatusInternalServerError, false
	}
	c.authorizer = ctxMap
	return 0, true
}

// authorizerContext is what the connection's events carry as requestContext.authorizer: the
// authorizer's context plus principalId. API Gateway accepts only strings, numbers and
// booleans in the context.
func authorizerContext(resp events.APIGatewayCustomAuthorizerResponse) (map[string]interface{}, error) {
	ctxMap := make(map[string]interface{}, len(resp.Context)+1)
	for k, v := range resp.Context {
		switch v.(type) {
		case string, bool, int, int32, int64, float32, float64, uint, uint32, uint64, nil:
		default:
			return nil, fmt.Errorf("authorizer context key %q holds a %T, not a string, number or boolean", k, v)
		}
		ctxMap[k] = v
	}
	ctxMap["principalId"] = resp.PrincipalID
	return ctxMap, nil
}

// policyAllows evaluates the authorizer's policy for execute-api:Invoke on methodArn: an
// explicit Deny wins, and without a matching Allow access is denied.
func policyAllows(doc events.APIGatewayCustomAuthorizerPolicy, methodArn string) bool {
	allowed := false
	for _, st := range doc.Statement {
		if !anyMatch(st.Action, "execute-api:Invoke", true) || !anyMatch(st.Resource, methodArn, false) {
			continue
		}
		switch strings.ToLower(st.Effect) {
		case "deny":
			return false
		case "allow":
			allowed = true
		}
	}
	return allowed
}

// anyMatch reports whether a pattern with IAM wildcards (* and ?) matches value. Actions
// compare case-insensitively, as IAM does; ARNs are matched as given.
func anyMatch(patterns []string, value string, foldCase bool) bool {
	for _, p := range patterns {
		if foldCase {
			p, value = strings.ToLower(p), strings.ToLower(value)
		}
		if wildcardMatch(p, value) {
			return true
		}
	}
	return false
}

// wildcardMatch matches * (any run, "/" included) and ? (one byte), backtracking to the last *.
func wildcardMatch(pattern, value string) bool {
	p, v := 0, 0
	star, mark := -1, 0
	for v < len(value) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == value[v]):
			p++
			v++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, v
			p++
		case star >= 0:
			p = star + 1
			mark++
			v = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// writeProxyResponse sends a refusing $connect response to the client as it is.
func writeProxyResponse(w http.ResponseWriter, resp events.APIGatewayProxyResponse, log *slog.Logger) {
	body, err := responseBody(resp)
	if err != nil {
		log.Error("$connect response body is not valid base64", "error", err)
		writeMessage(w, http.StatusInternalServerError, "Internal server error")
		return
	}
	for k, vs := range responseHeaders(resp) {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// integrationContext bounds one handler call by API Gateway's integration timeout. The call
// outlives the client's request, as a Lambda invocation does.
func integrationContext(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(parent), integrationTimeout)
}

// invoke calls a handler and turns a panic into an error, as the Lambda runtime reports a
// crashed invocation instead of taking the gateway down.
func invoke[Req, Resp any](ctx context.Context, fn func(context.Context, Req) (Resp, error), req Req) (resp Resp, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return fn(ctx, req)
}

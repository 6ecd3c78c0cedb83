package apigw

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Route keys and event types of the three predefined routes.
const (
	routeConnect    = "$connect"
	routeDefault    = "$default"
	routeDisconnect = "$disconnect"
)

// requestTimeLayout is the format of requestContext.requestTime.
const requestTimeLayout = "02/Jan/2006:15:04:05 -0700"

// newID returns an id shaped like API Gateway's connection, request and message ids
// ("L0SM9cOFvHcCIhw="): 11 random bytes in base64. The URL-safe alphabet keeps "/" out, since
// the id travels in a Management API path.
func newID() string {
	b := make([]byte, 11)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms.
	return base64.URLEncoding.EncodeToString(b)
}

// sourceIP is the TCP peer: API Gateway ignores X-Forwarded-For from the client.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// headerSpelling restores the usual spelling of headers whose Go canonical form differs. API
// Gateway passes names as the client sent them; Go's server has already canonicalized them,
// and WebSocket clients spell these with a capital S in "WebSocket".
var headerSpelling = map[string]string{
	"Sec-Websocket-Protocol":   "Sec-WebSocket-Protocol",
	"Sec-Websocket-Key":        "Sec-WebSocket-Key",
	"Sec-Websocket-Version":    "Sec-WebSocket-Version",
	"Sec-Websocket-Extensions": "Sec-WebSocket-Extensions",
	"Sec-Websocket-Accept":     "Sec-WebSocket-Accept",
}

// requestHeaders converts the upgrade request's headers to the single- and multi-value maps of
// the event. The single-value map holds the last value, as API Gateway does.
func requestHeaders(r *http.Request) (map[string]string, map[string][]string) {
	single := make(map[string]string, len(r.Header)+1)
	multi := make(map[string][]string, len(r.Header)+1)
	for k, vs := range r.Header {
		if len(vs) == 0 {
			continue
		}
		name := k
		if s, ok := headerSpelling[k]; ok {
			name = s
		}
		single[name] = vs[len(vs)-1]
		multi[name] = append([]string(nil), vs...)
	}
	// Go moves Host out of the header map; API Gateway passes it.
	single["Host"] = r.Host
	multi["Host"] = []string{r.Host}
	return single, multi
}

// queryParameters converts a query to the event's maps; nil when there is no parameter, as
// API Gateway sends null.
func queryParameters(q url.Values) (map[string]string, map[string][]string) {
	if len(q) == 0 {
		return nil, nil
	}
	single := make(map[string]string, len(q))
	multi := make(map[string][]string, len(q))
	for k, vs := range q {
		if len(vs) == 0 {
			continue
		}
		single[k] = vs[len(vs)-1]
		multi[k] = append([]string(nil), vs...)
	}
	return single, multi
}

// requestContext is the part of requestContext every event of a connection shares.
func (c *conn) requestContext(routeKey, eventType string, now time.Time) events.APIGatewayWebsocketProxyRequestContext {
	reqID := newID()
	rc := events.APIGatewayWebsocketProxyRequestContext{
		RouteKey:          routeKey,
		EventType:         eventType,
		ExtendedRequestID: reqID,
		RequestID:         reqID,
		RequestTime:       now.UTC().Format(requestTimeLayout),
		RequestTimeEpoch:  now.UnixMilli(),
		MessageDirection:  "IN",
		Stage:             c.srv.opts.Stage,
		ConnectedAt:       c.connectedAt.UnixMilli(),
		ConnectionID:      c.id,
		DomainName:        c.domainName,
		APIID:             c.srv.opts.APIID,
		Identity: events.APIGatewayRequestIdentity{
			SourceIP:  c.sourceIP,
			UserAgent: c.userAgent,
		},
	}
	if c.authorizer != nil {
		rc.Authorizer = c.authorizer
	}
	return rc
}

// writeMessage writes API Gateway's JSON error shape {"message": "..."}.
func writeMessage(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"message": message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"message":"Internal server error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// responseHeaders merges a proxy response's single- and multi-value headers.
func responseHeaders(resp events.APIGatewayProxyResponse) http.Header {
	h := make(http.Header, len(resp.Headers)+len(resp.MultiValueHeaders))
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	return h
}

// responseBody decodes a proxy response body.
func responseBody(resp events.APIGatewayProxyResponse) ([]byte, error) {
	if !resp.IsBase64Encoded {
		return []byte(resp.Body), nil
	}
	return base64.StdEncoding.DecodeString(strings.TrimSpace(resp.Body))
}

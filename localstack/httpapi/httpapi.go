// Package httpapi is the local stand-in for an API Gateway HTTP API with a Lambda proxy
// integration (payload format 2.0) on the $default route: it converts every HTTP request into
// an events.APIGatewayV2HTTPRequest, invokes the handler in-process, and writes its
// events.APIGatewayV2HTTPResponse back. The handler routes by itself, so pathParameters stay
// empty.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Options tune the emulated API.
type Options struct {
	// Stage is the stage name in events; default "$default".
	Stage string
	// APIID is the API id in events; default "local".
	APIID string
	// Logger receives the gateway's logs; default slog.Default().
	Logger *slog.Logger
}

// Handler is the Lambda handler signature of an HTTP API proxy integration.
type Handler func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

const (
	// maxBodyBytes is API Gateway's payload limit (10 MB).
	maxBodyBytes = 10 << 20
	// integrationTimeout is the HTTP API's maximum integration timeout.
	integrationTimeout = 30 * time.Second
	// accountID is the dummy account LocalStack uses too.
	accountID = "000000000000"
	// timeLayout is the format of requestContext.time.
	timeLayout = "02/Jan/2006:15:04:05 -0700"
)

type api struct {
	handler Handler
	opts    Options
}

// New returns an http.Handler that invokes handler for every request, as the HTTP API does.
func New(handler func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error), opts Options) http.Handler {
	if opts.Stage == "" {
		opts.Stage = "$default"
	}
	if opts.APIID == "" {
		opts.APIID = "local"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &api{handler: handler, opts: opts}
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newID()
	w.Header().Set("Apigw-Requestid", reqID)
	req, err := a.event(w, r, reqID)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return
		}
		a.opts.Logger.Warn("could not read request", "error", err, "path", r.URL.Path)
		writeMessage(w, http.StatusBadRequest, "Bad Request")
		return
	}
	log := a.opts.Logger.With("requestId", req.RequestContext.RequestID, "method", r.Method, "path", req.RawPath)

	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), integrationTimeout)
	defer cancel()
	resp, err := invoke(ctx, a.handler, req)
	if err != nil {
		log.Error("handler failed", "error", err)
		writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	if resp.StatusCode == 0 {
		log.Error("handler returned no statusCode")
		writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	if err := writeResponse(w, resp); err != nil {
		log.Error("invalid handler response", "error", err)
		writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	log.Debug("request served", "status", resp.StatusCode)
}

// event converts the request as API Gateway does for payload format 2.0.
func (a *api) event(w http.ResponseWriter, r *http.Request, reqID string) (events.APIGatewayV2HTTPRequest, error) {
	now := time.Now()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, fmt.Errorf("read body: %w", err)
	}

	headers := make(map[string]string, len(r.Header)+1)
	var cookies []string
	for k, vs := range r.Header {
		name := strings.ToLower(k)
		if name == "cookie" {
			// Payload 2.0 moves cookies to their own field, one entry per cookie.
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[name] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	headers["x-forwarded-for"] = sourceIP(r)
	headers["x-forwarded-proto"] = "http"
	if r.TLS != nil {
		headers["x-forwarded-proto"] = "https"
	}
	if r.ContentLength >= 0 {
		headers["content-length"] = fmt.Sprint(len(body))
	}

	var query map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		query = make(map[string]string, len(q))
		for k, vs := range q {
			query[k] = strings.Join(vs, ",")
		}
	}

	hostname := r.Host
	if h, _, err := net.SplitHostPort(hostname); err == nil {
		hostname = h
	}
	prefix, _, _ := strings.Cut(hostname, ".")

	ev := events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: "$default",
		// HTTP APIs hand over the path percent-decoded.
		RawPath:               r.URL.Path,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:  "$default",
			AccountID: accountID,
			Stage:     a.opts.Stage,
			RequestID: reqID,
			APIID:     a.opts.APIID,
			// The Host header, port included, so URLs built from it work locally.
			DomainName:   r.Host,
			DomainPrefix: prefix,
			Time:         now.UTC().Format(timeLayout),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP(r),
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev, nil
}

// isText reports whether API Gateway passes a body of this type as text; every other body
// arrives base64-encoded (form posts included).
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript":
		return true
	}
	return false
}

// writeResponse writes the handler's response: headers (single values win over multi values
// of the same name), cookies as Set-Cookie, and the body, decoded when base64.
func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) error {
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return fmt.Errorf("decode base64 body: %w", err)
		}
	}
	h := w.Header()
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	// API Gateway answers application/json when the function names no content type.
	if h.Get("Content-Type") == "" && len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	h.Del("Content-Length")
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return nil
}

func writeMessage(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"message":%q}`, message)
}

// sourceIP is the TCP peer; a client's X-Forwarded-For is not trusted.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// newID returns an id shaped like API Gateway's request ids.
func newID() string {
	b := make([]byte, 11)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms.
	return base64.URLEncoding.EncodeToString(b)
}

// invoke calls the handler and turns a panic into an error, as the Lambda runtime does.
func invoke(ctx context.Context, h Handler, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h(ctx, req)
}

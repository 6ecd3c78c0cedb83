// Package api is the operator HTTP API: remote OCPP operations sent to charge boxes, queries of
// everything the central system knows, and the registry of charge boxes and id tags. It
// handles API Gateway HTTP API events (payload format 2.0) and routes them with a
// net/http ServeMux built from one route table, the same table docs/openapi.json is checked
// against. Operators authenticate at the gateway (IAM on AWS, a bearer token locally).
package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/serverless-ocpp/csms/shared/store"
)

// Poster posts a frame to a charge box's WebSocket connection and closes it (the API Gateway
// Management API; *apigatewaymanagementapi.Client).
type Poster interface {
	PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
	DeleteConnection(ctx context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error)
}

// Options configure the API.
type Options struct {
	// CommandWait is how long a caller waits for a box's answer when it names no wait.
	CommandWait time.Duration
	// CommandWaitMax bounds the wait a caller may ask for.
	CommandWaitMax time.Duration
	// CommandTTL is how long a command's outcome stays queryable.
	CommandTTL time.Duration
	// MessageRetention is how long the frame-log rows of sent CALLs are kept.
	MessageRetention time.Duration
	// PollInterval is how often a waiting caller reads the command (default 100 ms).
	PollInterval time.Duration
	// SlotMargin is added to the wait to hold the box's call slot, so a box answering just
	// after the caller gave up still finds its command (default 5 s).
	SlotMargin time.Duration
}

// API serves the operator HTTP API.
type API struct {
	store *store.Store
	post  Poster
	opts  Options
	log   *slog.Logger
	now   func() time.Time
	mux   *http.ServeMux
}

// New returns the API on st, posting to charge boxes with post.
func New(st *store.Store, post Poster, opts Options, log *slog.Logger) *API {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 100 * time.Millisecond
	}
	if opts.SlotMargin <= 0 {
		opts.SlotMargin = 5 * time.Second
	}
	if opts.CommandWaitMax <= 0 {
		opts.CommandWaitMax = 25 * time.Second
	}
	if opts.CommandWait <= 0 || opts.CommandWait > opts.CommandWaitMax {
		opts.CommandWait = min(10*time.Second, opts.CommandWaitMax)
	}
	if opts.CommandTTL <= 0 {
		opts.CommandTTL = 7 * 24 * time.Hour
	}
	if opts.MessageRetention <= 0 {
		opts.MessageRetention = 30 * 24 * time.Hour
	}
	a := &API{store: st, post: post, opts: opts, log: log, now: time.Now, mux: http.NewServeMux()}
	for _, rt := range Routes() {
		a.mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			if err := checkPathValues(rt.Path, r); err != nil {
				a.fail(w, r, err)
				return
			}
			rt.handle(a, w, r)
		})
	}
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		msg := fmt.Sprintf("no route %s %s", r.Method, r.URL.Path)
		if near := suggest(r.Method, r.URL.Path); near != "" {
			msg += "; did you mean " + near + "?"
		}
		writeError(w, http.StatusNotFound, msg, "")
	})
	return a
}

// Handle is the Lambda handler of the HTTP API's $default route.
func (a *API) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	r, err := request(ctx, ev)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errBodyTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: jsonHeaders(),
			Body: errorBody(err.Error(), "")}, nil
	}
	w := &recorder{header: http.Header{}}
	a.mux.ServeHTTP(w, r)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	headers := map[string]string{}
	for k, vs := range w.header {
		headers[k] = strings.Join(vs, ",")
	}
	a.log.Info("request served", "method", r.Method, "path", r.URL.Path, "status", w.status, "requestId", ev.RequestContext.RequestID)
	return events.APIGatewayV2HTTPResponse{StatusCode: w.status, Headers: headers, Body: w.body.String()}, nil
}

// MaxBodyBytes bounds a request body: the largest body any route needs (a SendLocalList, a
// charging profile) is far smaller, and a CALL the body becomes is at most 32 KB anyway.
const MaxBodyBytes = 64 * 1024

// MaxPathValueBytes bounds an id in the path (charge box, EVSE, id tag, command, transaction):
// every such id is far shorter, and DynamoDB refuses longer keys.
const MaxPathValueBytes = 255

var errBodyTooLarge = fmt.Errorf("the request body is larger than %d bytes", MaxBodyBytes)

// request turns a payload 2.0 event into the http.Request the mux routes.
func request(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	if len(ev.Body) > MaxBodyBytes*4/3+4 {
		return nil, errBodyTooLarge // too long even as base64: not worth decoding
	}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, fmt.Errorf("body is not valid base64")
		}
	}
	if len(body) > MaxBodyBytes {
		return nil, errBodyTooLarge
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		method = http.MethodGet
	}
	u := &url.URL{Path: path, RawQuery: ev.RawQueryString}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("invalid request: %w", err)
	}
	for k, v := range ev.Headers {
		r.Header.Set(k, v)
	}
	return r, nil
}

// recorder is the http.ResponseWriter the mux writes the Lambda response into.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func jsonHeaders() map[string]string { return map[string]string{"Content-Type": "application/json"} }

// writeJSON writes v as the response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not encode the response", "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// apiError is the body of every error: a message and, for bad input, the offending field.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func errorBody(msg, field string) string {
	b, _ := json.Marshal(apiError{Error: msg, Field: field})
	return string(b)
}

func writeError(w http.ResponseWriter, status int, msg, field string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(errorBody(msg, field)))
}

// badRequest is an error in the caller's input; Field names the part at fault.
type badRequest struct {
	Field string
	Msg   string
}

func (e *badRequest) Error() string { return e.Msg }

func invalid(field, format string, args ...any) error {
	return &badRequest{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// fail answers an error: bad input 400, unknown things 404, conflicts 409, anything else 500
// (logged; the caller is told nothing internal).
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var br *badRequest
	switch {
	case errors.As(err, &br):
		writeError(w, http.StatusBadRequest, br.Msg, br.Field)
	case errors.Is(err, store.ErrBadToken):
		writeError(w, http.StatusBadRequest, "invalid pagination token", "next")
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error(), "")
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, err.Error(), "")
	default:
		a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		writeError(w, http.StatusInternalServerError, "internal error", "")
	}
}

// checkPathValues refuses an id in the path longer than MaxPathValueBytes, naming it.
func checkPathValues(pattern string, r *http.Request) error {
	for rest := pattern; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil
		}
		name := rest[i+1 : i+j]
		if len(r.PathValue(name)) > MaxPathValueBytes {
			return invalid(name, "%s is longer than %d bytes", name, MaxPathValueBytes)
		}
		rest = rest[i+j+1:]
	}
}

// notFound is store.ErrNotFound saying what was not found (the 404's message, nothing appended).
func notFound(format string, args ...any) error {
	return &missing{msg: fmt.Sprintf(format, args...)}
}

type missing struct{ msg string }

func (e *missing) Error() string { return e.msg }
func (e *missing) Unwrap() error { return store.ErrNotFound }

// decodeBody reads a JSON object body into v strictly (unknown fields are errors); an empty
// body is {}.
func decodeBody(r *http.Request, v any) error {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return invalid("", "could not read the body")
	}
	b := bytes.TrimSpace(buf.Bytes())
	if len(b) == 0 {
		b = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid(te.Field, "%s: expected %s", te.Field, te.Type)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			f = strings.Trim(f, `"`)
			return invalid(f, "%s: unknown field", f)
		}
		return invalid("", "body is not a valid JSON object: %v", err)
	}
	if dec.More() {
		return invalid("", "body holds more than one JSON value")
	}
	return nil
}

// Package apigw is the local stand-in for an API Gateway WebSocket API and its Management API
// (@connections). It accepts charge boxes on the public URL shape ws://host/ocpp/{chargeBoxId},
// turns the upgrade request, every data frame and the end of the socket into the same
// aws-lambda-go events API Gateway delivers ($connect, $default, $disconnect), and invokes the
// real handlers in-process. It implements no behaviour of the central system itself.
//
// docs/localstack.md describes the mapping and the limits it enforces.
package apigw

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Handlers are the Lambda handlers of the WebSocket API's routes. Any of them may be nil: a nil
// Authorizer lets every connection through, a nil Connect accepts it, nil Default and
// Disconnect are not invoked.
type Handlers struct {
	// Authorizer is the $connect REQUEST authorizer (identity source:
	// route.request.querystring.chargeBoxId).
	Authorizer func(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error)
	// Connect, Default and Disconnect are the integrations of $connect, $default and $disconnect.
	Connect, Default, Disconnect func(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)
}

// Options tune the emulated API. Zero values take the API Gateway defaults.
type Options struct {
	// Stage is the stage name in events and ARNs; default "local".
	Stage string
	// APIID is the API id in events and ARNs; default "local".
	APIID string
	// MaxFrameBytes bounds one inbound WebSocket frame; default 32 KiB (API Gateway's limit).
	MaxFrameBytes int
	// MaxMessageBytes bounds one inbound message and one PostToConnection payload; default 128 KiB.
	MaxMessageBytes int
	// IdleTimeout closes a connection without data in either direction; default 10 min.
	IdleTimeout time.Duration
	// MaxConnectionAge closes every connection this long after it opened; default 2 h.
	MaxConnectionAge time.Duration
	// MaxInFlight bounds the concurrent $default invocations of one connection; default 8.
	// API Gateway does not serialize them; the bound only keeps a flooding client in check.
	MaxInFlight int
	// NewConnectionsPerSecond is API Gateway's account quota of new connections per second;
	// default 500 (AWS's default), negative for no limit. MaxPendingConnects bounds the
	// handshakes (authorizer and $connect) in progress; default 64, negative for no bound.
	// Upgrades over either are answered 429 (admission.go).
	NewConnectionsPerSecond float64
	MaxPendingConnects      int
	// Logger receives the gateway's logs; default slog.Default().
	Logger *slog.Logger
}

// Defaults of Options, equal to API Gateway's WebSocket quotas.
const (
	DefaultStage            = "local"
	DefaultAPIID            = "local"
	DefaultMaxFrameBytes    = 32 * 1024
	DefaultMaxMessageBytes  = 128 * 1024
	DefaultIdleTimeout      = 10 * time.Minute
	DefaultMaxConnectionAge = 2 * time.Hour
	DefaultMaxInFlight      = 8
	// DefaultNewConnectionsPerSecond is API Gateway's default quota; DefaultMaxPendingConnects
	// keeps DynamoDB Local's queue short enough that no handshake times out.
	DefaultNewConnectionsPerSecond = 500
	DefaultMaxPendingConnects      = 64
)

// integrationTimeout is API Gateway's hard limit on one integration call.
const integrationTimeout = 29 * time.Second

// accountID is the account in ARNs; LocalStack uses the same dummy account.
const accountID = "000000000000"

func (o Options) withDefaults() Options {
	if o.Stage == "" {
		o.Stage = DefaultStage
	}
	if o.APIID == "" {
		o.APIID = DefaultAPIID
	}
	if o.MaxFrameBytes <= 0 {
		o.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxConnectionAge <= 0 {
		o.MaxConnectionAge = DefaultMaxConnectionAge
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.NewConnectionsPerSecond == 0 {
		o.NewConnectionsPerSecond = DefaultNewConnectionsPerSecond
	}
	if o.MaxPendingConnects == 0 {
		o.MaxPendingConnects = DefaultMaxPendingConnects
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Server is the emulated WebSocket API and Management API on one http.Handler:
// GET /ocpp/{chargeBoxId} upgrades, /@connections/{id} (optionally behind /{stage}) manages.
type Server struct {
	h     Handlers
	opts  Options
	log   *slog.Logger
	admit *admission

	mu     sync.Mutex
	conns  map[string]*conn
	closed bool
	// live counts connections from upgrade until their $disconnect has returned, so Close can
	// wait for every $disconnect.
	live sync.WaitGroup
}

// New returns a Server invoking h.
func New(h Handlers, opts Options) *Server {
	opts = opts.withDefaults()
	return &Server{h: h, opts: opts, log: opts.Logger, conns: make(map[string]*conn),
		admit: newAdmission(opts.NewConnectionsPerSecond, opts.MaxPendingConnects, time.Now)}
}

// ServeHTTP routes the public WebSocket path and the Management API. Everything else gets 403,
// as API Gateway answers for a path it has no route for.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if id, ok := managementPath(r.URL.Path); ok {
		s.serveManagement(w, r, id)
		return
	}
	if chargeBoxID, ok := publicPath(r.URL.EscapedPath()); ok {
		s.serveConnect(w, r, chargeBoxID)
		return
	}
	// API Gateway says no more; the local log says why, for the box's owner.
	s.log.Warn("refused: no route for this path; charge boxes connect to /ocpp/{chargeBoxId}",
		"path", r.URL.Path, "status", http.StatusForbidden, "sourceIp", r.RemoteAddr)
	writeMessage(w, http.StatusForbidden, "Forbidden")
}

// Close closes every connection with 1001 "Going away", waits until each one's $disconnect
// has returned, and refuses connections from then on.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	open := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		open = append(open, c)
	}
	s.mu.Unlock()
	for _, c := range open {
		c.closeWith(closeGoingAway, "Going away")
	}
	s.live.Wait()
	return nil
}

// Connections is the number of open connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// register adds a connection whose $connect succeeded; false once the server is closed.
func (s *Server) register(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c.id] = c
	return true
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[c.id] == c {
		delete(s.conns, c.id)
	}
}

func (s *Server) lookup(id string) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[id]
}

// publicPath matches /ocpp/{chargeBoxId} on the escaped path, so an encoded "/" stays part of
// the identity. /ocpp and /ocpp/ match with an empty identity: that is the stage root, which
// CloudFront forwards without a chargeBoxId parameter.
func publicPath(escaped string) (string, bool) {
	rest, ok := strings.CutPrefix(escaped, "/ocpp")
	if !ok {
		return "", false
	}
	if rest == "" || rest == "/" {
		return "", true
	}
	seg, ok := strings.CutPrefix(rest, "/")
	if !ok || strings.Contains(seg, "/") {
		return "", false
	}
	return seg, true
}

// managementPath matches /@connections/{id} and /{stage}/@connections/{id}: the SDK client
// puts the stage in the path when the endpoint URL carries it.
func managementPath(path string) (string, bool) {
	i := strings.Index(path, "/@connections/")
	if i < 0 {
		return "", false
	}
	if prefix := path[:i]; prefix != "" && strings.Count(prefix, "/") != 1 {
		return "", false
	}
	id := path[i+len("/@connections/"):]
	if id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

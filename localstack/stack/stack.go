// Package stack assembles the local stack: DynamoDB tables, the API Gateway stand-ins serving the
// real handlers, and the stream reader feeding the publisher. `make local` runs it through
// localstack/main.go; end-to-end tests start it in-process.
package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/serverless-ocpp/csms/localstack/apigw"
	"github.com/serverless-ocpp/csms/localstack/httpapi"
	"github.com/serverless-ocpp/csms/localstack/streams"
	"github.com/serverless-ocpp/csms/shared/api"
	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/certs"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/failures"
	"github.com/serverless-ocpp/csms/shared/gateway"
	"github.com/serverless-ocpp/csms/shared/launch"
	"github.com/serverless-ocpp/csms/shared/publish"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/streamfilter"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// Options are the local stack's addresses; the rest comes from config.Config.
type Options struct {
	// WSAddr serves ws://WSAddr/ocpp/{chargeBoxId} and the Management API; "127.0.0.1:0" picks a port.
	WSAddr string
	// HTTPAddr serves the operator HTTP API.
	HTTPAddr string
	Gateway  apigw.Options
	// Publish runs the stream reader feeding the publisher, as Lambda's event source mapping
	// does on AWS. It publishes to cfg.AMQPURL, or prints each message to PrintTo without one.
	Publish bool
	PrintTo io.Writer
	// StreamPoll is the stream reader's poll interval (default 250 ms).
	StreamPoll time.Duration
	// StreamMaxRecordAge is the stream reader's maximum record age (streams.Options); zero
	// retries until the stream trims the record, as the deployed mapping does.
	StreamMaxRecordAge time.Duration
	// ViewerToken is the read-only bearer token (GET routes only); generated when empty.
	ViewerToken string
	// ReconcileEvery is how often the aggregates are reconciled, as the deployed schedule
	// does (an hour when zero).
	ReconcileEvery time.Duration
}

// Stack is a running local stack.
type Stack struct {
	Config config.Config
	Store  *store.Store
	// WSURL is the charge-box URL prefix, e.g. ws://127.0.0.1:8080/ocpp/.
	WSURL string
	// ManagementURL is the Management API endpoint the handlers post to.
	ManagementURL string
	// HTTPURL is the operator API's base URL.
	HTTPURL string
	// ConsoleURL is the operator console, served beside the API (same origin).
	ConsoleURL string
	// ViewerToken is the read-only token: it may call GET routes only.
	ViewerToken string

	ws        *apigw.Server
	pub       bus.Publisher
	listeners []net.Listener
	servers   []*http.Server
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	log       *slog.Logger
}

// Start creates the tables (if missing) on cfg.DynamoDBEndpoint and serves the APIs. When a step
// fails, whatever the earlier steps opened is closed by Close, the one clean-up path.
func Start(ctx context.Context, cfg config.Config, opts Options, log *slog.Logger) (*Stack, error) {
	if cfg.DynamoDBEndpoint == "" {
		return nil, errors.New("local stack: DynamoDB endpoint required")
	}
	s := &Stack{log: log}
	if err := s.start(ctx, cfg, opts); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// start opens the listeners, builds the handlers and serves them; each resource it opens is
// recorded on s before the next step can fail.
func (s *Stack) start(ctx context.Context, cfg config.Config, opts Options) error {
	wsLn, err := s.listen(opts.WSAddr, "WS_ADDR")
	if err != nil {
		return err
	}
	httpLn, err := s.listen(opts.HTTPAddr, "HTTP_ADDR")
	if err != nil {
		return err
	}
	s.WSURL = "ws://" + wsLn.Addr().String() + "/ocpp/"
	s.ManagementURL = "http://" + wsLn.Addr().String()
	s.HTTPURL = "http://" + httpLn.Addr().String()
	if cfg.ManagementEndpoint == "" {
		cfg.ManagementEndpoint = s.ManagementURL
	}
	if cfg.APIToken == "" {
		cfg.APIToken = newToken()
	}
	s.ConsoleURL = s.HTTPURL + consolePath
	if s.ViewerToken = opts.ViewerToken; s.ViewerToken == "" {
		s.ViewerToken = newToken()
	}
	s.Config = cfg
	log := s.log

	env, err := launch.NewEnv(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("AWS clients: %w", err)
	}
	if cfg.Security.CAFile != "" {
		created, err := certs.EnsureFile(cfg.Security.CAFile, cfg.Security.CPOName, time.Now())
		if err != nil {
			return fmt.Errorf("local CA: %w", err)
		}
		if created {
			log.Info("local charging-station CA created", "file", cfg.Security.CAFile)
		}
	}
	h, st := gateway.FromConfig(cfg, env.Store, log).WithAWS(cfg, env.AWS), env.Store
	s.Store = st
	if err := store.CreateTables(ctx, st.DB(), cfg.TablePrefix); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	gwOpts := opts.Gateway
	if gwOpts.Logger == nil {
		gwOpts.Logger = log
	}
	s.ws = apigw.New(apigw.Handlers{Authorizer: h.Authorize, Connect: h.Connect, Default: h.Message, Disconnect: h.Disconnect}, gwOpts)

	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if opts.Publish {
		if err := s.startPublisher(runCtx, env, opts); err != nil {
			return fmt.Errorf("stream reader: %w", err)
		}
	}
	s.serve(wsLn, s.ws)
	operator := api.FromConfig(cfg, env.Store, env.AWS, log)
	s.serve(httpLn, withConsole(httpapi.Bearer(httpapi.Tokens{Operator: cfg.APIToken, Viewer: s.ViewerToken},
		httpapi.New(operator.Handle, httpapi.Options{Logger: log}))))
	go reconcileEvery(runCtx, operator, opts.ReconcileEvery, log)
	return nil
}

// reconcileEvery stands in for the EventBridge rule of infra/reconcile.go: it invokes the api
// handler with the reconcile event every interval (an hour when zero) until ctx ends.
func reconcileEvery(ctx context.Context, operator *api.API, interval time.Duration, log *slog.Logger) {
	if interval <= 0 {
		interval = time.Hour
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := operator.HandleEvent(ctx, []byte(`{"reconcile":true}`)); err != nil && ctx.Err() == nil {
				log.Error("scheduled reconciliation", "error", err)
			}
		}
	}
}

// newToken returns a random operator token for a stack started without API_TOKEN.
func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms.
	return hex.EncodeToString(b)
}

// startPublisher reads the streams of the tables the publisher consumes and invokes the real
// publisher handler with their records, honouring its partial-failure answers.
func (s *Stack) startPublisher(ctx context.Context, env launch.Env, opts Options) error {
	handler, pub, err := publish.FromConfig(env.Config, env.Store, env.AWS, s.log, opts.PrintTo)
	if err != nil {
		return err
	}
	s.pub = pub
	cfg := env.Config
	sc := dynamodbstreams.NewFromConfig(env.AWS, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(cfg.DynamoDBEndpoint) })
	var names []string
	byName := map[string]tables.Table{}
	for _, t := range tables.All() {
		if t.Stream {
			names = append(names, t.FullName(cfg.TablePrefix))
			byName[t.FullName(cfg.TablePrefix)] = t
		}
	}
	// The settings of the deployed mappings (infra/publisher.go).
	ro := streams.Options{
		Region: cfg.Region, Logger: s.log, PollInterval: opts.StreamPoll, MaxRecordAge: opts.StreamMaxRecordAge, Bisect: true,
		Filter: func(table string, rec events.DynamoDBEventRecord) bool {
			return streamfilter.Deliver(byName[table], rec)
		},
		Parallelization: func(table string) int { return tables.StreamParallelization(byName[table]) },
	}
	if cfg.FailureDir != "" {
		ro.FailureStore = failures.Dir(cfg.FailureDir)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := streams.Run(ctx, sc, names, handler, ro)
		if err != nil {
			s.log.Error("stream reader stopped", "error", err)
		}
	}()
	return nil
}

// listen opens a listener that Close closes, served or not.
func (s *Stack) listen(addr, name string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s %s: cannot listen (is the port taken? set %s to another address): %w", name, addr, name, err)
	}
	s.listeners = append(s.listeners, ln)
	return ln, nil
}

func (s *Stack) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("server stopped", "addr", ln.Addr().String(), "error", err)
		}
	}()
}

// Close closes every connection (each gets its $disconnect), stops the servers and background
// work, and waits for them. It also undoes a Start that failed half-way, so it copes with any
// part not having been started.
func (s *Stack) Close() error {
	var err error
	if s.ws != nil {
		err = s.ws.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		_ = srv.Shutdown(ctx)
	}
	// Shutdown closed the listeners it served; this closes those never served.
	for _, ln := range s.listeners {
		_ = ln.Close()
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	if s.pub != nil {
		_ = s.pub.Close()
	}
	return err
}

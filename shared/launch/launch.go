// Package launch starts the Lambda functions, all six the same way: a JSON logger, the settings
// (shared/config), the AWS configuration and the store, and lambda.Start. Nothing is built
// before the first event: a cold start is the Go runtime's start only, and the handler is built
// once, on the first invocation. The local stack builds its Env here too and hands it to the
// same FromConfig functions (gateway, api, publish), so a function is wired the same way on AWS
// and on one machine. Only what every function needs is imported here: a package imported by
// launch is linked into, and initialised by, all six binaries.
package launch

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Env is what every handler is built from.
type Env struct {
	Config config.Config
	Log    *slog.Logger
	// AWS is the SDK configuration of every client (region, credentials).
	AWS aws.Config
	// Store is the DynamoDB store of the configured tables, shared by the handlers of a process.
	Store *store.Store
}

// NewEnv loads the AWS SDK configuration for cfg and builds the store on it.
func NewEnv(ctx context.Context, cfg config.Config, log *slog.Logger) (Env, error) {
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return Env{}, err
	}
	st := store.New(store.NewClient(awsCfg, cfg.DynamoDBEndpoint), cfg.TablePrefix)
	return Env{Config: cfg, Log: log, AWS: awsCfg, Store: st}, nil
}

// Logger returns the process logger: JSON on stdout (CloudWatch reads it in Lambda), level from
// LOG_LEVEL (config.LogLevel; info when unset or malformed).
func Logger() *slog.Logger {
	level, _ := config.LogLevel(os.Getenv("LOG_LEVEL"))
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
}

// Start is the whole main of a Lambda function: build returns the handler function to serve
// (one lambda.Start accepts) from the Env. It runs on the first event, not before; if the
// settings are malformed or build fails, that invocation fails with the error and the next one
// tries again. Start does not return.
func Start(build func(Env) (any, error)) {
	log := Logger()
	slog.SetDefault(log)
	lambda.Start(newLazy(log, os.Getenv, build))
}

// lazy is a lambda.Handler that builds the real one on its first invocation.
type lazy struct {
	log   *slog.Logger
	build func(context.Context) (lambda.Handler, error)

	mu      sync.Mutex
	handler lambda.Handler
}

func newLazy(log *slog.Logger, getenv func(string) string, build func(Env) (any, error)) *lazy {
	return &lazy{log: log, build: func(ctx context.Context) (lambda.Handler, error) {
		cfg, err := config.Read(getenv)
		if err != nil {
			return nil, fmt.Errorf("configuration: %w", err)
		}
		env, err := NewEnv(ctx, cfg, log)
		if err != nil {
			return nil, fmt.Errorf("setup: %w", err)
		}
		h, err := build(env)
		if err != nil {
			return nil, fmt.Errorf("setup: %w", err)
		}
		return lambda.NewHandler(h), nil
	}}
}

// Invoke serves one event, building the handler first if no invocation has built it yet.
func (l *lazy) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	h, err := l.get(ctx)
	if err != nil {
		l.log.Error("function cannot start", "error", err)
		return nil, err
	}
	return h.Invoke(ctx, payload)
}

func (l *lazy) get(ctx context.Context) (lambda.Handler, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.handler == nil {
		h, err := l.build(ctx)
		if err != nil {
			return nil, err
		}
		l.handler = h
	}
	return l.handler, nil
}

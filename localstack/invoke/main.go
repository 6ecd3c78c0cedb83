// Command invoke runs one sample Lambda event through its real handler against the DynamoDB
// named by DYNAMODB_ENDPOINT, as `make invoke FN=message EVENT=events/message/heartbeat.json`
// does (the Makefile starts DynamoDB Local). It creates the tables if missing and registers the
// charge box named in the event, then prints the handler's response as JSON.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/gateway"
	"github.com/serverless-ocpp/csms/shared/launch"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/publish"
	"github.com/serverless-ocpp/csms/shared/store"
)

func main() {
	fn := flag.String("fn", "", "function: "+fmt.Sprint(functionNames()))
	path := flag.String("event", "", "event file (JSON)")
	register := flag.String("register", "", "charge box to register first (default: the one in the event's authorizer context)")
	flag.Parse()
	raw, err := os.ReadFile(*path)
	if err != nil {
		fail(err)
	}
	cfg, err := config.Load()
	if err != nil {
		fail(err)
	}
	if cfg.DynamoDBEndpoint == "" {
		fail(errors.New("DYNAMODB_ENDPOINT is not set: use `make invoke`, which starts DynamoDB Local"))
	}
	ctx := context.Background()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	out, err := invoke(ctx, cfg, log, *fn, raw, *register)
	if err != nil {
		fail(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "invoke:", err)
	os.Exit(1)
}

// function decodes an event and runs it through one handler.
type function func(ctx context.Context, h *gateway.Handlers, raw []byte) (any, error)

func run[E, R any](f func(*gateway.Handlers) func(context.Context, E) (R, error)) function {
	return func(ctx context.Context, h *gateway.Handlers, raw []byte) (any, error) {
		var ev E
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode event: %w", err)
		}
		return f(h)(ctx, ev)
	}
}

var functions = map[string]function{
	"authorizer": run(func(h *gateway.Handlers) func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return h.Authorize
	}),
	"connect": run(func(h *gateway.Handlers) func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return h.Connect
	}),
	"message": run(func(h *gateway.Handlers) func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return h.Message
	}),
	"disconnect": run(func(h *gateway.Handlers) func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return h.Disconnect
	}),
}

// publisher takes its raw event: a stream batch or a replay event (publish.Entry).
const publisher = "publisher"

// invokePublisher runs one event through the publisher's Lambda handler, as deployed
// (publish.Lambda): `make invoke FN=publisher EVENT=events/publisher/replay.json` runs one
// replay step on the local tables.
func invokePublisher(ctx context.Context, env launch.Env, raw []byte) (any, error) {
	if err := store.CreateTables(ctx, env.Store.DB(), env.Config.TablePrefix); err != nil {
		return nil, err
	}
	entry, pub, err := publish.Lambda(env.Config, env.Store, env.AWS, env.Log, os.Stdout)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pub.Close() }()
	return entry(ctx, raw)
}

func functionNames() []string {
	names := []string{publisher}
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// invoke prepares the tables and the event's charge box, then runs the event.
func invoke(ctx context.Context, cfg config.Config, log *slog.Logger, fn string, raw []byte, register string) (any, error) {
	f, ok := functions[fn]
	if !ok && fn != publisher {
		return nil, fmt.Errorf("unknown function %q; one of %v", fn, functionNames())
	}
	env, err := launch.NewEnv(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if fn == publisher {
		return invokePublisher(ctx, env, raw)
	}
	h, st := gateway.FromConfig(cfg, env.Store, log), env.Store
	if err := store.CreateTables(ctx, st.DB(), cfg.TablePrefix); err != nil {
		return nil, err
	}
	if register == "" {
		register = chargeBoxOf(raw)
	}
	if id := register; id != "" {
		if _, err := st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: id, RegistrationStatus: string(ocpp.RegistrationStatusAccepted), TenantID: cfg.DefaultTenantID, Unsecured: true}, time.Now()); err != nil {
			return nil, err
		}
	}
	return f(ctx, h, raw)
}

// chargeBoxOf finds the charge box an event is about: the authorizer context of WebSocket
// events. Authorizer events name an identity that must pass the registry on its own.
func chargeBoxOf(raw []byte) string {
	var ev struct {
		RequestContext struct {
			Authorizer map[string]any `json:"authorizer"`
		} `json:"requestContext"`
	}
	if json.Unmarshal(raw, &ev) != nil {
		return ""
	}
	id, _ := ev.RequestContext.Authorizer["chargeBoxId"].(string)
	return id
}

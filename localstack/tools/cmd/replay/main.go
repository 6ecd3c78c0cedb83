// Command replay republishes, for a time window and optionally one charge box, the frames,
// connection events and finished sessions of the frame-log and session tables, and the records
// in the failure store, through the publisher: same messages, same message_id (`make replay
// FROM=... TO=... BOX=...`, shared/replay). It sends the publisher's replay event
// {"replay": {...}} step after step, following the continuation token:
//
//   - locally to the publisher's Lambda handler in this process (publish.Lambda, as
//     localstack/invoke runs it), on the tables at DYNAMODB_ENDPOINT with TABLE_PREFIX, the
//     failure store FAILURE_DIR, publishing to AMQP_URL (printing without it);
//   - with -stage, to the deployed publisher of stack ocpp-<stage> with `aws lambda invoke`
//     (the function name is the stack output PublisherFunctionName), since the broker is
//     reachable only from inside the stack's VPC.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/publish"
	"github.com/serverless-ocpp/csms/shared/replay"
	"github.com/serverless-ocpp/csms/shared/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
}

func run() error {
	from := flag.String("from", "", "start of the window, RFC 3339 (required)")
	to := flag.String("to", "", "end of the window, RFC 3339, exclusive [now]")
	box := flag.String("box", "", "only this charge box")
	stage := flag.String("stage", "", "replay on the deployed stage (stack ocpp-<stage>) through `aws lambda invoke`")
	limit := flag.Int("limit", 0, fmt.Sprintf("rows read per invocation [%d]", replay.DefaultLimit))
	noFailures := flag.Bool("no-failures", false, "leave out the failure store")
	next := flag.String("next", "", "resume an interrupted replay from this token (same window)")
	flag.Parse()
	req := replay.Request{From: *from, To: *to, ChargeBoxID: *box, Limit: *limit, IncludeFailures: !*noFailures, Next: *next}
	if req.To == "" {
		req.To = time.Now().UTC().Format(time.RFC3339)
	}
	if _, err := req.Window(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var step invoker
	if *stage != "" {
		fn, err := publisherFunction(ctx, "ocpp-"+*stage)
		if err != nil {
			return err
		}
		step = awsInvoker(fn)
	} else {
		local, closeLocal, err := localInvoker(ctx, log, &req)
		if err != nil {
			return err
		}
		defer closeLocal()
		step = local
	}
	res, steps, err := drive(ctx, step, req)
	log.Info("replayed", "records", res.Replayed, "read", res.Read, "invocations", steps, "from", req.From, "to", req.To, "box", req.ChargeBoxID)
	return err
}

// localInvoker is the publisher's Lambda handler in this process on the local stack's tables
// and failure folder; without a failure store the replay leaves it out.
func localInvoker(ctx context.Context, log *slog.Logger, req *replay.Request) (invoker, func(), error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, nil, err
	}
	if cfg.DynamoDBEndpoint == "" {
		return nil, nil, fmt.Errorf("DYNAMODB_ENDPOINT is not set: point it at the local stack's DynamoDB, or replay a deployed stage with STAGE=<stage>")
	}
	if cfg.FailureDir == "" {
		req.IncludeFailures = false
	}
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, nil, err
	}
	entry, pub, err := publish.Lambda(cfg, store.New(store.NewClient(awsCfg, cfg.DynamoDBEndpoint), cfg.TablePrefix), awsCfg, log, os.Stdout)
	if err != nil {
		return nil, nil, err
	}
	inv := func(ctx context.Context, event []byte) ([]byte, error) {
		out, err := entry(ctx, event)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	}
	return inv, func() { _ = pub.Close() }, nil
}

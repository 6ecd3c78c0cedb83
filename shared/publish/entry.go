package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/failures"
	"github.com/serverless-ocpp/csms/shared/failures/s3store"
	"github.com/serverless-ocpp/csms/shared/replay"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Invoke is the publisher Lambda's handler: it takes the raw event of any invocation.
type Invoke func(ctx context.Context, event json.RawMessage) (any, error)

// Entry serves the two events the publisher receives: the stream batches of its event source
// mappings (handled by stream, answered with the batch item failures), and a direct invocation
// {"replay": {"from": ..., "to": ..., "chargeBoxId": ..., "includeFailures": true, "limit": ...,
// "next": ...}}, one bounded replay step (replay.Step) answered with {"read", "replayed",
// "next"}. The replay runs here because the publisher is where the broker is reachable (inside
// the VPC); replayed records go through replayer, the same handler without a failure store, so
// a replayed poison record is logged again, not stored again.
func Entry(stream Handler, src replay.Source, replayer Handler, log *slog.Logger) Invoke {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var ev struct {
			events.DynamoDBEvent
			Replay json.RawMessage `json:"replay"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("publisher event: %w", err)
		}
		if ev.Replay == nil {
			return stream(ctx, ev.DynamoDBEvent)
		}
		if len(ev.Records) > 0 {
			return nil, errors.New("publisher event: both Records and replay; send a replay event on its own")
		}
		dec := json.NewDecoder(bytes.NewReader(ev.Replay))
		dec.DisallowUnknownFields() // a misspelt chargeBoxId must not replay every box
		var req replay.Request
		if err := dec.Decode(&req); err != nil {
			return nil, fmt.Errorf("%w: replay: %v", replay.ErrInvalid, err)
		}
		res, err := replay.Step(ctx, src, req, replayer)
		if err != nil {
			log.Error("replay step failed", "error", err, "from", req.From, "to", req.To, "chargeBoxId", req.ChargeBoxID)
			return nil, err
		}
		log.Info("replay step", "from", req.From, "to", req.To, "chargeBoxId", req.ChargeBoxID, "read", res.Read, "replayed", res.Replayed, "done", res.Next == "")
		return res, nil
	}
}

// Lambda builds the publisher Lambda's handler (Entry) as FromConfig wires it: the stream
// handler with its failure store, and replay reading the tables of st and the failure store
// (FAILURE_BUCKET on AWS, FAILURE_DIR locally). functions/publisher and localstack/invoke use it.
func Lambda(cfg config.Config, st *store.Store, awsCfg aws.Config, log *slog.Logger, printTo io.Writer) (Invoke, bus.Publisher, error) {
	stream, pub, err := FromConfig(cfg, st, awsCfg, log, printTo)
	if err != nil {
		return nil, nil, err
	}
	src := replay.Source{Store: st}
	switch {
	case cfg.FailureBucket != "":
		src.Failures = s3store.NewReader(awsCfg, cfg.FailureBucket)
	case cfg.FailureDir != "":
		src.Failures = failures.Dir(cfg.FailureDir)
	}
	return Entry(stream, src, NewHandler(pub, st, log), log), pub, nil
}

// Command replay republishes, for a time window and optionally one charge box, the frames,
// connection events and finished sessions of the frame-log and session tables, and the records
// in the local failure store, through the publisher's handler: same messages, same message_id
// (`make replay FROM=... TO=... BOX=...`, shared/replay). It reads the tables at
// DYNAMODB_ENDPOINT with TABLE_PREFIX and publishes to AMQP_URL (prints without it).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/failures"
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
	dir := flag.String("failures", os.Getenv("FAILURE_DIR"), "local failure store to replay too [$FAILURE_DIR]")
	flag.Parse()
	w := replay.Window{Box: *box, To: time.Now()}
	var err error
	if w.From, err = time.Parse(time.RFC3339Nano, *from); err != nil {
		return fmt.Errorf("-from %q: %w", *from, err)
	}
	if *to != "" {
		if w.To, err = time.Parse(time.RFC3339Nano, *to); err != nil {
			return fmt.Errorf("-to %q: %w", *to, err)
		}
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if cfg.DynamoDBEndpoint == "" {
		return fmt.Errorf("DYNAMODB_ENDPOINT is not set: point it at the local stack's DynamoDB")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	db := store.NewClient(awsCfg, cfg.DynamoDBEndpoint)
	cfg.FailureDir, cfg.FailureBucket = "", "" // a replayed poison record is logged, not stored again
	handler, pub, err := publish.FromConfig(cfg, store.New(db, cfg.TablePrefix), awsCfg, log, os.Stdout)
	if err != nil {
		return err
	}
	defer func() { _ = pub.Close() }()
	n, err := replay.Run(ctx, replay.Source{DB: db, Prefix: cfg.TablePrefix, Failures: failures.Dir(*dir)}, w, handler)
	log.Info("replayed", "records", n, "from", w.From, "to", w.To, "box", w.Box)
	return err
}

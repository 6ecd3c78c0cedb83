// Command simulate runs a fleet of simulated OCPP 1.6-J charge boxes against a central system
// (`make simulate BOXES=500 URL=ws://127.0.0.1:8080/ocpp DURATION=2m`). It works against the
// local stack and a deployed stack (wss://.../ocpp, -password for Basic auth) alike, prints a
// progress line every few seconds and a summary at the end, and exits 1 when the central
// system caused any error.
//
// `make box` (-id CP001 -manual -trace -duration 0) is one box for trying the operator API: it
// stays connected until Ctrl-C, starts sessions only when asked (RemoteStartTransaction), answers
// every remote operation validly and prints each frame it sends and receives with its answer.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/simulator"
)

func main() {
	d := simulator.Defaults()
	cfg := d
	var tags, ids, summaryPath, logLevel string
	var trace bool
	flag.StringVar(&cfg.URL, "url", "ws://127.0.0.1:8080/ocpp", "charge-box URL without the identity (ws:// or wss://)")
	flag.IntVar(&cfg.Boxes, "boxes", d.Boxes, "number of charge boxes")
	flag.StringVar(&cfg.IDPrefix, "prefix", d.IDPrefix, "charge box identity prefix")
	flag.IntVar(&cfg.FirstIndex, "first", d.FirstIndex, "number of the first box")
	flag.StringVar(&ids, "id", "", "exact identities of the boxes, comma-separated (CP001); overrides -boxes, -prefix, -first")
	flag.BoolVar(&cfg.Manual, "manual", false, "start no sessions of their own: charge only on RemoteStartTransaction")
	flag.BoolVar(&trace, "trace", false, "print every CALL sent and received with its answer, and each connect and disconnect")
	flag.StringVar(&cfg.Password, "password", os.Getenv("SIM_PASSWORD"), "Basic auth password of every box (default $SIM_PASSWORD)")
	flag.IntVar(&cfg.Connectors, "connectors", d.Connectors, "connectors per box")
	flag.DurationVar(&cfg.Duration, "duration", 2*time.Minute, "run time; then sessions stop and boxes disconnect (0: until interrupted)")
	flag.DurationVar(&cfg.RampUp, "ramp", d.RampUp, "spread the first connections over this time")
	flag.Float64Var(&cfg.TimeScale, "timescale", d.TimeScale, "divide every behavioural interval by this (heartbeat, meter values, sessions)")
	flag.DurationVar(&cfg.MeterInterval, "meter-interval", d.MeterInterval, "MeterValues interval of a running session")
	flag.DurationVar(&cfg.SessionLength, "session", d.SessionLength, "mean session length")
	flag.DurationVar(&cfg.IdleTime, "idle", d.IdleTime, "mean idle time of a connector between sessions")
	flag.StringVar(&tags, "tags", strings.Join(d.IDTags, ","), "id tags to charge with, comma-separated")
	flag.DurationVar(&cfg.DisconnectEvery, "disconnect-every", 0, "mean time between random connection drops of a box (0: never)")
	flag.Float64Var(&cfg.Misbehave, "misbehave", 0, "share of boxes (0..1) that also send invalid, duplicate and out-of-order frames")
	flag.DurationVar(&cfg.MisbehaveEvery, "misbehave-every", d.MisbehaveEvery, "mean time between misbehaving frames of such a box")
	flag.DurationVar(&cfg.CallTimeout, "call-timeout", d.CallTimeout, "wait for an answer to one CALL")
	flag.Uint64Var(&cfg.Seed, "seed", d.Seed, "random seed")
	flag.StringVar(&summaryPath, "summary-json", "", "also write the summary (with every session) as JSON to this file")
	flag.StringVar(&logLevel, "log", "error", "log level of the boxes' own logs (debug, info, warn, error)")
	flag.Parse()
	cfg.IDTags = strings.Split(tags, ",")
	if ids != "" {
		cfg.IDs = strings.Split(ids, ",")
		cfg.Boxes = len(cfg.IDs)
	}
	cfg.Progress = os.Stderr
	if trace {
		cfg.Trace, cfg.Progress = os.Stdout, nil
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		fail(err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "simulating %d boxes against %s/{id} for %s (time scale %g)\n", cfg.Boxes, strings.TrimSuffix(cfg.URL, "/"), runTime(cfg.Duration), cfg.TimeScale)
	sum, err := simulator.Run(ctx, cfg)
	if err != nil {
		fail(err)
	}
	sum.Print(os.Stdout)
	if summaryPath != "" {
		b, err := json.MarshalIndent(sum, "", "  ")
		if err != nil {
			fail(err)
		}
		if err := os.WriteFile(summaryPath, b, 0o644); err != nil {
			fail(err)
		}
	}
	if sum.Errors > 0 {
		os.Exit(1)
	}
}

func runTime(d time.Duration) string {
	if d == 0 {
		return "as long as it runs (Ctrl-C stops it)"
	}
	return d.String()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "simulate:", err)
	os.Exit(2)
}

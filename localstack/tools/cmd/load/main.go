// Command load is `make load`: it builds the local stack, runs it as a child process on the
// DynamoDB (and RabbitMQ) that `localstack exec` provides, drives it with the simulator for a
// bounded time, checks that every session was stored and published exactly once, prints the
// report, and with -doc (`make load WRITE=1`) writes it into docs/performance.md. Exit status 1
// when a check fails.
//
// Environment (or flags): LOAD_BOXES (1000), LOAD_DURATION (5m), LOAD_TIMESCALE (10).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/load"
	"github.com/serverless-ocpp/csms/localstack/tools/mdsection"
	"github.com/serverless-ocpp/csms/localstack/tools/simulator"
	"github.com/serverless-ocpp/csms/localstack/tools/toolenv"
)

// flags are the command line beyond the simulator's options.
type flags struct {
	doc, jsonOut, stackLog string
	heartbeat              int
}

func main() {
	sim, f := parseFlags()
	cfg, err := toolenv.Config("load", "run `make load` (go run ./localstack exec -- go run ./localstack/tools/cmd/load)")
	if err != nil {
		fail(err)
	}
	cfg.AutoRegister, cfg.AcceptUnknownTags = true, true
	cfg.HeartbeatInterval = time.Duration(f.heartbeat) * time.Second
	cfg.KnownVendorIDs = []string{simulator.VendorID}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bin, err := buildStack(ctx)
	if err != nil {
		fail(err)
	}
	logFile, err := os.Create(f.stackLog)
	if err != nil {
		fail(err)
	}
	defer logFile.Close()

	o := load.Options{Sim: sim, Config: cfg, StackBinary: bin, StackLog: logFile}
	if cfg.AMQPURL == "" {
		fmt.Fprintln(os.Stderr, "AMQP_URL is unset: the publish check is skipped (RabbitMQ not running?)")
	}
	fmt.Fprintf(os.Stderr, "load: %d boxes for %s, time scale %g, tables %s*, stack log %s\n", sim.Boxes, sim.Duration, sim.TimeScale, cfg.TablePrefix, f.stackLog)
	r, err := load.Run(ctx, o)
	if err != nil {
		fail(err)
	}
	if err := report(r, o, f); err != nil {
		fail(err)
	}
	if err := r.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "load check FAILED:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "load check passed: no errors, every session stored once"+map[bool]string{true: " (publish check pending: no RabbitMQ)", false: " and published once"}[r.Published.Pending])
}

// parseFlags reads the simulator's options (defaults from the environment) and the command's.
func parseFlags() (simulator.Config, flags) {
	sim := simulator.Defaults()
	sim.Boxes = envInt("LOAD_BOXES", 1000)
	sim.Duration = envDuration("LOAD_DURATION", 5*time.Minute)
	sim.TimeScale = envFloat("LOAD_TIMESCALE", 10)
	sim.RampUp = time.Minute
	sim.Misbehave = 0.05
	sim.DisconnectEvery = time.Hour
	sim.IDPrefix = "LOAD-"
	var f flags
	flag.IntVar(&sim.Boxes, "boxes", sim.Boxes, "charge boxes")
	flag.DurationVar(&sim.Duration, "duration", sim.Duration, "run time")
	flag.Float64Var(&sim.TimeScale, "timescale", sim.TimeScale, "divide behavioural intervals by this")
	flag.DurationVar(&sim.RampUp, "ramp", sim.RampUp, "ramp-up time")
	flag.Float64Var(&sim.Misbehave, "misbehave", sim.Misbehave, "share of misbehaving boxes")
	flag.DurationVar(&sim.DisconnectEvery, "disconnect-every", sim.DisconnectEvery, "mean time between random drops per box (unscaled; 0 never)")
	flag.IntVar(&f.heartbeat, "heartbeat", 300, "HEARTBEAT_INTERVAL of the stack, seconds")
	flag.StringVar(&f.doc, "doc", "", "also write the report into this file's load section, e.g. docs/performance.md (`make load WRITE=1`)")
	flag.StringVar(&f.jsonOut, "json", "", "also write the full report as JSON here")
	flag.StringVar(&f.stackLog, "stack-log", filepath.Join(os.TempDir(), "load-stack.log"), "the stack's log file")
	flag.Parse()
	sim.Progress = os.Stderr
	return sim, f
}

// buildStack builds the local stack's binary, which load runs as a child process.
func buildStack(ctx context.Context) (string, error) {
	bin := filepath.Join(os.TempDir(), "load-localstack")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./localstack")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build the local stack: %w", err)
	}
	return bin, nil
}

// report prints the run and writes it into the document and the JSON file the flags name.
func report(r *load.Report, o load.Options, f flags) error {
	r.Summary.Print(os.Stdout)
	md := r.Markdown(o)
	fmt.Println()
	fmt.Println(md)
	if f.doc != "" {
		if err := mdsection.Replace(f.doc, "load", md); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote the load section of %s\n", f.doc)
	}
	if f.jsonOut != "" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return fmt.Errorf("encode the report: %w", err)
		}
		if err := os.WriteFile(f.jsonOut, b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", f.jsonOut, err)
		}
	}
	return nil
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(2)
}

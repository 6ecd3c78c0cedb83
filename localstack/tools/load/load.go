// Package load runs the simulator against the local stack for a bounded time and then checks
// that every session the boxes ran is stored exactly once (DynamoDB) and published exactly once
// (the sessions exchange on RabbitMQ). It measures the stack's CPU and memory while it runs.
// `make load` runs it at 1,000 boxes for 5 minutes with the stack as a child process;
// load_test.go runs a short version in-process under `make test`.
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/localstack/tools/simulator"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Options configure one load run.
type Options struct {
	// Sim is the fleet; its URL is set to the stack's.
	Sim simulator.Config
	// Config is the stack's configuration: DynamoDBEndpoint and a fresh TablePrefix are
	// required; AMQPURL enables the publish check.
	Config config.Config
	// StackBinary, when set, is a built `localstack` command run as a child process (`run`),
	// so that its CPU and memory are its own; otherwise the stack runs in this process.
	StackBinary string
	// StackLog receives the child's logs (default: discarded).
	StackLog io.Writer
	// PublishWait bounds the wait for the last session messages after the run.
	PublishWait time.Duration
	Logger      *slog.Logger
}

// Report is the outcome of a load run.
type Report struct {
	Summary   *simulator.Summary `json:"summary"`
	Stored    StoreCheck         `json:"stored"`
	Published PublishCheck       `json:"published"`
	// Usage of the stack process (and of DynamoDB Local's JVM when it could be found).
	Usage    []Usage `json:"usage"`
	InProc   bool    `json:"inProcess"`
	Started  time.Time
	Finished time.Time
}

// Err summarizes what went wrong: errors seen by the boxes, lost or duplicated sessions.
func (r *Report) Err() error {
	var errs []error
	if r.Summary.Errors > 0 {
		errs = append(errs, fmt.Errorf("%d errors seen by the boxes (%v; %v)", r.Summary.Errors, r.Summary.ErrorCodes, r.Summary.Events))
	}
	if !r.Stored.OK() {
		errs = append(errs, fmt.Errorf("sessions table: %d missing %v, %d extra %v, %d mismatched %v, reused ids %v",
			len(r.Stored.Missing), head(r.Stored.Missing), len(r.Stored.Extra), head(r.Stored.Extra), len(r.Stored.Mismatched), head(r.Stored.Mismatched), r.Stored.Reused))
	}
	if !r.Published.OK() {
		errs = append(errs, fmt.Errorf("sessions exchange: %d missing %v, %d extra %v, %d wrong %v",
			len(r.Published.Missing), head(r.Published.Missing), len(r.Published.Extra), head(r.Published.Extra), len(r.Published.WrongBody), head(r.Published.WrongBody)))
	}
	return errors.Join(errs...)
}

func head[T any](s []T) []T { return s[:min(len(s), 5)] }

// Run starts the stack, runs the fleet, waits for the publisher and checks the results.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Config.DynamoDBEndpoint == "" {
		return nil, errors.New("load: DynamoDB endpoint required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.PublishWait == 0 {
		o.PublishWait = 2 * time.Minute
	}
	var consumer *SessionConsumer
	if o.Config.AMQPURL != "" {
		c, err := OpenSessionConsumer(o.Config.AMQPURL)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		consumer = c
	}

	awsCfg, err := o.Config.AWS(ctx)
	if err != nil {
		return nil, err
	}
	st := store.New(store.NewClient(awsCfg, o.Config.DynamoDBEndpoint), o.Config.TablePrefix)
	r := &Report{InProc: o.StackBinary == ""}
	t, err := startTarget(ctx, o)
	if err != nil {
		return nil, err
	}
	stop := t.stop
	defer func() {
		if stop != nil {
			_ = stop()
		}
	}()

	o.Sim.URL = t.url
	r.Started = time.Now()
	sum, err := simulator.Run(ctx, o.Sim)
	if err != nil {
		return nil, err
	}
	r.Finished = time.Now()
	r.Summary = sum
	r.Usage = t.measure()
	if err := r.check(ctx, st, consumer, o); err != nil {
		return r, err
	}
	err = stop()
	stop = nil
	return r, err
}

// check compares what the fleet did with the sessions stored and, with a consumer, published.
func (r *Report) check(ctx context.Context, st *store.Store, consumer *SessionConsumer, o Options) error {
	if consumer != nil {
		r.Published = consumer.Check(ctx, r.Summary, o.Sim.IDPrefix, o.PublishWait)
	} else {
		r.Published = PublishCheck{Pending: true}
	}
	var err error
	r.Stored, err = CheckStored(ctx, st, r.Summary)
	return err
}

// target is the stack under load, in this process or in a child: where the boxes connect, what
// it has used so far, and how to stop it.
type target struct {
	url     string
	httpURL string // the operator API, with Config.APIToken as its bearer token
	measure func() []Usage
	stop    func() error
}

// startTarget starts the stack in this process, or as a child when o.StackBinary is set.
func startTarget(ctx context.Context, o Options) (target, error) {
	if o.StackBinary != "" {
		c, err := startChild(ctx, o)
		if err != nil {
			return target{}, err
		}
		return target{url: c.wsURL, httpURL: c.httpURL, measure: c.measure, stop: c.stop}, nil
	}
	s, err := stack.Start(ctx, o.Config, stack.Options{WSAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Publish: o.Config.AMQPURL != "", PrintTo: io.Discard, StreamPoll: 100 * time.Millisecond}, o.Logger)
	if err != nil {
		return target{}, err
	}
	cpu0, _ := selfUsage()
	t0 := time.Now()
	measure := func() []Usage {
		cpu, rss := selfUsage()
		u := Usage{Process: "load test (stack and simulator in one process)", PID: os.Getpid(), CPU: cpu - cpu0, PeakRSS: rss}
		u.CPUShare = float64(u.CPU) / float64(time.Since(t0))
		return []Usage{u}
	}
	return target{url: strings.TrimSuffix(s.WSURL, "/"), httpURL: s.HTTPURL, measure: measure, stop: s.Close}, nil
}

// child is the local stack running as a child process.
type child struct {
	cmd     *exec.Cmd
	wsURL   string
	httpURL string
	start   map[int]procSample
	names   map[int]string
	stopped chan error
}

func startChild(ctx context.Context, o Options) (*child, error) {
	wsAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	httpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	c := o.Config
	env := append(os.Environ(),
		"WS_ADDR="+wsAddr, "HTTP_ADDR="+httpAddr, "DYNAMODB_ENDPOINT="+c.DynamoDBEndpoint, "TABLE_PREFIX="+c.TablePrefix,
		"AMQP_URL="+c.AMQPURL, "AUTO_REGISTER=true", "ACCEPT_UNKNOWN_TAGS="+strconv.FormatBool(c.AcceptUnknownTags),
		"HEARTBEAT_INTERVAL="+strconv.Itoa(int(c.HeartbeatInterval/time.Second)), "KNOWN_VENDOR_IDS="+strings.Join(c.KnownVendorIDs, ","))
	if c.APIToken != "" {
		env = append(env, "API_TOKEN="+c.APIToken)
	}
	cmd := exec.CommandContext(ctx, o.StackBinary, "run")
	cmd.Env = env
	cmd.Stdout = io.Discard // without RabbitMQ the stack prints every message it would publish
	cmd.Stderr = o.StackLog
	if cmd.Stderr == nil {
		cmd.Stderr = io.Discard
	}
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.StackBinary, err)
	}
	ch := &child{cmd: cmd, wsURL: "ws://" + wsAddr + "/ocpp", httpURL: "http://" + httpAddr, stopped: make(chan error, 1)}
	go func() { ch.stopped <- cmd.Wait() }()
	if err := waitListening(ctx, wsAddr, ch.stopped); err != nil {
		_ = cmd.Process.Kill()
		return nil, err
	}
	ch.names = map[int]string{cmd.Process.Pid: "local stack (gateway, handlers, stream reader, publisher)"}
	if u, err := url.Parse(c.DynamoDBEndpoint); err == nil {
		if port, err := strconv.Atoi(u.Port()); err == nil {
			if pid := pidListening(port); pid > 0 {
				ch.names[pid] = "DynamoDB Local (JVM)"
			}
		}
	}
	ch.start = map[int]procSample{}
	for pid := range ch.names {
		if s, err := readProc(pid); err == nil {
			ch.start[pid] = s
		}
	}
	return ch, nil
}

func (ch *child) measure() []Usage {
	var out []Usage
	for pid, name := range ch.names {
		a, ok := ch.start[pid]
		if !ok {
			continue
		}
		if b, err := readProc(pid); err == nil {
			out = append(out, usageBetween(name, pid, a, b))
		}
	}
	return out
}

// stop interrupts the stack (it closes every connection and drains its work) and waits.
func (ch *child) stop() error {
	_ = ch.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-ch.stopped:
		var ee *exec.ExitError
		if errors.As(err, &ee) && !ee.Exited() {
			return nil // ended by our signal
		}
		return err
	case <-time.After(30 * time.Second):
		_ = ch.cmd.Process.Kill()
		return errors.New("local stack did not stop within 30 s; killed")
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitListening polls until addr accepts connections, the child exits, or a minute passes.
func waitListening(ctx context.Context, addr string, exited <-chan error) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("local stack exited before listening: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("local stack not listening on %s after a minute", addr)
}

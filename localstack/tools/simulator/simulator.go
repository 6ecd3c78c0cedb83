// Package simulator runs many OCPP 1.6-J charge boxes against a central system at any URL: the
// local stack or a deployed stack behind CloudFront. Each box is a gorilla WebSocket client
// offering the ocpp1.6 subprotocol that boots (honouring Pending and Rejected), reports its
// connectors, sends Heartbeats at the interval the system returns, runs charging sessions with
// meter values, answers every remote operation of OCPP 1.6 sensibly, may drop and restore its
// connection at random, and in misbehaving mode sends invalid, duplicate and out-of-order
// frames whose CALLERRORs are counted apart from real errors.
//
// Run returns a Summary with latencies per action and every session the boxes ran, which the
// load check (localstack/tools/load) compares with what the system stored and published.
package simulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Config describes the fleet and its behaviour. Zero fields take the defaults of Defaults.
type Config struct {
	// URL is the charge-box URL without the identity, e.g. ws://127.0.0.1:8080/ocpp or
	// wss://d123.cloudfront.net/ocpp; each box appends /{chargeBoxId}.
	URL string
	// Boxes is the number of charge boxes; IDPrefix and FirstIndex name them (SIM-00001...).
	Boxes      int
	IDPrefix   string
	FirstIndex int
	// IDs, when set, names the boxes exactly (CP001) and sets Boxes to their number.
	IDs []string
	// Manual boxes start no sessions of their own: they charge only when the central system
	// asks (RemoteStartTransaction), so an operator trying the API sees only what they caused.
	Manual bool
	// Trace, when set, receives one line per exchange: each CALL the box sends with the answer
	// it got, and each CALL it receives from the central system with the answer it gave.
	Trace io.Writer
	// Password, when set, is sent as HTTP Basic credentials (chargeBoxId:Password).
	Password string
	// Connectors per box.
	Connectors int
	// Duration of the run after which every box stops its sessions and disconnects; 0 runs
	// until ctx ends.
	Duration time.Duration
	// RampUp spreads the boxes' first connection over this time.
	RampUp time.Duration
	// TimeScale divides every behavioural interval (heartbeat, meter values, session and idle
	// times, reconnect delays) so that a short run exercises hours of a box's life. 1 is real time.
	TimeScale float64
	// MeterInterval is the time between MeterValues of a running session (unscaled).
	MeterInterval time.Duration
	// SessionLength and IdleTime are the mean durations of a session and of the gap before the
	// next one on a connector (unscaled; each drawn uniformly between half and one and a half times).
	SessionLength time.Duration
	IdleTime      time.Duration
	// IDTags are the tags the boxes charge with.
	IDTags []string
	// DisconnectEvery is the mean time between random connection drops of one box
	// (unscaled); 0 never drops.
	DisconnectEvery time.Duration
	// Misbehave is the share of boxes (0..1) that also send invalid, duplicate and out-of-order
	// frames, each about every MisbehaveEvery (unscaled).
	Misbehave      float64
	MisbehaveEvery time.Duration
	// CallTimeout bounds the wait for an answer to one CALL.
	CallTimeout time.Duration
	// ReconnectBase and ReconnectCap shape the wait before each new connection attempt after
	// a failed one, as real boxes do: "full jitter", uniformly between zero and
	// min(ReconnectCap, ReconnectBase * 2^attempt), so a fleet that lost its connections at
	// once does not come back in waves (wall-clock time, not scaled) [1s, 30s].
	ReconnectBase, ReconnectCap time.Duration
	// Monitor, when set, is attached to the run: it tells how many boxes are connected and
	// booted while the run goes on (the connect storm watches it).
	Monitor *Monitor
	// Progress receives a progress line every ProgressEvery; nil prints none.
	Progress      io.Writer
	ProgressEvery time.Duration
	// Seed makes the boxes' random choices repeatable.
	Seed   uint64
	Logger *slog.Logger
}

// Defaults returns the behaviour of a typical public AC charge box in real time.
func Defaults() Config {
	return Config{
		Boxes: 10, IDPrefix: "SIM-", FirstIndex: 1, Connectors: 2, TimeScale: 1,
		MeterInterval: time.Minute, SessionLength: 45 * time.Minute, IdleTime: 2 * time.Hour,
		IDTags:      []string{"SIMTAG-0001", "SIMTAG-0002", "SIMTAG-0003", "SIMTAG-0004"},
		RampUp:      10 * time.Second,
		CallTimeout: 30 * time.Second, MisbehaveEvery: 2 * time.Minute, ProgressEvery: 5 * time.Second, Seed: 1,
	}
}

func (c Config) withDefaults() Config {
	d := Defaults()
	if len(c.IDs) > 0 {
		c.Boxes = len(c.IDs)
	}
	if c.Boxes == 0 {
		c.Boxes = d.Boxes
	}
	if c.IDPrefix == "" {
		c.IDPrefix = d.IDPrefix
	}
	if c.FirstIndex == 0 {
		c.FirstIndex = d.FirstIndex
	}
	if c.Connectors == 0 {
		c.Connectors = d.Connectors
	}
	if c.TimeScale <= 0 {
		c.TimeScale = d.TimeScale
	}
	if c.MeterInterval == 0 {
		c.MeterInterval = d.MeterInterval
	}
	if c.SessionLength == 0 {
		c.SessionLength = d.SessionLength
	}
	if c.IdleTime == 0 {
		c.IdleTime = d.IdleTime
	}
	if len(c.IDTags) == 0 {
		c.IDTags = d.IDTags
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = d.CallTimeout
	}
	if c.MisbehaveEvery == 0 {
		c.MisbehaveEvery = d.MisbehaveEvery
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = d.ProgressEvery
	}
	if c.Seed == 0 {
		c.Seed = d.Seed
	}
	if c.ReconnectBase <= 0 {
		c.ReconnectBase = time.Second
	}
	if c.ReconnectCap <= 0 {
		c.ReconnectCap = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// scaled turns a behavioural interval into wall-clock time.
func (c Config) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.TimeScale)
}

// BoxID names box i (0-based) of the fleet.
func (c Config) BoxID(i int) string {
	if i < len(c.IDs) {
		return c.IDs[i]
	}
	return fmt.Sprintf("%s%05d", c.IDPrefix, c.FirstIndex+i)
}

// Run simulates the fleet until Duration has passed (or ctx ends), lets every box stop its
// sessions and disconnect, and returns what happened. The error reports a configuration
// problem; what the central system did wrong is in the Summary.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	cfg = cfg.withDefaults()
	if cfg.URL == "" {
		return nil, errors.New("simulator: URL required")
	}
	if !strings.HasPrefix(cfg.URL, "ws://") && !strings.HasPrefix(cfg.URL, "wss://") {
		return nil, fmt.Errorf("simulator: URL %q must start with ws:// or wss://", cfg.URL)
	}
	cfg.URL = strings.TrimSuffix(cfg.URL, "/")
	runCtx := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	st := newStats()
	start := time.Now()
	st.start = start
	if cfg.Monitor != nil {
		cfg.Monitor.attach(st)
	}
	stopProgress := progress(cfg, st, start)
	var wg sync.WaitGroup
	for i := range cfg.Boxes {
		b := newBox(cfg, i, st)
		delay := time.Duration(0)
		if cfg.Boxes > 1 {
			delay = cfg.RampUp * time.Duration(i) / time.Duration(cfg.Boxes)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.run(runCtx, ctx, delay)
		}()
	}
	wg.Wait()
	stopProgress()
	return st.summary(cfg.Boxes, time.Since(start)), nil
}

// progress prints a line every ProgressEvery until the returned function is called.
func progress(cfg Config, st *stats, start time.Time) func() {
	if cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(cfg.ProgressEvery)
		defer t.Stop()
		last, lastAt := int64(0), start
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				sent := st.sent.Load()
				rate := float64(sent-last) / now.Sub(lastAt).Seconds()
				last, lastAt = sent, now
				fmt.Fprintf(cfg.Progress, "%6s  boxes connected %d/%d  sent %d  answered %d  %.0f msgs/s  errors %d\n",
					now.Sub(start).Round(time.Second), st.connected.Load(), cfg.Boxes, sent, st.answered.Load(), rate, st.errors.Load())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

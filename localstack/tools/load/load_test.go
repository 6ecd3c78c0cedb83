package load_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/load"
	"github.com/serverless-ocpp/csms/localstack/tools/simulator"
	"github.com/serverless-ocpp/csms/shared/bus/bustest"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
	"github.com/serverless-ocpp/csms/shared/testenv"
)

// TestShortLoad is the load path in miniature (in-process stack, 40 boxes, ~20 s of hours of
// simulated behaviour, misbehaving boxes and random drops included): it asserts correctness
// only — no errors, every session stored once and, with RabbitMQ, published once — and
// never timings.
func TestShortLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: runs the whole stack for about 30 s")
	}
	cfg := storetest.Config(t)
	cfg.AutoRegister, cfg.AcceptUnknownTags, cfg.MessageRetention = true, true, time.Hour
	cfg.HeartbeatInterval = 60 * time.Second
	cfg.KnownVendorIDs = []string{simulator.VendorID}
	cfg.AMQPURL = os.Getenv("AMQP_URL")
	if cfg.AMQPURL == "" {
		testenv.Optional(t, "RabbitMQ (AMQP_URL), so nothing is published,", bustest.StartRabbitMQ)
	} else {
		// Shared lock: the fault tests of other packages stop the broker, which would cut
		// this test's consumer off mid-run.
		bustest.UseBroker(t)
	}

	sim := simulator.Defaults()
	sim.Boxes, sim.Duration, sim.RampUp, sim.TimeScale = 40, 20*time.Second, 2*time.Second, 120
	sim.IDPrefix = "SHORT-"
	sim.IdleTime = 20 * time.Minute // every connector starts a session within the run
	sim.Misbehave, sim.MisbehaveEvery = 0.25, time.Minute
	sim.DisconnectEvery = 10 * time.Minute
	r, err := load.Run(context.Background(), load.Options{Sim: sim, Config: cfg, PublishWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		r.Summary.Print(t.Output())
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	s := r.Summary
	if s.SessionsStarted == 0 || s.SessionsStopped != s.SessionsStarted {
		t.Fatalf("sessions started %d, stopped %d: want some, all stopped", s.SessionsStarted, s.SessionsStopped)
	}
	if r.Stored.Stored != s.SessionsStarted {
		t.Fatalf("%d sessions stored, boxes ran %d", r.Stored.Stored, s.SessionsStarted)
	}
	if len(s.Expected) == 0 {
		t.Error("no misbehaving frame was answered with its expected CALLERROR")
	}
	if r.Published.Pending {
		t.Log("AMQP_URL unset: the publish half of the check did not run")
	} else if r.Published.Unique != s.SessionsStopped {
		t.Fatalf("%d sessions published, %d stopped", r.Published.Unique, s.SessionsStopped)
	}
}

package load_test

import (
	"context"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/load"
	"github.com/serverless-ocpp/csms/localstack/tools/simulator"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// TestConnectStorm is `make storm` at a size that fits the test run: 300 boxes connect at the
// same instant to an in-process stack; every one must end connected and booted, every CALL
// answered must be in the frame log, and /summary must count every box online and every
// connector Available. It asserts correctness, never timings (docs/scale.md has those).
func TestConnectStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("connect storm: runs the whole stack with 300 boxes")
	}
	cfg := storetest.Config(t)
	cfg.AutoRegister, cfg.MessageRetention = true, time.Hour
	cfg.KnownVendorIDs = []string{simulator.VendorID}
	r, err := load.Storm(context.Background(), load.StormOptions{Boxes: 300, Config: cfg, Deadline: 2 * time.Minute, ReconnectCap: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("300 boxes: 99 %% booted after %s, 100 %% after %s; %d failed attempts; %d CALLs accepted, %d logged",
		r.To99, r.To100, r.FailedAttempts, r.CallsAccepted, r.CallsLogged)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if r.CallsAccepted < int64(300*(1+1+2)) {
		t.Fatalf("%d CALLs accepted: every box sends at least a BootNotification and three StatusNotifications", r.CallsAccepted)
	}
}

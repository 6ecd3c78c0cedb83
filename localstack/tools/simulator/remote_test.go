package simulator

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

func testBox(t *testing.T) *box {
	t.Helper()
	cfg := Defaults().withDefaults()
	cfg.URL = "ws://127.0.0.1:1/ocpp"
	return newBox(cfg, 0, newStats())
}

// example reads shared/ocpp's example request of an action.
func example(t *testing.T, a ocpp.Action) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "ocpp", "testdata", string(a)+".req.json"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := ocpp.DecodeRequest(string(a), b)
	if err != nil {
		t.Fatalf("%s example: %v", a, err)
	}
	return req
}

// TestEveryRemoteOperationIsAnsweredValidly hands each of the 19 actions a central system may
// send to a box, in two states (idle, charging), and requires an answer valid by the spec.
func TestEveryRemoteOperationIsAnsweredValidly(t *testing.T) {
	n := 0
	for _, s := range ocpp.Actions() {
		if !s.Initiator.From(ocpp.CentralSystem) {
			continue
		}
		n++
		h, ok := remoteHandlers[s.Action]
		if !ok {
			t.Errorf("%s: no answer", s.Action)
			continue
		}
		for _, busy := range []bool{false, true} {
			b := testBox(t)
			if busy {
				for _, c := range b.connectors {
					c.phase, c.tx = charging, 100+c.id
				}
			}
			resp := h(b, example(t, s.Action))
			if _, err := ocpp.ResultFrame("id-1", resp); err != nil {
				t.Errorf("%s (charging %v): invalid answer %+v: %v", s.Action, busy, resp, err)
			}
		}
	}
	if n != 19+6+1 {
		t.Errorf("%d central-system actions, want 19, the security extension's 6 and CertificateSigned", n)
	}
}

func TestRemoteOperationsAct(t *testing.T) {
	one := 1
	tests := []struct {
		name  string
		setup func(b *box)
		run   func(b *box) any
		want  any
		check func(t *testing.T, b *box)
	}{
		{name: "remote start starts a session", run: func(b *box) any {
			return b.remoteStart(&ocpp.RemoteStartTransactionRequest{ConnectorID: &one, IDTag: "T1"})
		}, want: ocpp.RemoteStartStopStatusAccepted, check: func(t *testing.T, b *box) {
			if c := b.connectors[0]; c.phase != starting || c.start.IDTag != "T1" || len(b.todo) != 1 {
				t.Errorf("connector %+v, %d follow-ups", c, len(b.todo))
			}
		}},
		{name: "remote start on a busy connector", setup: func(b *box) { b.connectors[0].phase = charging }, run: func(b *box) any {
			return b.remoteStart(&ocpp.RemoteStartTransactionRequest{ConnectorID: &one, IDTag: "T1"})
		}, want: ocpp.RemoteStartStopStatusRejected},
		{name: "remote stop of an unknown transaction", run: func(b *box) any {
			return b.remoteStop(&ocpp.RemoteStopTransactionRequest{TransactionID: 5})
		}, want: ocpp.RemoteStartStopStatusRejected},
		{name: "remote stop of the running transaction", setup: func(b *box) { b.connectors[1].phase, b.connectors[1].tx = charging, 5 }, run: func(b *box) any {
			return b.remoteStop(&ocpp.RemoteStopTransactionRequest{TransactionID: 5})
		}, want: ocpp.RemoteStartStopStatusAccepted, check: func(t *testing.T, b *box) {
			if c := b.connectors[1]; c.phase != stopping || c.stop.Reason != ocpp.ReasonRemote || c.stop.TransactionID != 5 {
				t.Errorf("connector %+v", c)
			}
		}},
		{name: "unknown configuration key", run: func(b *box) any {
			return b.changeConfiguration(&ocpp.ChangeConfigurationRequest{Key: "Colour", Value: "blue"})
		}, want: ocpp.ConfigurationStatusNotSupported},
		{name: "read-only configuration key", run: func(b *box) any {
			return b.changeConfiguration(&ocpp.ChangeConfigurationRequest{Key: "NumberOfConnectors", Value: "9"})
		}, want: ocpp.ConfigurationStatusRejected},
		{name: "heartbeat interval changed", run: func(b *box) any {
			return b.changeConfiguration(&ocpp.ChangeConfigurationRequest{Key: "HeartbeatInterval", Value: "60"})
		}, want: ocpp.ConfigurationStatusAccepted, check: func(t *testing.T, b *box) {
			if b.heartbeat.Seconds() != 60 {
				t.Errorf("heartbeat %s", b.heartbeat)
			}
		}},
		{name: "inoperative while charging is scheduled", setup: func(b *box) { b.connectors[0].phase = charging }, run: func(b *box) any {
			return b.changeAvailability(&ocpp.ChangeAvailabilityRequest{ConnectorID: 1, Type: ocpp.AvailabilityTypeInoperative})
		}, want: ocpp.AvailabilityStatusScheduled},
		{name: "trigger for a connector that does not exist", run: func(b *box) any {
			c := 9
			return b.triggerMessage(&ocpp.TriggerMessageRequest{RequestedMessage: ocpp.MessageTriggerStatusNotification, ConnectorID: &c})
		}, want: ocpp.TriggerMessageStatusRejected},
		{name: "reset reboots after answering", run: func(b *box) any {
			return b.reset(&ocpp.ResetRequest{Type: ocpp.ResetTypeSoft})
		}, want: ocpp.ResetStatusAccepted, check: func(t *testing.T, b *box) {
			if len(b.todo) != 1 {
				t.Errorf("%d follow-ups, want the reboot", len(b.todo))
			}
		}},
		{name: "differential list with an old version", setup: func(b *box) { b.localListVersion = 5 }, run: func(b *box) any {
			return b.sendLocalList(&ocpp.SendLocalListRequest{ListVersion: 5, UpdateType: ocpp.UpdateTypeDifferential})
		}, want: ocpp.UpdateStatusVersionMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := testBox(t)
			if tt.setup != nil {
				tt.setup(b)
			}
			resp := tt.run(b)
			got := statusOf(resp)
			if got != tt.want {
				t.Errorf("status %v, want %v", got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, b)
			}
		})
	}
}

func statusOf(resp any) any {
	switch r := resp.(type) {
	case *ocpp.RemoteStartTransactionResponse:
		return r.Status
	case *ocpp.RemoteStopTransactionResponse:
		return r.Status
	case *ocpp.ChangeConfigurationResponse:
		return r.Status
	case *ocpp.ChangeAvailabilityResponse:
		return r.Status
	case *ocpp.TriggerMessageResponse:
		return r.Status
	case *ocpp.ResetResponse:
		return r.Status
	case *ocpp.SendLocalListResponse:
		return r.Status
	}
	return nil
}

func TestQuantile(t *testing.T) {
	var d []int64
	for i := 1; i <= 100; i++ {
		d = append(d, int64(i))
	}
	tests := []struct {
		q    float64
		want int64
	}{{0.5, 50}, {0.95, 95}, {0.99, 99}, {1, 100}}
	for _, tt := range tests {
		var s []time.Duration
		for _, v := range d {
			s = append(s, time.Duration(v))
		}
		if got := quantile(s, tt.q); int64(got) != tt.want {
			t.Errorf("q%.2f = %d, want %d", tt.q, got, tt.want)
		}
	}
}

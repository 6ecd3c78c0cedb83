package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/bus/bustest"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

type published struct {
	TenantID   string   `json:"tenant_id"`
	Box        string   `json:"charge_box_serial"`
	Raw        string   `json:"ocpp_message"`
	ResponseTo *string  `json:"response_to"`
	Direction  string   `json:"direction"`
	UniqueID   string   `json:"unique_id"`
	Action     *string  `json:"action"`
	EventType  string   `json:"event_type"`
	Volume     *float64 `json:"volume"`
	UserID     string   `json:"user_id"`
	TxID       int      `json:"transaction_id"`
}

func decode(t *testing.T, d amqp.Delivery) published {
	t.Helper()
	var p published
	if err := json.Unmarshal(d.Body, &p); err != nil {
		t.Fatalf("message %s: %v", d.Body, err)
	}
	return p
}

func forBox(t *testing.T, ds []amqp.Delivery, box, key string) []published {
	var out []published
	for _, d := range bustest.Unique(ds) {
		if d.RoutingKey != key {
			continue
		}
		if p := decode(t, d); p.Box == box {
			out = append(out, p)
		}
	}
	return out
}

// TestTrafficReachesRabbitMQ runs a scripted charging session over a real WebSocket against a
// stack that reads DynamoDB Local's streams and publishes to a real RabbitMQ.
func TestTrafficReachesRabbitMQ(t *testing.T) {
	url := bustest.URL(t)
	bustest.UseBroker(t)
	consumer := bustest.NewConsumer(t, url,
		bustest.Binding{Exchange: bus.ExchangeOCPP, Key: bus.KeyFrames},
		bustest.Binding{Exchange: bus.ExchangeOCPP, Key: bus.KeyConnectionEvents},
		bustest.Binding{Exchange: bus.ExchangeSessions, Key: bus.KeySessions})

	cfg := storetest.Config(t)
	cfg.AutoRegister, cfg.AcceptUnknownTags, cfg.AMQPURL, cfg.MessageRetention = true, true, url, time.Hour
	st := startPublishingStack(t, cfg)
	id := fmt.Sprintf("PUB-%d", time.Now().UnixNano()%1e9)
	b := mustDial(t, st, id)
	b.call("BootNotification", obj("chargePointVendor", "ACME", "chargePointModel", "M"), &ocpp.BootNotificationResponse{})
	b.call("StatusNotification", obj("connectorId", 1, "errorCode", "NoError", "status", "Charging"), &ocpp.StatusNotificationResponse{})
	var started ocpp.StartTransactionResponse
	b.call("StartTransaction", obj("connectorId", 1, "idTag", "USER-7", "meterStart", 12000, "timestamp", "2026-11-23T10:00:00Z"), &started)
	b.call("MeterValues", obj("connectorId", 1, "transactionId", started.TransactionID, "meterValue", []any{
		obj("timestamp", "2026-11-23T10:15:00Z", "sampledValue", []any{obj("value", "15000", "measurand", "Energy.Active.Import.Register", "unit", "Wh")}),
	}), &ocpp.MeterValuesResponse{})
	stop := obj("transactionId", started.TransactionID, "meterStop", 19500, "timestamp", "2026-11-23T10:30:00Z", "reason", "Local")
	b.call("StopTransaction", stop, &ocpp.StopTransactionResponse{})
	b.call("StopTransaction", stop, &ocpp.StopTransactionResponse{}) // a retry: a frame, but no second session
	b.call("Heartbeat", obj(), &ocpp.HeartbeatResponse{})
	_ = b.ws.Close()

	const exchanges = 7
	got := consumer.WaitFor(30*time.Second, "every frame, both connection events and the session", func(ds []amqp.Delivery) bool {
		return len(forBox(t, ds, id, bus.KeyFrames)) >= 2*exchanges && len(forBox(t, ds, id, bus.KeyConnectionEvents)) >= 2 && len(forBox(t, ds, id, bus.KeySessions)) >= 1
	})

	frames := forBox(t, got, id, bus.KeyFrames)
	if len(frames) != 2*exchanges {
		t.Fatalf("%d frames, want %d", len(frames), 2*exchanges)
	}
	actions := []string{"BootNotification", "StatusNotification", "StartTransaction", "MeterValues", "StopTransaction", "StopTransaction", "Heartbeat"}
	for i, action := range actions {
		call, answer := frames[2*i], frames[2*i+1]
		if call.Direction != "from-box" || call.Action == nil || *call.Action != action || call.ResponseTo != nil {
			t.Fatalf("frame %d: %+v, want the box's %s CALL", 2*i, call, action)
		}
		if answer.Direction != "to-box" || answer.ResponseTo == nil || *answer.ResponseTo != action || answer.UniqueID != call.UniqueID || answer.TenantID == "" {
			t.Fatalf("frame %d: %+v, want the answer to %s", 2*i+1, answer, action)
		}
		var raw []any
		if err := json.Unmarshal([]byte(call.Raw), &raw); err != nil || raw[2] != action {
			t.Fatalf("raw frame %q", call.Raw)
		}
	}
	events := forBox(t, got, id, bus.KeyConnectionEvents)
	if len(events) != 2 || events[0].EventType != "connected" || events[1].EventType != "disconnected" {
		t.Fatalf("connection events %+v", events)
	}
	// The retried stop wrote nothing, so no stream record exists that could publish a second
	// session message. To see a wrong one all the same, another box runs a session after this
	// one: its message comes after anything the stream held for this box.
	last := closingSession(t, st, consumer)
	sessions := forBox(t, last, id, bus.KeySessions)
	if len(sessions) != 1 {
		t.Fatalf("%d session messages, want 1", len(sessions))
	}
	if s := sessions[0]; s.Volume == nil || *s.Volume != 7.5 || s.UserID != "USER-7" || s.TxID != started.TransactionID {
		t.Fatalf("session message %+v", s)
	}
}

// closingSession runs a session of a new box and returns the deliveries up to its message.
func closingSession(t *testing.T, st *stack.Stack, consumer *bustest.Consumer) []amqp.Delivery {
	t.Helper()
	id := fmt.Sprintf("PUB-END-%d", time.Now().UnixNano()%1e9)
	b := mustDial(t, st, id)
	b.call("BootNotification", obj("chargePointVendor", "ACME", "chargePointModel", "M"), &ocpp.BootNotificationResponse{})
	var started ocpp.StartTransactionResponse
	b.call("StartTransaction", obj("connectorId", 1, "idTag", "USER-8", "meterStart", 0, "timestamp", "2026-11-23T11:00:00Z"), &started)
	b.call("StopTransaction", obj("transactionId", started.TransactionID, "meterStop", 10, "timestamp", "2026-11-23T11:10:00Z", "reason", "Local"), &ocpp.StopTransactionResponse{})
	_ = b.ws.Close()
	return consumer.WaitFor(30*time.Second, "the closing box's session", func(ds []amqp.Delivery) bool {
		return len(forBox(t, ds, id, bus.KeySessions)) == 1
	})
}

func startPublishingStack(t *testing.T, cfg config.Config) *stack.Stack {
	t.Helper()
	return startStackWith(t, cfg, stack.Options{Publish: true, PrintTo: io.Discard, StreamPoll: 50 * time.Millisecond})
}

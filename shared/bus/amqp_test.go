package bus_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/bus/bustest"
)

// testKey returns a routing key only this test binds, so parallel tests never see each
// other's messages.
func testKey() string { return bustest.Name("test.key.") }

func messages(key string, n int) []bus.Message {
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	out := make([]bus.Message, n)
	for i := range out {
		out[i] = bus.Message{
			Exchange: bus.ExchangeOCPP, RoutingKey: key,
			MessageID: fmt.Sprintf("%s/%d", key, i), Timestamp: at.Add(time.Duration(i) * time.Second),
			Body: fmt.Appendf(nil, `{"n":%d}`, i),
		}
	}
	return out
}

func TestPublishIsConfirmedAndCarriesProperties(t *testing.T) {
	url := bustest.URL(t)
	bustest.UseBroker(t)
	key := testKey()
	c := bustest.NewConsumer(t, url, bustest.Binding{Exchange: bus.ExchangeOCPP, Key: key})
	p := bus.NewAMQP(bus.StaticURL(url), nil)
	t.Cleanup(func() { _ = p.Close() })

	msgs := messages(key, 600) // more than one chunk of in-flight messages
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Publish(ctx, msgs...); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	got := c.WaitFor(10*time.Second, "all messages", func(ds []amqp.Delivery) bool { return len(ds) >= len(msgs) })
	for i, d := range got {
		want := msgs[i]
		if d.MessageId != want.MessageID || string(d.Body) != string(want.Body) {
			t.Fatalf("delivery %d = %s %s, want %s %s (order must be kept)", i, d.MessageId, d.Body, want.MessageID, want.Body)
		}
		if d.DeliveryMode != amqp.Persistent || d.ContentType != "application/json" || d.AppId != "ocpp-csms" || !d.Timestamp.Equal(want.Timestamp) {
			t.Fatalf("delivery %d properties: mode %d type %q app %q ts %s", i, d.DeliveryMode, d.ContentType, d.AppId, d.Timestamp)
		}
	}
}

func TestPublishFailsUnroutableMessagesOnly(t *testing.T) {
	url := bustest.URL(t)
	bustest.UseBroker(t)
	bound := testKey()
	c := bustest.NewConsumer(t, url, bustest.Binding{Exchange: bus.ExchangeOCPP, Key: bound})
	p := bus.NewAMQP(bus.StaticURL(url), nil)
	t.Cleanup(func() { _ = p.Close() })

	msgs := append(messages(bound, 1), messages(testKey(), 1)...) // the second key has no queue
	msgs = append(msgs, bus.Message{Exchange: bus.ExchangeOCPP, RoutingKey: bound, MessageID: bound + "/last", Body: []byte(`{}`)})
	err := p.Publish(context.Background(), msgs...)
	if !errors.Is(err, bus.ErrReturned) {
		t.Fatalf("Publish = %v, want ErrReturned", err)
	}
	for i, want := range []error{nil, bus.ErrReturned, nil} {
		if got := bus.MessageError(err, i); !errors.Is(got, want) || (want == nil && got != nil) {
			t.Errorf("message %d: %v, want %v", i, got, want)
		}
	}
	c.WaitFor(5*time.Second, "the routable messages", func(ds []amqp.Delivery) bool { return len(ds) == 2 })

	// A return is the message's fault, not the connection's: the next publish goes through.
	if err := p.Publish(context.Background(), messages(bound, 1)...); err != nil {
		t.Fatalf("Publish after a return: %v", err)
	}
}

func TestPublishFailsFastWhenBrokerUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now

	p := bus.NewAMQP(bus.StaticURL("amqp://guest:guest@"+addr+"/"), nil)
	start := time.Now()
	err = p.Publish(context.Background(), messages("k", 2)...)
	if err == nil {
		t.Fatal("Publish to a closed port succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Publish took %s to fail", d)
	}
	for i := range 2 {
		if bus.MessageError(err, i) == nil {
			t.Fatalf("message %d reported as published", i)
		}
	}
}

// A broker that accepts TCP and never speaks must not hang the publisher past its deadline.
func TestPublishHonoursDeadlineOnSilentBroker(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()

	p := bus.NewAMQP(bus.StaticURL("amqp://guest:guest@"+l.Addr().String()+"/"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := p.Publish(ctx, messages("k", 1)...); err == nil {
		t.Fatal("Publish to a silent broker succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Publish took %s, want about the 300ms deadline", d)
	}
}

func TestPublishFailsWhileBrokerBlocksAndRecovers(t *testing.T) {
	url := bustest.URL(t)
	bustest.OwnBroker(t)
	key := testKey()
	c := bustest.NewConsumer(t, url, bustest.Binding{Exchange: bus.ExchangeOCPP, Key: key})
	p := bus.NewAMQP(bus.StaticURL(url), nil)
	t.Cleanup(func() { _ = p.Close() })
	if err := p.Publish(context.Background(), messages(key, 1)...); err != nil {
		t.Fatalf("Publish before the alarm: %v", err)
	}

	// A memory watermark far below use raises the memory alarm: the broker blocks publishers.
	bustest.Ctl(t, "set_vm_memory_high_watermark", "0.0000001")
	t.Cleanup(func() { bustest.Ctl(t, "set_vm_memory_high_watermark", "0.4") })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	err := p.Publish(ctx, messages(key, 1)...)
	if err == nil {
		t.Fatal("Publish succeeded while the broker blocks publishers")
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("blocked Publish took %s to fail", d)
	}
	t.Logf("blocked publish failed after %s: %v", time.Since(start).Round(time.Millisecond), err)

	bustest.Ctl(t, "set_vm_memory_high_watermark", "0.4")
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := p.Publish(ctx, messages(key, 1)...)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Publish after the alarm cleared: %v", err)
		}
	}
	c.WaitFor(5*time.Second, "messages before and after the alarm", func(ds []amqp.Delivery) bool { return len(bustest.Unique(ds)) >= 1 })
}

func TestPublishRedialsAfterBrokerRestart(t *testing.T) {
	url := bustest.URL(t)
	bustest.OwnBroker(t)
	key := testKey()
	c := bustest.NewConsumer(t, url, bustest.Binding{Exchange: bus.ExchangeOCPP, Key: key})
	p := bus.NewAMQP(bus.StaticURL(url), nil)
	t.Cleanup(func() { _ = p.Close() })
	msgs := messages(key, 3)
	if err := p.Publish(context.Background(), msgs[0]); err != nil {
		t.Fatalf("Publish before the restart: %v", err)
	}

	bustest.Ctl(t, "stop_app")
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			bustest.Ctl(t, "start_app")
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := p.Publish(ctx, msgs[1]); err == nil {
		t.Fatal("Publish succeeded while the broker is stopped")
	}

	bustest.Ctl(t, "start_app")
	bustest.Ctl(t, "await_startup")
	restarted = true
	if err := p.Publish(context.Background(), msgs[1], msgs[2]); err != nil {
		t.Fatalf("Publish after the restart: %v", err)
	}
	got := c.WaitFor(10*time.Second, "all three messages", func(ds []amqp.Delivery) bool { return len(bustest.Unique(ds)) == 3 })
	for i, d := range bustest.Unique(got) {
		if d.MessageId != msgs[i].MessageID {
			t.Fatalf("delivery %d = %s, want %s", i, d.MessageId, msgs[i].MessageID)
		}
	}
}

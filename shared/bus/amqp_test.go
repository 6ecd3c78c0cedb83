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

// The queues named in the settings exist and are bound before the first message is published,
// so nothing is returned as unroutable while no consumer runs; a queue a consumer declared first
// with other arguments is kept and bound too.
func TestPublishDeclaresConsumerQueuesFirst(t *testing.T) {
	url := bustest.URL(t)
	bustest.UseBroker(t)
	key := testKey()
	quorum, classic, existing := bustest.Name("test-declared-q-"), bustest.Name("test-declared-c-"), bustest.Name("test-declared-x-")
	admin := adminChannel(t, url)
	t.Cleanup(func() {
		for _, q := range []string{quorum, classic, existing} {
			_, _ = admin.ch().QueueDelete(q, false, false, false)
		}
	})
	// A consumer declared this one first, with an argument the publisher does not set.
	if _, err := admin.ch().QueueDeclare(existing, true, false, false, false, amqp.Table{"x-max-length": int32(100)}); err != nil {
		t.Fatalf("declare %s: %v", existing, err)
	}

	for _, c := range []struct{ queue, typ string }{{quorum, bus.QueueQuorum}, {classic, bus.QueueClassic}} {
		p := bus.NewAMQP(bus.StaticURL(url), nil)
		p.Queues = []bus.Queue{{Name: c.queue, Exchange: bus.ExchangeOCPP, RoutingKey: key}, {Name: existing, Exchange: bus.ExchangeOCPP, RoutingKey: key}}
		if c.typ != bus.QueueQuorum {
			p.QueueType = c.typ // quorum is the default
		}
		if err := p.Publish(context.Background(), messages(key, 3)...); err != nil {
			t.Fatalf("%s: Publish with no consumer running: %v", c.typ, err)
		}
		// A second connection declares the same queues again: declarations are idempotent.
		_ = p.Close()
		if err := p.Publish(context.Background(), messages(key, 1)...); err != nil {
			t.Fatalf("%s: Publish after a redial: %v", c.typ, err)
		}
		_ = p.Close()
	}

	for queue, want := range map[string]int{quorum: 8, classic: 4, existing: 8} {
		q, err := admin.ch().QueueDeclarePassive(queue, true, false, false, false, nil)
		if err != nil || q.Messages != want {
			t.Errorf("queue %s: %d messages, %v; want %d", queue, q.Messages, err, want)
		}
	}
	// Declaring a queue as the other type fails only if it was created as the type asked for.
	for queue, other := range map[string]string{quorum: bus.QueueClassic, classic: bus.QueueQuorum} {
		_, err := admin.ch().QueueDeclare(queue, true, false, false, false, amqp.Table{"x-queue-type": other})
		var aerr *amqp.Error
		if !errors.As(err, &aerr) || aerr.Code != amqp.PreconditionFailed {
			t.Errorf("redeclaring %s as %s: %v, want PRECONDITION_FAILED (the queue has the other type)", queue, other, err)
		}
		admin.reopen()
	}
}

// admin is a channel for test setup and inspection that reopens after a channel error.
type admin struct {
	t    *testing.T
	conn *amqp.Connection
	c    *amqp.Channel
}

func adminChannel(t *testing.T, url string) *admin {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	a := &admin{t: t, conn: conn}
	a.reopen()
	t.Cleanup(func() { _ = conn.Close() })
	return a
}

func (a *admin) ch() *amqp.Channel { return a.c }

func (a *admin) reopen() {
	a.t.Helper()
	c, err := a.conn.Channel()
	if err != nil {
		a.t.Fatalf("open channel: %v", err)
	}
	a.c = c
}

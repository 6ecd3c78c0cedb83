// Package bustest gives tests a RabbitMQ to publish to (AMQP_URL), a consumer that records what
// arrives, and a lock that keeps tests which stop the broker apart from tests that use it.
package bustest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/serverless-ocpp/csms/shared/testenv"
)

// StartRabbitMQ says how to get the broker the tests need.
const StartRabbitMQ = "run the tests with `make test`, which starts RabbitMQ " +
	"(or `rabbitmq-server -detached && rabbitmqctl await_startup` and AMQP_URL=amqp://guest:guest@127.0.0.1:5672/)"

// URL returns AMQP_URL; without it the test ends as testenv.Missing says.
func URL(t testing.TB) string {
	t.Helper()
	return testenv.Env(t, "AMQP_URL", "RabbitMQ", StartRabbitMQ)
}

// Name returns a fresh name with the given prefix, so parallel tests never share queues or
// charge boxes.
func Name(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// UseBroker takes the broker lock shared: tests that only publish and consume run together,
// but never while a test that stops the broker runs (in this or another test binary).
func UseBroker(t testing.TB) { lock(t, syscall.LOCK_SH) }

// OwnBroker takes the broker lock exclusively, for a test that stops or alarms the broker.
func OwnBroker(t testing.TB) { lock(t, syscall.LOCK_EX) }

func lock(t testing.TB, how int) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "ocpp-csms-rabbitmq.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("open broker lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		_ = f.Close()
		t.Fatalf("take broker lock: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() }) // closing the file releases the lock
}

// Ctl runs rabbitmqctl with args; without rabbitmqctl the test ends as testenv.Missing says.
func Ctl(t testing.TB, args ...string) {
	t.Helper()
	path := testenv.Tool(t, "rabbitmqctl", "this test stops and starts the local RabbitMQ (apt-get install rabbitmq-server)")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("rabbitmqctl %v: %v\n%s", args, err, out)
	}
}

// Binding binds a consumer's queue to an exchange with a routing key.
type Binding struct {
	Exchange, Key string
}

// Consumer reads one durable queue and records every delivery. The queue survives a broker
// restart and the consumer reconnects, as a real consumer would; it acknowledges a delivery
// only after recording it, so a restart can redeliver but never lose one.
type Consumer struct {
	t     testing.TB
	url   string
	queue string

	mu   sync.Mutex
	got  []amqp.Delivery
	cond chan struct{} // closed and replaced whenever a delivery is recorded

	stop chan struct{}
	done chan struct{}
}

// NewConsumer declares a fresh durable queue bound as given and starts consuming it. The queue
// is deleted when the test ends.
func NewConsumer(t testing.TB, url string, bindings ...Binding) *Consumer {
	t.Helper()
	c := &Consumer{t: t, url: url, queue: Name("test-consumer-"), cond: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	conn, ch, err := c.open(bindings)
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	go c.run(conn, ch, bindings)
	t.Cleanup(c.close)
	return c
}

func (c *Consumer) open(bindings []Binding) (*amqp.Connection, *amqp.Channel, error) {
	conn, err := amqp.DialConfig(c.url, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		return nil, nil, fmt.Errorf("dial: %w", err)
	}
	ch, err := conn.Channel()
	if err == nil {
		_, err = ch.QueueDeclare(c.queue, true, false, false, false, nil)
	}
	for _, b := range bindings {
		if err == nil {
			err = ch.ExchangeDeclare(b.Exchange, amqp.ExchangeDirect, true, false, false, false, nil)
		}
		if err == nil {
			err = ch.QueueBind(c.queue, b.Key, b.Exchange, false, nil)
		}
	}
	if err != nil {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("set up queue %s: %w", c.queue, err)
	}
	return conn, ch, nil
}

func (c *Consumer) run(conn *amqp.Connection, ch *amqp.Channel, bindings []Binding) {
	defer close(c.done)
	for {
		if conn != nil {
			c.consume(conn, ch)
			_ = conn.Close()
		}
		select {
		case <-c.stop:
			return
		case <-time.After(100 * time.Millisecond):
		}
		var err error
		conn, ch, err = c.open(bindings)
		if err != nil {
			conn = nil // the broker is still down: try again
		}
	}
}

// consume records deliveries until the connection closes or the consumer stops.
func (c *Consumer) consume(conn *amqp.Connection, ch *amqp.Channel) {
	deliveries, err := ch.Consume(c.queue, "", false, false, false, false, nil)
	if err != nil {
		return
	}
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	for {
		select {
		case <-c.stop:
			return
		case <-closed:
			return
		case d, ok := <-deliveries:
			if !ok {
				return
			}
			c.mu.Lock()
			c.got = append(c.got, d)
			close(c.cond)
			c.cond = make(chan struct{})
			c.mu.Unlock()
			_ = d.Ack(false)
		}
	}
}

func (c *Consumer) close() {
	close(c.stop)
	<-c.done
	conn, err := amqp.Dial(c.url)
	if err != nil {
		return
	}
	defer conn.Close()
	if ch, err := conn.Channel(); err == nil {
		_, _ = ch.QueueDelete(c.queue, false, false, false)
	}
}

// Deliveries returns what arrived so far, in arrival order, duplicates included.
func (c *Consumer) Deliveries() []amqp.Delivery {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]amqp.Delivery(nil), c.got...)
}

// WaitFor waits until done(deliveries so far) is true, failing the test after timeout.
func (c *Consumer) WaitFor(timeout time.Duration, what string, done func([]amqp.Delivery) bool) []amqp.Delivery {
	c.t.Helper()
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		got := append([]amqp.Delivery(nil), c.got...)
		changed := c.cond
		c.mu.Unlock()
		if done(got) {
			return got
		}
		select {
		case <-changed:
		case <-deadline:
			c.t.Fatalf("waited %s for %s: %d deliveries arrived", timeout, what, len(got))
			return nil
		}
	}
}

// Unique drops deliveries whose message id was seen before, as a consumer is meant to.
func Unique(ds []amqp.Delivery) []amqp.Delivery {
	seen := map[string]bool{}
	var out []amqp.Delivery
	for _, d := range ds {
		if seen[d.MessageId] {
			continue
		}
		seen[d.MessageId] = true
		out = append(out, d)
	}
	return out
}

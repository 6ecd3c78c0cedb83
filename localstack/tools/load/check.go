package load

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/serverless-ocpp/csms/localstack/tools/simulator"
	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// StoreCheck compares the sessions the boxes ran with the sessions table.
type StoreCheck struct {
	Ran    int `json:"ran"`
	Stored int `json:"stored"`
	// Missing are transaction ids the boxes got but the table lacks; Extra are stored sessions
	// no box ran; Mismatched are stored sessions whose box, connector, meter readings or
	// status differ from what the box sent; Reused are ids given to two different starts.
	Missing    []int    `json:"missing,omitempty"`
	Extra      []int    `json:"extra,omitempty"`
	Mismatched []string `json:"mismatched,omitempty"`
	Reused     []int    `json:"reused,omitempty"`
}

// OK reports whether every session is stored exactly once and as the box ran it.
func (c StoreCheck) OK() bool {
	return len(c.Missing)+len(c.Extra)+len(c.Mismatched)+len(c.Reused) == 0
}

// CheckStored reads the whole sessions table (the load test runs on fresh tables) and compares
// it with the sessions of the summary.
func CheckStored(ctx context.Context, st *store.Store, sum *simulator.Summary) (StoreCheck, error) {
	var rows []store.Session
	if err := st.ScanAll(ctx, tables.Sessions, &rows); err != nil {
		return StoreCheck{}, err
	}
	stored := map[int]store.Session{}
	for _, r := range rows {
		stored[r.TransactionID] = r
	}
	c := StoreCheck{Ran: len(sum.Sessions), Stored: len(rows), Reused: sum.DuplicateTxIDs}
	ran := map[int]bool{}
	for _, s := range sum.Sessions {
		ran[s.TransactionID] = true
		r, ok := stored[s.TransactionID]
		if !ok {
			c.Missing = append(c.Missing, s.TransactionID)
			continue
		}
		var why []string
		if r.ChargeBoxID != s.ChargeBoxID || r.ConnectorID != s.ConnectorID {
			why = append(why, fmt.Sprintf("stored for %s/%d", r.ChargeBoxID, r.ConnectorID))
		}
		if r.MeterStart != s.MeterStart {
			why = append(why, fmt.Sprintf("meterStart %d, box sent %d", r.MeterStart, s.MeterStart))
		}
		switch {
		case s.Stopped && (r.Status != store.SessionFinished || r.MeterStop == nil || *r.MeterStop != s.MeterStop):
			why = append(why, fmt.Sprintf("status %s meterStop %v, box stopped at %d", r.Status, deref(r.MeterStop), s.MeterStop))
		case !s.Stopped && r.Status == store.SessionFinished:
			why = append(why, "finished though the box never stopped it")
		}
		if len(why) > 0 {
			c.Mismatched = append(c.Mismatched, fmt.Sprintf("transaction %d of %s/%d: %v", s.TransactionID, s.ChargeBoxID, s.ConnectorID, why))
		}
	}
	for id := range stored {
		if !ran[id] {
			c.Extra = append(c.Extra, id)
		}
	}
	slices.Sort(c.Extra)
	return c, nil
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// PublishCheck compares the finished sessions with the messages on the sessions exchange.
type PublishCheck struct {
	// Pending is set when no RabbitMQ was given: the check did not run.
	Pending bool `json:"pending,omitempty"`
	Want    int  `json:"want"`
	// Unique is the number of distinct message ids received; Deliveries counts redeliveries
	// of the same id too (the publisher is at-least-once; consumers dedupe on message_id).
	Unique     int      `json:"unique"`
	Deliveries int      `json:"deliveries"`
	Missing    []string `json:"missing,omitempty"`
	Extra      []string `json:"extra,omitempty"`
	// WrongBody are messages whose transaction, box or energy differ from the session.
	WrongBody []string `json:"wrongBody,omitempty"`
}

// OK reports whether every finished session was published, under its own id, and nothing else.
func (c PublishCheck) OK() bool {
	return c.Pending || len(c.Missing)+len(c.Extra)+len(c.WrongBody) == 0
}

// SessionConsumer collects the messages of the sessions exchange on a private queue, which
// also drains the ocpp exchange's frames and connection events. It is opened before the load
// starts so that nothing published is missed.
type SessionConsumer struct {
	conn *amqp.Connection
	mu   sync.Mutex
	got  []amqp.Delivery
	// others counts the frame and connection-event messages, which are only drained.
	others int
	done   chan struct{}
}

// OpenSessionConsumer binds a private queue to the sessions exchange at url.
func OpenSessionConsumer(url string) (*SessionConsumer, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return nil, fmt.Errorf("consume sessions: %w", err)
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.ExchangeDeclare(bus.ExchangeSessions, amqp.ExchangeDirect, true, false, false, false, nil)
	}
	if err == nil {
		err = ch.ExchangeDeclare(bus.ExchangeOCPP, amqp.ExchangeDirect, true, false, false, false, nil)
	}
	var q amqp.Queue
	if err == nil {
		q, err = ch.QueueDeclare("", false, true, true, false, nil)
	}
	// The publisher publishes mandatory messages: like the original system's consumers, the
	// check binds every routing key, or frames would come back unroutable and be retried
	// (holding back the box's later records, its sessions included).
	for _, b := range [][2]string{{bus.ExchangeSessions, bus.KeySessions}, {bus.ExchangeOCPP, bus.KeyFrames}, {bus.ExchangeOCPP, bus.KeyConnectionEvents}} {
		if err == nil {
			err = ch.QueueBind(q.Name, b[1], b[0], false, nil)
		}
	}
	var ds <-chan amqp.Delivery
	if err == nil {
		ds, err = ch.Consume(q.Name, "", true, true, false, false, nil)
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("consume sessions: %w", err)
	}
	c := &SessionConsumer{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for d := range ds {
			c.mu.Lock()
			if d.Exchange == bus.ExchangeSessions {
				c.got = append(c.got, d)
			} else {
				c.others++
			}
			c.mu.Unlock()
		}
	}()
	return c, nil
}

// Close ends the consumer.
func (c *SessionConsumer) Close() error {
	err := c.conn.Close()
	<-c.done
	return err
}

type sessionMessage struct {
	Box    string   `json:"charge_box_serial"`
	TxID   int      `json:"transaction_id"`
	Volume *float64 `json:"volume"`
}

// Check waits up to wait for a message per finished session and compares.
// Only messages of boxes named with prefix are considered.
func (c *SessionConsumer) Check(ctx context.Context, sum *simulator.Summary, prefix string, wait time.Duration) PublishCheck {
	want := map[string]simulator.Session{}
	for _, s := range sum.Sessions {
		if s.Stopped {
			want[fmt.Sprintf("session-%s-%d", s.ChargeBoxID, s.TransactionID)] = s
		}
	}
	deadline := time.Now().Add(wait)
	var seen map[string]amqp.Delivery
	var deliveries int
	for {
		c.mu.Lock()
		seen, deliveries = map[string]amqp.Delivery{}, 0
		for _, d := range c.got {
			if strings.HasPrefix(d.MessageId, "session-"+prefix) {
				seen[d.MessageId] = d
				deliveries++
			}
		}
		c.mu.Unlock()
		complete := true
		for id := range want {
			if _, ok := seen[id]; !ok {
				complete = false
				break
			}
		}
		if complete || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	pc := PublishCheck{Want: len(want), Unique: len(seen), Deliveries: deliveries}
	for _, id := range slices.Sorted(maps.Keys(want)) {
		d, ok := seen[id]
		if !ok {
			pc.Missing = append(pc.Missing, id)
			continue
		}
		s := want[id]
		var m sessionMessage
		if err := json.Unmarshal(d.Body, &m); err != nil || m.Box != s.ChargeBoxID || m.TxID != s.TransactionID ||
			m.Volume == nil || int(*m.Volume*1000+0.5) != s.MeterStop-s.MeterStart {
			pc.WrongBody = append(pc.WrongBody, fmt.Sprintf("%s: %s", id, d.Body))
		}
	}
	// The exchange is shared (other tests, other runs): only this fleet's boxes count.
	for _, id := range slices.Sorted(maps.Keys(seen)) {
		if _, ok := want[id]; !ok {
			pc.Extra = append(pc.Extra, id)
		}
	}
	return pc
}

package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Printer is a Publisher for running without a broker (AMQP_URL unset locally): it writes each
// message as one JSON line, so what would have been published can still be read.
type Printer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewPrinter prints to w.
func NewPrinter(w io.Writer) *Printer { return &Printer{w: w} }

// printed is the line a Printer writes: the AMQP envelope and the body as JSON, not as a string.
type printed struct {
	Exchange   string          `json:"exchange"`
	RoutingKey string          `json:"routing_key"`
	MessageID  string          `json:"message_id"`
	Timestamp  string          `json:"timestamp"`
	Body       json.RawMessage `json:"body"`
}

// Publish writes msgs in order; a write error fails the message it happened on and those after.
func (p *Printer) Publish(ctx context.Context, msgs ...Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	errs := make([]error, len(msgs))
	var failed error
	for i, m := range msgs {
		if failed == nil {
			failed = ctx.Err()
		}
		if failed == nil {
			failed = p.print(m)
		}
		errs[i] = failed
	}
	if failed != nil {
		return &BatchError{Errs: errs}
	}
	return nil
}

func (p *Printer) print(m Message) error {
	body := json.RawMessage(m.Body)
	if !json.Valid(body) {
		// Keep the line valid JSON even for a body that is not.
		quoted, _ := json.Marshal(string(m.Body))
		body = quoted
	}
	line, err := json.Marshal(printed{
		Exchange:   m.Exchange,
		RoutingKey: m.RoutingKey,
		MessageID:  m.MessageID,
		Timestamp:  m.Timestamp.UTC().Format(time.RFC3339Nano),
		Body:       body,
	})
	if err != nil {
		return fmt.Errorf("print message %s: %w", m.MessageID, err)
	}
	if _, err := p.w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("print message %s: %w", m.MessageID, err)
	}
	return nil
}

// Close does nothing: a Printer holds no connection.
func (p *Printer) Close() error { return nil }

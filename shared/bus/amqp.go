package bus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

const (
	// chunkSize bounds the messages in flight on the channel. It must stay below returnBuffer:
	// the client library drops a basic.return it cannot hand over within 5 s, and a dropped
	// return would turn an unroutable message into a false success.
	chunkSize    = 256
	returnBuffer = 2 * chunkSize

	defaultDialTimeout    = 10 * time.Second
	defaultConfirmTimeout = 30 * time.Second
	heartbeat             = 10 * time.Second
)

// AMQP publishes to RabbitMQ. It keeps one connection and one confirm-mode channel per process
// (per warm Lambda container), dials lazily on the first Publish and again after the connection
// was lost or given up. It is safe for concurrent use; publishes are serialised, which keeps
// the order of messages from one caller.
type AMQP struct {
	url URLSource
	log *slog.Logger

	// DialTimeout bounds a dial with its AMQP handshake and topology setup when the context
	// has no sooner deadline.
	DialTimeout time.Duration
	// ConfirmTimeout bounds one Publish when the context has no sooner deadline, so a broker
	// that stops answering cannot hang the caller.
	ConfirmTimeout time.Duration
	// Queues are declared (durable, of QueueType: QueueQuorum when empty) and bound on every
	// connection before anything is published on it (Settings.Queues).
	Queues    []Queue
	QueueType string

	mu sync.Mutex
	s  *session
}

// NewAMQP returns a publisher that dials the URL src yields. It does no I/O.
func NewAMQP(src URLSource, log *slog.Logger) *AMQP {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &AMQP{url: src, log: log, DialTimeout: defaultDialTimeout, ConfirmTimeout: defaultConfirmTimeout}
}

// session is one connection with its confirm-mode channel and the notifications watched on it.
type session struct {
	conn    *amqp.Connection
	raw     net.Conn // the TCP socket under conn: closing it unblocks a write the broker stalls
	ch      *amqp.Channel
	returns chan amqp.Return

	blocked    atomic.Bool
	blockedSig chan struct{} // receives when a connection.blocked arrives
	dead       chan struct{} // closed when the connection or the channel closed
}

func (s *session) isDead() bool {
	select {
	case <-s.dead:
		return true
	default:
		return s.ch.IsClosed()
	}
}

// Publish publishes msgs in order on one channel and waits for the broker's confirm of each.
// It returns nil only when every message was acknowledged and none was returned as
// unroutable; otherwise a *BatchError says which messages failed (MessageError). A message
// after a failed one may still have been confirmed: per-message results let the caller decide.
// Publish fails, never hangs, when the broker is unreachable, blocks the connection, closes
// the channel or does not confirm before the context's deadline (or ConfirmTimeout).
func (p *AMQP) Publish(ctx context.Context, msgs ...Message) error {
	if len(msgs) == 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()

	ctx, cancel := p.bound(ctx, p.ConfirmTimeout)
	defer cancel()

	s, err := p.session(ctx)
	if err != nil {
		return fmt.Errorf("publish %d messages: %w", len(msgs), err)
	}
	errs := make([]error, len(msgs))
	var fatal error
	for start := 0; start < len(msgs); start += chunkSize {
		end := min(start+chunkSize, len(msgs))
		if fatal == nil {
			fatal = p.publishChunk(ctx, s, msgs[start:end], errs[start:end])
			if fatal != nil {
				p.drop(s, fatal)
			}
			continue
		}
		for i := start; i < end; i++ {
			errs[i] = fatal
		}
	}
	for _, err := range errs {
		if err != nil {
			return &BatchError{Errs: errs}
		}
	}
	return nil
}

// publishChunk publishes msgs and fills errs with each message's outcome. It returns an error
// when the session can no longer be trusted (lost, blocked, out of time).
func (p *AMQP) publishChunk(ctx context.Context, s *session, msgs []Message, errs []error) error {
	// The client library's writes ignore the context; closing the socket is what unblocks a
	// write that the broker's TCP back-pressure (a blocked connection) holds.
	stop := context.AfterFunc(ctx, func() { _ = s.raw.Close() })
	defer stop()

	drainReturns(s.returns, nil)
	if s.blocked.Load() {
		fillErrs(errs, 0, ErrBlocked)
		return ErrBlocked
	}

	var fatal error
	dcs := make([]*amqp.DeferredConfirmation, len(msgs))
	for i, m := range msgs {
		dc, err := s.ch.PublishWithDeferredConfirmWithContext(ctx, m.Exchange, m.RoutingKey, true, false, amqp.Publishing{
			ContentType:  ContentType,
			DeliveryMode: amqp.Persistent,
			MessageId:    m.MessageID,
			Timestamp:    m.Timestamp.UTC(),
			AppId:        AppID,
			Body:         m.Body,
		})
		if err != nil {
			fatal = classify(ctx, s, err)
			break
		}
		if dc == nil {
			fatal = errors.New("channel is not in confirm mode")
			break
		}
		dcs[i] = dc
	}

	returned := map[string]bool{}
	if fatal == nil {
		fatal = waitConfirms(ctx, s, dcs, returned)
	}
	// A return precedes the ack of its message on the wire and the client hands it over
	// before it processes the ack, so every return of an acknowledged message is buffered now.
	drainReturns(s.returns, returned)

	for i, dc := range dcs {
		switch {
		case dc == nil:
			errs[i] = fatal
		case dc.Acked() && returned[msgs[i].MessageID]:
			errs[i] = fmt.Errorf("message %s to %s/%s: %w", msgs[i].MessageID, msgs[i].Exchange, msgs[i].RoutingKey, ErrReturned)
		case dc.Acked():
			errs[i] = nil
		case isDone(dc) && !s.ch.IsClosed():
			errs[i] = fmt.Errorf("message %s: %w", msgs[i].MessageID, ErrNacked)
		case isDone(dc):
			errs[i] = fmt.Errorf("message %s: %w", msgs[i].MessageID, ErrConnectionLost)
		default:
			errs[i] = fatal
		}
		if errs[i] == nil {
			continue
		}
		if fatal == nil && errors.Is(errs[i], ErrConnectionLost) {
			fatal = ErrConnectionLost
		}
	}
	if !stop() && fatal == nil {
		// The socket was closed as the deadline passed; the session is gone even though this
		// chunk got through.
		fatal = fmt.Errorf("publish deadline passed: %w", ctx.Err())
	}
	return fatal
}

// waitConfirms waits until every confirm arrived, collecting returned message ids on the way.
func waitConfirms(ctx context.Context, s *session, dcs []*amqp.DeferredConfirmation, returned map[string]bool) error {
	returns := s.returns
	for _, dc := range dcs {
		for !isDone(dc) {
			select {
			case <-dc.Done():
			case r, ok := <-returns:
				if !ok {
					returns = nil // the channel closed; its confirms complete as nacks
					continue
				}
				returned[r.MessageId] = true
			case <-s.blockedSig:
				return ErrBlocked
			case <-s.dead:
				return ErrConnectionLost
			case <-ctx.Done():
				return fmt.Errorf("waiting for publisher confirms: %w", ctx.Err())
			}
		}
	}
	return nil
}

func isDone(dc *amqp.DeferredConfirmation) bool {
	select {
	case <-dc.Done():
		return true
	default:
		return false
	}
}

// drainReturns empties the returns buffer without waiting, recording ids when into is set.
func drainReturns(returns chan amqp.Return, into map[string]bool) {
	for {
		select {
		case r, ok := <-returns:
			if !ok {
				return
			}
			if into != nil {
				into[r.MessageId] = true
			}
		default:
			return
		}
	}
}

func fillErrs(errs []error, from int, err error) {
	for i := from; i < len(errs); i++ {
		errs[i] = err
	}
}

// classify turns a failed publish call into the reason a caller can act on.
func classify(ctx context.Context, s *session, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("publish: %w", ctx.Err())
	case s.blocked.Load():
		return fmt.Errorf("publish: %w", ErrBlocked)
	default:
		return fmt.Errorf("publish: %w: %w", ErrConnectionLost, err)
	}
}

// bound limits ctx to at most d from now.
func (p *AMQP) bound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// session returns the live session, dialling a new one when there is none.
func (p *AMQP) session(ctx context.Context) (*session, error) {
	if p.s != nil && !p.s.isDead() {
		return p.s, nil
	}
	if p.s != nil {
		p.drop(p.s, ErrConnectionLost)
	}
	s, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	p.s = s
	return s, nil
}

// dial opens a connection and a confirm-mode channel and declares the exchanges and Queues,
// all within DialTimeout (or the context's sooner deadline).
func (p *AMQP) dial(ctx context.Context) (*session, error) {
	raw, err := p.url(ctx)
	if err != nil {
		return nil, err
	}
	where := redact(raw)
	ctx, cancel := p.bound(ctx, p.DialTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()

	s := &session{blockedSig: make(chan struct{}, 1), dead: make(chan struct{})}
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName("ocpp-csms publisher")
	conn, err := amqp.DialConfig(raw, amqp.Config{
		Heartbeat:  heartbeat,
		Locale:     "en_US",
		Properties: props,
		Dial: func(network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// Bounds the TLS and AMQP handshakes; the library clears it once open.
			if err := c.SetDeadline(deadline); err != nil {
				_ = c.Close()
				return nil, err
			}
			s.raw = c
			return c, nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("dial broker %s: %w", where, err)
	}
	s.conn = conn
	blockings := conn.NotifyBlocked(make(chan amqp.Blocking, 4))
	go s.watchBlocked(blockings)

	// The setup calls below are synchronous RPCs without a context; a closed socket ends them.
	stop := context.AfterFunc(ctx, func() { _ = s.raw.Close() })
	err = s.setup()
	if err == nil {
		err = s.declareQueues(p.Queues, cmp.Or(p.QueueType, QueueQuorum), p.log)
	}
	if !stop() && err == nil {
		err = fmt.Errorf("set up channel: %w", ctx.Err())
	}
	if err != nil {
		_ = s.raw.Close()
		return nil, fmt.Errorf("broker %s: %w", where, err)
	}
	p.log.Info("connected to broker", "broker", where)
	return s, nil
}

func (s *session) setup() error {
	ch, err := s.conn.Channel()
	if err != nil {
		return fmt.Errorf("open channel: %w", err)
	}
	s.ch = ch
	if err := ch.Confirm(false); err != nil {
		return fmt.Errorf("enable publisher confirms: %w", err)
	}
	for _, ex := range Exchanges {
		if err := ch.ExchangeDeclare(ex, amqp.ExchangeDirect, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare exchange %s: %w", ex, err)
		}
	}
	s.returns = ch.NotifyReturn(make(chan amqp.Return, returnBuffer))
	connClosed := s.conn.NotifyClose(make(chan *amqp.Error, 1))
	chClosed := ch.NotifyClose(make(chan *amqp.Error, 1))
	go func() {
		select {
		case <-connClosed:
		case <-chClosed:
		}
		close(s.dead)
	}()
	return nil
}

// declareQueues declares each queue (durable, of queueType) and binds it, on a channel of its
// own: a queue that already exists with other arguments (a consumer declared it first, as
// another type) fails the declaration with PRECONDITION_FAILED, which closes the channel. Such
// a queue is kept as it is and bound on a new channel, so publishing goes on.
func (s *session) declareQueues(queues []Queue, queueType string, log *slog.Logger) error {
	if len(queues) == 0 {
		return nil
	}
	ch, err := s.conn.Channel()
	if err != nil {
		return fmt.Errorf("open channel for the queues: %w", err)
	}
	defer func() { _ = ch.Close() }() // ch is the last channel opened
	args := amqp.Table{"x-queue-type": queueType}
	for _, q := range queues {
		_, err := ch.QueueDeclare(q.Name, true, false, false, false, args)
		var aerr *amqp.Error
		if errors.As(err, &aerr) && aerr.Code == amqp.PreconditionFailed {
			log.Warn("queue exists with other arguments; binding it as it is", "queue", q.Name, "error", err)
			if ch, err = s.conn.Channel(); err != nil {
				return fmt.Errorf("reopen channel for the queues: %w", err)
			}
		} else if err != nil {
			return fmt.Errorf("declare queue %s: %w", q.Name, err)
		}
		if err := ch.QueueBind(q.Name, q.RoutingKey, q.Exchange, false, nil); err != nil {
			return fmt.Errorf("bind queue %s to %s with %s: %w", q.Name, q.Exchange, q.RoutingKey, err)
		}
	}
	return nil
}

// watchBlocked follows connection.blocked/unblocked until the connection closes.
func (s *session) watchBlocked(blockings <-chan amqp.Blocking) {
	for b := range blockings {
		s.blocked.Store(b.Active)
		if b.Active {
			select {
			case s.blockedSig <- struct{}{}:
			default:
			}
		}
	}
}

// drop forgets s and closes its socket, so the next Publish dials afresh. Unconfirmed
// messages on it count as failed: the caller retries them, and consumers drop the
// duplicates by message id.
func (p *AMQP) drop(s *session, reason error) {
	if p.s == s {
		p.s = nil
	}
	p.log.Warn("dropping broker connection", "reason", reason.Error())
	_ = s.raw.Close()
}

// Close closes the connection, waiting briefly for the broker's close-ok.
func (p *AMQP) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.s
	p.s = nil
	if s == nil {
		return nil
	}
	err := s.conn.CloseDeadline(time.Now().Add(2 * time.Second))
	_ = s.raw.Close()
	if err != nil && !errors.Is(err, amqp.ErrClosed) {
		return fmt.Errorf("close broker connection: %w", err)
	}
	return nil
}

// redact hides the password of an AMQP URL for logs and errors.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable AMQP URL)"
	}
	return u.Redacted()
}

// Package publish turns the DynamoDB stream records of the frame log and of the sessions table
// into broker messages: every OCPP frame in both directions, every connect and disconnect, and
// one message per finished charging session. It is the publisher Lambda's handler; the local
// stack invokes the same handler from its stream reader. docs/messages.md describes the
// messages and the delivery guarantees this package gives.
package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/failures"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Publisher publishes messages in order and confirms each (bus.AMQP, bus.Printer). Its error
// tells per message what failed (bus.MessageError).
type Publisher interface {
	Publish(ctx context.Context, msgs ...bus.Message) error
}

// Readings lists the meter readings of a transaction (store.Store does, from the
// byTransaction index).
type Readings interface {
	ListReadings(ctx context.Context, transactionID int) ([]store.Reading, error)
}

// Handler is the publisher Lambda's handler: an alias, so it is the very type Lambda and
// localstack/streams take.
type Handler = func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// deadlineMargin is kept free at the end of an invocation so that the handler can still return
// its batch item failures before Lambda's timeout would fail the whole batch.
const deadlineMargin = time.Second

// NewHandler returns the stream handler. It publishes the messages of a batch in stream order
// per charge box and reports partial batch failures (the event source mapping needs
// ReportBatchItemFailures): when a record of a box fails, the box's later records in the batch
// fail with it, so a retry re-publishes them in order; other boxes go on. The handler never
// returns an error: everything it could not publish is in the response.
//
// Failures are transient or permanent. A transient one (broker unreachable or blocked, channel
// closed, nack, confirm timeout, a failed read of meter values or of the failure store) fails the
// record and the box's later ones, which the event source retries. A permanent one (a record
// that can never become a valid message: an undecodable image, an unknown kind, a body that
// cannot be built) is written whole to the failure store at once, logged with
// PermanentFailureLog, and the box goes on with its next record.
func NewHandler(pub Publisher, readings Readings, log *slog.Logger, opts ...Option) Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{pub: pub, readings: readings, log: log, now: time.Now}
	for _, o := range opts {
		o(h)
	}
	return h.handle
}

// Option configures the handler.
type Option func(*handler)

// WithFailureStore sets where permanent failures are written (shared/failures). Without one
// they are only logged.
func WithFailureStore(s failures.Store) Option {
	return func(h *handler) { h.failures = s }
}

type handler struct {
	pub      Publisher
	readings Readings
	failures failures.Store
	log      *slog.Logger
	now      func() time.Time
}

// PermanentFailureLog is the log message of a record that can never be published, written to
// the failure store instead; an alarm can count it (the failure store's own alarm counts its
// objects).
const PermanentFailureLog = "stream record cannot be published: written to the failure store"

// job is one stream record on its way to the broker.
type job struct {
	index     int // in the batch
	rec       events.DynamoDBEventRecord
	msgs      []bus.Message
	first     int   // index of msgs[0] in the batch's publish
	malformed error // the record can never be published: it goes to the failure store
	buildErr  error // a transient failure building its messages: the box stops here
}

// UnroutableLog is the log message of a message dropped because no queue is bound for its
// routing key; infra/ counts it with a metric filter and alarms on it.
const UnroutableLog = "unroutable message dropped: no queue is bound for its routing key"

// box is the queue of one charge box's records, in stream order.
type box struct {
	id     string
	jobs   []*job
	failed error
}

func (h *handler) handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-deadlineMargin))
		defer cancel()
	}
	boxes := h.queue(ev.Records)
	batch := h.buildAll(ctx, boxes)
	err := h.pub.Publish(ctx, batch...)
	published := 0
	for _, b := range boxes {
		published += h.settle(ctx, b, batch, err)
	}
	resp := batchFailures(ev.Records, boxes)
	h.log.Debug("published stream batch", "records", len(ev.Records), "messages", published, "failedRecords", len(resp.BatchItemFailures))
	return resp, nil
}

// queue sorts the records of a batch into one queue per charge box, boxes in order of their
// first record, records in stream order.
func (h *handler) queue(records []events.DynamoDBEventRecord) []*box {
	var boxes []*box
	byID := map[string]*box{}
	for i, rec := range records {
		id, ok := h.boxOf(rec)
		if !ok {
			continue
		}
		b := byID[id]
		if b == nil {
			b = &box{id: id}
			byID[id] = b
			boxes = append(boxes, b)
		}
		b.jobs = append(b.jobs, &job{index: i, rec: rec})
	}
	return boxes
}

// buildAll builds the messages of every record and returns them as one publish, each box's
// in stream order. A box's records after one that failed to build are not published: they
// are retried with it.
func (h *handler) buildAll(ctx context.Context, boxes []*box) []bus.Message {
	var batch []bus.Message
	for _, b := range boxes {
		for _, j := range b.jobs {
			msgs, err := h.build(ctx, j.rec)
			var bad *malformedError
			switch {
			case errors.As(err, &bad):
				j.malformed = err
				continue
			case err != nil:
				j.buildErr = err
			}
			if j.buildErr != nil {
				break
			}
			j.msgs, j.first = msgs, len(batch)
			batch = append(batch, msgs...)
		}
	}
	return batch
}

// settle walks box b's records in stream order after the batch was published (err is the
// publish's error) and stops at the first record that failed: it and the box's later records
// stay queued and are reported as batch item failures, so a retry re-publishes them in order.
// Confirms are awaited once per batch, not per message: a later message of the box may have
// been confirmed after an earlier one failed, and is published again by the retry (same
// message_id). It returns how many messages were published or dropped as unroutable.
func (h *handler) settle(ctx context.Context, b *box, batch []bus.Message, err error) int {
	published := 0
	for len(b.jobs) > 0 {
		j := b.jobs[0]
		switch {
		case j.buildErr != nil:
			h.fail(b, j.buildErr)
			return published
		case j.malformed != nil:
			// Retrying cannot repair a malformed row, and blocking the box on it would stop
			// everything after it: keep it in the failure store and go on. It is set aside
			// only once every earlier record of the box went through, so a retry of those
			// does not store it twice.
			if serr := h.setAside(ctx, b, j, j.malformed); serr != nil {
				h.fail(b, serr)
				return published
			}
		}
		for k := range j.msgs {
			merr := bus.MessageError(err, j.first+k)
			switch {
			case errors.Is(merr, bus.ErrReturned):
				// No queue is bound for this routing key: no consumer wants it. Retrying would
				// hold back every later record of the box (sessions too) for a binding that may
				// never come, so the message is logged as dropped and the box goes on.
				m := batch[j.first+k]
				msg, level := UnroutableLog, slog.LevelError
				if m.RoutingKey == bus.KeySecurityEvents {
					// A routing key added with the security extension: a deployment whose
					// consumers do not bind it drops these without the unroutable alarm.
					msg, level = UnboundSecurityEventLog, slog.LevelInfo
				}
				h.log.Log(ctx, level, msg,
					"exchange", m.Exchange, "routingKey", m.RoutingKey, "messageId", m.MessageID, "chargeBoxId", b.id)
			case merr != nil:
				h.fail(b, merr)
				return published
			}
			published++
		}
		b.jobs = b.jobs[1:]
	}
	return published
}

// batchFailures reports, in batch order, every record still queued on a box that failed: the
// record that failed and the box's later ones, so a retry re-publishes them in order.
func batchFailures(records []events.DynamoDBEventRecord, boxes []*box) events.DynamoDBEventResponse {
	var resp events.DynamoDBEventResponse
	failed := make([]bool, len(records))
	for _, b := range boxes {
		if b.failed == nil {
			continue
		}
		for _, j := range b.jobs {
			failed[j.index] = true
		}
	}
	for i, f := range failed {
		if f {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: records[i].Change.SequenceNumber})
		}
	}
	return resp
}

func (h *handler) fail(b *box, err error) {
	b.failed = err
	j := b.jobs[0]
	h.log.Warn("publishing failed: record and the box's later records will be retried",
		"chargeBoxId", b.id, "sequenceNumber", j.rec.Change.SequenceNumber, "eventName", j.rec.EventName,
		"records", len(b.jobs), "error", err)
}

// setAside writes a record that can never be published to the failure store, whole, in the
// envelope of the event source mapping's own failure objects. An error (the store could not be
// written) is transient: the record is retried.
func (h *handler) setAside(ctx context.Context, b *box, j *job, cause error) error {
	at := h.now()
	key := failures.PermanentKey(j.rec, at)
	if h.failures != nil {
		body, err := failures.Failure{
			Event:       events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{j.rec}},
			Condition:   failures.PermanentFailure,
			RequestID:   j.rec.EventID,
			Invocations: 1,
			At:          at,
		}.Encode()
		if err == nil {
			err = h.failures.Put(ctx, key, body)
		}
		if err != nil {
			return fmt.Errorf("record %s cannot be published (%v) and the failure store failed: %w", j.rec.EventID, cause, err)
		}
	} else {
		key = "" // no failure store configured: the log line is all there is
	}
	h.log.Error(PermanentFailureLog, "chargeBoxId", b.id, "eventId", j.rec.EventID,
		"sequenceNumber", j.rec.Change.SequenceNumber, "failureKey", key, "error", cause)
	return nil
}

// malformedError marks a record whose content can never be published.
type malformedError struct{ err error }

func (e *malformedError) Error() string { return e.err.Error() }
func (e *malformedError) Unwrap() error { return e.err }

func malformed(format string, args ...any) error {
	return &malformedError{err: fmt.Errorf(format, args...)}
}

// boxOf tells which charge box a record belongs to, and whether it is a record of a table
// this handler publishes. Tables are told apart by their keys, which is independent of the
// table prefix: the frame log is keyed by chargeBoxId and seq, sessions by transactionId.
func (h *handler) boxOf(rec events.DynamoDBEventRecord) (string, bool) {
	keys := rec.Change.Keys
	if _, ok := keys["seq"]; ok {
		return stringAttr(keys, "chargeBoxId"), true
	}
	if _, ok := keys["transactionId"]; ok {
		if id := stringAttr(rec.Change.NewImage, "chargeBoxId"); id != "" {
			return "session:" + id, true
		}
		return "session:?", true
	}
	return "", false
}

// build returns the messages of one record: none for a record that publishes nothing.
func (h *handler) build(ctx context.Context, rec events.DynamoDBEventRecord) ([]bus.Message, error) {
	fallback := rec.Change.ApproximateCreationDateTime.Time
	if fallback.IsZero() {
		fallback = time.Now()
	}
	if _, ok := rec.Change.Keys["seq"]; ok {
		// Frame-log rows never change; a REMOVE is their TTL expiry.
		if rec.EventName != "INSERT" {
			return nil, nil
		}
		var row messageRow
		if err := decodeImage(rec.Change.NewImage, &row); err != nil {
			return nil, malformed("%w", err)
		}
		msgs, err := frameMessages(row, fallback)
		if err != nil {
			return nil, malformed("frame-log row %s/%s: %w", row.ChargeBoxID, row.Seq, err)
		}
		return append(msgs, securityEventMessages(row)...), nil
	}
	return h.buildSession(ctx, rec, fallback)
}

// buildSession returns the session's message when this record is its transition to finished.
func (h *handler) buildSession(ctx context.Context, rec events.DynamoDBEventRecord, fallback time.Time) ([]bus.Message, error) {
	if rec.EventName == "REMOVE" || stringAttr(rec.Change.NewImage, "status") != store.SessionFinished ||
		stringAttr(rec.Change.OldImage, "status") == store.SessionFinished {
		return nil, nil
	}
	var row sessionRow
	if err := decodeImage(rec.Change.NewImage, &row); err != nil {
		return nil, malformed("session: %w", err)
	}
	var readings []store.Reading
	if h.readings != nil {
		var err error
		if readings, err = h.readings.ListReadings(ctx, int(row.TransactionID)); err != nil {
			return nil, fmt.Errorf("meter values of transaction %d: %w", row.TransactionID, err)
		}
	}
	m, err := sessionMessage(row, readings, fallback)
	if err != nil {
		return nil, malformed("%w", err)
	}
	return []bus.Message{m}, nil
}

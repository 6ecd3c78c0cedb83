// Package bus adapts the central system to its message broker: RabbitMQ (Amazon MQ for RabbitMQ
// on AWS). It publishes persistent JSON messages with publisher confirms and reports a message
// as published only after the broker acknowledged it. docs/messages.md describes the messages.
package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Exchanges and routing keys. The names are those the consumers of the original system bind to.
const (
	// ExchangeOCPP carries raw OCPP frames (both directions) and connection events.
	ExchangeOCPP = "ocpp"
	// ExchangeSessions carries one message per finished charging session.
	ExchangeSessions = "sessions"

	// KeyFrames routes one message per OCPP-J frame on ExchangeOCPP.
	KeyFrames = "ocpp.msgs"
	// KeyConnectionEvents routes connect and disconnect events on ExchangeOCPP.
	KeyConnectionEvents = "ocpp.connection-events"
	// KeySecurityEvents routes the security events charge boxes report (the security
	// extension's SecurityEventNotification) on ExchangeOCPP.
	KeySecurityEvents = "ocpp.security-events"
	// KeySessions routes finished sessions on ExchangeSessions.
	KeySessions = "sessions.raw"

	// AppID is the AMQP app-id property of every message.
	AppID = "ocpp-csms"
	// ContentType is the AMQP content-type property of every message.
	ContentType = "application/json"
)

// Exchanges lists the exchanges the publisher declares (durable, direct) on every connection.
var Exchanges = []string{ExchangeOCPP, ExchangeSessions}

// RoutingKeys lists, per exchange, the routing keys the publisher publishes with.
var RoutingKeys = map[string][]string{
	ExchangeOCPP:     {KeyFrames, KeyConnectionEvents, KeySecurityEvents},
	ExchangeSessions: {KeySessions},
}

// Queue is a durable queue the publisher declares and binds on every connection before it
// publishes (CONSUMER_QUEUES), so messages wait there for consumers that have not started yet.
type Queue struct {
	Name, Exchange, RoutingKey string
}

// Queue types (the x-queue-type argument).
const (
	// QueueQuorum is replicated and durable: RabbitMQ 4.x's default, and what Amazon MQ
	// guarantees durable on 4.x (classic queues there are not).
	QueueQuorum = "quorum"
	// QueueClassic is the single-node classic queue.
	QueueClassic = "classic"
)

// Message is one message to publish. Body is the JSON document; every message is persistent,
// application/json and carries AppID.
type Message struct {
	Exchange   string
	RoutingKey string
	// MessageID is deterministic, so a consumer can drop a message it has already seen when a
	// retry publishes it again.
	MessageID string
	// Timestamp is when the fact happened (AMQP carries it in whole seconds).
	Timestamp time.Time
	Body      []byte
}

// Errors a publish can fail with; errors.Is finds them inside the returned error.
var (
	// ErrNacked: the broker refused responsibility for the message (basic.nack).
	ErrNacked = errors.New("broker nacked the message")
	// ErrReturned: the broker could not route the message to any queue (basic.return of a
	// mandatory message), so no consumer would ever have seen it.
	ErrReturned = errors.New("broker returned the message as unroutable")
	// ErrBlocked: the broker blocked the connection (connection.blocked, a resource alarm).
	ErrBlocked = errors.New("broker blocked the connection")
	// ErrConnectionLost: the connection or channel closed before the broker confirmed.
	ErrConnectionLost = errors.New("connection to the broker closed before the confirm")
)

// BatchError reports which messages of one Publish call were not confirmed. Errs has one entry
// per message, nil for a message the broker acknowledged.
type BatchError struct {
	Errs []error
}

// Error summarises the failures.
func (e *BatchError) Error() string {
	failed, first := 0, error(nil)
	for _, err := range e.Errs {
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	}
	return fmt.Sprintf("%d of %d messages not confirmed: %v", failed, len(e.Errs), first)
}

// Unwrap exposes the individual failures to errors.Is and errors.As.
func (e *BatchError) Unwrap() []error {
	var out []error
	for _, err := range e.Errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// MessageError returns the error of message i of a Publish call that returned err: nil when that
// message was confirmed. An error that is not a *BatchError concerns every message.
func MessageError(err error, i int) error {
	var be *BatchError
	if errors.As(err, &be) {
		if i < 0 || i >= len(be.Errs) {
			return fmt.Errorf("message %d: no such message in the batch", i)
		}
		return be.Errs[i]
	}
	return err
}

// Publisher is what Open returns: the AMQP publisher, or the Printer when no broker is
// configured.
type Publisher interface {
	// Publish publishes msgs in order and returns nil only when every one is confirmed;
	// otherwise a *BatchError tells which were not (or an error that concerns them all).
	Publish(ctx context.Context, msgs ...Message) error
	// Close releases the connection, if any.
	Close() error
}

// Settings say where the broker is. On AWS, Endpoint and SecretARN name the Amazon MQ broker
// and the Secrets Manager secret holding its credentials; elsewhere URL holds the whole AMQP
// URL. With neither, messages are printed instead of published.
type Settings struct {
	// URL is a complete AMQP URL with credentials (AMQP_URL).
	URL string
	// Endpoint is the broker's AMQP endpoint without credentials, e.g.
	// amqps://b-1234.mq.eu-west-1.amazonaws.com:5671 (AMQP_ENDPOINT).
	Endpoint string
	// SecretARN names a secret whose value is {"username": ..., "password": ...}
	// (AMQP_SECRET_ARN).
	SecretARN string
	// Queues are declared and bound on every connection (CONSUMER_QUEUES), with QueueType
	// (CONSUMER_QUEUE_TYPE; default QueueQuorum).
	Queues    []Queue
	QueueType string
}

// Validate reports settings that cannot work.
func (s Settings) Validate() error {
	switch {
	case s.URL != "" && (s.Endpoint != "" || s.SecretARN != ""):
		return errors.New("AMQP_URL and AMQP_ENDPOINT/AMQP_SECRET_ARN are exclusive: set one")
	case (s.Endpoint == "") != (s.SecretARN == ""):
		return errors.New("AMQP_ENDPOINT and AMQP_SECRET_ARN go together: set both")
	}
	return CheckQueues(s.Queues, s.QueueType)
}

// CheckQueues reports queues bound to an exchange or with a routing key the publisher never
// uses (the exchanges are direct: such a queue would stay empty), and an unknown queue type.
func CheckQueues(queues []Queue, queueType string) error {
	var errs []error
	if queueType != "" && queueType != QueueQuorum && queueType != QueueClassic {
		errs = append(errs, fmt.Errorf("queue type %q: want %s or %s", queueType, QueueQuorum, QueueClassic))
	}
	for _, q := range queues {
		keys, ok := RoutingKeys[q.Exchange]
		if !ok {
			errs = append(errs, fmt.Errorf("queue %s: exchange %q: want %s or %s", q.Name, q.Exchange, ExchangeOCPP, ExchangeSessions))
			continue
		}
		if !slices.Contains(keys, q.RoutingKey) {
			errs = append(errs, fmt.Errorf("queue %s: exchange %s publishes only with routing keys %s, not %q", q.Name, q.Exchange, strings.Join(keys, ", "), q.RoutingKey))
		}
	}
	return errors.Join(errs...)
}

// Printing reports whether the settings name no broker, so messages are printed.
func (s Settings) Printing() bool { return s.URL == "" && s.Endpoint == "" }

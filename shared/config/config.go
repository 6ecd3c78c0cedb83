// Package config reads the central system's settings from the environment. The same variables
// configure the Lambda functions on AWS and the local stack; docs/configuration.md lists them.
package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config holds every setting. Zero values are never used: Load fills defaults.
type Config struct {
	// TablePrefix is put in front of every logical table name (tables.Table.FullName).
	TablePrefix string
	// DynamoDBEndpoint, when set, points the DynamoDB client at a local endpoint and makes it
	// use static dummy credentials (DynamoDB Local, LocalStack). Empty on AWS.
	DynamoDBEndpoint string
	// ManagementEndpoint is the API Gateway Management API endpoint
	// (https://{api-id}.execute-api.{region}.amazonaws.com/{stage}), never the CloudFront domain.
	ManagementEndpoint string
	// Region is the AWS region; us-east-1 when nothing says otherwise.
	Region string

	// HeartbeatInterval is the interval returned in BootNotification.conf.
	HeartbeatInterval time.Duration
	// AutoRegister lets unknown charge boxes connect and registers them as Accepted.
	AutoRegister bool
	// AcceptUnknownTags answers Accepted for id tags that are not in the id-tag table.
	AcceptUnknownTags bool
	// KnownVendorIDs are the DataTransfer vendorIds answered Accepted; others get UnknownVendorId.
	KnownVendorIDs []string
	// DefaultTenantID is the tenant of charge boxes registered without one.
	DefaultTenantID string
	// MessageRetention is how long frame-log rows are kept (DynamoDB TTL).
	MessageRetention time.Duration
	// ConnectionTTL bounds the life of a connection row whose $disconnect never arrived;
	// API Gateway closes every connection after 2 hours.
	ConnectionTTL time.Duration
	// CommandWait is the default time an API caller waits for a charge box's answer.
	CommandWait time.Duration
	// CommandWaitMax bounds the wait a caller may ask for (API Gateway's 29 s integration limit).
	CommandWaitMax time.Duration
	// CommandTTL is how long remote-command outcomes stay queryable.
	CommandTTL time.Duration
	// ClockSkew is how far ahead of the receipt time a charge box's timestamp may be before
	// it is flagged (timestampAhead); box timestamps never order what is stored.
	ClockSkew time.Duration

	// AMQPURL is the RabbitMQ URL of the publisher; empty locally means "print, do not publish".
	AMQPURL string
	// AMQPEndpoint and AMQPSecretARN name the broker on AWS instead: its AMQPS endpoint and the
	// Secrets Manager secret holding its user (exclusive with AMQPURL; bus.Settings).
	AMQPEndpoint  string
	AMQPSecretARN string
	// ConsumerQueues are durable queues the publisher declares and binds on every connection,
	// before it publishes, so messages reach them before the first consumer starts
	// (CONSUMER_QUEUES: queue:exchange:routing-key, comma-separated). ConsumerQueueType is
	// their x-queue-type (CONSUMER_QUEUE_TYPE): quorum (default) or classic.
	ConsumerQueues    []QueueBinding
	ConsumerQueueType string
	// FailureBucket (on AWS) or FailureDir (locally) is the publisher's failure store
	// (shared/failures): where it writes the records it can never publish. Neither: logged only.
	FailureBucket string
	FailureDir    string
	// APIToken is the operator bearer token of the local stack's HTTP API.
	APIToken string
	// Security: certificates, key rotation, security profile 3 (security.go).
	Security Security
}

// QueueBinding is a durable queue bound to an exchange with a routing key.
type QueueBinding struct {
	Queue, Exchange, RoutingKey string
}

// Queue types CONSUMER_QUEUE_TYPE accepts. Quorum queues are replicated and durable, the
// default type of RabbitMQ 4.x, and the only kind Amazon MQ guarantees durable on 4.x.
const (
	QueueTypeQuorum  = "quorum"
	QueueTypeClassic = "classic"
)

// Load reads the environment. A malformed value or a setting the functions cannot run with is
// an error naming the variable.
func Load() (Config, error) { return Read(os.Getenv) }

// Read reads the settings from get (os.Getenv, or a function's environment as infra/ defines it)
// and validates them.
func Read(get func(string) string) (Config, error) {
	r := Reader{Get: get}
	c := Config{
		TablePrefix:        r.String("TABLE_PREFIX", "ocpp-"),
		DynamoDBEndpoint:   r.String("DYNAMODB_ENDPOINT", ""),
		ManagementEndpoint: r.String("MANAGEMENT_ENDPOINT", ""),
		Region:             firstNonEmpty(get("AWS_REGION"), get("AWS_DEFAULT_REGION"), "us-east-1"),
		HeartbeatInterval:  r.Duration("HEARTBEAT_INTERVAL", 300*time.Second),
		AutoRegister:       r.Bool("AUTO_REGISTER", false),
		AcceptUnknownTags:  r.Bool("ACCEPT_UNKNOWN_TAGS", false),
		KnownVendorIDs:     r.List("KNOWN_VENDOR_IDS"),
		DefaultTenantID:    r.String("DEFAULT_TENANT_ID", "default"),
		MessageRetention:   r.Duration("MESSAGE_RETENTION", 30*24*time.Hour),
		ConnectionTTL:      r.Duration("CONNECTION_TTL", 3*time.Hour),
		CommandWait:        r.Duration("COMMAND_WAIT", 10*time.Second),
		CommandWaitMax:     r.Duration("COMMAND_WAIT_MAX", 25*time.Second),
		CommandTTL:         r.Duration("COMMAND_TTL", 7*24*time.Hour),
		ClockSkew:          r.Duration("CLOCK_SKEW", 5*time.Minute),
		AMQPURL:            r.String("AMQP_URL", ""),
		AMQPEndpoint:       r.String("AMQP_ENDPOINT", ""),
		AMQPSecretARN:      r.String("AMQP_SECRET_ARN", ""),
		ConsumerQueues:     r.QueueBindings("CONSUMER_QUEUES"),
		ConsumerQueueType:  r.String("CONSUMER_QUEUE_TYPE", QueueTypeQuorum),
		FailureBucket:      r.String("FAILURE_BUCKET", ""),
		FailureDir:         r.String("FAILURE_DIR", ""),
		APIToken:           r.String("API_TOKEN", ""),
		Security:           readSecurity(&r),
	}
	if err := r.Err(); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// MaxCommandWait bounds CommandWaitMax: API Gateway's integration timeout is 29 s.
const MaxCommandWait = 25 * time.Second

// Validate reports settings the functions cannot run with, naming each by what it means and by
// its variable. infra/ checks a stage's settings with it before synthesizing anything.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.HeartbeatInterval < time.Second {
		bad("heartbeat interval %s (HEARTBEAT_INTERVAL): at least 1s", c.HeartbeatInterval)
	}
	if c.CommandWaitMax > MaxCommandWait {
		bad("command wait max %s (COMMAND_WAIT_MAX): at most %s (API Gateway integration timeout is 29s)", c.CommandWaitMax, MaxCommandWait)
	}
	if c.CommandWait > c.CommandWaitMax {
		bad("command wait %s (COMMAND_WAIT): must not exceed command wait max %s", c.CommandWait, c.CommandWaitMax)
	}
	for _, d := range []struct {
		name, variable string
		value          time.Duration
	}{
		{"message retention", "MESSAGE_RETENTION", c.MessageRetention},
		{"connection TTL", "CONNECTION_TTL", c.ConnectionTTL},
		{"command TTL", "COMMAND_TTL", c.CommandTTL},
	} {
		if d.value < time.Second {
			bad("%s %s (%s): at least 1s", d.name, d.value, d.variable)
		}
	}
	if c.ConsumerQueueType != QueueTypeQuorum && c.ConsumerQueueType != QueueTypeClassic {
		bad("consumer queue type %q (CONSUMER_QUEUE_TYPE): want %s or %s", c.ConsumerQueueType, QueueTypeQuorum, QueueTypeClassic)
	}
	errs = append(errs, c.Security.validate()...)
	return errors.Join(errs...)
}

// AWS builds the SDK configuration: the region, and the credentials Lambda puts in the
// environment of every function (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// the execution role's). With a local DynamoDB endpoint it uses static dummy credentials so
// nothing ever reaches AWS from a test or the local stack. It deliberately does not use the SDK's
// config.LoadDefaultConfig: the shared-file, SSO, STS and IMDS credential sources it links
// weigh about 0.6 MB in every function's zip and add their package initialisation to every
// cold start, and a Lambda function needs none of them (docs/performance.md).
func (c Config) AWS(ctx context.Context) (aws.Config, error) {
	creds := credentials.NewStaticCredentialsProvider(
		firstNonEmpty(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_ACCESS_KEY")),
		firstNonEmpty(os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SECRET_KEY")),
		os.Getenv("AWS_SESSION_TOKEN"))
	if c.DynamoDBEndpoint != "" {
		creds = credentials.NewStaticCredentialsProvider("local", "local", "")
	}
	return aws.Config{Region: c.Region, Credentials: creds}, nil
}

// LogLevel parses LOG_LEVEL: debug, info, warn or error (any case, with an optional offset
// such as info+2); empty is info.
func LogLevel(v string) (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(firstNonEmpty(strings.TrimSpace(v), "info"))); err != nil {
		return slog.LevelInfo, fmt.Errorf("log level %q: want debug, info, warn or error", v)
	}
	return level, nil
}

// Reader reads named settings with the parsers every setting of the system uses, the functions'
// environment here and the CDK context in infra/. An empty or unset value gives the default; a
// malformed one gives the default and an error kept for Err.
type Reader struct {
	// Get returns a setting's raw value, "" when unset.
	Get  func(name string) string
	errs []error
}

// Err reports every malformed value read so far, each with its name and what was wanted.
func (r *Reader) Err() error { return errors.Join(r.errs...) }

func (r *Reader) value(name string) string { return strings.TrimSpace(r.Get(name)) }

func (r *Reader) fail(name, value, want string) {
	r.errs = append(r.errs, fmt.Errorf("%s=%q: want %s", name, value, want))
}

// String reads a text value.
func (r *Reader) String(name, def string) string {
	if v := r.value(name); v != "" {
		return v
	}
	return def
}

// Bool reads true or false (strconv.ParseBool: also 1, 0, t, f).
func (r *Reader) Bool(name string, def bool) bool {
	v := r.value(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, v, "true or false")
		return def
	}
	return b
}

// Duration reads a non-negative number of seconds ("300") or a Go duration ("5m", "720h").
func (r *Reader) Duration(name string, def time.Duration) time.Duration {
	v := r.value(name)
	if v == "" {
		return def
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		r.fail(name, v, "seconds or a duration such as 5m")
		return def
	}
	return d
}

// Int reads an integer.
func (r *Reader) Int(name string, def int) int {
	v := r.value(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fail(name, v, "an integer")
		return def
	}
	return n
}

// Float reads a number.
func (r *Reader) Float(name string, def float64) float64 {
	v := r.value(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		r.fail(name, v, "a number")
		return def
	}
	return n
}

// List reads a comma-separated list, dropping blanks.
func (r *Reader) List(name string) []string {
	var out []string
	for _, p := range strings.Split(r.Get(name), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// QueueBindings reads a comma-separated list of queue:exchange:routing-key, dropping blanks.
// Every part must be non-empty; a queue listed twice gets both bindings.
func (r *Reader) QueueBindings(name string) []QueueBinding {
	var out []QueueBinding
	for _, item := range r.List(name) {
		parts := strings.Split(item, ":")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			r.fail(name, item, "queue:exchange:routing-key")
			continue
		}
		out = append(out, QueueBinding{Queue: parts[0], Exchange: parts[1], RoutingKey: parts[2]})
	}
	return out
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

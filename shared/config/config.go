// Package config reads the central system's settings from the environment. The same variables
// configure the Lambda functions on AWS and the local stack; docs/configuration.md lists them.
package config

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
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
	// APIToken is the operator bearer token of the local stack's HTTP API.
	APIToken string
}

// Load reads the environment. A malformed value is an error naming the variable.
func Load() (Config, error) {
	l := loader{get: os.Getenv}
	c := Config{
		TablePrefix:        l.str("TABLE_PREFIX", "ocpp-"),
		DynamoDBEndpoint:   l.str("DYNAMODB_ENDPOINT", ""),
		ManagementEndpoint: l.str("MANAGEMENT_ENDPOINT", ""),
		Region:             firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), "us-east-1"),
		HeartbeatInterval:  l.seconds("HEARTBEAT_INTERVAL", 300*time.Second),
		AutoRegister:       l.boolean("AUTO_REGISTER", false),
		AcceptUnknownTags:  l.boolean("ACCEPT_UNKNOWN_TAGS", false),
		KnownVendorIDs:     l.list("KNOWN_VENDOR_IDS"),
		DefaultTenantID:    l.str("DEFAULT_TENANT_ID", "default"),
		MessageRetention:   l.duration("MESSAGE_RETENTION", 30*24*time.Hour),
		ConnectionTTL:      l.duration("CONNECTION_TTL", 3*time.Hour),
		CommandWait:        l.seconds("COMMAND_WAIT", 10*time.Second),
		CommandWaitMax:     l.seconds("COMMAND_WAIT_MAX", 25*time.Second),
		CommandTTL:         l.duration("COMMAND_TTL", 7*24*time.Hour),
		ClockSkew:          l.seconds("CLOCK_SKEW", 5*time.Minute),
		AMQPURL:            l.str("AMQP_URL", ""),
		APIToken:           l.str("API_TOKEN", ""),
	}
	if l.err != nil {
		return Config{}, l.err
	}
	if c.HeartbeatInterval < time.Second {
		return Config{}, fmt.Errorf("HEARTBEAT_INTERVAL: must be at least 1 second")
	}
	if c.CommandWaitMax > 25*time.Second {
		return Config{}, fmt.Errorf("COMMAND_WAIT_MAX: at most 25 seconds (API Gateway integration timeout is 29 s)")
	}
	if c.CommandWait > c.CommandWaitMax {
		return Config{}, fmt.Errorf("COMMAND_WAIT: must not exceed COMMAND_WAIT_MAX (%s)", c.CommandWaitMax)
	}
	return c, nil
}

// AWS builds the SDK configuration. With a local DynamoDB endpoint it uses static dummy
// credentials so nothing ever reaches AWS from a test or the local stack.
func (c Config) AWS(ctx context.Context) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(c.Region)}
	if c.DynamoDBEndpoint != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}

// Logger returns the process logger: JSON on stdout (CloudWatch reads it in Lambda), level from
// LOG_LEVEL (debug, info, warn, error; default info).
func Logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(firstNonEmpty(os.Getenv("LOG_LEVEL"), "info"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
}

type loader struct {
	get func(string) string
	err error
}

func (l *loader) fail(name, value, want string) {
	if l.err == nil {
		l.err = fmt.Errorf("%s=%q: want %s", name, value, want)
	}
}

func (l *loader) str(name, def string) string {
	if v := strings.TrimSpace(l.get(name)); v != "" {
		return v
	}
	return def
}

func (l *loader) boolean(name string, def bool) bool {
	v := strings.TrimSpace(l.get(name))
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.fail(name, v, "true or false")
		return def
	}
	return b
}

// seconds accepts a plain number of seconds ("300") or a Go duration ("5m").
func (l *loader) seconds(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(l.get(name))
	if v == "" {
		return def
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		l.fail(name, v, "seconds or a duration such as 5m")
		return def
	}
	return d
}

// duration accepts a Go duration ("720h") or a number of seconds.
func (l *loader) duration(name string, def time.Duration) time.Duration { return l.seconds(name, def) }

func (l *loader) list(name string) []string {
	var out []string
	for _, p := range strings.Split(l.get(name), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
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

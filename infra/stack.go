package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/config"
)

// Broker deployment modes Amazon MQ for RabbitMQ offers.
const (
	SingleInstance = "SINGLE_INSTANCE"
	ClusterMultiAZ = "CLUSTER_MULTI_AZ"
)

// CentralSystemStackProps configures one stage of the central system. The zero value of every
// field but StackProps means "use the default" (see withDefaults), so callers set only what differs.
type CentralSystemStackProps struct {
	awscdk.StackProps

	// Stage names the deployment (dev, prod...). It is the API Gateway stage name, part of every
	// resource name and of the default table prefix. Default "dev".
	Stage string
	// AssetDir holds one directory per function with its bootstrap binary (build/<fn>/bootstrap).
	// Default "build".
	AssetDir string
	// TablePrefix is put in front of every table name. Default "ocpp-<stage>-".
	TablePrefix string

	// HeartbeatInterval is the interval BootNotification.conf gives charge boxes. Default 300 s.
	HeartbeatInterval time.Duration
	// CommandWait is how long an API caller waits for a charge box's answer by default (10 s);
	// CommandWaitMax bounds what a caller may ask for (25 s, below API Gateway's 29 s limit).
	CommandWait    time.Duration
	CommandWaitMax time.Duration
	// MessageRetention is the frame log TTL. Default 720 h (30 days).
	MessageRetention time.Duration
	// ConnectionTTL bounds a connection row whose $disconnect never arrived. Default 3 h.
	ConnectionTTL time.Duration
	// CommandTTL is how long remote-command outcomes stay queryable. Default 168 h.
	CommandTTL time.Duration
	// ClockSkew is how far ahead of receipt a box timestamp may be before it is flagged.
	// Default 5 min.
	ClockSkew time.Duration
	// AutoRegister lets unknown charge boxes connect (and registers them). Default false.
	AutoRegister bool
	// AcceptUnknownTags answers Accepted for id tags not in the id-tag table. Default false.
	AcceptUnknownTags bool
	// KnownVendorIDs are the DataTransfer vendorIds answered Accepted.
	KnownVendorIDs []string
	// DefaultTenantID is the tenant of charge boxes registered without one. Default "default".
	DefaultTenantID string
	// LogLevel is the functions' slog level (debug, info, warn, error). Default "info".
	LogLevel string
	// LogRetention is how long function logs are kept. Default one month.
	LogRetention awslogs.RetentionDays

	// RemovalPolicy applies to tables, log groups and the broker secret. Default RETAIN, which
	// also turns on table deletion protection; DESTROY (dev stages) turns both off.
	RemovalPolicy awscdk.RemovalPolicy

	// WebSocketThrottle bounds the charge boxes' messages (every route: $connect, $default,
	// $disconnect) per second on the stage. Default 1,000 per second, bursts of 2,000: about
	// 50 times the steady traffic of 10,000 boxes, so only a flood (a misbehaving box or
	// firmware, a reconnect storm) is refused with 429 instead of scaling Lambda and DynamoDB.
	WebSocketThrottle ThrottleProps
	// HTTPThrottle bounds operator API requests per second. Default 100, bursts of 200.
	HTTPThrottle ThrottleProps
	// WebSocketAccessLogs writes an access log line per charge-box message and connection
	// event. On by default. API Gateway refuses access logs on a WebSocket stage unless the
	// account's API Gateway settings name a CloudWatch Logs role ("CloudWatch Logs role ARN must
	// be set in account settings to enable logging"); see APIGatewayAccountRole. The HTTP API's
	// access log needs no such role and is always on.
	WebSocketAccessLogs *bool
	// APIGatewayAccountRole makes the stack set the account's (per region) API Gateway
	// CloudWatch Logs role, which WebSocket access logs need. Default true; set false when the
	// account already has one (docs/deploy.md).
	APIGatewayAccountRole *bool
	// AccessLogRetention is how long the access logs are kept. Default LogRetention.
	AccessLogRetention awslogs.RetentionDays

	// Broker sizes the Amazon MQ for RabbitMQ broker.
	Broker BrokerProps
	// Publisher tunes the DynamoDB Streams event source mappings of the publisher.
	Publisher PublisherProps

	// DomainName and CertificateArn put the charge-box endpoint on a custom domain. The
	// certificate must be in us-east-1 (CloudFront); the DNS record is created by the operator.
	// Both or neither.
	DomainName     string
	CertificateArn string

	// AlarmEmail, when set, subscribes this address to the alarm topic.
	AlarmEmail string

	// Console serves the operator console from the distribution's /console/ path, with Cognito
	// sign-in (console.go, docs/console-aws.md). Default true.
	Console *bool
	// ConsoleDir holds the console build (index.html ...). Default "shared/console/dist".
	ConsoleDir string
	// Security configures certificates, key rotation and security profile 3 (security.go).
	Security SecurityProps
}

// ThrottleProps is a stage's default route throttle: Rate requests per second in steady state,
// Burst at once. API Gateway's account-level limits (10,000 per second by default) still apply.
type ThrottleProps struct {
	Rate  float64
	Burst int
}

// BrokerProps sizes the broker and says who reaches it.
type BrokerProps struct {
	// InstanceType is the broker host instance type. Default "mq.m7g.medium"; brokerInstanceTypes
	// lists what Amazon MQ accepts per engine version.
	InstanceType string
	// DeploymentMode is SingleInstance (default) or ClusterMultiAZ (three nodes).
	DeploymentMode string
	// EngineVersion is the RabbitMQ version Amazon MQ runs: "4.2" (default) or "3.13".
	EngineVersion string

	// IngressCIDRs and IngressSecurityGroups may reach the private broker on AMQPS (5671) and
	// the management console (443), besides the stack's consumer security group: consumers in
	// a peered VPC or behind a VPN.
	IngressCIDRs          []string
	IngressSecurityGroups []string
	// PubliclyAccessible makes Amazon MQ give the broker a public endpoint (TLS only, no VPC,
	// no security group) for consumers outside AWS; the publisher then runs outside any VPC.
	PubliclyAccessible bool

	// External publishes to an existing RabbitMQ instead of creating Amazon MQ.
	External ExternalBrokerProps
}

// ExternalBrokerProps names a RabbitMQ the stack does not create. Set URL to use it.
type ExternalBrokerProps struct {
	// URL is amqps://host:port[/vhost], without credentials.
	URL string
	// SecretArn is a Secrets Manager secret holding {"username": ..., "password": ...}.
	SecretArn string
	// VpcID, SubnetIDs and SecurityGroupID place the publisher where a broker reachable only
	// inside a VPC is; the security group is the one the broker admits. Leave all empty for a
	// public TLS endpoint: the publisher then runs outside any VPC.
	VpcID           string
	SubnetIDs       []string
	SecurityGroupID string
}

// PublisherProps tunes the publisher's event source mappings.
type PublisherProps struct {
	// BatchSize is the largest batch of stream records per invocation. Default 100.
	BatchSize int
	// RetryAttempts bounds retries of a failing batch before it goes to the failure store.
	// Default -1: retry until the record is too old (MaxRecordAge) or the stream trims it, so a
	// broker outage of up to 24 h loses nothing. Bisecting does not use up retries.
	RetryAttempts int
	// MaxRecordAge is the oldest record still retried. Default 0: no limit but the stream's
	// 24 h retention (MaximumRecordAgeInSeconds -1).
	MaxRecordAge time.Duration
	// FailureRetentionDays is how long the failure store keeps what the mappings gave up on.
	// Default 90.
	FailureRetentionDays int
	// ConsumerQueues are durable queues the publisher declares and binds before it publishes
	// (CONSUMER_QUEUES), so messages wait for consumers that have not started yet. Default none.
	ConsumerQueues []config.QueueBinding
	// ConsumerQueueType is their type: "quorum" (default; the only durable choice on RabbitMQ
	// 4.x) or "classic" (RabbitMQ 3.13 or an external broker).
	ConsumerQueueType string
}

// CentralSystemStack is the synthesized stage with the pieces tests and callers look at.
type CentralSystemStack struct {
	Stack awscdk.Stack
	// Props are the effective props (defaults filled in).
	Props      CentralSystemStackProps
	Tables     *Tables
	Functions  *Functions
	WebSocket  *WebSocket
	HTTPAPI    *HTTPAPI
	Broker     *Broker
	Edge       *Edge
	Monitoring *Monitoring
	// Console is nil when the console is off.
	Console  *Console
	Security *Security
}

// logRetentions are the retention periods CloudWatch Logs accepts.
var logRetentions = map[awslogs.RetentionDays]bool{
	awslogs.RetentionDays_ONE_DAY: true, awslogs.RetentionDays_THREE_DAYS: true, awslogs.RetentionDays_FIVE_DAYS: true,
	awslogs.RetentionDays_ONE_WEEK: true, awslogs.RetentionDays_TWO_WEEKS: true, awslogs.RetentionDays_ONE_MONTH: true,
	awslogs.RetentionDays_TWO_MONTHS: true, awslogs.RetentionDays_THREE_MONTHS: true, awslogs.RetentionDays_FOUR_MONTHS: true,
	awslogs.RetentionDays_FIVE_MONTHS: true, awslogs.RetentionDays_SIX_MONTHS: true, awslogs.RetentionDays_ONE_YEAR: true,
	awslogs.RetentionDays_THIRTEEN_MONTHS: true, awslogs.RetentionDays_EIGHTEEN_MONTHS: true, awslogs.RetentionDays_TWO_YEARS: true,
	awslogs.RetentionDays_THREE_YEARS: true, awslogs.RetentionDays_FIVE_YEARS: true, awslogs.RetentionDays_SIX_YEARS: true,
	awslogs.RetentionDays_SEVEN_YEARS: true, awslogs.RetentionDays_EIGHT_YEARS: true, awslogs.RetentionDays_NINE_YEARS: true,
	awslogs.RetentionDays_TEN_YEARS: true, awslogs.RetentionDays_INFINITE: true,
}

var stageName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// withDefaults fills every unset field.
func (p CentralSystemStackProps) withDefaults() CentralSystemStackProps {
	str := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	dur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	str(&p.Stage, "dev")
	str(&p.AssetDir, "build")
	str(&p.TablePrefix, "ocpp-"+p.Stage+"-")
	dur(&p.HeartbeatInterval, 300*time.Second)
	dur(&p.CommandWait, 10*time.Second)
	dur(&p.CommandWaitMax, 25*time.Second)
	dur(&p.MessageRetention, 30*24*time.Hour)
	dur(&p.ConnectionTTL, 3*time.Hour)
	dur(&p.CommandTTL, 7*24*time.Hour)
	dur(&p.ClockSkew, 5*time.Minute)
	str(&p.DefaultTenantID, "default")
	str(&p.LogLevel, "info")
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_MONTH
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	throttle := func(t *ThrottleProps, rate float64, burst int) {
		if t.Rate == 0 {
			t.Rate = rate
		}
		if t.Burst == 0 {
			t.Burst = burst
		}
	}
	throttle(&p.WebSocketThrottle, 1000, 2000)
	throttle(&p.HTTPThrottle, 100, 200)
	str(&p.Broker.InstanceType, DefaultBrokerInstanceType)
	str(&p.Broker.DeploymentMode, SingleInstance)
	str(&p.Broker.EngineVersion, DefaultBrokerEngineVersion)
	num := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	num(&p.Publisher.BatchSize, 100)
	num(&p.Publisher.RetryAttempts, -1)
	num(&p.Publisher.FailureRetentionDays, 90)
	str(&p.Publisher.ConsumerQueueType, config.QueueTypeQuorum)
	on := func(v **bool) {
		if *v == nil {
			*v = jsii.Bool(true)
		}
	}
	on(&p.WebSocketAccessLogs)
	on(&p.APIGatewayAccountRole)
	on(&p.Console)
	str(&p.ConsoleDir, "shared/console/dist")
	if p.AccessLogRetention == "" {
		p.AccessLogRetention = p.LogRetention
	}
	return p
}

// Validate reports props the deployment would reject or the functions' config.Load would refuse.
// It checks the effective props (defaults filled in).
func (p CentralSystemStackProps) Validate() error {
	p = p.withDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !stageName.MatchString(p.Stage) {
		bad("stage %q: want 1-32 letters, digits, - or _", p.Stage)
	}
	// The functions' settings are checked as the functions will read them.
	env := environment(p)
	if _, err := config.Read(func(name string) string { return env[name] }); err != nil {
		errs = append(errs, err)
	}
	if _, err := config.LogLevel(p.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if !logRetentions[p.LogRetention] {
		bad("log retention %q: want a RetentionDays name such as ONE_MONTH", p.LogRetention)
	}
	switch p.RemovalPolicy {
	case awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_DESTROY:
	default:
		bad("removal policy %q: want RETAIN or DESTROY", p.RemovalPolicy)
	}
	errs = append(errs, validateBroker(p.Broker)...)
	errs = append(errs, validateConsumerQueues(p)...)
	if b := p.Publisher.BatchSize; b < 1 || b > 10000 {
		bad("publisher batch size %d: want 1-10000", b)
	}
	if r := p.Publisher.RetryAttempts; r < -1 || r > 10000 {
		bad("publisher retry attempts %d: want -1 (until the record expires) to 10000", r)
	}
	if a := p.Publisher.MaxRecordAge; a != 0 && (a < time.Minute || a > 7*24*time.Hour) {
		bad("publisher max record age %s: want 0 (until the stream trims the record) or 1m-168h", a)
	}
	if d := p.Publisher.FailureRetentionDays; d < 1 {
		bad("publisher failure retention %d days: want at least 1", d)
	}
	if !logRetentions[p.AccessLogRetention] {
		bad("access log retention %q: want a RetentionDays name such as ONE_MONTH", p.AccessLogRetention)
	}
	for name, t := range map[string]ThrottleProps{"WebSocket": p.WebSocketThrottle, "HTTP API": p.HTTPThrottle} {
		// 5,000 is API Gateway's account-level burst: a stage cannot usefully exceed it.
		if t.Rate < 1 || t.Burst < 1 || t.Burst > 5000 {
			bad("%s throttle rate %g burst %d: want a rate of at least 1 per second and a burst of 1-5000", name, t.Rate, t.Burst)
		}
	}
	if (p.DomainName == "") != (p.CertificateArn == "") {
		bad("custom domain: set both DomainName and CertificateArn, or neither")
	}
	errs = append(errs, validateConsole(p)...)
	errs = append(errs, validateSecurity(p.Security)...)
	if p.CertificateArn != "" && !certificateArn.MatchString(p.CertificateArn) {
		bad("certificate %q: CloudFront takes an ACM certificate ARN in us-east-1 (arn:aws:acm:us-east-1:...)", p.CertificateArn)
	}
	return errors.Join(errs...)
}

// NewCentralSystemStack defines one stage of the central system. Invalid props panic, as CDK
// constructs do at synth time; call Validate first to get an error instead.
func NewCentralSystemStack(scope constructs.Construct, id string, props *CentralSystemStackProps) *CentralSystemStack {
	var p CentralSystemStackProps
	if props != nil {
		p = *props
	}
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("central system stack %s: %v", id, err))
	}
	p = p.withDefaults()
	sp := p.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("OCPP 1.6-J central system, stage " + p.Stage)
	}
	stack := awscdk.NewStack(scope, &id, &sp)
	awscdk.Tags_Of(stack).Add(jsii.String("project"), jsii.String("ocpp-csms"), nil)
	awscdk.Tags_Of(stack).Add(jsii.String("stage"), jsii.String(p.Stage), nil)

	s := &CentralSystemStack{Stack: stack, Props: p}
	s.Tables = newTables(stack, p)
	s.WebSocket = newWebSocketAPI(stack, p)
	s.Security = newSecurity(stack, p, s.WebSocket)
	s.Broker = newBroker(stack, p)
	s.Functions = newFunctions(stack, p, s.WebSocket, s.Broker)
	s.Functions.grant(stack, s.Tables, s.WebSocket, s.Broker)
	s.Security.grant(p, s.Functions)
	addPublisherSources(stack, p, s.Functions, s.Tables)
	s.WebSocket.route(s.Functions)
	s.HTTPAPI = newHTTPAPI(stack, p, s.Functions.ByName[FnAPI])
	addReconcileSchedule(stack, s.Functions.ByName[FnAPI])
	s.Edge = newEdge(stack, p, s.WebSocket)
	if *p.Console {
		s.Console = newConsole(stack, p, s.HTTPAPI, s.Edge)
	}
	s.Monitoring = newMonitoring(stack, p, s)
	newAnomalyMetric(stack, p, s)
	newSecurityEventMetric(stack, p, s)
	suppressNag(s)

	output := func(id, value, description string) {
		awscdk.NewCfnOutput(stack, &id, &awscdk.CfnOutputProps{Value: &value, Description: &description})
	}
	output("ChargeBoxUrl", "wss://"+s.Edge.DomainName+"/ocpp/", "Charge boxes connect to this URL followed by their chargeBoxId")
	output("HttpApiUrl", *s.HTTPAPI.API.ApiEndpoint(), "Operator API (IAM/SigV4 on every route but GET /health)")
	output("WebSocketApiEndpoint", *s.WebSocket.Stage.Url(), "execute-api WebSocket endpoint (behind CloudFront; charge boxes use ChargeBoxUrl)")
	output("ManagementEndpoint", s.WebSocket.ManagementEndpoint, "API Gateway Management API endpoint the functions post to")
	output("DistributionDomainName", *s.Edge.Distribution.DistributionDomainName(), "CloudFront domain; point the custom domain's DNS record here")
	output("BrokerAmqpEndpoint", s.Broker.AMQPEndpoint, "RabbitMQ AMQPS endpoint the publisher publishes to (docs/messages.md: connecting a consumer)")
	output("BrokerSecretArn", *s.Broker.Secret.SecretArn(), "Secrets Manager secret with the broker username and password")
	output("PublisherFailureBucket", *s.Functions.FailureStore.BucketName(), "S3 bucket receiving the stream batches the publisher gave up on, whole")
	output("PublisherFunctionName", *s.Functions.ByName[FnPublisher].FunctionName(), "Publisher Lambda: make replay STAGE=... invokes it with replay events")
	if b := s.Broker; b.VPC != nil {
		output("VpcId", *b.VPC.VpcId(), "VPC of the broker: run consumers here or in a peered VPC")
		output("SubnetIds", *awscdk.Fn_Join(jsii.String(","), b.VPC.SelectSubnets(&awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}).SubnetIds), "Isolated subnets of the VPC (no internet route)")
		output("ConsumerSecurityGroupId", *b.ConsumerSecurityGroup.SecurityGroupId(), "Attach to a consumer: the broker admits it on AMQPS 5671 and the console 443")
	}
	output("TablePrefix", p.TablePrefix, "Prefix of every DynamoDB table name")
	return s
}

// seconds renders a duration as whole seconds, the form config.Load reads for intervals.
func seconds(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }

// duration renders a duration the way an operator would write it ("720h", "90s").
func duration(d time.Duration) string {
	if d%time.Hour == 0 {
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return seconds(d) + "s"
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/serverless-ocpp/csms/shared/config"
)

// Run with JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 in the environment to quiet node 20's
// banner: the jsii runtime starts while packages initialize, before TestMain could set it.

// One App for the package: synthesizing through jsii is slow, so every test reads the same two
// stacks. dev uses the defaults but the console; prod sets every prop to something other than its
// default.
var (
	dev, prod         *CentralSystemStack
	devTpl, prodTpl   assertions.Template
	devJSON, prodJSON template
	// ext publishes to an external RabbitMQ in the operator's VPC; pub has a publicly
	// accessible Amazon MQ broker.
	ext, pub         *CentralSystemStack
	extJSON, pubJSON template
	// con has the operator console (console_test.go); the four above turn it off, so that their
	// tests see the stack without it.
	con     *CentralSystemStack
	conJSON template
	// mtls turns on security profile 3 (client certificates through CloudFront; security.go).
	mtls     *CentralSystemStack
	mtlsJSON template
)

var extProps = CentralSystemStackProps{
	Stage:   "ext",
	Console: jsii.Bool(false),
	Broker: BrokerProps{External: ExternalBrokerProps{
		URL:             "amqps://rabbit.example.com:5671/ocpp",
		SecretArn:       "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rabbit-AbCdEf",
		VpcID:           "vpc-0123456789abcdef0",
		SubnetIDs:       []string{"subnet-0123456789abcdef0", "subnet-0123456789abcdef1"},
		SecurityGroupID: "sg-0123456789abcdef0",
	}},
}

var pubProps = CentralSystemStackProps{Stage: "pub", Broker: BrokerProps{PubliclyAccessible: true}, Console: jsii.Bool(false)}

var prodProps = CentralSystemStackProps{
	Stage:             "prod",
	TablePrefix:       "csms-prod-",
	HeartbeatInterval: 120 * time.Second,
	CommandWait:       5 * time.Second,
	CommandWaitMax:    20 * time.Second,
	MessageRetention:  90 * 24 * time.Hour,
	ConnectionTTL:     150 * time.Minute,
	CommandTTL:        48 * time.Hour,
	AutoRegister:      true,
	AcceptUnknownTags: true,
	KnownVendorIDs:    []string{"com.example", "org.test"},
	DefaultTenantID:   "tenant-a",
	LogLevel:          "debug",
	RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	Broker: BrokerProps{
		InstanceType: "mq.m7g.large", DeploymentMode: ClusterMultiAZ, EngineVersion: "3.13",
		IngressCIDRs: []string{"10.20.0.0/16"}, IngressSecurityGroups: []string{"sg-0123456789abcdef0"},
	},
	Publisher: PublisherProps{BatchSize: 25, RetryAttempts: 7, MaxRecordAge: 6 * time.Hour, FailureRetentionDays: 14,
		ConsumerQueues: []config.QueueBinding{
			{Queue: "billing", Exchange: "sessions", RoutingKey: "sessions.raw"},
			{Queue: "frames", Exchange: "ocpp", RoutingKey: "ocpp.msgs"},
			{Queue: "frames", Exchange: "ocpp", RoutingKey: "ocpp.connection-events"},
		},
		ConsumerQueueType: "classic", // allowed on RabbitMQ 3.13
	},
	DomainName:        "ocpp.example.com",
	CertificateArn:    "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
	AlarmEmail:        "ops@example.com",
	WebSocketThrottle: ThrottleProps{Rate: 300, Burst: 600},
	HTTPThrottle:      ThrottleProps{Rate: 20, Burst: 40},

	WebSocketAccessLogs:   jsii.Bool(true),
	APIGatewayAccountRole: jsii.Bool(false),
	AccessLogRetention:    awslogs.RetentionDays_THREE_MONTHS,
	Console:               jsii.Bool(false),
	Security:              SecurityProps{CPOName: "ACME CPO", CASecretArn: testCASecret, CertificateValidity: 90 * 24 * time.Hour, AuthorizationKeyGrace: 2 * time.Hour},
}

func TestMain(m *testing.M) {
	code := func() int {
		assets, err := os.MkdirTemp("", "infra-assets-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(assets)
		for _, spec := range functionSpecs {
			// Distinct contents give each function its own asset, so a test can tell them apart.
			dir := filepath.Join(assets, spec.name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n# "+spec.name+"\n"), 0o755); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(assets, "cdk.out"))})
		dev = NewCentralSystemStack(app, "dev", &CentralSystemStackProps{AssetDir: assets, Console: jsii.Bool(false)})
		p := prodProps
		p.AssetDir = assets
		prod = NewCentralSystemStack(app, "prod", &p)
		e, u := extProps, pubProps
		e.AssetDir, u.AssetDir = assets, assets
		ext = NewCentralSystemStack(app, "ext", &e)
		pub = NewCentralSystemStack(app, "pub", &u)
		if con, err = newConsoleStack(app, assets); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		mp := mtlsProps
		mp.AssetDir = assets
		mtls = NewCentralSystemStack(app, "mtls", &mp)
		// Before the first synthesis, so the rule pack sees every stack (nag_test.go).
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(false)}), nil)
		devTpl = assertions.Template_FromStack(dev.Stack, nil)
		prodTpl = assertions.Template_FromStack(prod.Stack, nil)
		if devJSON, err = decode(devTpl); err == nil {
			prodJSON, err = decode(prodTpl)
		}
		if err == nil {
			extJSON, err = decode(assertions.Template_FromStack(ext.Stack, nil))
		}
		if err == nil {
			pubJSON, err = decode(assertions.Template_FromStack(pub.Stack, nil))
		}
		if err == nil {
			conJSON, err = decode(assertions.Template_FromStack(con.Stack, nil))
		}
		if err == nil {
			mtlsJSON, err = decode(assertions.Template_FromStack(mtls.Stack, nil))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	jsii.Close()
	os.Exit(code)
}

// template is a synthesized CloudFormation template as plain JSON values.
type template struct {
	Resources map[string]resource `json:"Resources"`
	Outputs   map[string]struct {
		Value any `json:"Value"`
	} `json:"Outputs"`
	raw string
}

type resource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	DeletionPolicy string         `json:"DeletionPolicy"`
	DependsOn      any            `json:"DependsOn"`
}

func decode(t assertions.Template) (template, error) {
	b, err := json.Marshal(t.ToJSON())
	if err != nil {
		return template{}, fmt.Errorf("marshal template: %w", err)
	}
	var out template
	if err := json.Unmarshal(b, &out); err != nil {
		return template{}, fmt.Errorf("decode template: %w", err)
	}
	out.raw = string(b)
	return out, nil
}

// ofType returns the logical ids of every resource of a type, sorted.
func (tp template) ofType(typ string) []string {
	var ids []string
	for id, r := range tp.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// function returns the logical id of a function by its short name.
func (tp template) function(t *testing.T, stage, fn string) string {
	t.Helper()
	for _, id := range tp.ofType("AWS::Lambda::Function") {
		if tp.Resources[id].Properties["FunctionName"] == FunctionName(stage, fn) {
			return id
		}
	}
	t.Fatalf("no function %s", FunctionName(stage, fn))
	return ""
}

// only returns the single resource of a type.
func (tp template) only(t *testing.T, typ string) (string, resource) {
	t.Helper()
	ids := tp.ofType(typ)
	if len(ids) != 1 {
		t.Fatalf("%s: %d resources, want 1", typ, len(ids))
	}
	return ids[0], tp.Resources[ids[0]]
}

// refersTo reports whether v contains {"Ref": id} or {"Fn::GetAtt": [id, ...]}.
func refersTo(v any, id string) bool {
	switch x := v.(type) {
	case map[string]any:
		if x["Ref"] == id {
			return true
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) > 0 && ga[0] == id {
			return true
		}
		for _, e := range x {
			if refersTo(e, id) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if refersTo(e, id) {
				return true
			}
		}
	}
	return false
}

// joined renders a value with Refs and GetAtts as ${id}, so that a Fn::Join reads like the
// string CloudFormation will build.
func joined(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if r, ok := x["Ref"].(string); ok {
			return "${" + r + "}"
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			return fmt.Sprintf("${%v.%v}", ga[0], ga[1])
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			parts, _ := j[1].([]any)
			var s []string
			for _, p := range parts {
				s = append(s, joined(p))
			}
			return strings.Join(s, sep)
		}
		if sel, ok := x["Fn::Select"].([]any); ok && len(sel) == 2 {
			return fmt.Sprintf("select(%v,%s)", sel[0], joined(sel[1]))
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// path walks nested maps and lists: path(v, "A", "B", 0, "C").
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch kk := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[kk]
		case int:
			l, ok := v.([]any)
			if !ok || kk >= len(l) {
				return nil
			}
			v = l[kk]
		}
	}
	return v
}

// strs turns a JSON string or list of strings into a sorted []string.
func strs(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = []string{x}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

// noPanic runs a jsii assertion, which panics on mismatch, as a test error.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

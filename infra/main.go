// Command infra is the CDK app of the OCPP central system: `cdk synth` and `cdk deploy` run it
// (cdk.json). Context values (-c name=value) choose the stage and its settings; see docs/deploy.md.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	props, err := propsFromContext(func(name string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(name)).(string); ok {
			return strings.TrimSpace(v)
		}
		return ""
	})
	if err == nil {
		err = props.Validate()
	}
	if err == nil {
		err = checkAssets(props.AssetDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(2)
	}
	NewCentralSystemStack(app, "ocpp-"+props.withDefaults().Stage, &props)
	app.Synth(nil)
}

// checkAssets reports a missing function binary with the command that builds it, instead of
// CDK's stack trace.
func checkAssets(dir string) error {
	var missing []string
	for _, spec := range functionSpecs {
		if _, err := os.Stat(filepath.Join(dir, spec.name, "bootstrap")); err != nil {
			missing = append(missing, filepath.Join(dir, spec.name, "bootstrap"))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s: run `make build` first (or pass -c assetDir=<dir>)", strings.Join(missing, ", "))
	}
	return nil
}

// propsFromContext reads the stage settings from CDK context (cdk.json or -c name=value; the
// names are listed in docs/deploy.md). The stack is environment-agnostic (no account or region
// in its props), so synth needs neither credentials nor network; deploy uses the CLI's account
// and region.
func propsFromContext(get func(string) string) (CentralSystemStackProps, error) {
	p := CentralSystemStackProps{
		Stage:          get("stage"),
		AssetDir:       get("assetDir"),
		TablePrefix:    get("tablePrefix"),
		DomainName:     get("domainName"),
		CertificateArn: get("certificateArn"),
		AlarmEmail:     get("alarmEmail"),
		LogLevel:       get("logLevel"),
		Broker: BrokerProps{
			InstanceType:   get("brokerInstanceType"),
			DeploymentMode: get("brokerDeploymentMode"),
			EngineVersion:  get("brokerEngineVersion"),
		},
	}
	if p.AssetDir == "" {
		// cdk.json lives in infra/ and the Makefile builds into <repo>/build.
		p.AssetDir = "../build"
	}
	var errs []string
	dur := func(name string, dst *time.Duration) {
		v := get(name)
		if v == "" {
			return
		}
		if n, err := strconv.Atoi(v); err == nil {
			*dst = time.Duration(n) * time.Second
			return
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s=%q: want seconds or a duration such as 720h", name, v))
			return
		}
		*dst = d
	}
	boolean := func(name string, dst *bool) {
		if v := get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q: want true or false", name, v))
				return
			}
			*dst = b
		}
	}
	integer := func(name string, dst *int) {
		if v := get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q: want an integer", name, v))
				return
			}
			*dst = n
		}
	}
	dur("heartbeatInterval", &p.HeartbeatInterval)
	dur("commandWait", &p.CommandWait)
	dur("commandWaitMax", &p.CommandWaitMax)
	dur("messageRetention", &p.MessageRetention)
	dur("connectionTtl", &p.ConnectionTTL)
	dur("commandTtl", &p.CommandTTL)
	boolean("autoRegister", &p.AutoRegister)
	boolean("acceptUnknownTags", &p.AcceptUnknownTags)
	if v := get("knownVendorIds"); v != "" {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				p.KnownVendorIDs = append(p.KnownVendorIDs, id)
			}
		}
	}
	p.DefaultTenantID = get("defaultTenantId")
	p.LogRetention = awslogs.RetentionDays(get("logRetention"))
	integer("publisherBatchSize", &p.Publisher.BatchSize)
	integer("publisherRetryAttempts", &p.Publisher.RetryAttempts)
	dur("publisherMaxRecordAge", &p.Publisher.MaxRecordAge)
	number := func(name string, dst *float64) {
		if v := get(name); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q: want a number", name, v))
				return
			}
			*dst = n
		}
	}
	number("webSocketThrottleRate", &p.WebSocketThrottle.Rate)
	integer("webSocketThrottleBurst", &p.WebSocketThrottle.Burst)
	number("httpThrottleRate", &p.HTTPThrottle.Rate)
	integer("httpThrottleBurst", &p.HTTPThrottle.Burst)
	boolean("webSocketAccessLogs", &p.WebSocketAccessLogs)
	var destroy bool
	boolean("destroyOnRemoval", &destroy)
	if destroy {
		p.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
	}
	if len(errs) > 0 {
		return p, fmt.Errorf("context: %s", strings.Join(errs, "; "))
	}
	return p, nil
}

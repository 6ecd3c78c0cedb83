// Command infra is the CDK app of the OCPP central system: `cdk synth` and `cdk deploy` run it
// (cdk.json). Context values (-c name=value) choose the stage and its settings; see docs/deploy.md.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/config"
)

func main() {
	defer closeJSII()
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
	if err == nil && *props.withDefaults().Console {
		err = checkConsole(props.withDefaults().ConsoleDir)
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
// names are listed in docs/deploy.md) with the parsers of shared/config, so a value means in
// context what it means in a function's environment. The stack is environment-agnostic (no
// account or region in its props), so synth needs neither credentials nor network; deploy uses
// the CLI's account and region. Unset values stay zero: withDefaults fills them.
func propsFromContext(get func(string) string) (CentralSystemStackProps, error) {
	r := config.Reader{Get: get}
	p := CentralSystemStackProps{
		Stage:                 r.String("stage", ""),
		AssetDir:              r.String("assetDir", "../build"), // cdk.json lives in infra/; make builds into <repo>/build
		TablePrefix:           r.String("tablePrefix", ""),
		HeartbeatInterval:     r.Duration("heartbeatInterval", 0),
		CommandWait:           r.Duration("commandWait", 0),
		CommandWaitMax:        r.Duration("commandWaitMax", 0),
		MessageRetention:      r.Duration("messageRetention", 0),
		ConnectionTTL:         r.Duration("connectionTtl", 0),
		CommandTTL:            r.Duration("commandTtl", 0),
		AutoRegister:          r.Bool("autoRegister", false),
		AcceptUnknownTags:     r.Bool("acceptUnknownTags", false),
		KnownVendorIDs:        r.List("knownVendorIds"),
		DefaultTenantID:       r.String("defaultTenantId", ""),
		LogLevel:              r.String("logLevel", ""),
		LogRetention:          awslogs.RetentionDays(r.String("logRetention", "")),
		WebSocketThrottle:     ThrottleProps{Rate: r.Float("webSocketThrottleRate", 0), Burst: r.Int("webSocketThrottleBurst", 0)},
		HTTPThrottle:          ThrottleProps{Rate: r.Float("httpThrottleRate", 0), Burst: r.Int("httpThrottleBurst", 0)},
		WebSocketAccessLogs:   jsii.Bool(r.Bool("webSocketAccessLogs", true)),
		APIGatewayAccountRole: jsii.Bool(r.Bool("apiGatewayAccountRole", true)),
		AccessLogRetention:    awslogs.RetentionDays(r.String("accessLogRetention", "")),
		Broker:                brokerFromContext(&r),
		Publisher: PublisherProps{
			BatchSize:            r.Int("publisherBatchSize", 0),
			RetryAttempts:        r.Int("publisherRetryAttempts", 0),
			MaxRecordAge:         r.Duration("publisherMaxRecordAge", 0),
			FailureRetentionDays: r.Int("publisherFailureRetentionDays", 0),
			ConsumerQueues:       r.QueueBindings("consumerQueues"),
			ConsumerQueueType:    r.String("consumerQueueType", ""),
		},
		DomainName:     r.String("domainName", ""),
		CertificateArn: r.String("certificateArn", ""),
		AlarmEmail:     r.String("alarmEmail", ""),
		Console:        jsii.Bool(r.Bool("console", true)),
		ConsoleDir:     r.String("consoleDir", "../shared/console/dist"), // from infra/, like assetDir
		Security:       securityFromContext(&r),
	}
	if r.Bool("destroyOnRemoval", false) {
		p.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
	}
	if err := r.Err(); err != nil {
		return p, fmt.Errorf("context: %w", err)
	}
	return p, nil
}

// brokerFromContext reads the broker settings (docs/deploy.md, "Broker" and "Consumers").
func brokerFromContext(r *config.Reader) BrokerProps {
	return BrokerProps{
		InstanceType:          r.String("brokerInstanceType", ""),
		DeploymentMode:        r.String("brokerDeploymentMode", ""),
		EngineVersion:         r.String("brokerEngineVersion", ""),
		IngressCIDRs:          r.List("brokerIngressCidrs"),
		IngressSecurityGroups: r.List("brokerIngressSecurityGroups"),
		PubliclyAccessible:    r.Bool("brokerPubliclyAccessible", false),
		External: ExternalBrokerProps{
			URL:             r.String("externalBrokerUrl", ""),
			SecretArn:       r.String("externalBrokerSecretArn", ""),
			VpcID:           r.String("externalBrokerVpcId", ""),
			SubnetIDs:       r.List("externalBrokerSubnetIds"),
			SecurityGroupID: r.String("externalBrokerSecurityGroupId", ""),
		},
	}
}

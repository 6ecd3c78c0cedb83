package main

import (
	"cmp"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/serverless-ocpp/csms/shared/config"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name    string
		props   CentralSystemStackProps
		wantErr string // empty: valid
	}{
		{"defaults", CentralSystemStackProps{}, ""},
		{"prod", prodProps, ""},
		{"stage with slash", CentralSystemStackProps{Stage: "a/b"}, "stage"},
		{"stage too long", CentralSystemStackProps{Stage: strings.Repeat("s", 33)}, "stage"},
		{"heartbeat below 1s", CentralSystemStackProps{HeartbeatInterval: time.Millisecond}, "heartbeat"},
		{"wait max above 25s", CentralSystemStackProps{CommandWaitMax: 26 * time.Second}, "command wait max"},
		{"wait above max", CentralSystemStackProps{CommandWait: 20 * time.Second, CommandWaitMax: 15 * time.Second}, "command wait 20s"},
		{"bad log retention", CentralSystemStackProps{LogRetention: "FORTNIGHT"}, "log retention"},
		{"bad log level", CentralSystemStackProps{LogLevel: "verbose"}, "log level"},
		{"snapshot removal", CentralSystemStackProps{RemovalPolicy: awscdk.RemovalPolicy_SNAPSHOT}, "removal policy"},
		{"medium cluster", CentralSystemStackProps{Broker: BrokerProps{DeploymentMode: ClusterMultiAZ}}, "a cluster needs mq.m7g.large"},
		{"unknown mode", CentralSystemStackProps{Broker: BrokerProps{DeploymentMode: "ACTIVE_STANDBY_MULTI_AZ"}}, "deployment mode"},
		{"not an mq type", CentralSystemStackProps{Broker: BrokerProps{InstanceType: "t3.micro"}}, "instance type"},
		{"external public", CentralSystemStackProps{Broker: BrokerProps{External: ExternalBrokerProps{URL: "amqps://mq.example.com:5671", SecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"}}}, ""},
		{"external plain amqp", CentralSystemStackProps{Broker: BrokerProps{External: ExternalBrokerProps{URL: "amqp://mq.example.com", SecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"}}}, "external broker URL"},
		{"external URL with password", CentralSystemStackProps{Broker: BrokerProps{External: ExternalBrokerProps{URL: "amqps://u:p@mq.example.com", SecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"}}}, "external broker URL"},
		{"external without secret", CentralSystemStackProps{Broker: BrokerProps{External: ExternalBrokerProps{URL: "amqps://mq.example.com"}}}, "external broker secret"},
		{"external subnets without group", CentralSystemStackProps{Broker: BrokerProps{External: ExternalBrokerProps{URL: "amqps://mq.example.com", SecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x", VpcID: "vpc-0123456789abcdef0", SubnetIDs: []string{"subnet-0123456789abcdef0"}}}}, "external broker network"},
		{"external with ingress", CentralSystemStackProps{Broker: BrokerProps{IngressCIDRs: []string{"10.0.0.0/8"}, External: ExternalBrokerProps{URL: "amqps://mq.example.com", SecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"}}}, "set them on your broker"},
		{"public with ingress", CentralSystemStackProps{Broker: BrokerProps{PubliclyAccessible: true, IngressCIDRs: []string{"10.0.0.0/8"}}}, "no security group"},
		{"bad ingress CIDR", CentralSystemStackProps{Broker: BrokerProps{IngressCIDRs: []string{"10.0.0.0"}}}, "ingress CIDR"},
		{"bad ingress group", CentralSystemStackProps{Broker: BrokerProps{IngressSecurityGroups: []string{"default"}}}, "ingress security group"},
		{"certificate outside us-east-1", CentralSystemStackProps{DomainName: "ocpp.example.com", CertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/x"}, "us-east-1"},
		{"classic queues on RabbitMQ 4.2", CentralSystemStackProps{Publisher: PublisherProps{ConsumerQueueType: "classic"}}, "only quorum queues"},
		{"classic queues on an external broker", CentralSystemStackProps{Publisher: PublisherProps{ConsumerQueueType: "classic"}, Broker: BrokerProps{External: ExternalBrokerProps{URL: "amqps://mq.example.com", SecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"}}}, ""},
		{"unknown queue type", CentralSystemStackProps{Publisher: PublisherProps{ConsumerQueueType: "stream"}}, "queue type"},
		{"queue on an unknown exchange", CentralSystemStackProps{Publisher: PublisherProps{ConsumerQueues: []config.QueueBinding{{Queue: "q", Exchange: "frames", RoutingKey: "ocpp.msgs"}}}}, "consumer queues"},
		{"queue with a wildcard key", CentralSystemStackProps{Publisher: PublisherProps{ConsumerQueues: []config.QueueBinding{{Queue: "q", Exchange: "ocpp", RoutingKey: "#"}}}}, "routing keys"},
		{"no failure retention", CentralSystemStackProps{Publisher: PublisherProps{FailureRetentionDays: -1}}, "failure retention"},
		{"bad access log retention", CentralSystemStackProps{AccessLogRetention: "SOMETIMES"}, "access log retention"},
		{"batch too big", CentralSystemStackProps{Publisher: PublisherProps{BatchSize: 10001}}, "batch size"},
		{"retries too many", CentralSystemStackProps{Publisher: PublisherProps{RetryAttempts: 10001}}, "retry attempts"},
		{"record age too long", CentralSystemStackProps{Publisher: PublisherProps{MaxRecordAge: 8 * 24 * time.Hour}}, "max record age"},
		{"no throttle rate", CentralSystemStackProps{HTTPThrottle: ThrottleProps{Rate: 0.5}}, "HTTP API throttle"},
		{"burst above the account's", CentralSystemStackProps{WebSocketThrottle: ThrottleProps{Burst: 5001}}, "WebSocket throttle"},
		{"domain without certificate", CentralSystemStackProps{DomainName: "ocpp.example.com"}, "custom domain"},
		{"certificate without domain", CentralSystemStackProps{CertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x"}, "custom domain"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.props.Validate()
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case c.wantErr != "" && err == nil:
				t.Fatalf("Validate() = nil, want an error about %q", c.wantErr)
			case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
				t.Fatalf("Validate() = %v, want an error about %q", err, c.wantErr)
			}
		})
	}
}

// The variables the stack sets are the ones shared/config reads, and they mean what the props say.
func TestEnvironmentMatchesConfig(t *testing.T) {
	cases := []struct {
		name string
		tpl  template
		s    *CentralSystemStack
	}{{"dev", devJSON, dev}, {"prod", prodJSON, prod}}
	for _, c := range cases {
		for _, spec := range functionSpecs {
			t.Run(c.name+"/"+spec.name, func(t *testing.T) {
				vars, _ := path(c.tpl.Resources[c.tpl.function(t, c.s.Props.Stage, spec.name)].Properties, "Environment", "Variables").(map[string]any)
				for k, v := range vars {
					s, ok := v.(string)
					if !ok {
						s = "token" // endpoints and ARNs resolve at deploy time
					}
					t.Setenv(k, s)
				}
				got, err := config.Load()
				if err != nil {
					t.Fatalf("config.Load with the function's environment: %v", err)
				}
				p := c.s.Props
				want := config.Config{
					TablePrefix:       p.TablePrefix,
					HeartbeatInterval: p.HeartbeatInterval,
					AutoRegister:      p.AutoRegister,
					AcceptUnknownTags: p.AcceptUnknownTags,
					KnownVendorIDs:    p.KnownVendorIDs,
					DefaultTenantID:   p.DefaultTenantID,
					MessageRetention:  p.MessageRetention,
					ConnectionTTL:     p.ConnectionTTL,
					CommandWait:       p.CommandWait,
					CommandWaitMax:    p.CommandWaitMax,
					CommandTTL:        p.CommandTTL,
					ClockSkew:         p.ClockSkew,
					Security: config.Security{CPOName: p.Security.CPOName, CASecretARN: p.Security.CASecretArn,
						CertificateValidity: cmp.Or(p.Security.CertificateValidity, 365*24*time.Hour), AuthorizationKeyGrace: cmp.Or(p.Security.AuthorizationKeyGrace, 24*time.Hour)},
				}
				got.ManagementEndpoint, got.Region, got.DynamoDBEndpoint, got.AMQPURL, got.APIToken = "", "", "", "", ""
				got.AMQPEndpoint, got.AMQPSecretARN = "", ""        // the publisher's broker, checked in publisher_test.go
				got.ConsumerQueues, got.ConsumerQueueType = nil, "" // the publisher's queues, likewise
				got.FailureBucket = ""                              // the publisher's failure store, checked in publisher_test.go
				if !reflect.DeepEqual(got, want) {
					t.Errorf("config.Load() = %+v\nwant %+v", got, want)
				}
				if vars["LOG_LEVEL"] != p.LogLevel {
					t.Errorf("LOG_LEVEL = %v, want %s", vars["LOG_LEVEL"], p.LogLevel)
				}
				// Nothing on AWS may point DynamoDB at a local endpoint or carry a bearer token.
				for _, forbidden := range []string{"DYNAMODB_ENDPOINT", "API_TOKEN", "AMQP_URL"} {
					if _, ok := vars[forbidden]; ok {
						t.Errorf("%s is set", forbidden)
					}
				}
			})
		}
	}
}

func TestPropsFromContext(t *testing.T) {
	ctx := map[string]string{
		"stage": "qa", "heartbeatInterval": "60", "commandWait": "5s", "commandWaitMax": "20",
		"messageRetention": "240h", "autoRegister": "true", "knownVendorIds": "a, b,,c",
		"brokerInstanceType": "mq.m5.large", "brokerDeploymentMode": ClusterMultiAZ, "brokerEngineVersion": "3.13",
		"brokerIngressCidrs": "10.1.0.0/16,10.2.0.0/16", "brokerIngressSecurityGroups": "sg-0123456789abcdef0",
		"destroyOnRemoval": "true", "domainName": "x.example.com", "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x",
		"apiGatewayAccountRole": "false", "accessLogRetention": "ONE_YEAR", "publisherFailureRetentionDays": "7",
		"logRetention": "TWO_WEEKS", "publisherBatchSize": "10", "publisherRetryAttempts": "-1", "publisherMaxRecordAge": "2h",
		"webSocketThrottleRate": "250.5", "webSocketThrottleBurst": "500", "httpThrottleRate": "10", "httpThrottleBurst": "20",
		"webSocketAccessLogs": "true", "consumerQueues": "billing:sessions:sessions.raw, frames:ocpp:ocpp.msgs", "consumerQueueType": "classic",
	}
	p, err := propsFromContext(func(k string) string { return ctx[k] })
	if err != nil {
		t.Fatal(err)
	}
	if p.Stage != "qa" || p.HeartbeatInterval != time.Minute || p.CommandWait != 5*time.Second ||
		p.CommandWaitMax != 20*time.Second || p.MessageRetention != 240*time.Hour || !p.AutoRegister ||
		!reflect.DeepEqual(p.KnownVendorIDs, []string{"a", "b", "c"}) || p.Broker.InstanceType != "mq.m5.large" ||
		p.Broker.DeploymentMode != ClusterMultiAZ || p.RemovalPolicy != awscdk.RemovalPolicy_DESTROY ||
		p.DomainName != "x.example.com" || p.AssetDir != "../build" ||
		p.LogRetention != awslogs.RetentionDays_TWO_WEEKS || p.Publisher.BatchSize != 10 || p.Publisher.RetryAttempts != -1 ||
		p.Publisher.MaxRecordAge != 2*time.Hour || p.WebSocketThrottle != (ThrottleProps{250.5, 500}) ||
		p.HTTPThrottle != (ThrottleProps{10, 20}) || !*p.WebSocketAccessLogs || *p.APIGatewayAccountRole ||
		p.AccessLogRetention != awslogs.RetentionDays_ONE_YEAR || p.Publisher.FailureRetentionDays != 7 ||
		!reflect.DeepEqual(p.Broker.IngressCIDRs, []string{"10.1.0.0/16", "10.2.0.0/16"}) ||
		!reflect.DeepEqual(p.Broker.IngressSecurityGroups, []string{"sg-0123456789abcdef0"}) ||
		!reflect.DeepEqual(p.Publisher.ConsumerQueues, []config.QueueBinding{{Queue: "billing", Exchange: "sessions", RoutingKey: "sessions.raw"}, {Queue: "frames", Exchange: "ocpp", RoutingKey: "ocpp.msgs"}}) ||
		p.Publisher.ConsumerQueueType != "classic" {
		t.Errorf("propsFromContext = %+v", p)
	}
	ext, err := propsFromContext(func(k string) string {
		return map[string]string{
			"externalBrokerUrl": "amqps://mq.example.com:5671/v", "externalBrokerSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x",
			"externalBrokerVpcId": "vpc-0123456789abcdef0", "externalBrokerSubnetIds": "subnet-0123456789abcdef0, subnet-0123456789abcdef1",
			"externalBrokerSecurityGroupId": "sg-0123456789abcdef0", "brokerPubliclyAccessible": "false",
		}[k]
	})
	if err != nil || ext.Validate() != nil || len(ext.Broker.External.SubnetIDs) != 2 || ext.Broker.External.URL != "amqps://mq.example.com:5671/v" {
		t.Errorf("external broker from context: %+v, %v, %v", ext.Broker, err, ext.Validate())
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for _, bad := range []map[string]string{{"autoRegister": "yes please"}, {"heartbeatInterval": "soon"}, {"publisherBatchSize": "many"}, {"webSocketThrottleRate": "fast"}, {"consumerQueues": "frames:ocpp"}} {
		if _, err := propsFromContext(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("propsFromContext(%v): want an error", bad)
		}
	}
}

func TestOutputs(t *testing.T) {
	distID, _ := devJSON.only(t, "AWS::CloudFront::Distribution")
	want := map[string]string{
		"ChargeBoxUrl":       "wss://${" + distID + ".DomainName}/ocpp/",
		"TablePrefix":        "ocpp-dev-",
		"ManagementEndpoint": "https://${" + webSocketAPIID(t, devJSON) + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/dev",
	}
	want["PublisherFunctionName"] = "${" + devJSON.function(t, "dev", FnPublisher) + "}"
	for name, w := range want {
		if got := joined(devJSON.Outputs[name].Value); got != w {
			t.Errorf("output %s = %s, want %s", name, got, w)
		}
	}
	if got := joined(prodJSON.Outputs["ChargeBoxUrl"].Value); got != "wss://ocpp.example.com/ocpp/" {
		t.Errorf("prod ChargeBoxUrl = %s", got)
	}
	for _, name := range []string{"HttpApiUrl", "WebSocketApiEndpoint", "DistributionDomainName", "BrokerAmqpEndpoint", "BrokerSecretArn", "PublisherFailureBucket", "VpcId", "SubnetIds", "ConsumerSecurityGroupId"} {
		if devJSON.Outputs[name].Value == nil {
			t.Errorf("no output %s", name)
		}
	}
}

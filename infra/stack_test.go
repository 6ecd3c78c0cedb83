package main

import (
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
		{"t3 cluster", CentralSystemStackProps{Broker: BrokerProps{DeploymentMode: ClusterMultiAZ}}, "single instances only"},
		{"unknown mode", CentralSystemStackProps{Broker: BrokerProps{DeploymentMode: "ACTIVE_STANDBY_MULTI_AZ"}}, "deployment mode"},
		{"not an mq type", CentralSystemStackProps{Broker: BrokerProps{InstanceType: "t3.micro"}}, "instance type"},
		{"batch too big", CentralSystemStackProps{Publisher: PublisherProps{BatchSize: 10001}}, "batch size"},
		{"retries too many", CentralSystemStackProps{Publisher: PublisherProps{RetryAttempts: 10001}}, "retry attempts"},
		{"record age too long", CentralSystemStackProps{Publisher: PublisherProps{MaxRecordAge: 8 * 24 * time.Hour}}, "max record age"},
		{"no throttle rate", CentralSystemStackProps{HTTPThrottle: ThrottleProps{Rate: 0.5}}, "HTTP API throttle"},
		{"burst above the account's", CentralSystemStackProps{WebSocketThrottle: ThrottleProps{Burst: 5001}}, "WebSocket throttle"},
		{"domain without certificate", CentralSystemStackProps{DomainName: "ocpp.example.com"}, "custom domain"},
		{"certificate without domain", CentralSystemStackProps{CertificateArn: "arn:aws:acm:us-east-1:1:certificate/x"}, "custom domain"},
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
				}
				got.ManagementEndpoint, got.Region, got.DynamoDBEndpoint, got.AMQPURL, got.APIToken = "", "", "", "", ""
				got.AMQPEndpoint, got.AMQPSecretARN = "", "" // the publisher's broker, checked in publisher_test.go
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
		"brokerInstanceType": "mq.m5.large", "brokerDeploymentMode": ClusterMultiAZ,
		"destroyOnRemoval": "true", "domainName": "x.example.com", "certificateArn": "arn:cert",
		"logRetention": "TWO_WEEKS", "publisherBatchSize": "10", "publisherRetryAttempts": "-1", "publisherMaxRecordAge": "2h",
		"webSocketThrottleRate": "250.5", "webSocketThrottleBurst": "500", "httpThrottleRate": "10", "httpThrottleBurst": "20",
		"webSocketAccessLogs": "true",
	}
	p, err := propsFromContext(func(k string) string { return ctx[k] })
	if err != nil {
		t.Fatal(err)
	}
	if p.Stage != "qa" || p.HeartbeatInterval != time.Minute || p.CommandWait != 5*time.Second ||
		p.CommandWaitMax != 20*time.Second || p.MessageRetention != 240*time.Hour || !p.AutoRegister ||
		!reflect.DeepEqual(p.KnownVendorIDs, []string{"a", "b", "c"}) || p.Broker.InstanceType != "mq.m5.large" ||
		p.Broker.DeploymentMode != ClusterMultiAZ || p.RemovalPolicy != awscdk.RemovalPolicy_DESTROY ||
		p.DomainName != "x.example.com" || p.CertificateArn != "arn:cert" || p.AssetDir != "../build" ||
		p.LogRetention != awslogs.RetentionDays_TWO_WEEKS || p.Publisher.BatchSize != 10 || p.Publisher.RetryAttempts != -1 ||
		p.Publisher.MaxRecordAge != 2*time.Hour || p.WebSocketThrottle != (ThrottleProps{250.5, 500}) ||
		p.HTTPThrottle != (ThrottleProps{10, 20}) || !p.WebSocketAccessLogs {
		t.Errorf("propsFromContext = %+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for _, bad := range []map[string]string{{"autoRegister": "yes please"}, {"heartbeatInterval": "soon"}, {"publisherBatchSize": "many"}, {"webSocketThrottleRate": "fast"}} {
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
	for name, w := range want {
		if got := joined(devJSON.Outputs[name].Value); got != w {
			t.Errorf("output %s = %s, want %s", name, got, w)
		}
	}
	if got := joined(prodJSON.Outputs["ChargeBoxUrl"].Value); got != "wss://ocpp.example.com/ocpp/" {
		t.Errorf("prod ChargeBoxUrl = %s", got)
	}
	for _, name := range []string{"HttpApiUrl", "WebSocketApiEndpoint", "DistributionDomainName", "BrokerAmqpEndpoint", "BrokerSecretArn", "PublisherFailureQueueUrl"} {
		if devJSON.Outputs[name].Value == nil {
			t.Errorf("no output %s", name)
		}
	}
}

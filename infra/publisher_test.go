package main

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/tables"
)

func TestPublisherEventSources(t *testing.T) {
	for _, c := range []struct {
		tp template
		s  *CentralSystemStack
	}{{devJSON, dev}, {prodJSON, prod}} {
		t.Run(c.s.Props.Stage, func(t *testing.T) {
			fn := c.tp.function(t, c.s.Props.Stage, FnPublisher)
			bucketID, _ := c.tp.only(t, "AWS::S3::Bucket")
			streamTables := map[string]bool{}
			defs := map[string]tables.Table{}
			for _, id := range c.tp.ofType("AWS::DynamoDB::Table") {
				name := strings.TrimPrefix(c.tp.Resources[id].Properties["TableName"].(string), c.s.Props.TablePrefix)
				for _, d := range tables.All() {
					if d.Name == name && d.Stream {
						streamTables[id] = true
						defs[id] = d
					}
				}
			}
			mappings := c.tp.ofType("AWS::Lambda::EventSourceMapping")
			if len(mappings) != len(streamTables) || len(mappings) == 0 {
				t.Fatalf("%d event source mappings for %d stream tables", len(mappings), len(streamTables))
			}
			pp := c.s.Props.Publisher
			for _, id := range mappings {
				p := c.tp.Resources[id].Properties
				source, _ := path(p, "EventSourceArn", "Fn::GetAtt").([]any)
				factor := 0.0
				if len(source) != 2 || !streamTables[source[0].(string)] || source[1] != "StreamArn" {
					t.Errorf("%s: source %v, want the stream of a table with Stream set", id, p["EventSourceArn"])
				} else {
					delete(streamTables, source[0].(string))
					factor = float64(tables.StreamParallelization(defs[source[0].(string)]))
				}
				want := map[string]any{
					"StartingPosition":           "TRIM_HORIZON",
					"BatchSize":                  float64(pp.BatchSize),
					"BisectBatchOnFunctionError": true,
					"MaximumRetryAttempts":       float64(pp.RetryAttempts),
					"MaximumRecordAgeInSeconds":  recordAge(pp),
					"ParallelizationFactor":      factor,
					"FunctionResponseTypes":      []any{"ReportBatchItemFailures"},
				}
				for k, v := range want {
					if !reflect.DeepEqual(p[k], v) {
						t.Errorf("%s: %s = %v, want %v", id, k, p[k], v)
					}
				}
				if !refersTo(p["FunctionName"], fn) {
					t.Errorf("%s: invokes %v, want the publisher", id, p["FunctionName"])
				}
				if !refersTo(path(p, "DestinationConfig", "OnFailure", "Destination"), bucketID) {
					t.Errorf("%s: on-failure destination %v, want the failure store", id, p["DestinationConfig"])
				}
				checkFilters(t, c.tp, id, p)
			}
			if len(streamTables) != 0 {
				t.Errorf("stream tables without a mapping: %v", streamTables)
			}
		})
	}
	// By default a batch is retried by age only: until the stream trims its records.
	if c := dev.Props.Publisher; c.BatchSize != 100 || c.RetryAttempts != -1 || recordAge(c) != -1 {
		t.Errorf("publisher defaults %+v", c)
	}
	for _, id := range devJSON.ofType("AWS::Lambda::EventSourceMapping") {
		p := devJSON.Resources[id].Properties
		if p["MaximumRetryAttempts"] != float64(-1) || p["MaximumRecordAgeInSeconds"] != float64(-1) {
			t.Errorf("dev %s: retries %v, max age %v, want -1 and -1", id, p["MaximumRetryAttempts"], p["MaximumRecordAgeInSeconds"])
		}
	}
}

func TestPublisherNetwork(t *testing.T) {
	fnID := devJSON.function(t, "dev", FnPublisher)
	fn := devJSON.Resources[fnID]
	brokerID, _ := devJSON.only(t, "AWS::AmazonMQ::Broker")
	secretID, _ := devJSON.only(t, "AWS::SecretsManager::Secret")
	vars := path(fn.Properties, "Environment", "Variables")
	if got := joined(path(vars, "AMQP_ENDPOINT")); got != "select(0,${"+brokerID+".AmqpEndpoints})" {
		t.Errorf("AMQP_ENDPOINT = %s", got)
	}
	if got := joined(path(vars, "AMQP_SECRET_ARN")); got != "${"+secretID+"}" {
		t.Errorf("AMQP_SECRET_ARN = %s", got)
	}
	// The publisher writes permanent failures to the failure-store bucket itself.
	bucketID, _ := devJSON.only(t, "AWS::S3::Bucket")
	if got := joined(path(vars, "FAILURE_BUCKET")); got != "${"+bucketID+"}" {
		t.Errorf("FAILURE_BUCKET = %s, want the failure store %s", got, bucketID)
	}
	subnets, _ := path(fn.Properties, "VpcConfig", "SubnetIds").([]any)
	sgs, _ := path(fn.Properties, "VpcConfig", "SecurityGroupIds").([]any)
	if len(subnets) != 2 || len(sgs) != 1 {
		t.Fatalf("publisher VpcConfig %v", fn.Properties["VpcConfig"])
	}
	publisherSG, _ := path(sgs[0], "Fn::GetAtt", 0).(string)

	// No route out of the VPC: the endpoints are the way to DynamoDB and Secrets Manager.
	for _, typ := range []string{"AWS::EC2::NatGateway", "AWS::EC2::InternetGateway", "AWS::EC2::EIP"} {
		if n := len(devJSON.ofType(typ)); n != 0 {
			t.Errorf("%d %s", n, typ)
		}
	}
	endpoints := map[string]resource{}
	for _, id := range devJSON.ofType("AWS::EC2::VPCEndpoint") {
		r := devJSON.Resources[id]
		endpoints[joined(r.Properties["ServiceName"])] = r
	}
	gw, ok := endpoints["com.amazonaws.${AWS::Region}.dynamodb"]
	if !ok || gw.Properties["VpcEndpointType"] != "Gateway" {
		t.Errorf("no DynamoDB gateway endpoint: %v", keysOf(endpoints))
	}
	sm, ok := endpoints["com.amazonaws.${AWS::Region}.secretsmanager"]
	if !ok || sm.Properties["VpcEndpointType"] != "Interface" || sm.Properties["PrivateDnsEnabled"] != true {
		t.Errorf("no Secrets Manager interface endpoint with private DNS: %v", keysOf(endpoints))
	}
	s3gw, ok := endpoints["com.amazonaws.${AWS::Region}.s3"]
	if !ok || s3gw.Properties["VpcEndpointType"] != "Gateway" {
		t.Errorf("no S3 gateway endpoint (failure store): %v", keysOf(endpoints))
	}
	if len(endpoints) != 3 {
		t.Errorf("endpoints %v, want DynamoDB, S3 and Secrets Manager only", keysOf(endpoints))
	}

	// The broker and the Secrets Manager endpoint admit the publisher and the consumers only.
	consumerSG := devJSON.described(t, "AWS::EC2::SecurityGroup", "RabbitMQ consumers")
	ingress := map[float64]int{}
	for _, id := range devJSON.ofType("AWS::EC2::SecurityGroupIngress") {
		p := devJSON.Resources[id].Properties
		if !refersTo(p["SourceSecurityGroupId"], publisherSG) && !refersTo(p["SourceSecurityGroupId"], consumerSG) {
			t.Errorf("%s: ingress from %v", id, p["SourceSecurityGroupId"])
		}
		port, _ := p["FromPort"].(float64)
		ingress[port]++
	}
	for _, id := range devJSON.ofType("AWS::EC2::SecurityGroup") {
		for _, rule := range asList(devJSON.Resources[id].Properties["SecurityGroupIngress"]) {
			t.Errorf("%s: inline ingress %v", id, rule)
		}
	}
	// AMQPS: publisher and consumers; 443: the consumers' console, Secrets Manager for both.
	if ingress[AMQPSPort] != 2 || ingress[443] != 3 {
		t.Errorf("ingress rules per port %v, want 2 on AMQPS and 3 on 443", ingress)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func keysOf(m map[string]resource) []string { return keys(m) }

func TestBroker(t *testing.T) {
	for _, c := range []struct {
		tp      template
		s       *CentralSystemStack
		subnets int
	}{{devJSON, dev, 1}, {prodJSON, prod, 2}} {
		t.Run(c.s.Props.Stage, func(t *testing.T) {
			_, b := c.tp.only(t, "AWS::AmazonMQ::Broker")
			secretID, secret := c.tp.only(t, "AWS::SecretsManager::Secret")
			p := b.Properties
			want := map[string]any{
				"EngineType":              "RABBITMQ",
				"EngineVersion":           c.s.Props.Broker.EngineVersion,
				"HostInstanceType":        c.s.Props.Broker.InstanceType,
				"DeploymentMode":          c.s.Props.Broker.DeploymentMode,
				"PubliclyAccessible":      false,
				"AutoMinorVersionUpgrade": true,
			}
			for k, v := range want {
				if p[k] != v {
					t.Errorf("%s = %v, want %v", k, p[k], v)
				}
			}
			if n := len(asList(p["SubnetIds"])); n != c.subnets {
				t.Errorf("%d subnets, want %d", n, c.subnets)
			}
			users := asList(p["Users"])
			if len(users) != 1 || path(users[0], "Username") != BrokerUser {
				t.Fatalf("users %v", users)
			}
			if got := joined(path(users[0], "Password")); got != "{{resolve:secretsmanager:${"+secretID+"}:SecretString:password::}}" {
				t.Errorf("broker password %s, want a dynamic reference to the generated secret", got)
			}
			gen := path(secret.Properties, "GenerateSecretString")
			if path(gen, "GenerateStringKey") != "password" || path(gen, "SecretStringTemplate") != `{"username":"`+BrokerUser+`"}` {
				t.Errorf("secret generation %v", gen)
			}
		})
	}
	noPanic(t, "broker via assertions", func() {
		devTpl.HasResourceProperties(jsii.String("AWS::AmazonMQ::Broker"), &map[string]any{
			"EngineType": "RABBITMQ",
			"Users": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Username": BrokerUser,
				"Password": assertions.Match_ObjectLike(&map[string]any{"Fn::Join": assertions.Match_AnyValue()}),
			})}),
		})
	})
}

// Nothing in the template is a password, token or credential literal.
func TestNoSecretInTemplate(t *testing.T) {
	secretKey := regexp.MustCompile(`(?i)(password|passwd|secret(string)?|token|credential|accesskey)$`)
	allowedKeys := map[string]bool{"GenerateStringKey": true, "SecretStringTemplate": true}
	for _, tp := range []template{devJSON, prodJSON} {
		var walk func(where string, v any)
		walk = func(where string, v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, e := range x {
					if s, ok := e.(string); ok && secretKey.MatchString(k) && !allowedKeys[k] && s != "" {
						t.Errorf("%s.%s is the literal %q", where, k, s)
					}
					walk(where+"."+k, e)
				}
			case []any:
				for _, e := range x {
					walk(where, e)
				}
			case string:
				if strings.Contains(x, "://") && regexp.MustCompile(`://[^/\s:@]+:[^/\s@]+@`).MatchString(x) {
					t.Errorf("%s: URL with credentials %q", where, x)
				}
				if regexp.MustCompile(`AKIA[0-9A-Z]{16}`).MatchString(x) {
					t.Errorf("%s: access key id %q", where, x)
				}
			}
		}
		for id, r := range tp.Resources {
			walk(id, r.Properties)
			for k := range asMap(path(r.Properties, "Environment", "Variables")) {
				if regexp.MustCompile(`PASSWORD|TOKEN|SECRET$`).MatchString(k) {
					t.Errorf("%s: environment variable %s", id, k)
				}
			}
		}
		// The only reference to a secret value is the broker's dynamic reference.
		if n := strings.Count(tp.raw, "{{resolve:"); n != 1 {
			t.Errorf("%d dynamic references, want 1 (broker password)", n)
		}
		if strings.Contains(tp.raw, "resolve:ssm") {
			t.Errorf("ssm dynamic reference in template")
		}
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// The publisher, and only the publisher, gets the consumer queues it declares before publishing,
// in the form shared/config reads back to the stack's setting.
func TestPublisherConsumerQueues(t *testing.T) {
	cases := []struct {
		name string
		tpl  template
		s    *CentralSystemStack
	}{{"dev", devJSON, dev}, {"prod", prodJSON, prod}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, spec := range functionSpecs {
				vars, _ := path(c.tpl.Resources[c.tpl.function(t, c.s.Props.Stage, spec.name)].Properties, "Environment", "Variables").(map[string]any)
				_, has := vars["CONSUMER_QUEUES"]
				if spec.name != FnPublisher {
					if has || vars["CONSUMER_QUEUE_TYPE"] != nil {
						t.Errorf("%s gets the consumer queues", spec.name)
					}
					continue
				}
				if has != (len(c.s.Props.Publisher.ConsumerQueues) > 0) {
					t.Errorf("CONSUMER_QUEUES set: %v, want it set only with queues", has)
				}
				get := func(k string) string { s, _ := vars[k].(string); return s }
				r := config.Reader{Get: get}
				if got := r.QueueBindings("CONSUMER_QUEUES"); r.Err() != nil || !reflect.DeepEqual(got, c.s.Props.Publisher.ConsumerQueues) {
					t.Errorf("CONSUMER_QUEUES %q reads as %+v (%v), want %+v", get("CONSUMER_QUEUES"), got, r.Err(), c.s.Props.Publisher.ConsumerQueues)
				}
				if got := get("CONSUMER_QUEUE_TYPE"); got != c.s.Props.Publisher.ConsumerQueueType {
					t.Errorf("CONSUMER_QUEUE_TYPE = %q, want %q", got, c.s.Props.Publisher.ConsumerQueueType)
				}
			}
		})
	}
	if dev.Props.Publisher.ConsumerQueueType != config.QueueTypeQuorum || len(prod.Props.Publisher.ConsumerQueues) != 3 {
		t.Errorf("dev queue type %q, prod queues %+v", dev.Props.Publisher.ConsumerQueueType, prod.Props.Publisher.ConsumerQueues)
	}
}

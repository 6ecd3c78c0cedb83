package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/streamfilter"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// described returns the one resource of a type whose Description starts with prefix.
func (tp template) described(t *testing.T, typ, prefix string) string {
	t.Helper()
	var found []string
	for _, id := range tp.ofType(typ) {
		d, _ := tp.Resources[id].Properties["Description"].(string)
		if g, ok := tp.Resources[id].Properties["GroupDescription"].(string); ok {
			d = g
		}
		if strings.HasPrefix(d, prefix) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s described %q: %v, want one", typ, prefix, found)
	}
	return found[0]
}

// checkFilters: a mapping's filter criteria are shared/streamfilter's patterns for its table.
func checkFilters(t *testing.T, tp template, id string, p map[string]any) {
	t.Helper()
	source, _ := path(p, "EventSourceArn", "Fn::GetAtt", 0).(string)
	name, _ := tp.Resources[source].Properties["TableName"].(string)
	var want []string
	for _, d := range tables.All() {
		if strings.HasSuffix(name, d.Name) && d.Stream {
			want = streamfilter.Patterns(d)
		}
	}
	var got []string
	for _, f := range asList(path(p, "FilterCriteria", "Filters")) {
		s, _ := path(f, "Pattern").(string)
		got = append(got, s)
	}
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("%s (table %s): filters %v, want %v", id, name, got, want)
	}
}

// The failure store is encrypted, SSL-only, private, expires its objects, counts its writes,
// and the publisher's role may write to it, list and read it (PutObject, ListBucket, GetObject:
// replay reads it back) and nothing else there.
func TestFailureStore(t *testing.T) {
	for _, c := range []struct {
		tp   template
		days float64
	}{{devJSON, 90}, {prodJSON, 14}} {
		id, b := c.tp.only(t, "AWS::S3::Bucket")
		p := b.Properties
		if path(p, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm") != "AES256" {
			t.Errorf("bucket encryption %v", p["BucketEncryption"])
		}
		if name, ok := p["BucketName"]; ok {
			t.Errorf("bucket named %v", name)
		}
		rules := asList(path(p, "LifecycleConfiguration", "Rules"))
		if len(rules) != 1 || path(rules[0], "ExpirationInDays") != c.days || path(rules[0], "Status") != "Enabled" {
			t.Errorf("lifecycle %v, want expiry after %v days", rules, c.days)
		}
		if path(p, "MetricsConfigurations", 0, "Id") != FailureStoreMetricsID {
			t.Errorf("metrics %v", p["MetricsConfigurations"])
		}
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if path(p, "PublicAccessBlockConfiguration", k) != true {
				t.Errorf("%s not set", k)
			}
		}
		_, pol := c.tp.only(t, "AWS::S3::BucketPolicy")
		raw, _ := json.Marshal(pol.Properties)
		if !strings.Contains(string(raw), `"aws:SecureTransport":"false"`) || !strings.Contains(string(raw), `"Effect":"Deny"`) {
			t.Errorf("bucket policy is not SSL-only: %s", raw)
		}
		var actions []string
		for _, pid := range c.tp.ofType("AWS::IAM::Policy") {
			for _, st := range asList(path(c.tp.Resources[pid].Properties, "PolicyDocument", "Statement")) {
				if refersTo(path(st, "Resource"), id) {
					actions = append(actions, strings.Join(strs(path(st, "Action")), ","))
				}
			}
		}
		slices.Sort(actions)
		if !reflect.DeepEqual(actions, []string{"s3:GetObject", "s3:ListBucket", "s3:PutObject"}) {
			t.Errorf("grants on the failure store %v, want s3:GetObject, s3:ListBucket and s3:PutObject", actions)
		}
	}
}

// Alarms on failure-store writes and on the mappings' iterator age.
func TestPublisherAlarms(t *testing.T) {
	bucketID, _ := devJSON.only(t, "AWS::S3::Bucket")
	var store, age bool
	for _, id := range devJSON.ofType("AWS::CloudWatch::Alarm") {
		p := devJSON.Resources[id].Properties
		switch p["MetricName"] {
		case "PutRequests":
			dims, _ := json.Marshal(p["Dimensions"])
			store = p["Namespace"] == "AWS/S3" && refersTo(p["Dimensions"], bucketID) && strings.Contains(string(dims), FailureStoreMetricsID) && p["Threshold"] == float64(1)
		case "IteratorAge":
			age = p["Namespace"] == "AWS/Lambda" && p["Statistic"] == "Maximum"
		}
	}
	if !store || !age {
		t.Errorf("failure-store alarm %v, iterator-age alarm %v", store, age)
	}
}

// CloudWatch may publish alarms to the topic, only on behalf of the stack's account.
func TestAlarmTopicPolicy(t *testing.T) {
	topicID, _ := devJSON.only(t, "AWS::SNS::Topic")
	_, pol := devJSON.only(t, "AWS::SNS::TopicPolicy")
	var allow map[string]any
	for _, st := range asList(path(pol.Properties, "PolicyDocument", "Statement")) {
		if path(st, "Effect") == "Allow" {
			allow = st.(map[string]any)
		}
	}
	if allow == nil || path(allow, "Principal", "Service") != "cloudwatch.amazonaws.com" || path(allow, "Action") != "sns:Publish" ||
		!refersTo(allow["Resource"], topicID) || !reflect.DeepEqual(path(allow, "Condition", "StringEquals", "aws:SourceAccount"), map[string]any{"Ref": "AWS::AccountId"}) {
		t.Errorf("topic policy Allow %v", allow)
	}
}

// No caching of errors on the WebSocket behaviour; the custom domain enforces TLS 1.2.
func TestCloudFrontErrorsAndTLS(t *testing.T) {
	for _, tp := range []template{devJSON, prodJSON} {
		_, d := tp.only(t, "AWS::CloudFront::Distribution")
		var codes []int
		for _, e := range asList(path(d.Properties, "DistributionConfig", "CustomErrorResponses")) {
			if path(e, "ErrorCachingMinTTL") != float64(0) || path(e, "ResponsePagePath") != nil {
				t.Errorf("error response %v, want TTL 0 and no page", e)
			}
			code, _ := path(e, "ErrorCode").(float64)
			codes = append(codes, int(code))
		}
		if !reflect.DeepEqual(codes, []int{400, 403, 500, 502, 503, 504}) {
			t.Errorf("uncached errors %v", codes)
		}
	}
	_, d := prodJSON.only(t, "AWS::CloudFront::Distribution")
	vc := path(d.Properties, "DistributionConfig", "ViewerCertificate")
	if path(vc, "MinimumProtocolVersion") != "TLSv1.2_2021" || path(vc, "SslSupportMethod") != "sni-only" || path(vc, "AcmCertificateArn") != prodProps.CertificateArn {
		t.Errorf("prod viewer certificate %v", vc)
	}
}

// The broker: RabbitMQ 4.2 on mq.m7g.medium by default; a name that changes with what makes
// CloudFormation replace it.
func TestBrokerDefaultsAndName(t *testing.T) {
	_, b := devJSON.only(t, "AWS::AmazonMQ::Broker")
	if b.Properties["HostInstanceType"] != "mq.m7g.medium" || b.Properties["EngineVersion"] != "4.2" || b.Properties["DeploymentMode"] != SingleInstance {
		t.Errorf("default broker %v", b.Properties)
	}
	_, pb := pubJSON.only(t, "AWS::AmazonMQ::Broker")
	name, pname := b.Properties["BrokerName"].(string), pb.Properties["BrokerName"].(string)
	if !strings.HasPrefix(name, "ocpp-dev-") || strings.TrimPrefix(name, "ocpp-dev-") == strings.TrimPrefix(pname, "ocpp-pub-") {
		t.Errorf("broker names %s and %s: the replacement-causing settings must change the name", name, pname)
	}
}

// Every offered combination validates; every other one is refused naming the allowed types.
func TestBrokerCombinations(t *testing.T) {
	for version, types := range brokerInstanceTypes {
		for _, typ := range append(slices.Clone(types), "mq.t3.micro", "mq.m5.large", "mq.m7g.medium") {
			err := CentralSystemStackProps{Broker: BrokerProps{EngineVersion: version, InstanceType: typ}}.Validate()
			want := slices.Contains(types, typ)
			if (err == nil) != want {
				t.Errorf("RabbitMQ %s on %s: Validate() = %v, want accepted %v", version, typ, err, want)
			}
			if err != nil && !strings.Contains(err.Error(), types[0]) {
				t.Errorf("RabbitMQ %s on %s: %v does not name the allowed types", version, typ, err)
			}
		}
	}
	if slices.Contains(brokerInstanceTypes["4.2"], "mq.m5.large") || slices.ContainsFunc(brokerInstanceTypes["3.13"], func(s string) bool { return strings.HasPrefix(s, "mq.t3") }) {
		t.Errorf("offered types %v", brokerInstanceTypes)
	}
	if err := (CentralSystemStackProps{Broker: BrokerProps{EngineVersion: "3.12"}}).Validate(); err == nil || !strings.Contains(err.Error(), "3.13, 4.2") {
		t.Errorf("engine 3.12: %v", err)
	}
}

// External broker: no Amazon MQ, no VPC of the stack; the publisher runs in the operator's
// subnets with the operator's security group, publishing to the given URL with the given secret.
func TestExternalBroker(t *testing.T) {
	for _, typ := range []string{"AWS::AmazonMQ::Broker", "AWS::EC2::VPC", "AWS::SecretsManager::Secret", "AWS::EC2::SecurityGroup"} {
		if n := len(extJSON.ofType(typ)); n != 0 {
			t.Errorf("external mode: %d %s", n, typ)
		}
	}
	fn := extJSON.Resources[extJSON.function(t, "ext", FnPublisher)].Properties
	e := extProps.Broker.External
	vars := path(fn, "Environment", "Variables")
	if path(vars, "AMQP_ENDPOINT") != e.URL || path(vars, "AMQP_SECRET_ARN") != e.SecretArn {
		t.Errorf("publisher broker settings %v", vars)
	}
	if !reflect.DeepEqual(strs(path(fn, "VpcConfig", "SubnetIds")), e.SubnetIDs) || !reflect.DeepEqual(strs(path(fn, "VpcConfig", "SecurityGroupIds")), []string{e.SecurityGroupID}) {
		t.Errorf("publisher VpcConfig %v", fn["VpcConfig"])
	}
	raw, _ := json.Marshal(extJSON.Resources)
	if !strings.Contains(string(raw), `"secretsmanager:GetSecretValue"`) || !strings.Contains(string(raw), e.SecretArn) {
		t.Errorf("publisher cannot read the external secret")
	}
	for _, name := range []string{"VpcId", "ConsumerSecurityGroupId"} {
		if _, ok := extJSON.Outputs[name]; ok {
			t.Errorf("external mode outputs %s", name)
		}
	}
}

// Public Amazon MQ broker: TLS endpoint for consumers outside AWS, no VPC, no security group.
func TestPublicBroker(t *testing.T) {
	_, b := pubJSON.only(t, "AWS::AmazonMQ::Broker")
	if b.Properties["PubliclyAccessible"] != true || b.Properties["SubnetIds"] != nil || b.Properties["SecurityGroups"] != nil {
		t.Errorf("public broker %v", b.Properties)
	}
	if n := len(pubJSON.ofType("AWS::EC2::VPC")); n != 0 {
		t.Errorf("%d VPCs", n)
	}
	fn := pubJSON.Resources[pubJSON.function(t, "pub", FnPublisher)].Properties
	if fn["VpcConfig"] != nil {
		t.Errorf("publisher in a VPC: %v", fn["VpcConfig"])
	}
	_, b = devJSON.only(t, "AWS::AmazonMQ::Broker")
	if b.Properties["PubliclyAccessible"] != false {
		t.Errorf("dev broker public")
	}
}

// Consumers in the stack's VPC attach the consumer security group; a peered VPC's CIDR or a
// named security group is admitted on AMQPS and the console.
func TestConsumerIngress(t *testing.T) {
	brokerSG := prodJSON.described(t, "AWS::EC2::SecurityGroup", "Amazon MQ broker")
	got := map[string][]float64{}
	// CDK renders CIDR rules inline on the group, rules naming another group as resources.
	rules := asList(prodJSON.Resources[brokerSG].Properties["SecurityGroupIngress"])
	for _, id := range prodJSON.ofType("AWS::EC2::SecurityGroupIngress") {
		if p := prodJSON.Resources[id].Properties; refersTo(p["GroupId"], brokerSG) {
			rules = append(rules, p)
		}
	}
	for _, r := range rules {
		p := r.(map[string]any)
		from := "sg"
		if c, ok := p["CidrIp"].(string); ok {
			from = c
		} else if g, ok := p["SourceSecurityGroupId"].(string); ok {
			from = g
		}
		got[from] = append(got[from], p["FromPort"].(float64))
	}
	for _, peer := range []string{"10.20.0.0/16", "sg-0123456789abcdef0"} {
		ports := got[peer]
		slices.Sort(ports)
		if !reflect.DeepEqual(ports, []float64{ConsolePort, AMQPSPort}) {
			t.Errorf("ingress from %s on %v, want 443 and 5671", peer, ports)
		}
	}
	for _, o := range []string{"VpcId", "SubnetIds", "ConsumerSecurityGroupId"} {
		if prodJSON.Outputs[o].Value == nil {
			t.Errorf("no output %s", o)
		}
	}
}

// WebSocket access logs are on by default, with the account's CloudWatch role set by the stack
// (retained: the setting is account-wide); prod says its account has one already.
func TestAPIGatewayAccountRole(t *testing.T) {
	id, acct := devJSON.only(t, "AWS::ApiGateway::Account")
	if acct.DeletionPolicy != "Retain" {
		t.Errorf("account setting deletion policy %q", acct.DeletionPolicy)
	}
	role, _ := path(acct.Properties, "CloudWatchRoleArn", "Fn::GetAtt", 0).(string)
	if r := devJSON.Resources[role]; r.Type != "AWS::IAM::Role" || r.DeletionPolicy != "Retain" || r.Properties["RoleName"] != nil {
		t.Errorf("CloudWatch role %s: %+v", role, r)
	}
	for _, sid := range devJSON.ofType("AWS::ApiGatewayV2::Stage") {
		if r := devJSON.Resources[sid]; r.Properties["AccessLogSettings"] == nil {
			t.Errorf("stage %s without access logs", sid)
		} else if path(r.Properties, "StageName") == "dev" && !slices.Contains(strs(r.DependsOn), id) {
			t.Errorf("WebSocket stage %s does not wait for the account setting: %v", sid, r.DependsOn)
		}
	}
	if n := len(prodJSON.ofType("AWS::ApiGateway::Account")); n != 0 {
		t.Errorf("prod sets the account role (%d)", n)
	}
}

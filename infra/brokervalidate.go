package main

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/config"
)

// Broker defaults. RabbitMQ 4.2: AWS recommends it for every broker, it runs on the smallest
// RabbitMQ size (mq.m7g.medium), its default queue type is quorum, and RabbitMQ 3.13 is no
// longer supported by the RabbitMQ team (docs/deploy.md, "Broker").
const (
	DefaultBrokerInstanceType  = "mq.m7g.medium"
	DefaultBrokerEngineVersion = "4.2"
)

// Instance types Amazon MQ for RabbitMQ offers. Sources: Amazon MQ Developer Guide, "Managing
// Amazon MQ for RabbitMQ engine versions" (RabbitMQ 4 only on mq.m7g, all sizes; RabbitMQ 3.13
// on mq.m5 and mq.m7g) and "Amazon MQ for RabbitMQ sizing guidelines" (the m7g sizes medium to
// 16xlarge; m5 large to 4xlarge). mq.t3.micro is refused for RabbitMQ although the version
// page still names mq.t3 for 3.13 ("Broker engine type [RabbitMQ] does not support host
// instance type [mq.t3.micro]", reported by deployments in 2025-2026; issue 12), and a broker
// can never be downgraded to it, so this stack never offers it.
var (
	m7gTypes = []string{
		"mq.m7g.medium", "mq.m7g.large", "mq.m7g.xlarge", "mq.m7g.2xlarge",
		"mq.m7g.4xlarge", "mq.m7g.8xlarge", "mq.m7g.12xlarge", "mq.m7g.16xlarge",
	}
	m5Types = []string{"mq.m5.large", "mq.m5.xlarge", "mq.m5.2xlarge", "mq.m5.4xlarge"}

	// brokerInstanceTypes lists, per engine version, the instance types Amazon MQ accepts.
	brokerInstanceTypes = map[string][]string{
		"4.2":  m7gTypes,
		"3.13": append(slices.Clone(m5Types), m7gTypes...),
	}
)

// clusterMinimum: a cluster is three nodes; this stack offers clusters from the large sizes on
// (mq.m7g.medium is, per AWS's sizing guide, for testing only). Not verified whether Amazon MQ
// itself refuses a medium cluster.
func clusterAllowed(instanceType string) bool { return instanceType != "mq.m7g.medium" }

var (
	subnetID        = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
	securityGroupID = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)
	vpcID           = regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`)
	secretArn       = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$`)
	// CloudFront takes certificates from ACM in us-east-1 only.
	certificateArn = regexp.MustCompile(`^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/.+$`)
)

// validateBroker reports broker settings Amazon MQ (or the stack) would refuse.
func validateBroker(b BrokerProps) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if b.External.URL != "" {
		return validateExternalBroker(b)
	}
	allowed, ok := brokerInstanceTypes[b.EngineVersion]
	if !ok {
		bad("broker engine version %q: want one of %s", b.EngineVersion, strings.Join(sortedKeys(brokerInstanceTypes), ", "))
	} else if !slices.Contains(allowed, b.InstanceType) {
		bad("broker instance type %q: Amazon MQ runs RabbitMQ %s on %s", b.InstanceType, b.EngineVersion, strings.Join(allowed, ", "))
	}
	switch b.DeploymentMode {
	case SingleInstance:
	case ClusterMultiAZ:
		if !clusterAllowed(b.InstanceType) {
			bad("broker instance type %s: a cluster needs mq.m7g.large or larger (or an mq.m5 size on 3.13)", b.InstanceType)
		}
	default:
		bad("broker deployment mode %q: want %s or %s", b.DeploymentMode, SingleInstance, ClusterMultiAZ)
	}
	if b.PubliclyAccessible && (len(b.IngressCIDRs) > 0 || len(b.IngressSecurityGroups) > 0) {
		bad("broker ingress: a publicly accessible broker has no security group; drop the ingress CIDRs and security groups")
	}
	for _, c := range b.IngressCIDRs {
		if _, _, err := net.ParseCIDR(c); err != nil || strings.Contains(c, ":") {
			bad("broker ingress CIDR %q: want an IPv4 CIDR such as 10.1.0.0/16", c)
		}
	}
	for _, g := range b.IngressSecurityGroups {
		if !securityGroupID.MatchString(g) {
			bad("broker ingress security group %q: want sg-...", g)
		}
	}
	return errs
}

// validateExternalBroker checks the settings of a broker the stack does not create.
func validateExternalBroker(b BrokerProps) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	e := b.External
	if u, err := url.Parse(e.URL); err != nil || u.Scheme != "amqps" || u.Host == "" || u.User != nil {
		bad("external broker URL %q: want amqps://host:port[/vhost] without credentials (they come from the secret)", e.URL)
	}
	if !secretArn.MatchString(e.SecretArn) {
		bad("external broker secret %q: want a Secrets Manager secret ARN", e.SecretArn)
	}
	placed := e.VpcID != "" || len(e.SubnetIDs) > 0 || e.SecurityGroupID != ""
	if placed && (!vpcID.MatchString(e.VpcID) || len(e.SubnetIDs) == 0 || !securityGroupID.MatchString(e.SecurityGroupID)) {
		bad("external broker network: set a VPC id (vpc-...), its subnet ids and a security group id (sg-...) together, or none for a public endpoint")
	}
	for _, s := range e.SubnetIDs {
		if !subnetID.MatchString(s) {
			bad("external broker subnet %q: want subnet-...", s)
		}
	}
	if b.PubliclyAccessible || len(b.IngressCIDRs) > 0 || len(b.IngressSecurityGroups) > 0 {
		bad("external broker: public access and ingress are settings of the Amazon MQ broker the stack would create; set them on your broker")
	}
	return errs
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// validateConsumerQueues checks the queues the publisher is to declare as shared/bus will, and
// refuses classic queues on an Amazon MQ broker running RabbitMQ 4.x, where AWS does not
// guarantee classic queues durable.
func validateConsumerQueues(p CentralSystemStackProps) []error {
	var errs []error
	queues := make([]bus.Queue, len(p.Publisher.ConsumerQueues))
	for i, q := range p.Publisher.ConsumerQueues {
		queues[i] = bus.Queue{Name: q.Queue, Exchange: q.Exchange, RoutingKey: q.RoutingKey}
	}
	if err := bus.CheckQueues(queues, p.Publisher.ConsumerQueueType); err != nil {
		errs = append(errs, fmt.Errorf("consumer queues: %w", err))
	}
	if p.Broker.External.URL == "" && strings.HasPrefix(p.Broker.EngineVersion, "4.") && p.Publisher.ConsumerQueueType != config.QueueTypeQuorum {
		errs = append(errs, fmt.Errorf("consumer queue type %q: Amazon MQ guarantees only quorum queues durable on RabbitMQ %s", p.Publisher.ConsumerQueueType, p.Broker.EngineVersion))
	}
	return errs
}

package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/streamfilter"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// vpcNetworkInterfaceActions are what Lambda needs to attach a function to a VPC. EC2 offers
// no narrower resource for them here: the Describe calls take no resource, and the interfaces
// Lambda creates and deletes do not exist at synth time (docs/deploy.md).
var vpcNetworkInterfaceActions = []string{
	"ec2:CreateNetworkInterface",
	"ec2:DescribeNetworkInterfaces",
	"ec2:DescribeSubnets",
	"ec2:DeleteNetworkInterface",
	"ec2:AssignPrivateIpAddresses",
	"ec2:UnassignPrivateIpAddresses",
}

// FailureStoreMetricsID names the bucket's request-metrics filter; the failure-store alarm
// counts its PutRequests.
const FailureStoreMetricsID = "EntireBucket"

// publisherNetwork hands the publisher its broker's endpoint and secret and, when the broker is
// reachable only inside a VPC, puts the publisher there: the stack's VPC with a security group
// of its own (Amazon MQ, private), or the operator's subnets and security group (external
// broker in a VPC). For a public broker (Amazon MQ's publicly accessible one, or an external
// public TLS endpoint) the publisher stays outside any VPC.
func publisherNetwork(scope constructs.Construct, props *awslambda.FunctionProps, env map[string]string, role awsiam.Role, broker *Broker) {
	env["AMQP_ENDPOINT"] = broker.AMQPEndpoint
	env["AMQP_SECRET_ARN"] = *broker.Secret.SecretArn()
	switch {
	case broker.VPC != nil:
		sg := awsec2.NewSecurityGroup(scope, jsii.String("PublisherSecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc:         broker.VPC,
			Description: jsii.String("Publisher Lambda"),
			// Egress stays open: the VPC has no internet route, so the only reachable peers are
			// the broker and the endpoints, and the DynamoDB gateway endpoint's prefix list id is
			// region-specific (not known to an environment-agnostic synth).
			AllowAllOutbound: jsii.Bool(true),
		})
		broker.allowClient(sg)
		props.Vpc = broker.VPC
		props.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
		props.SecurityGroups = &[]awsec2.ISecurityGroup{sg}
	case broker.externalVPC != nil:
		props.Vpc = broker.externalVPC
		props.VpcSubnets = &awsec2.SubnetSelection{Subnets: &broker.externalSubnets}
		props.SecurityGroups = &[]awsec2.ISecurityGroup{broker.externalGroup}
	default:
		return
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("VpcNetworkInterfaces"),
		Actions:   jsii.Strings(vpcNetworkInterfaceActions...),
		Resources: jsii.Strings("*"),
	}))
}

// publisherQueues hands the publisher the consumer queues it declares and binds on every
// connection before it publishes (shared/bus, docs/messages.md).
func publisherQueues(env map[string]string, pp PublisherProps) {
	env["CONSUMER_QUEUE_TYPE"] = pp.ConsumerQueueType
	if len(pp.ConsumerQueues) == 0 {
		return
	}
	list := make([]string, len(pp.ConsumerQueues))
	for i, q := range pp.ConsumerQueues {
		list[i] = q.Queue + ":" + q.Exchange + ":" + q.RoutingKey
	}
	env["CONSUMER_QUEUES"] = strings.Join(list, ",")
}

// newFailureStore is the bucket the event source mappings send what they give up on: Lambda
// writes the whole invocation record (the stream records, not only their positions) for a
// DynamoDB stream mapping with an S3 on-failure destination. Source: AWS Lambda Developer Guide,
// "Retaining discarded records for a DynamoDB event source" (S3 destinations receive the entire
// invocation record along with the metadata; the role needs s3:PutObject and s3:ListBucket).
func newFailureStore(scope constructs.Construct, p CentralSystemStackProps) awss3.Bucket {
	bucket := awss3.NewBucket(scope, jsii.String("PublisherFailureStore"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:         jsii.Bool(false),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-failed-batches"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(float64(p.Publisher.FailureRetentionDays))),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		// Request metrics (PutRequests per minute) drive the failure-store alarm.
		Metrics:       &[]*awss3.BucketMetrics{{Id: jsii.String(FailureStoreMetricsID)}},
		RemovalPolicy: p.RemovalPolicy,
	})
	return bucket
}

// addPublisherSources subscribes the publisher to the stream of every table with Stream set.
// The parallelization factor comes from tables.StreamParallelization: 1 where order must hold
// across items of a partition key (the frame log), since above 1 Lambda keeps order per item
// only; per-record failure reports plus bisection isolate a bad record without losing the others.
// Retries are bounded by age only: MaximumRetryAttempts and MaximumRecordAgeInSeconds -1 retry
// a batch until the stream trims its records (24 h), so a broker outage shorter than that loses
// nothing. Filter criteria (shared/streamfilter) invoke the publisher only for records that can
// publish something.
func addPublisherSources(scope constructs.Construct, p CentralSystemStackProps, f *Functions, t *Tables) {
	f.FailureStore = newFailureStore(scope, p)
	publisher := f.ByName[FnPublisher]
	// The publisher writes the records it can never publish there itself (shared/failures),
	// with the s3:PutObject granted below.
	publisher.AddEnvironment(jsii.String("FAILURE_BUCKET"), f.FailureStore.BucketName(), nil)
	role := f.Roles[FnPublisher]
	access := awsiam.NewPolicy(scope, jsii.String("PublisherStreamAccess"), &awsiam.PolicyProps{Roles: &[]awsiam.IRole{role}})
	access.AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("FailureStoreWrite"),
		Actions:   jsii.Strings("s3:PutObject"),
		Resources: jsii.Strings(*f.FailureStore.ArnForObjects(jsii.String("*"))),
	}), awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		// Replay events read the failure store back (shared/replay, s3store.Reader).
		Sid:       jsii.String("FailureStoreRead"),
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: jsii.Strings(*f.FailureStore.ArnForObjects(jsii.String("*"))),
	}), awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("FailureStoreList"),
		Actions:   jsii.Strings("s3:ListBucket"),
		Resources: jsii.Strings(*f.FailureStore.BucketArn()),
	}), awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		// ListStreams takes no stream resource.
		Sid:       jsii.String("ListStreams"),
		Actions:   jsii.Strings("dynamodb:ListStreams"),
		Resources: jsii.Strings("*"),
	}))
	for _, def := range tables.All() {
		if !def.Stream {
			continue
		}
		table := t.ByName[def.Name]
		access.AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
			Resources: jsii.Strings(*table.TableStreamArn()),
		}))
		var filters []interface{}
		for _, pattern := range streamfilter.Patterns(def) {
			filters = append(filters, &awslambda.CfnEventSourceMapping_FilterProperty{Pattern: jsii.String(pattern)})
		}
		esm := awslambda.NewCfnEventSourceMapping(scope, jsii.String("PublisherSource-"+def.Name), &awslambda.CfnEventSourceMappingProps{
			FunctionName:               publisher.FunctionArn(),
			EventSourceArn:             table.TableStreamArn(),
			StartingPosition:           jsii.String("TRIM_HORIZON"),
			BatchSize:                  jsii.Number(float64(p.Publisher.BatchSize)),
			BisectBatchOnFunctionError: jsii.Bool(true),
			MaximumRetryAttempts:       jsii.Number(float64(p.Publisher.RetryAttempts)),
			MaximumRecordAgeInSeconds:  jsii.Number(recordAge(p.Publisher)),
			FunctionResponseTypes:      jsii.Strings("ReportBatchItemFailures"),
			ParallelizationFactor:      jsii.Number(float64(tables.StreamParallelization(def))),
			FilterCriteria:             &awslambda.CfnEventSourceMapping_FilterCriteriaProperty{Filters: &filters},
			DestinationConfig: &awslambda.CfnEventSourceMapping_DestinationConfigProperty{
				OnFailure: &awslambda.CfnEventSourceMapping_OnFailureProperty{Destination: f.FailureStore.BucketArn()},
			},
		})
		// Lambda checks the role's stream and bucket permissions when the mapping is created.
		esm.Node().AddDependency(access)
		f.Mappings = append(f.Mappings, esm)
	}
}

// recordAge is MaximumRecordAgeInSeconds: -1 (until the stream trims the record) unless set.
func recordAge(pp PublisherProps) float64 {
	if pp.MaxRecordAge <= 0 {
		return -1
	}
	return pp.MaxRecordAge.Seconds()
}

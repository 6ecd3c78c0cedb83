package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

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

// publisherNetwork puts the publisher into the broker's VPC with its own security group and
// hands it the broker's endpoint and secret.
func publisherNetwork(scope constructs.Construct, props *awslambda.FunctionProps, env map[string]string, role awsiam.Role, broker *Broker) {
	sg := awsec2.NewSecurityGroup(scope, jsii.String("PublisherSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:         broker.VPC,
		Description: jsii.String("Publisher Lambda"),
		// Egress stays open: the VPC has no internet route, so the only reachable peers are the
		// broker and the endpoints, and the DynamoDB gateway endpoint's prefix list id is
		// region-specific (not known to an environment-agnostic synth).
		AllowAllOutbound: jsii.Bool(true),
	})
	broker.allowClient(sg)
	props.Vpc = broker.VPC
	props.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	props.SecurityGroups = &[]awsec2.ISecurityGroup{sg}
	env["AMQP_ENDPOINT"] = broker.AMQPEndpoint
	env["AMQP_SECRET_ARN"] = *broker.Secret.SecretArn()
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("VpcNetworkInterfaces"),
		Actions:   jsii.Strings(vpcNetworkInterfaceActions...),
		Resources: jsii.Strings("*"),
	}))
}

// addPublisherSources subscribes the publisher to the stream of every table with Stream set.
// Parallelization factor 1 keeps records of one partition key (one charge box) in order;
// per-record failure reports plus bisection isolate a bad record without losing the others.
func addPublisherSources(scope constructs.Construct, p CentralSystemStackProps, f *Functions, t *Tables) {
	f.FailureQueue = awssqs.NewQueue(scope, jsii.String("PublisherFailureQueue"), &awssqs.QueueProps{
		QueueName:       jsii.String("ocpp-" + p.Stage + "-publisher-failures"),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	publisher := f.ByName[FnPublisher]
	for _, def := range tables.All() {
		if !def.Stream {
			continue
		}
		publisher.AddEventSource(awslambdaeventsources.NewDynamoEventSource(t.ByName[def.Name], &awslambdaeventsources.DynamoEventSourceProps{
			StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
			BatchSize:               jsii.Number(float64(p.Publisher.BatchSize)),
			BisectBatchOnError:      jsii.Bool(true),
			RetryAttempts:           jsii.Number(float64(p.Publisher.RetryAttempts)),
			MaxRecordAge:            awscdk.Duration_Seconds(jsii.Number(p.Publisher.MaxRecordAge.Seconds())),
			ReportBatchItemFailures: jsii.Bool(true),
			ParallelizationFactor:   jsii.Number(1),
			OnFailure:               awslambdaeventsources.NewSqsDlq(f.FailureQueue),
		}))
	}
}

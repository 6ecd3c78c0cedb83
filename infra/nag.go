package main

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// nagFinding is one cdk-nag AwsSolutions rule the stack breaks on purpose: the rule id, the
// findings it applies to (empty: every finding of that rule on the resource) and why.
type nagFinding struct {
	rule      string
	appliesTo []string
	reason    string
}

// suppressNag records, on each resource concerned, the cdk-nag AwsSolutions findings the stack
// accepts and why (docs/deploy.md, "cdk-nag"). The infra test TestNagAwsSolutions runs the rule
// pack and fails on any other error. A suppression names the construct it applies to; a
// construct the stage does not create (a private VPC for a public broker...) is skipped.
func suppressNag(s *CentralSystemStack) {
	stage := s.Props.Stage
	suppress := func(path string, findings ...nagFinding) {
		c := findConstruct(s.Stack, path)
		if c == nil {
			return
		}
		var list []*cdknag.NagPackSuppression
		for _, f := range findings {
			sup := &cdknag.NagPackSuppression{Id: jsii.String(f.rule), Reason: jsii.String(f.reason)}
			if len(f.appliesTo) > 0 {
				applies := make([]interface{}, len(f.appliesTo))
				for i, a := range f.appliesTo {
					applies[i] = a
				}
				sup.AppliesTo = &applies
			}
			list = append(list, sup)
		}
		cdknag.NagSuppressions_AddResourceSuppressions(c, &list, jsii.Bool(true))
	}

	suppress("WebSocketApi/$default-Route", nagFinding{rule: "AwsSolutions-APIG4",
		reason: "API Gateway authorizes a WebSocket connection once, on $connect (the Lambda authorizer checks the box's Basic auth); $default runs on that authorized connection and cannot carry an authorizer"})
	suppress("WebSocketApi/$disconnect-Route", nagFinding{rule: "AwsSolutions-APIG4",
		reason: "$disconnect belongs to a connection $connect authorized; API Gateway takes no authorizer on it"})
	suppress("HttpApi/GET--health", nagFinding{rule: "AwsSolutions-APIG4",
		reason: "GET /health is the unauthenticated liveness probe for load balancers and monitors; it returns no data (every other route needs SigV4)"})

	for _, method := range []string{"GET", "POST", "DELETE"} {
		// The message function posts the answer to an accepted SignCertificate and then
		// CertificateSigned to the box's own connection.
		for _, role := range []string{"ApiRole", "MessageRole"} {
			suppress(role, nagFinding{rule: "AwsSolutions-IAM5",
				appliesTo: []string{"Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<" + logicalID(s.Stack, s.WebSocket.API) + ">/" + stage + "/" + method + "/@connections/*"},
				reason:    "The connection ids the function posts to exist only at run time; the grant is limited to this API, this stage and the @connections resource"})
		}
	}
	suppress("PublisherRole", nagFinding{rule: "AwsSolutions-IAM5", appliesTo: []string{"Resource::*"},
		reason: "Lambda's VPC network interface actions (ec2:CreateNetworkInterface, Describe*...) take no resource ARN known at synth time"})
	suppress("PublisherStreamAccess", nagFinding{rule: "AwsSolutions-IAM5", appliesTo: []string{"Resource::*"},
		reason: "dynamodb:ListStreams takes no resource; every other stream action names its table's stream ARN"},
		nagFinding{rule: "AwsSolutions-IAM5", appliesTo: []string{"Resource::<" + logicalID(s.Stack, s.Functions.FailureStore) + ".Arn>/*"},
			reason: "Lambda names the failure-store objects itself (one per failed batch); the grant is s3:PutObject on this bucket only"})
	suppress("PublisherFailureStore", nagFinding{rule: "AwsSolutions-S1",
		reason: "Only the Lambda service writes here and operators read it; server access logs would need a second bucket, and the PutRequests metric alarm already reports every write"})
	suppress("ApiGatewayCloudWatchRole", nagFinding{rule: "AwsSolutions-IAM4",
		appliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"},
		reason:    "AWS's own policy for the API Gateway account CloudWatch Logs role, as the API Gateway developer guide prescribes; it grants only log writes"})
	suppress("OriginVerifySecret", nagFinding{rule: "AwsSolutions-SMG4",
		reason: "CloudFront reads the value only when CloudFormation deploys the distribution (a dynamic reference): a rotation would change the secret without changing the header CloudFront sends; redeploy to rotate"})
	suppress("BrokerSecret", nagFinding{rule: "AwsSolutions-SMG4",
		reason: "The password reaches Amazon MQ only when CloudFormation creates or updates the broker user: a rotation would change the secret without changing the broker's password"})
	suppress("Vpc", nagFinding{rule: "AwsSolutions-VPC7",
		reason: "The VPC has isolated subnets only (no internet gateway, no NAT); its traffic is the publisher and consumers talking to the broker and the endpoints, guarded by security groups. Flow logs cost per GB and can be added by the operator"})
	suppress("ChargeBoxDistribution", nagFinding{rule: "AwsSolutions-CFR3",
		reason: "The WebSocket stage's access log records every connection with source IP, route and status (accesslog.go); CloudFront standard logs would need an ACL-enabled bucket for no more information"})
	suppressConsoleNag(s, suppress)
	if s.Props.CertificateArn == "" {
		suppress("ChargeBoxDistribution", nagFinding{rule: "AwsSolutions-CFR4",
			reason: "Without a custom domain the distribution uses the *.cloudfront.net certificate, whose minimum protocol CloudFront fixes at TLSv1; a custom domain sets TLSv1.2_2021 (docs/deploy.md)"})
	}
}

// findConstruct returns the construct at a path of ids below scope, or nil.
func findConstruct(scope constructs.IConstruct, path string) constructs.IConstruct {
	c := scope
	for _, id := range strings.Split(path, "/") {
		c = c.Node().TryFindChild(jsii.String(id))
		if c == nil {
			return nil
		}
	}
	return c
}

// logicalID is the logical id CloudFormation gives a construct's default resource, as cdk-nag
// writes it in an appliesTo finding.
func logicalID(stack awscdk.Stack, c constructs.IConstruct) string {
	res, ok := c.Node().DefaultChild().(awscdk.CfnElement)
	if !ok {
		panic(fmt.Sprintf("%s has no CloudFormation resource", *c.Node().Path()))
	}
	switch id := stack.Resolve(res.LogicalId()).(type) {
	case string:
		return id
	case *string:
		return *id
	default:
		panic(fmt.Sprintf("%s: logical id %v", *c.Node().Path(), id))
	}
}

package main

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The access log lines are JSON objects so that CloudWatch Logs Insights can filter on
// their fields. The operator API's line names the signing principal (IAM authorization).
var (
	httpAccessLogFormat = map[string]string{
		"requestId": "$context.requestId", "requestTime": "$context.requestTime", "ip": "$context.identity.sourceIp",
		"caller": "$context.identity.userArn", "routeKey": "$context.routeKey", "path": "$context.path",
		"status": "$context.status", "responseLength": "$context.responseLength",
		"latencyMs": "$context.responseLatency", "integrationLatencyMs": "$context.integrationLatency",
		"error": "$context.error.message", "integrationError": "$context.integrationErrorMessage",
	}
	webSocketAccessLogFormat = map[string]string{
		"requestId": "$context.requestId", "requestTime": "$context.requestTime", "ip": "$context.identity.sourceIp",
		"connectionId": "$context.connectionId", "eventType": "$context.eventType", "routeKey": "$context.routeKey",
		"status": "$context.status", "chargeBoxId": "$context.authorizer.chargeBoxId",
		"integrationLatencyMs": "$context.integrationLatency", "error": "$context.error.message",
		"authorizerError": "$context.authorizer.error",
	}
)

// accessLog sends a stage's access log to a log group of its own, kept AccessLogRetention. The
// group has no fixed name: a retained group of a destroyed stage would block redeploying it.
func accessLog(scope constructs.Construct, p CentralSystemStackProps, id string, stage constructs.IConstruct, format map[string]string) awslogs.LogGroup {
	group := awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{
		Retention:     p.AccessLogRetention,
		RemovalPolicy: p.RemovalPolicy,
	})
	line, err := json.Marshal(format)
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	stage.(awsapigatewayv2.CfnStage).SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: group.LogGroupArn(),
		Format:         jsii.String(string(line)),
	})
	return group
}

// apiGatewayAccountRole sets the account's (per region) API Gateway CloudWatch Logs role, which
// API Gateway requires before it writes a WebSocket stage's access log ("CloudWatch Logs role
// ARN must be set in account settings to enable logging"; AWS re:Post knowledge center,
// "api-gateway-cloudwatch-logs"). The role is retained when the stack is deleted: the setting
// is account-wide and other APIs of the account may log through it; it has no fixed name, so a
// retained role never blocks a redeploy.
func apiGatewayAccountRole(scope constructs.Construct) awsapigateway.CfnAccount {
	role := awsiam.NewRole(scope, jsii.String("ApiGatewayCloudWatchRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description: jsii.String("API Gateway account setting: push access logs to CloudWatch Logs"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AmazonAPIGatewayPushToCloudWatchLogs")),
		},
	})
	role.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN)
	account := awsapigateway.NewCfnAccount(scope, jsii.String("ApiGatewayAccount"), &awsapigateway.CfnAccountProps{
		CloudWatchRoleArn: role.RoleArn(),
	})
	account.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	return account
}

package main

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
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

// accessLog sends a stage's access log to a log group of its own, kept as long as the
// functions' logs.
func accessLog(scope constructs.Construct, p CentralSystemStackProps, id, api string, stage constructs.IConstruct, format map[string]string) awslogs.LogGroup {
	group := awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/apigateway/" + api + "/access"),
		Retention:     p.LogRetention,
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

package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// IdentitySource is where the $connect authorizer reads the charge box identity: the CloudFront
// Function moves it from the URL path into this query parameter.
const IdentitySource = "route.request.querystring.chargeBoxId"

// WebSocket is the charge boxes' API Gateway WebSocket API and its stage.
type WebSocket struct {
	API   awsapigatewayv2.WebSocketApi
	Stage awsapigatewayv2.WebSocketStage
	// Domain is the execute-api host name ({apiId}.execute-api.{region}.{suffix}), the origin of
	// the CloudFront distribution.
	Domain string
	// ManagementEndpoint is https://{apiId}.execute-api.{region}.{suffix}/{stage}: the only
	// endpoint PostToConnection works on (never the CloudFront domain).
	ManagementEndpoint string
	// OriginHeaders are custom headers CloudFront adds to every origin request (security
	// profile 3's origin-verify header; security.go).
	OriginHeaders map[string]*string
}

func newWebSocketAPI(scope constructs.Construct, p CentralSystemStackProps) *WebSocket {
	api := awsapigatewayv2.NewWebSocketApi(scope, jsii.String("WebSocketApi"), &awsapigatewayv2.WebSocketApiProps{
		ApiName:     jsii.String("ocpp-" + p.Stage + "-chargeboxes"),
		Description: jsii.String("OCPP 1.6-J charge box connections (behind CloudFront)"),
	})
	stage := awsapigatewayv2.NewWebSocketStage(scope, jsii.String("WebSocketStage"), &awsapigatewayv2.WebSocketStageProps{
		WebSocketApi: api,
		StageName:    jsii.String(p.Stage),
		AutoDeploy:   jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(p.WebSocketThrottle.Rate),
			BurstLimit: jsii.Number(float64(p.WebSocketThrottle.Burst)),
		},
	})
	if *p.WebSocketAccessLogs {
		accessLog(scope, p, "WebSocketAccessLogs", stage.Node().DefaultChild(), webSocketAccessLogFormat)
		if *p.APIGatewayAccountRole {
			stage.Node().AddDependency(apiGatewayAccountRole(scope))
		}
	}
	stack := awscdk.Stack_Of(scope)
	return &WebSocket{
		API:                api,
		Stage:              stage,
		Domain:             *api.ApiId() + ".execute-api." + *stack.Region() + "." + *stack.UrlSuffix(),
		ManagementEndpoint: *stage.CallbackUrl(),
	}
}

// route connects $connect (behind the authorizer), $default (two-way: the message function's
// return value is the OCPP answer frame) and $disconnect to their functions.
func (w *WebSocket) route(fns *Functions) {
	authorizer := awsapigatewayv2authorizers.NewWebSocketLambdaAuthorizer(jsii.String("ChargeBoxAuthorizer"), fns.ByName[FnAuthorizer],
		&awsapigatewayv2authorizers.WebSocketLambdaAuthorizerProps{
			AuthorizerName: jsii.String("chargebox"),
			IdentitySource: jsii.Strings(IdentitySource),
		})
	integration := func(fn string) awsapigatewayv2.WebSocketRouteIntegration {
		return awsapigatewayv2integrations.NewWebSocketLambdaIntegration(jsii.String(fn+"Integration"), fns.ByName[fn], nil)
	}
	w.API.AddRoute(jsii.String("$connect"), &awsapigatewayv2.WebSocketRouteOptions{
		Integration: integration(FnConnect),
		Authorizer:  authorizer,
	})
	w.API.AddRoute(jsii.String("$default"), &awsapigatewayv2.WebSocketRouteOptions{
		Integration:    integration(FnMessage),
		ReturnResponse: jsii.Bool(true),
	})
	w.API.AddRoute(jsii.String("$disconnect"), &awsapigatewayv2.WebSocketRouteOptions{
		Integration: integration(FnDisconnect),
	})
}

// manageConnectionsStatement allows the Management API calls the functions make
// (POST to send, GET to inspect, DELETE to close) on this API's stage only.
func (w *WebSocket) manageConnectionsStatement(scope constructs.Construct) awsiam.PolicyStatement {
	stack := awscdk.Stack_Of(scope)
	var resources []*string
	for _, method := range []string{"POST", "GET", "DELETE"} {
		resources = append(resources, stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("execute-api"),
			Resource:     w.API.ApiId(),
			ResourceName: jsii.String(*w.Stage.StageName() + "/" + method + "/@connections/*"),
		}))
	}
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ManageConnections"),
		Actions:   jsii.Strings("execute-api:ManageConnections"),
		Resources: &resources,
	})
}

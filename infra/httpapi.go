package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// HTTPAPI is the operator API: every route but GET /health needs a SigV4-signed request from
// a principal allowed execute-api:Invoke on it.
type HTTPAPI struct {
	API awsapigatewayv2.HttpApi
}

func newHTTPAPI(scope constructs.Construct, p CentralSystemStackProps, fn awslambda.IFunction) *HTTPAPI {
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("ApiIntegration"), fn,
		&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
			PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
		})
	api := awsapigatewayv2.NewHttpApi(scope, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:           jsii.String("ocpp-" + p.Stage + "-operator"),
		Description:       jsii.String("OCPP central system operator API (IAM authorization)"),
		DefaultAuthorizer: awsapigatewayv2authorizers.NewHttpIamAuthorizer(),
	})
	methods := &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY}
	if *p.Console {
		// With CORS (console.go), API Gateway answers a preflight itself only when no route
		// matches OPTIONS: an ANY route would take it to the IAM check, which refuses it
		// unsigned. So each method the API serves gets its own route, all IAM-authorized.
		methods = &[]awsapigatewayv2.HttpMethod{}
		for _, m := range APIMethods() {
			*methods = append(*methods, awsapigatewayv2.HttpMethod(m))
		}
	}
	for _, path := range []string{"/", "/{proxy+}"} {
		api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{Path: jsii.String(path), Methods: methods, Integration: integration})
	}
	// Health checks come from load balancers and uptime probes that cannot sign requests.
	api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/health"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: integration,
		Authorizer:  awsapigatewayv2.NewHttpNoneAuthorizer(),
	})
	stage := api.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingRateLimit:  jsii.Number(p.HTTPThrottle.Rate),
		ThrottlingBurstLimit: jsii.Number(float64(p.HTTPThrottle.Burst)),
	})
	accessLog(scope, p, "HttpApiAccessLogs", stage, httpAccessLogFormat)
	return &HTTPAPI{API: api}
}

package main

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/api"
)

//go:embed console.js
var consoleRewriteSource string

// ConsolePath is the distribution path the operator console is served under; the bucket holds
// its files under the same prefix, so a viewer path is its object key.
const ConsolePath = "/console/"

// Console groups ViewerGroup and OperatorGroup: the Cognito groups an administrator puts people
// in. Viewers may call the GET routes of the operator API, operators every route.
const (
	ViewerGroup   = "viewers"
	OperatorGroup = "operators"
)

// ConsoleCORSHeaders are the request headers a SigV4-signing browser sends: the signature
// (Authorization, X-Amz-Date), the session token of temporary credentials, the JSON body's
// type, and the payload hash some signers (@smithy/signature-v4) add.
var ConsoleCORSHeaders = []string{"authorization", "content-type", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"}

// Console is the operator console on AWS: its bucket behind the distribution, the Cognito user
// pool operators sign in to and the identity pool that turns a sign-in into AWS credentials.
type Console struct {
	Bucket          awss3.Bucket
	Function        awscloudfront.Function
	HeadersPolicy   awscloudfront.ResponseHeadersPolicy
	UserPool        awscognito.UserPool
	Domain          awscognito.UserPoolDomain
	Client          awscognito.UserPoolClient
	IdentityPool    awscognito.CfnIdentityPool
	ViewerRole      awsiam.Role
	OperatorRole    awsiam.Role
	CORS            customresources.AwsCustomResource
	Deployment      awss3deployment.BucketDeployment
	URL             string // https://<domain>/console/
	Origin          string // https://<domain>
	CognitoDomain   string // https://<prefix>.auth.<region>.amazoncognito.com
	ContentSecurity string // the Content-Security-Policy header
}

// APIMethods are the HTTP methods of the operator API's routes (shared/api), sorted: the
// console stack gives each its own route, and CORS allows exactly these.
func APIMethods() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range api.Routes() {
		if !seen[r.Method] {
			seen[r.Method] = true
			out = append(out, r.Method)
		}
	}
	sort.Strings(out)
	return out
}

// cognitoReserved are words Amazon Cognito refuses in a domain prefix.
var cognitoReserved = []string{"aws", "amazon", "cognito"}

// ConsoleDomainPrefix is the Cognito domain prefix of a stage before the account id is appended
// (prefixes are unique per region across all accounts): lowercase, "_" made "-".
func ConsoleDomainPrefix(stage string) string {
	return "ocpp-" + strings.ReplaceAll(strings.ToLower(stage), "_", "-") + "-"
}

var domainPrefix = regexp.MustCompile(`^[a-z0-9-]+$`)

// validateConsole reports console settings Cognito would refuse.
func validateConsole(p CentralSystemStackProps) []error {
	if !*p.Console {
		return nil
	}
	var errs []error
	prefix := ConsoleDomainPrefix(p.Stage)
	if !domainPrefix.MatchString(prefix) {
		errs = append(errs, fmt.Errorf("console: Cognito domain prefix %q from stage %q: want lowercase letters, digits and -", prefix, p.Stage))
	}
	for _, w := range cognitoReserved {
		if strings.Contains(prefix, w) {
			errs = append(errs, fmt.Errorf("console: stage %q puts %q in the Cognito domain prefix, which Cognito refuses; choose another stage name or -c console=false", p.Stage, w))
		}
	}
	return errs
}

// checkConsole reports a console build missing from dir with the command that makes it.
func checkConsole(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		return fmt.Errorf("missing %s: run `make build` first (it builds the console into shared/console/dist), or pass -c consoleDir=<dir>, or -c console=false", filepath.Join(dir, "index.html"))
	}
	return nil
}

// ConsoleRewriteCode is the CloudFront Function of the console behaviour: a path without a file
// extension (the console's own pages, ConsolePath itself) gets index.html.
func ConsoleRewriteCode() string {
	return "var INDEX = " + fmt.Sprintf("%q", ConsolePath+"index.html") + ";\n" + consoleRewriteSource
}

// newConsole adds the console to the stack: bucket, CloudFront behaviour, Cognito and the CORS
// of the operator API. Called only when the console is on.
func newConsole(stack awscdk.Stack, p CentralSystemStackProps, h *HTTPAPI, edge *Edge) *Console {
	c := &Console{Origin: "https://" + edge.DomainName}
	c.URL = c.Origin + ConsolePath
	c.newCognito(stack, p, h)
	c.newEdge(stack, p, h, edge)
	c.allowOrigin(stack, h)
	c.deploy(stack, p, h)
	c.outputs(stack)
	return c
}

// ConsoleCSP is the Content-Security-Policy of every console response: only the console's own
// files run or load; the page may connect to itself, the operator API, the Cognito managed login
// domain (token endpoint), the Cognito identity pool (credentials) and the user pool's issuer
// (OIDC discovery and keys); no inline script or style, no eval, no framing.
func ConsoleCSP(apiEndpoint, cognitoDomain, region string) string {
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self'",
		"connect-src 'self' " + apiEndpoint + " " + cognitoDomain +
			" https://cognito-identity." + region + ".amazonaws.com https://cognito-idp." + region + ".amazonaws.com",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}

// newEdge creates the bucket and the distribution's console behaviour.
func (c *Console) newEdge(stack awscdk.Stack, p CentralSystemStackProps, h *HTTPAPI, edge *Edge) {
	// The files are the build output (make build): nothing here is lost with the bucket, so it
	// goes with the stack whatever the removal policy (the deployment empties it first).
	c.Bucket = awss3.NewBucket(stack, jsii.String("ConsoleBucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	})
	c.Function = awscloudfront.NewFunction(stack, jsii.String("ConsolePathRewrite"), &awscloudfront.FunctionProps{
		Comment: jsii.String(ConsolePath + "<page> -> " + ConsolePath + "index.html"),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(ConsoleRewriteCode())),
	})
	c.ContentSecurity = ConsoleCSP(*h.API.ApiEndpoint(), c.CognitoDomain, *awscdk.Aws_REGION())
	c.HeadersPolicy = awscloudfront.NewResponseHeadersPolicy(stack, jsii.String("ConsoleHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("Operator console " + p.Stage + ": CSP and security headers"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(c.ContentSecurity), Override: jsii.Bool(true)},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(365)), IncludeSubdomains: jsii.Bool(true), Override: jsii.Bool(true)},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
			// The sign-in redirect brings ?code=... to the page: no request may carry it on.
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true)},
		},
	})
	// Origin access control (SigV4 from CloudFront to S3): the bucket policy admits the
	// distribution's service principal for this distribution only (AWS:SourceArn), reading.
	origin := awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(c.Bucket, &awscloudfrontorigins.S3BucketOriginWithOACProps{
		OriginAccessLevels: &[]awscloudfront.AccessLevel{awscloudfront.AccessLevel_READ},
	})
	edge.Distribution.AddBehavior(jsii.String(ConsolePath+"*"), origin, &awscloudfront.AddBehaviorOptions{
		ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
		AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
		CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
		ResponseHeadersPolicy: c.HeadersPolicy,
		Compress:              jsii.Bool(true),
		FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
			EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
			Function:  c.Function,
		}},
	})
}

// deploy copies the console build and its config.json (written at deploy time, with the ids
// the stack creates) into the bucket.
func (c *Console) deploy(stack awscdk.Stack, p CentralSystemStackProps, h *HTTPAPI) {
	config := map[string]any{
		"mode":           "cognito",
		"api":            h.API.ApiEndpoint(),
		"region":         awscdk.Aws_REGION(),
		"userPoolId":     c.UserPool.UserPoolId(),
		"clientId":       c.Client.UserPoolClientId(),
		"domain":         c.CognitoDomain,
		"identityPoolId": c.IdentityPool.Ref(),
		"redirectUri":    c.URL,
	}
	c.Deployment = awss3deployment.NewBucketDeployment(stack, jsii.String("ConsoleDeployment"), &awss3deployment.BucketDeploymentProps{
		Sources: &[]awss3deployment.ISource{
			awss3deployment.Source_Asset(jsii.String(p.ConsoleDir), nil),
			awss3deployment.Source_JsonData(jsii.String("config.json"), config, nil),
		},
		DestinationBucket:    c.Bucket,
		DestinationKeyPrefix: jsii.String(strings.TrimPrefix(ConsolePath, "/")),
		Prune:                jsii.Bool(true),
		RetainOnDelete:       jsii.Bool(false),
		// Browsers and CloudFront revalidate on every load (ETag), so a deploy shows at once
		// without an invalidation (CachingOptimized keeps an object at least 1 s).
		CacheControl: &[]awss3deployment.CacheControl{awss3deployment.CacheControl_NoCache()},
	})
}

// allowOrigin sets the operator API's CORS to the console's origin. It cannot be a property of
// the API: the distribution's response headers policy names the API (CSP connect-src), so an
// API naming the distribution's domain would close a dependency cycle CloudFormation refuses.
// A custom resource calls UpdateApi once both exist, and removes the CORS configuration when the
// console is turned off. API Gateway answers preflights itself once CORS is configured and no
// route matches OPTIONS (httpapi.go gives each method its own route for that); it ignores CORS
// headers from the integration (API Gateway Developer Guide, "Configure CORS for HTTP APIs",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html).
func (c *Console) allowOrigin(stack awscdk.Stack, h *HTTPAPI) {
	apiID := h.API.ApiId()
	update := &customresources.AwsSdkCall{
		Service: jsii.String("ApiGatewayV2"),
		Action:  jsii.String("UpdateApi"),
		Parameters: map[string]any{
			"ApiId": apiID,
			"CorsConfiguration": map[string]any{
				"AllowOrigins": []string{c.Origin},
				"AllowMethods": APIMethods(),
				"AllowHeaders": ConsoleCORSHeaders,
				"MaxAge":       600,
			},
		},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String("console-cors")),
		OutputPaths:        jsii.Strings("ApiId"),
	}
	apiArn := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("apigateway"), Account: jsii.String(""), Resource: jsii.String("/apis/" + *apiID)})
	c.CORS = customresources.NewAwsCustomResource(stack, jsii.String("ConsoleCors"), &customresources.AwsCustomResourceProps{
		OnCreate: update,
		OnUpdate: update,
		OnDelete: &customresources.AwsSdkCall{
			Service:                  jsii.String("ApiGatewayV2"),
			Action:                   jsii.String("DeleteCorsConfiguration"),
			Parameters:               map[string]any{"ApiId": apiID},
			IgnoreErrorCodesMatching: jsii.String("NotFoundException"),
		},
		// API Gateway's IAM actions are HTTP verbs on the resource path: UpdateApi is PATCH on
		// /apis/{id}, DeleteCorsConfiguration DELETE on /apis/{id}/cors.
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("apigateway:PATCH"), Resources: jsii.Strings(*apiArn)}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("apigateway:DELETE"), Resources: jsii.Strings(*apiArn + "/cors")}),
		}),
		InstallLatestAwsSdk: jsii.Bool(false),
	})
}

// outputs names the console's URL and what an administrator needs to add an operator.
func (c *Console) outputs(stack awscdk.Stack) {
	output := func(id, value, description string) {
		awscdk.NewCfnOutput(stack, &id, &awscdk.CfnOutputProps{Value: &value, Description: &description})
	}
	pool := *c.UserPool.UserPoolId()
	output("ConsoleUrl", c.URL, "Operator console (sign in with a user of ConsoleUserPoolId)")
	output("ConsoleUserPoolId", pool, "Cognito user pool of the console's operators and viewers")
	output("ConsoleIdentityPoolId", *c.IdentityPool.Ref(), "Cognito identity pool giving signed-in console users AWS credentials by group")
	output("ConsoleCreateUser", "aws cognito-idp admin-create-user --user-pool-id "+pool+
		" --username EMAIL --user-attributes Name=email,Value=EMAIL Name=email_verified,Value=true",
		"Create a console user (replace EMAIL); Cognito mails a temporary password")
	output("ConsoleAddToGroup", "aws cognito-idp admin-add-user-to-group --user-pool-id "+pool+
		" --username EMAIL --group-name "+OperatorGroup,
		"Let the user change things (group "+OperatorGroup+"); group "+ViewerGroup+" may only read")
}

// The singleton functions CDK adds for the console's deployment and CORS custom resources, by
// their fixed construct ids.
const (
	bucketDeploymentHandler  = "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C"
	awsCustomResourceHandler = "AWS679f53fac002430cb0da5b7982bd2287"
)

// suppressConsoleNag records the cdk-nag findings the console accepts, with their reasons
// (suppressNag, docs/deploy.md "cdk-nag").
func suppressConsoleNag(s *CentralSystemStack, suppress func(path string, findings ...nagFinding)) {
	if s.Console == nil {
		return
	}
	api := logicalID(s.Stack, s.HTTPAPI.API)
	execute := "Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<" + api + ">/$default/"
	suppress("ConsoleViewerRole", nagFinding{rule: "AwsSolutions-IAM5", appliesTo: []string{execute + "GET/*"},
		reason: "Viewers may call every GET route of the operator API, whose paths carry ids (charge boxes, sessions...) known only at run time; the grant names this API, its stage and the GET method"})
	suppress("ConsoleOperatorRole", nagFinding{rule: "AwsSolutions-IAM5", appliesTo: []string{execute + "*/*"},
		reason: "Operators may call every route of the operator API (ids in the paths are known only at run time); the grant names this API and its stage only"})
	suppress("ConsoleBucket", nagFinding{rule: "AwsSolutions-S1",
		reason: "The bucket holds the console's build output only; CloudFront (origin access control) is its only reader and the deployment its only writer. Server access logs would need a second bucket for no information about people: the operator API's access log records every call they make"})
	suppress("ConsoleUserPool", nagFinding{rule: "AwsSolutions-COG8",
		reason: "The Plus plan (threat protection) has no free tier and costs per MAU; the pool admits only users an administrator created, with a 12-character password and a required TOTP second factor. Switch the plan in console when the pool grows (docs/console-aws.md)"})
	lambdaRole := nagFinding{rule: "AwsSolutions-IAM4",
		appliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
		reason:    "CDK's own custom-resource function; AWS's basic execution policy grants only writing its logs"}
	suppress(bucketDeploymentHandler, lambdaRole,
		nagFinding{rule: "AwsSolutions-IAM5", appliesTo: []string{
			"Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*",
			"Resource::<" + logicalID(s.Stack, s.Console.Bucket) + ".Arn>/*",
			"Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
		}, reason: "CDK's BucketDeployment grants its function these S3 actions on the objects of the CDK asset bucket (read) and of the console bucket (copy, prune); the objects are the build's files, unknown at synth time"},
		nagFinding{rule: "AwsSolutions-L1", reason: "CDK's BucketDeployment function pins the Python runtime its bundled AWS CLI layer was built for; CDK updates it"})
	suppress(awsCustomResourceHandler, lambdaRole)
}

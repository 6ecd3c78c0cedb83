package main

import (
	_ "embed"
	"encoding/json"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/gateway"
)

//go:embed rewrite.js
var rewriteSource string

// WebSocketHeaders are the viewer headers the WebSocket handshake needs at API Gateway.
// Authorization (OCPP Basic auth) is forwarded through the cache policy instead: CloudFront
// refuses it in an origin request policy.
var WebSocketHeaders = []string{
	"Sec-WebSocket-Key",
	"Sec-WebSocket-Version",
	"Sec-WebSocket-Protocol",
	"Sec-WebSocket-Extensions",
}

// UncachedErrorCodes are the origin errors CloudFront must not cache for the WebSocket
// behaviour.
var UncachedErrorCodes = []int{400, 403, 500, 502, 503, 504}

// Edge is the CloudFront distribution charge boxes connect to.
type Edge struct {
	Distribution awscloudfront.Distribution
	Function     awscloudfront.Function
	// DomainName is the custom domain when set, else the distribution's domain.
	DomainName string
}

// RewriteCode is the CloudFront Function source for a stage.
func RewriteCode(stage string) string {
	path, _ := json.Marshal("/" + stage) // marshalling a string cannot fail
	return "var STAGE_PATH = " + string(path) + ";\n" + rewriteSource
}

func newEdge(scope constructs.Construct, p CentralSystemStackProps, ws *WebSocket) *Edge {
	fn := awscloudfront.NewFunction(scope, jsii.String("ChargeBoxPathRewrite"), &awscloudfront.FunctionProps{
		Comment: jsii.String("/ocpp/{id} -> /" + p.Stage + "?chargeBoxId={id}"),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(RewriteCode(p.Stage))),
	})
	// Caching is off in effect: nothing the origin answers carries cache headers and a
	// WebSocket upgrade is never cached. MaxTtl is 1 s rather than 0 because CloudFront forwards
	// cache-key headers only from a policy with caching enabled, and Authorization can only be
	// forwarded as part of the cache key.
	cachePolicy := awscloudfront.NewCachePolicy(scope, jsii.String("ChargeBoxCachePolicy"), &awscloudfront.CachePolicyProps{
		Comment:             jsii.String("OCPP WebSocket: forward Authorization, no caching"),
		MinTtl:              awscdk.Duration_Seconds(jsii.Number(0)),
		DefaultTtl:          awscdk.Duration_Seconds(jsii.Number(0)),
		MaxTtl:              awscdk.Duration_Seconds(jsii.Number(1)),
		HeaderBehavior:      awscloudfront.CacheHeaderBehavior_AllowList(jsii.String("Authorization")),
		QueryStringBehavior: awscloudfront.CacheQueryStringBehavior_All(),
		CookieBehavior:      awscloudfront.CacheCookieBehavior_None(),
	})
	originRequestPolicy := awscloudfront.NewOriginRequestPolicy(scope, jsii.String("ChargeBoxOriginRequestPolicy"), &awscloudfront.OriginRequestPolicyProps{
		Comment:             jsii.String("OCPP WebSocket handshake headers and all query strings"),
		HeaderBehavior:      awscloudfront.OriginRequestHeaderBehavior_AllowList(*jsii.Strings(originRequestHeaders(p)...)...),
		QueryStringBehavior: awscloudfront.OriginRequestQueryStringBehavior_All(),
		CookieBehavior:      awscloudfront.OriginRequestCookieBehavior_None(),
	})
	props := &awscloudfront.DistributionProps{
		Comment: jsii.String("OCPP charge boxes, stage " + p.Stage),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin: awscloudfrontorigins.NewHttpOrigin(jsii.String(ws.Domain), &awscloudfrontorigins.HttpOriginProps{
				ProtocolPolicy: awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
				CustomHeaders:  originHeaders(ws),
			}),
			// wss only: a plain ws:// charge box would send its Basic auth password in clear text.
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:          cachePolicy,
			OriginRequestPolicy:  originRequestPolicy,
			Compress:             jsii.Bool(false),
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
				Function:  fn,
			}},
		},
	}
	// CloudFront caches error responses for 10 s unless told otherwise: one 403 (a refused
	// $connect) or 502 on a WebSocket upgrade would be served to the boxes connecting next. An
	// error caching minimum TTL of 0 per status code turns that off. Source: Amazon CloudFront
	// Developer Guide, "Control how long CloudFront caches errors" (ErrorCachingMinTTL of
	// AWS::CloudFront::Distribution CustomErrorResponse). Custom error responses apply to the
	// whole distribution; its only behaviour is the WebSocket one.
	var errorResponses []*awscloudfront.ErrorResponse
	for _, code := range UncachedErrorCodes {
		errorResponses = append(errorResponses, &awscloudfront.ErrorResponse{
			HttpStatus: jsii.Number(float64(code)),
			Ttl:        awscdk.Duration_Seconds(jsii.Number(0)),
		})
	}
	props.ErrorResponses = &errorResponses
	if p.DomainName != "" {
		props.DomainNames = jsii.Strings(p.DomainName)
		props.Certificate = awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String("ChargeBoxCertificate"), jsii.String(p.CertificateArn))
		// Only a distribution with its own certificate can enforce a minimum TLS version: with
		// the default *.cloudfront.net certificate CloudFront sets the security policy to TLSv1
		// whatever is asked (CloudFront API reference, ViewerCertificate.MinimumProtocolVersion).
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
		props.SslSupportMethod = awscloudfront.SSLMethod_SNI
	}
	dist := awscloudfront.NewDistribution(scope, jsii.String("ChargeBoxDistribution"), props)
	viewerMTLS(dist, p.Security)
	domain := *dist.DistributionDomainName()
	if p.DomainName != "" {
		domain = p.DomainName
	}
	return &Edge{Distribution: dist, Function: fn, DomainName: domain}
}

// originRequestHeaders are the viewer headers the WebSocket behaviour forwards: the handshake's
// and, with security profile 3, the client certificate's.
func originRequestHeaders(p CentralSystemStackProps) []string {
	h := slices.Clone(WebSocketHeaders)
	if p.Security.ClientCertAuth {
		h = append(h, gateway.ClientCertHeaders...)
	}
	return h
}

// originHeaders are the custom origin headers, nil when there are none.
func originHeaders(ws *WebSocket) *map[string]*string {
	if len(ws.OriginHeaders) == 0 {
		return nil
	}
	return &ws.OriginHeaders
}

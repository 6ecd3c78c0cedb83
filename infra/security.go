package main

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/gateway"
)

// SecurityProps configure the OCPP 1.6 security extension's certificates, key rotation and
// security profile 3 (docs/security-certificates.md).
type SecurityProps struct {
	// CPOName is the organizationName charge boxes' CSRs must carry (CPO_NAME).
	CPOName string
	// CASecretArn is the complete ARN of the Secrets Manager secret holding the charging-station
	// CA (certificate and private key, one PEM bundle). Only the message function (and, with
	// ClientCertAuth, the authorizer) may read it. Empty: SignCertificate is always Rejected.
	CASecretArn string
	// CertificateValidity of issued certificates (default one year) and AuthorizationKeyGrace,
	// how long a rotated-out key stays valid (default 24 h).
	CertificateValidity   time.Duration
	AuthorizationKeyGrace time.Duration
	// ClientCertAuth turns on security profile 3 (off by default; unverified on AWS): the
	// authorizer admits boxes by the client certificate CloudFront forwards, CloudFront adds a
	// secret origin header, the execute-api endpoint is disabled and API Gateway is reached
	// through the regional custom domain OriginDomainName (certificate OriginCertificateArn, in
	// the stack's region), whose DNS record the operator creates.
	ClientCertAuth       bool
	OriginDomainName     string
	OriginCertificateArn string
	// ClientCertTrustStoreID names the CloudFront trust store (an account-level resource holding
	// the charging-station CA certificate, made once with `aws cloudfront create-trust-store`,
	// docs/security-certificates.md) the distribution checks client certificates against.
	ClientCertTrustStoreID string
}

// securityEnvironment is the functions' environment for the security settings.
func securityEnvironment(s SecurityProps) map[string]string {
	env := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			env[k] = v
		}
	}
	set("CPO_NAME", s.CPOName)
	set("CA_SECRET_ARN", s.CASecretArn)
	if s.CertificateValidity > 0 {
		env["CERTIFICATE_VALIDITY"] = duration(s.CertificateValidity)
	}
	if s.AuthorizationKeyGrace > 0 {
		env["AUTHORIZATION_KEY_GRACE"] = duration(s.AuthorizationKeyGrace)
	}
	return env
}

func validateSecurity(s SecurityProps) []error {
	var errs []error
	if s.ClientCertAuth && (s.CASecretArn == "" || s.OriginDomainName == "" || s.OriginCertificateArn == "" || s.ClientCertTrustStoreID == "") {
		errs = append(errs, fmt.Errorf("client certificate auth (security profile 3): set CASecretArn, OriginDomainName, OriginCertificateArn and ClientCertTrustStoreID"))
	}
	if s.CASecretArn != "" && !secretArn.MatchString(s.CASecretArn) {
		errs = append(errs, fmt.Errorf("CA secret %q: want a complete Secrets Manager secret ARN (arn:aws:secretsmanager:...)", s.CASecretArn))
	}
	return errs
}

// Security is what the stack made for the security extension.
type Security struct {
	CASecret awssecretsmanager.ISecret
	// OriginSecret holds the origin-verify header value (security profile 3 only).
	OriginSecret awssecretsmanager.Secret
}

// newSecurity sets up security profile 3 before the functions and the edge are made: the
// regional custom domain becomes CloudFront's origin and the Management API endpoint, the
// execute-api endpoint is disabled, and CloudFront adds the origin-verify header.
func newSecurity(scope constructs.Construct, p CentralSystemStackProps, ws *WebSocket) *Security {
	s := &Security{}
	if p.Security.CASecretArn != "" {
		s.CASecret = awssecretsmanager.Secret_FromSecretCompleteArn(scope, jsii.String("ChargingStationCA"), jsii.String(p.Security.CASecretArn))
	}
	if !p.Security.ClientCertAuth {
		return s
	}
	ws.API.Node().DefaultChild().(awsapigatewayv2.CfnApi).SetDisableExecuteApiEndpoint(jsii.Bool(true))
	domain := awsapigatewayv2.NewDomainName(scope, jsii.String("ChargeBoxOriginDomain"), &awsapigatewayv2.DomainNameProps{
		DomainName:  jsii.String(p.Security.OriginDomainName),
		Certificate: awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String("ChargeBoxOriginCertificate"), jsii.String(p.Security.OriginCertificateArn)),
	})
	awsapigatewayv2.NewApiMapping(scope, jsii.String("ChargeBoxOriginMapping"), &awsapigatewayv2.ApiMappingProps{
		Api: ws.API, DomainName: domain, Stage: ws.Stage,
	})
	s.OriginSecret = awssecretsmanager.NewSecret(scope, jsii.String("OriginVerifySecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Value CloudFront adds as " + gateway.OriginVerifyHeader + " so the authorizer believes its client-certificate headers"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			ExcludePunctuation: jsii.Bool(true), PasswordLength: jsii.Number(48),
		},
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	ws.Domain = p.Security.OriginDomainName
	ws.ManagementEndpoint = "https://" + p.Security.OriginDomainName
	ws.OriginHeaders = map[string]*string{gateway.OriginVerifyHeader: s.OriginSecret.SecretValue().UnsafeUnwrap()}
	return s
}

// grant gives the functions the security settings that name resources and their permissions:
// the message function reads the CA; with security profile 3 the authorizer reads the CA and
// the origin secret.
func (s *Security) grant(p CentralSystemStackProps, f *Functions) {
	if s.CASecret != nil {
		s.CASecret.GrantRead(f.Roles[FnMessage], nil)
	}
	if !p.Security.ClientCertAuth {
		return
	}
	authorizer := f.ByName[FnAuthorizer]
	authorizer.AddEnvironment(jsii.String("CLIENT_CERT_AUTH"), jsii.String("true"), nil)
	authorizer.AddEnvironment(jsii.String("ORIGIN_VERIFY_SECRET_ARN"), s.OriginSecret.SecretArn(), nil)
	s.OriginSecret.GrantRead(f.Roles[FnAuthorizer], nil)
	s.CASecret.GrantRead(f.Roles[FnAuthorizer], nil)
}

// securityFromContext reads the security settings (docs/deploy.md, "Security extension").
func securityFromContext(r *config.Reader) SecurityProps {
	return SecurityProps{
		CPOName:                r.String("cpoName", ""),
		CASecretArn:            r.String("caSecretArn", ""),
		CertificateValidity:    r.Duration("certificateValidity", 0),
		AuthorizationKeyGrace:  r.Duration("authorizationKeyGrace", 0),
		ClientCertAuth:         r.Bool("clientCertAuth", false),
		OriginDomainName:       r.String("originDomainName", ""),
		OriginCertificateArn:   r.String("originCertificateArn", ""),
		ClientCertTrustStoreID: r.String("clientCertTrustStoreId", ""),
	}
}

// viewerMTLS turns on viewer mTLS on the distribution for security profile 3, in optional mode:
// a box with a certificate from the trust store's CA is admitted by it, a box without one still
// signs in with its password (security profile 2) and operators' browsers reach /console/
// without a certificate. CloudFormation: AWS::CloudFront::Distribution ViewerMtlsConfig (Mode
// required | optional, TrustStoreConfig.TrustStoreId),
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-viewermtlsconfig.html.
// Unverified on AWS: nobody has deployed it (docs/security-certificates.md).
func viewerMTLS(dist awscloudfront.Distribution, s SecurityProps) {
	if !s.ClientCertAuth {
		return
	}
	cfn := dist.Node().DefaultChild().(awscloudfront.CfnDistribution)
	cfn.AddPropertyOverride(jsii.String("DistributionConfig.ViewerMtlsConfig"), map[string]any{
		"Mode":             "optional",
		"TrustStoreConfig": map[string]any{"TrustStoreId": s.ClientCertTrustStoreID},
	})
}

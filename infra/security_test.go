package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

const testCASecret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ocpp-ca-AbCdEf"

var mtlsProps = CentralSystemStackProps{Stage: "mtls", Console: jsii.Bool(false), Security: SecurityProps{
	CPOName: "ACME CPO", CASecretArn: testCASecret, ClientCertAuth: true,
	OriginDomainName:       "origin.ocpp.example.com",
	OriginCertificateArn:   "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-1111-1111-1111-111111111111",
	ClientCertTrustStoreID: "ts-0123456789abcdef",
}}

func TestValidateSecurity(t *testing.T) {
	for name, tt := range map[string]struct {
		s    SecurityProps
		want string
	}{
		"off":                    {SecurityProps{}, ""},
		"CA only":                {SecurityProps{CPOName: "A", CASecretArn: testCASecret}, ""},
		"CA not an ARN":          {SecurityProps{CASecretArn: "my-ca"}, "CA secret"},
		"profile 3 without CA":   {SecurityProps{ClientCertAuth: true, OriginDomainName: "o.example.com", OriginCertificateArn: "arn:aws:acm:eu-west-1:1:certificate/x"}, "security profile 3"},
		"profile 3 no domain":    {SecurityProps{ClientCertAuth: true, CASecretArn: testCASecret}, "security profile 3"},
		"profile 3 all settings": {mtlsProps.Security, ""},
	} {
		err := CentralSystemStackProps{Security: tt.s}.Validate()
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want %q", name, err, tt.want)
		}
	}
}

// secretReaders lists the functions whose role may read the secret named by arn (an ARN or a
// resource id).
func secretReaders(t *testing.T, tp template, stage, arn string) []string {
	t.Helper()
	var out []string
	for _, spec := range functionSpecs {
		for _, s := range roleStatements(t, tp, stage, spec.name) {
			if slices.Contains(s.Actions, "secretsmanager:GetSecretValue") && (strings.Contains(joined(s.Resource), arn) || refersTo(s.Resource, arn)) {
				out = append(out, spec.name)
				break
			}
		}
	}
	return out
}

// With a CA secret, only the message function reads it and gets the CA settings; the
// execute-api endpoint stays on (security profile 3 is off by default).
func TestCASecretOnlyForMessage(t *testing.T) {
	if got := secretReaders(t, prodJSON, "prod", testCASecret); !slices.Equal(got, []string{FnMessage}) {
		t.Errorf("CA secret readers %v, want message only", got)
	}
	vars := path(prodJSON.Resources[prodJSON.function(t, "prod", FnMessage)].Properties, "Environment", "Variables")
	if path(vars, "CA_SECRET_ARN") != testCASecret || path(vars, "CPO_NAME") != "ACME CPO" || path(vars, "AUTHORIZATION_KEY_GRACE") != "2h" {
		t.Errorf("message environment %v", vars)
	}
	for name, tp := range map[string]template{"dev": devJSON, "prod": prodJSON} {
		for _, id := range tp.ofType("AWS::ApiGatewayV2::Api") {
			if tp.Resources[id].Properties["DisableExecuteApiEndpoint"] == true {
				t.Errorf("%s: %s disables the execute-api endpoint without security profile 3", name, id)
			}
		}
	}
}

// Security profile 3: the execute-api endpoint is disabled, CloudFront reaches API Gateway
// through the regional custom domain with the origin-verify header, and only the authorizer
// reads the origin secret.
func TestSecurityProfile3(t *testing.T) {
	var ws resource
	for _, id := range mtlsJSON.ofType("AWS::ApiGatewayV2::Api") {
		if r := mtlsJSON.Resources[id]; r.Properties["ProtocolType"] == "WEBSOCKET" {
			ws = r
		}
	}
	if ws.Properties["DisableExecuteApiEndpoint"] != true {
		t.Errorf("WebSocket API DisableExecuteApiEndpoint = %v, want true", ws.Properties["DisableExecuteApiEndpoint"])
	}
	_, domain := mtlsJSON.only(t, "AWS::ApiGatewayV2::DomainName")
	if domain.Properties["DomainName"] != "origin.ocpp.example.com" {
		t.Errorf("custom domain %v", domain.Properties["DomainName"])
	}
	mtlsJSON.only(t, "AWS::ApiGatewayV2::ApiMapping")
	_, dist := mtlsJSON.only(t, "AWS::CloudFront::Distribution")
	origin := path(dist.Properties, "DistributionConfig", "Origins", 0)
	if path(origin, "DomainName") != "origin.ocpp.example.com" {
		t.Errorf("CloudFront origin %v, want the custom domain", path(origin, "DomainName"))
	}
	if mode := path(dist.Properties, "DistributionConfig", "ViewerMtlsConfig", "Mode"); mode != "optional" {
		t.Errorf("viewer mTLS mode %v, want optional (boxes without a certificate and the console still connect)", mode)
	}
	if ts := path(dist.Properties, "DistributionConfig", "ViewerMtlsConfig", "TrustStoreConfig", "TrustStoreId"); ts != "ts-0123456789abcdef" {
		t.Errorf("viewer mTLS trust store %v", ts)
	}
	_, orp := mtlsJSON.only(t, "AWS::CloudFront::OriginRequestPolicy")
	if fwd := strs(path(orp.Properties, "OriginRequestPolicyConfig", "HeadersConfig", "Headers")); !slices.Contains(fwd, "CloudFront-Viewer-Cert-Pem") || !slices.Contains(fwd, "CloudFront-Viewer-Cert-Present") {
		t.Errorf("origin request policy forwards %v, want the client certificate headers", fwd)
	}
	header := path(origin, "OriginCustomHeaders", 0)
	if path(header, "HeaderName") != "X-Origin-Verify" || !strings.Contains(joined(path(header, "HeaderValue")), "resolve:secretsmanager") {
		t.Errorf("origin custom header %v, want X-Origin-Verify from the secret", header)
	}
	originSecret := ""
	for _, id := range mtlsJSON.ofType("AWS::SecretsManager::Secret") {
		if d, _ := mtlsJSON.Resources[id].Properties["Description"].(string); strings.Contains(d, "X-Origin-Verify") {
			originSecret = id
		}
	}
	if got := secretReaders(t, mtlsJSON, "mtls", originSecret); originSecret == "" || !slices.Equal(got, []string{FnAuthorizer}) {
		t.Errorf("origin secret %q readers %v, want the authorizer only", originSecret, got)
	}
	authz := path(mtlsJSON.Resources[mtlsJSON.function(t, "mtls", FnAuthorizer)].Properties, "Environment", "Variables")
	if path(authz, "CLIENT_CERT_AUTH") != "true" || path(authz, "ORIGIN_VERIFY_SECRET_ARN") == nil {
		t.Errorf("authorizer environment %v", authz)
	}
	msg := path(mtlsJSON.Resources[mtlsJSON.function(t, "mtls", FnMessage)].Properties, "Environment", "Variables")
	if path(msg, "MANAGEMENT_ENDPOINT") != "https://origin.ocpp.example.com" {
		t.Errorf("message posts to %v, want the custom domain (the execute-api endpoint is off)", path(msg, "MANAGEMENT_ENDPOINT"))
	}
	if got := secretReaders(t, mtlsJSON, "mtls", testCASecret); !slices.Equal(got, []string{FnAuthorizer, FnMessage}) {
		t.Errorf("CA secret readers %v, want authorizer and message", got)
	}
}

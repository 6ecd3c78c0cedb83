package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// newConsoleStack builds the stack with the operator console (the default), served from a
// console build of two files under assets.
func newConsoleStack(app awscdk.App, assets string) (*CentralSystemStack, error) {
	dir := filepath.Join(assets, "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("console build: %w", err)
	}
	for name, body := range map[string]string{"index.html": "<!doctype html><title>console</title>", "app.js": "export {};\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return nil, fmt.Errorf("console build: %w", err)
		}
	}
	return NewCentralSystemStack(app, "con", &CentralSystemStackProps{Stage: "con", AssetDir: assets, ConsoleDir: dir}), nil
}

// conID is the logical id of a construct's resource in the console stack.
func conID(t *testing.T, path string) string {
	t.Helper()
	c := findConstruct(con.Stack, path)
	if c == nil {
		t.Fatalf("no construct %s", path)
	}
	return logicalID(con.Stack, c)
}

func distributionID(t *testing.T, tp template) string {
	id, _ := tp.only(t, "AWS::CloudFront::Distribution")
	return id
}

func TestConsoleBucket(t *testing.T) {
	bucketID := conID(t, "ConsoleBucket")
	b := conJSON.Resources[bucketID].Properties
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if path(b, "PublicAccessBlockConfiguration", k) != true {
			t.Errorf("public access block %s = %v", k, path(b, "PublicAccessBlockConfiguration", k))
		}
	}
	if path(b, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm") != "AES256" {
		t.Errorf("encryption %v", b["BucketEncryption"])
	}
	if path(b, "OwnershipControls", "Rules", 0, "ObjectOwnership") != "BucketOwnerEnforced" {
		t.Errorf("ownership %v: ACLs must be off", b["OwnershipControls"])
	}
	if b["WebsiteConfiguration"] != nil {
		t.Errorf("website hosting on: the bucket must be reached only through CloudFront")
	}
	// The bucket policy: SSL only, and reading for this distribution only (OAC).
	var pol resource
	for _, id := range conJSON.ofType("AWS::S3::BucketPolicy") {
		if refersTo(conJSON.Resources[id].Properties["Bucket"], bucketID) {
			pol = conJSON.Resources[id]
		}
	}
	dist := distributionID(t, conJSON)
	var sslDeny, cfRead int
	for _, s := range path(pol.Properties, "PolicyDocument", "Statement").([]any) {
		switch path(s, "Effect") {
		case "Deny":
			if path(s, "Condition", "Bool", "aws:SecureTransport") == "false" {
				sslDeny++
			}
		case "Allow":
			if path(s, "Principal", "Service") != "cloudfront.amazonaws.com" {
				t.Errorf("bucket policy allows %v: only CloudFront may read", path(s, "Principal"))
			}
			if !reflect.DeepEqual(strs(path(s, "Action")), []string{"s3:GetObject"}) {
				t.Errorf("CloudFront may %v, want s3:GetObject", path(s, "Action"))
			}
			src := joined(path(s, "Condition", "StringEquals", "AWS:SourceArn"))
			if !strings.HasSuffix(src, ":distribution/${"+dist+"}") {
				t.Errorf("CloudFront read not limited to this distribution: AWS:SourceArn %s", src)
			}
			cfRead++
		}
	}
	if sslDeny != 1 || cfRead != 1 {
		t.Errorf("bucket policy: %d SSL-only denies, %d CloudFront reads; want 1 and 1", sslDeny, cfRead)
	}
}

// consoleBehavior returns the distribution's /console/* cache behaviour and its config.
func consoleBehavior(t *testing.T) (behavior, cfg any) {
	t.Helper()
	_, dist := conJSON.only(t, "AWS::CloudFront::Distribution")
	cfg = path(dist.Properties, "DistributionConfig")
	list, _ := path(cfg, "CacheBehaviors").([]any)
	for _, b := range list {
		if path(b, "PathPattern") == ConsolePath+"*" {
			return b, cfg
		}
	}
	t.Fatalf("no %s* behaviour in %v", ConsolePath, list)
	return nil, nil
}

func TestConsoleBehavior(t *testing.T) {
	b, cfg := consoleBehavior(t)
	if path(b, "ViewerProtocolPolicy") != "redirect-to-https" || !reflect.DeepEqual(strs(path(b, "AllowedMethods")), []string{"GET", "HEAD"}) {
		t.Errorf("behaviour %v", b)
	}
	// Managed policy CachingOptimized.
	if path(b, "CachePolicyId") != "658327ea-f89d-4fab-a63d-7e88639e58f6" {
		t.Errorf("cache policy %v, want CachingOptimized", path(b, "CachePolicyId"))
	}
	if !refersTo(path(b, "ResponseHeadersPolicyId"), conID(t, "ConsoleHeaders")) {
		t.Errorf("response headers policy %v", path(b, "ResponseHeadersPolicyId"))
	}
	if path(b, "FunctionAssociations", 0, "EventType") != "viewer-request" || !refersTo(path(b, "FunctionAssociations", 0, "FunctionARN"), conID(t, "ConsolePathRewrite")) {
		t.Errorf("function association %v", path(b, "FunctionAssociations"))
	}
	// The behaviour's origin is the bucket, signed by an origin access control (no OAI).
	var origin any
	for _, o := range path(cfg, "Origins").([]any) {
		if path(o, "Id") == path(b, "TargetOriginId") {
			origin = o
		}
	}
	if !refersTo(path(origin, "DomainName"), conID(t, "ConsoleBucket")) {
		t.Errorf("console origin %v is not the console bucket", origin)
	}
	if oai := path(origin, "S3OriginConfig", "OriginAccessIdentity"); oai != nil && oai != "" {
		t.Errorf("origin access identity %v: want origin access control only", oai)
	}
	oacID, oac := conJSON.only(t, "AWS::CloudFront::OriginAccessControl")
	if !refersTo(path(origin, "OriginAccessControlId"), oacID) {
		t.Errorf("origin access control %v", path(origin, "OriginAccessControlId"))
	}
	oc := path(oac.Properties, "OriginAccessControlConfig")
	if path(oc, "OriginAccessControlOriginType") != "s3" || path(oc, "SigningBehavior") != "always" || path(oc, "SigningProtocol") != "sigv4" {
		t.Errorf("origin access control %v", oc)
	}
	// The WebSocket behaviour stays the default, with its own function.
	if !refersTo(path(cfg, "DefaultCacheBehavior", "FunctionAssociations", 0, "FunctionARN"), conID(t, "ChargeBoxPathRewrite")) {
		t.Errorf("default behaviour lost the charge-box rewrite: %v", path(cfg, "DefaultCacheBehavior"))
	}
	if path(cfg, "DefaultCacheBehavior", "ResponseHeadersPolicyId") != nil {
		t.Errorf("the WebSocket behaviour got a response headers policy")
	}
}

func TestConsoleHeaders(t *testing.T) {
	h := path(conJSON.Resources[conID(t, "ConsoleHeaders")].Properties, "ResponseHeadersPolicyConfig", "SecurityHeadersConfig")
	csp := joined(path(h, "ContentSecurityPolicy", "ContentSecurityPolicy"))
	want := ConsoleCSP("${"+apiID(t, conJSON, "HTTP")+".ApiEndpoint}",
		"https://${"+conID(t, "ConsoleUserPool/ConsoleDomain")+"}.auth.${AWS::Region}.amazoncognito.com", "${AWS::Region}")
	if csp != want {
		t.Errorf("CSP\n%s\nwant\n%s", csp, want)
	}
	directives := map[string]string{}
	for _, d := range strings.Split(csp, "; ") {
		name, value, _ := strings.Cut(d, " ")
		directives[name] = value
	}
	for name, value := range map[string]string{"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "frame-ancestors": "'none'", "object-src": "'none'"} {
		if directives[name] != value {
			t.Errorf("%s %q, want %q", name, directives[name], value)
		}
	}
	for _, src := range []string{"'self'", "${" + apiID(t, conJSON, "HTTP") + ".ApiEndpoint}", ".amazoncognito.com", "https://cognito-identity.${AWS::Region}.amazonaws.com"} {
		if !strings.Contains(directives["connect-src"], src) {
			t.Errorf("connect-src %q lacks %s", directives["connect-src"], src)
		}
	}
	if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "*") {
		t.Errorf("CSP allows unsafe sources or wildcards: %s", csp)
	}
	if path(h, "ContentSecurityPolicy", "Override") != true {
		t.Errorf("CSP does not override the origin's")
	}
	if hsts := path(h, "StrictTransportSecurity"); path(hsts, "AccessControlMaxAgeSec") != float64(365*24*3600) || path(hsts, "IncludeSubdomains") != true || path(hsts, "Override") != true {
		t.Errorf("HSTS %v", hsts)
	}
	if path(h, "ContentTypeOptions", "Override") != true {
		t.Errorf("X-Content-Type-Options %v", path(h, "ContentTypeOptions"))
	}
	if path(h, "FrameOptions", "FrameOption") != "DENY" || path(h, "ReferrerPolicy", "ReferrerPolicy") != "no-referrer" {
		t.Errorf("X-Frame-Options %v, Referrer-Policy %v", path(h, "FrameOptions"), path(h, "ReferrerPolicy"))
	}
}

func TestConsoleRewrite(t *testing.T) {
	fn := conJSON.Resources[conID(t, "ConsolePathRewrite")]
	code, _ := fn.Properties["FunctionCode"].(string)
	if rt := path(fn.Properties, "FunctionConfig", "Runtime"); rt != "cloudfront-js-2.0" {
		t.Errorf("runtime %v", rt)
	}
	cases := map[string]string{
		"/console/":               "/console/index.html",
		"/console/boxes/CP001":    "/console/index.html",
		"/console/sessions/":      "/console/index.html",
		"/console/index.html":     "/console/index.html",
		"/console/app.js":         "/console/app.js",
		"/console/config.json":    "/console/config.json",
		"/console/assets/a.b.css": "/console/assets/a.b.css",
	}
	var uris []string
	for uri := range cases {
		uris = append(uris, uri)
	}
	sort.Strings(uris)
	var requests []map[string]any
	for _, uri := range uris {
		requests = append(requests, map[string]any{"method": "GET", "uri": uri, "querystring": map[string]any{}, "headers": map[string]any{}})
	}
	for i, got := range runRewrite(t, code, requests) {
		if got.StatusCode != 0 || got.URI != cases[uris[i]] {
			t.Errorf("%s -> %+v, want %s", uris[i], got, cases[uris[i]])
		}
	}
}

func TestConsoleUserPool(t *testing.T) {
	_, pool := conJSON.only(t, "AWS::Cognito::UserPool")
	p := pool.Properties
	if path(p, "AdminCreateUserConfig", "AllowAdminCreateUserOnly") != true {
		t.Errorf("self sign-up possible: %v", p["AdminCreateUserConfig"])
	}
	if p["MfaConfiguration"] != "ON" || !reflect.DeepEqual(strs(p["EnabledMfas"]), []string{"SOFTWARE_TOKEN_MFA"}) {
		t.Errorf("MFA %v %v, want required TOTP", p["MfaConfiguration"], p["EnabledMfas"])
	}
	pw := path(p, "Policies", "PasswordPolicy")
	for _, k := range []string{"RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"} {
		if path(pw, k) != true {
			t.Errorf("password policy %s = %v", k, path(pw, k))
		}
	}
	if n, _ := path(pw, "MinimumLength").(float64); n < 12 {
		t.Errorf("password minimum length %v", path(pw, "MinimumLength"))
	}
	if !reflect.DeepEqual(strs(p["UsernameAttributes"]), []string{"email"}) {
		t.Errorf("username attributes %v", p["UsernameAttributes"])
	}
	_, domain := conJSON.only(t, "AWS::Cognito::UserPoolDomain")
	if got := joined(domain.Properties["Domain"]); got != "ocpp-con-${AWS::AccountId}" {
		t.Errorf("domain prefix %s", got)
	}
	if domain.Properties["ManagedLoginVersion"] != float64(2) {
		t.Errorf("managed login version %v, want 2", domain.Properties["ManagedLoginVersion"])
	}
}

func TestConsoleClient(t *testing.T) {
	clientID, client := conJSON.only(t, "AWS::Cognito::UserPoolClient")
	p := client.Properties
	if p["GenerateSecret"] == true {
		t.Errorf("client has a secret: it runs in a browser")
	}
	if !reflect.DeepEqual(strs(p["AllowedOAuthFlows"]), []string{"code"}) || p["AllowedOAuthFlowsUserPoolClient"] != true {
		t.Errorf("OAuth flows %v (%v), want the code grant only", p["AllowedOAuthFlows"], p["AllowedOAuthFlowsUserPoolClient"])
	}
	if !reflect.DeepEqual(strs(p["AllowedOAuthScopes"]), []string{"email", "openid", "profile"}) {
		t.Errorf("scopes %v", p["AllowedOAuthScopes"])
	}
	want := "https://${" + distributionID(t, conJSON) + ".DomainName}/console/"
	for _, k := range []string{"CallbackURLs", "LogoutURLs"} {
		urls, _ := p[k].([]any)
		if len(urls) != 1 || joined(urls[0]) != want {
			t.Errorf("%s %v, want [%s]", k, p[k], want)
		}
	}
	if !reflect.DeepEqual(strs(p["ExplicitAuthFlows"]), []string{"ALLOW_REFRESH_TOKEN_AUTH"}) {
		t.Errorf("explicit auth flows %v: sign-in goes through managed login only", p["ExplicitAuthFlows"])
	}
	if !reflect.DeepEqual(strs(p["SupportedIdentityProviders"]), []string{"COGNITO"}) {
		t.Errorf("identity providers %v", p["SupportedIdentityProviders"])
	}
	_, brand := conJSON.only(t, "AWS::Cognito::ManagedLoginBranding")
	if !refersTo(brand.Properties["ClientId"], clientID) {
		t.Errorf("branding %v not for the console client", brand.Properties)
	}
}

func TestConsoleIdentityPool(t *testing.T) {
	poolID, pool := conJSON.only(t, "AWS::Cognito::IdentityPool")
	clientID, _ := conJSON.only(t, "AWS::Cognito::UserPoolClient")
	userPoolID, _ := conJSON.only(t, "AWS::Cognito::UserPool")
	if pool.Properties["AllowUnauthenticatedIdentities"] != false || pool.Properties["AllowClassicFlow"] != false {
		t.Errorf("identity pool %v: want no unauthenticated identities and no classic flow", pool.Properties)
	}
	providers, _ := pool.Properties["CognitoIdentityProviders"].([]any)
	if len(providers) != 1 || !refersTo(path(providers[0], "ClientId"), clientID) || !refersTo(path(providers[0], "ProviderName"), userPoolID) || path(providers[0], "ServerSideTokenCheck") != true {
		t.Errorf("identity providers %v", providers)
	}
	_, att := conJSON.only(t, "AWS::Cognito::IdentityPoolRoleAttachment")
	if !refersTo(att.Properties["IdentityPoolId"], poolID) {
		t.Errorf("role attachment for %v", att.Properties["IdentityPoolId"])
	}
	if att.Properties["Roles"] != nil {
		t.Errorf("default roles %v: a user in no group must get no credentials", att.Properties["Roles"])
	}
	mappings, _ := att.Properties["RoleMappings"].(map[string]any)
	if len(mappings) != 1 {
		t.Fatalf("role mappings %v", mappings)
	}
	for _, m := range mappings {
		if path(m, "Type") != "Token" || path(m, "AmbiguousRoleResolution") != "Deny" {
			t.Errorf("role mapping %v, want Token with Deny", m)
		}
		if got := joined(path(m, "IdentityProvider")); got != "${"+userPoolID+".ProviderName}:${"+clientID+"}" {
			t.Errorf("role mapping provider %s", got)
		}
	}
	// Each group names its role; operators win when a user is in both.
	groups := map[string]resource{}
	for _, id := range conJSON.ofType("AWS::Cognito::UserPoolGroup") {
		g := conJSON.Resources[id]
		groups[g.Properties["GroupName"].(string)] = g
	}
	for name, role := range map[string]string{ViewerGroup: "ConsoleViewerRole", OperatorGroup: "ConsoleOperatorRole"} {
		if !refersTo(groups[name].Properties["RoleArn"], conID(t, role)) {
			t.Errorf("group %s role %v, want %s", name, groups[name].Properties["RoleArn"], role)
		}
	}
	if len(groups) != 2 || groups[OperatorGroup].Properties["Precedence"].(float64) >= groups[ViewerGroup].Properties["Precedence"].(float64) {
		t.Errorf("groups %v: want viewers and operators, operators first", groups)
	}
}

func TestConsoleRoles(t *testing.T) {
	idPool, _ := conJSON.only(t, "AWS::Cognito::IdentityPool")
	api := apiID(t, conJSON, "HTTP")
	for role, method := range map[string]string{"ConsoleViewerRole": "GET", "ConsoleOperatorRole": "*"} {
		t.Run(role, func(t *testing.T) {
			roleID := conID(t, role)
			trust := path(conJSON.Resources[roleID].Properties, "AssumeRolePolicyDocument", "Statement").([]any)
			if len(trust) != 1 {
				t.Fatalf("trust policy %v", trust)
			}
			s := trust[0]
			if path(s, "Principal", "Federated") != "cognito-identity.amazonaws.com" || path(s, "Action") != "sts:AssumeRoleWithWebIdentity" ||
				!refersTo(path(s, "Condition", "StringEquals", "cognito-identity.amazonaws.com:aud"), idPool) ||
				path(s, "Condition", "ForAnyValue:StringLike", "cognito-identity.amazonaws.com:amr") != "authenticated" {
				t.Errorf("trust policy %v", s)
			}
			var got []statement
			for _, id := range conJSON.ofType("AWS::IAM::Policy") {
				if p := conJSON.Resources[id].Properties; refersTo(p["Roles"], roleID) {
					got = append(got, statements(path(p, "PolicyDocument", "Statement"))...)
				}
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0].Actions, []string{"execute-api:Invoke"}) || got[0].Effect != "Allow" {
				t.Fatalf("statements %+v, want one execute-api:Invoke", got)
			}
			want := "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + api + "}/$default/" + method + "/*"
			if r := joined(got[0].Resource); r != want {
				t.Errorf("resource %s, want %s", r, want)
			}
			if arns := conJSON.Resources[roleID].Properties["ManagedPolicyArns"]; arns != nil {
				t.Errorf("managed policies %v", arns)
			}
		})
	}
}

// With the console, each method of the API has its own IAM route (none matches OPTIONS, so API
// Gateway answers preflights), and CORS admits the console's origin only.
func TestConsoleCORS(t *testing.T) {
	api := apiID(t, conJSON, "HTTP")
	got := map[string]any{}
	for key, r := range routes(conJSON, api) {
		got[key] = r.Properties["AuthorizationType"]
	}
	want := map[string]any{"GET /health": "NONE"}
	for _, m := range []string{"DELETE", "GET", "POST", "PUT"} {
		want[m+" /"], want[m+" /{proxy+}"] = "AWS_IAM", "AWS_IAM"
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("routes %v, want %v", got, want)
	}
	if !reflect.DeepEqual(APIMethods(), []string{"DELETE", "GET", "POST", "PUT"}) {
		t.Errorf("API methods %v", APIMethods())
	}
	if c := conJSON.Resources[api].Properties["CorsConfiguration"]; c != nil {
		t.Errorf("CORS on the API resource %v: it would close a dependency cycle with the distribution", c)
	}
	cors := conJSON.Resources[conID(t, "ConsoleCors/Resource")].Properties
	var create struct {
		Service, Action string
		Parameters      struct {
			ApiID             string `json:"ApiId"`
			CorsConfiguration struct {
				AllowOrigins, AllowMethods, AllowHeaders []string
				AllowCredentials                         bool
				MaxAge                                   int
			}
		}
	}
	if err := json.Unmarshal([]byte(joined(cors["Create"])), &create); err != nil {
		t.Fatalf("custom resource call %s: %v", joined(cors["Create"]), err)
	}
	if joined(cors["Update"]) != joined(cors["Create"]) {
		t.Errorf("update call %s differs from create", joined(cors["Update"]))
	}
	cc := create.Parameters.CorsConfiguration
	if create.Action != "UpdateApi" || create.Parameters.ApiID != "${"+api+"}" {
		t.Errorf("call %+v", create)
	}
	if want := []string{"https://${" + distributionID(t, conJSON) + ".DomainName}"}; !reflect.DeepEqual(cc.AllowOrigins, want) {
		t.Errorf("allowed origins %v, want %v", cc.AllowOrigins, want)
	}
	if !reflect.DeepEqual(cc.AllowMethods, APIMethods()) || cc.AllowCredentials {
		t.Errorf("allowed methods %v, credentials %v", cc.AllowMethods, cc.AllowCredentials)
	}
	for _, h := range []string{"authorization", "x-amz-date", "x-amz-security-token", "content-type"} {
		if !slices.Contains(cc.AllowHeaders, h) {
			t.Errorf("allowed headers %v lack %s", cc.AllowHeaders, h)
		}
	}
	if !strings.Contains(joined(cors["Delete"]), `"DeleteCorsConfiguration"`) {
		t.Errorf("delete call %s: turning the console off must remove CORS", joined(cors["Delete"]))
	}
}

func TestConsoleDeployment(t *testing.T) {
	var dep resource
	for _, r := range conJSON.Resources {
		if r.Type == "Custom::CDKBucketDeployment" {
			dep = r
		}
	}
	p := dep.Properties
	if p["DestinationBucketKeyPrefix"] != "console/" || !refersTo(p["DestinationBucketName"], conID(t, "ConsoleBucket")) {
		t.Errorf("deployment to %v %v", p["DestinationBucketName"], p["DestinationBucketKeyPrefix"])
	}
	if p["Prune"] != true || p["RetainOnDelete"] != false {
		t.Errorf("prune %v, retain on delete %v", p["Prune"], p["RetainOnDelete"])
	}
	if sources, _ := p["SourceObjectKeys"].([]any); len(sources) != 2 {
		t.Errorf("sources %v, want the build and config.json", sources)
	}
	// config.json's deploy-time values.
	idPool, _ := conJSON.only(t, "AWS::Cognito::IdentityPool")
	markers := p["SourceMarkers"]
	for _, id := range []string{conID(t, "ConsoleUserPool"), conID(t, "ConsoleUserPool/ConsoleClient"), idPool,
		apiID(t, conJSON, "HTTP"), conID(t, "ConsoleUserPool/ConsoleDomain"), distributionID(t, conJSON)} {
		if !refersTo(markers, id) {
			t.Errorf("config.json does not name %s: %v", id, markers)
		}
	}
}

func TestConsoleOutputs(t *testing.T) {
	pool := "${" + conID(t, "ConsoleUserPool") + "}"
	want := map[string]string{
		"ConsoleUrl":        "https://${" + distributionID(t, conJSON) + ".DomainName}/console/",
		"ConsoleUserPoolId": pool,
		"ConsoleCreateUser": "aws cognito-idp admin-create-user --user-pool-id " + pool + " --username EMAIL --user-attributes Name=email,Value=EMAIL Name=email_verified,Value=true",
		"ConsoleAddToGroup": "aws cognito-idp admin-add-user-to-group --user-pool-id " + pool + " --username EMAIL --group-name operators",
	}
	for name, w := range want {
		if got := joined(conJSON.Outputs[name].Value); got != w {
			t.Errorf("output %s = %s, want %s", name, got, w)
		}
	}
	if _, ok := devJSON.Outputs["ConsoleUrl"]; ok {
		t.Errorf("console output without the console")
	}
}

// Turned off, the stack has nothing of the console.
func TestConsoleOff(t *testing.T) {
	for _, typ := range []string{"AWS::Cognito::UserPool", "AWS::Cognito::IdentityPool", "AWS::CloudFront::ResponseHeadersPolicy", "AWS::CloudFront::OriginAccessControl", "Custom::CDKBucketDeployment", "Custom::AWS"} {
		if n := len(devJSON.ofType(typ)); n != 0 {
			t.Errorf("%d %s with the console off", n, typ)
		}
	}
	if dev.Console != nil {
		t.Errorf("dev.Console set")
	}
}

// dependencyCycle returns a cycle of resources that depend on each other (Ref, GetAtt or
// DependsOn), or nil. CloudFormation refuses such a template; synthesis does not notice within one
// stack.
func dependencyCycle(tp template) []string {
	var ids []string
	for id := range tp.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	deps := map[string][]string{}
	for _, id := range ids {
		r := tp.Resources[id]
		raw, _ := json.Marshal(r.Properties)
		var props any
		_ = json.Unmarshal(raw, &props)
		for _, other := range ids {
			if other != id && refersTo(props, other) {
				deps[id] = append(deps[id], other)
			}
		}
		deps[id] = append(deps[id], strs(r.DependsOn)...)
	}
	state := map[string]int{} // 1 on the current path, 2 done
	var visit func(id string, trail []string) []string
	visit = func(id string, trail []string) []string {
		switch state[id] {
		case 1:
			return append(trail, id)
		case 2:
			return nil
		}
		state[id] = 1
		for _, d := range deps[id] {
			if cycle := visit(d, append(trail, id)); cycle != nil {
				return cycle
			}
		}
		state[id] = 2
		return nil
	}
	for _, id := range ids {
		if cycle := visit(id, nil); cycle != nil {
			return cycle
		}
	}
	return nil
}

func TestNoDependencyCycle(t *testing.T) {
	for name, tp := range map[string]template{"dev": devJSON, "prod": prodJSON, "ext": extJSON, "pub": pubJSON, "con": conJSON, "mtls": mtlsJSON} {
		if cycle := dependencyCycle(tp); cycle != nil {
			t.Errorf("%s: dependency cycle %s", name, strings.Join(cycle, " -> "))
		}
	}
	// The check sees a cycle like the one CORS on the API resource would close.
	cyclic := template{Resources: map[string]resource{
		"Api":    {Properties: map[string]any{"CorsConfiguration": map[string]any{"AllowOrigins": []any{map[string]any{"Fn::GetAtt": []any{"Dist", "DomainName"}}}}}},
		"Dist":   {Properties: map[string]any{"Policy": map[string]any{"Ref": "Policy"}}},
		"Policy": {Properties: map[string]any{"Csp": map[string]any{"Fn::GetAtt": []any{"Api", "ApiEndpoint"}}}},
		"Other":  {DependsOn: "Api"},
	}}
	if cycle := dependencyCycle(cyclic); len(cycle) != 4 {
		t.Errorf("cycle %v, want Api -> Dist -> Policy -> Api", cycle)
	}
}

func TestConsoleSettings(t *testing.T) {
	p, err := propsFromContext(func(k string) string { return map[string]string{"console": "false", "consoleDir": "/tmp/c"}[k] })
	if err != nil || *p.Console || p.ConsoleDir != "/tmp/c" {
		t.Errorf("propsFromContext = %v %q, %v", *p.Console, p.ConsoleDir, err)
	}
	p, err = propsFromContext(func(string) string { return "" })
	if err != nil || !*p.Console || p.ConsoleDir != "../shared/console/dist" {
		t.Errorf("defaults: console %v in %q, %v", *p.Console, p.ConsoleDir, err)
	}
	if _, err := propsFromContext(func(k string) string { return map[string]string{"console": "perhaps"}[k] }); err == nil {
		t.Errorf("console=perhaps: want an error")
	}
	if err := (CentralSystemStackProps{Stage: "aws-test"}).Validate(); err == nil || !strings.Contains(err.Error(), "Cognito") {
		t.Errorf("stage aws-test with the console: %v, want an error about the Cognito domain", err)
	}
	if err := (CentralSystemStackProps{Stage: "aws-test", Console: new(bool)}).Validate(); err != nil {
		t.Errorf("stage aws-test without the console: %v", err)
	}
	if got := ConsoleDomainPrefix("QA_1"); got != "ocpp-qa-1-" {
		t.Errorf("domain prefix %q", got)
	}
	err = checkConsole(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "make build") {
		t.Errorf("checkConsole on an empty dir: %v", err)
	}
}

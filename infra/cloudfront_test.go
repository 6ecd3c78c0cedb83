package main

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/testenv"
)

// harness loads a cloudfront-js handler from the file named by argv[1] and runs it on each
// event read from stdin, printing the results.
const harness = `
const fs = require('fs');
const handler = new Function(fs.readFileSync(process.argv[1], 'utf8') + '\nreturn handler;')();
const events = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(events.map((e) => handler(e))));
`

type cfValue struct {
	Value      string    `json:"value"`
	MultiValue []cfValue `json:"multiValue,omitempty"`
}

type cfResult struct {
	StatusCode  int                `json:"statusCode"`
	URI         string             `json:"uri"`
	Querystring map[string]cfValue `json:"querystring"`
}

// runRewrite runs the synthesized function code with node on the given requests.
func runRewrite(t *testing.T, code string, requests []map[string]any) []cfResult {
	t.Helper()
	node := testenv.Tool(t, "node", "install Node.js 20 to run the CloudFront Function tests")
	file := filepath.Join(t.TempDir(), "rewrite.js")
	if err := os.WriteFile(file, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	var events []map[string]any
	for _, r := range requests {
		events = append(events, map[string]any{
			"version": "1.0",
			"context": map[string]any{"eventType": "viewer-request"},
			"viewer":  map[string]any{"ip": "192.0.2.1"},
			"request": r,
		})
	}
	in, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "-e", harness, file)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var results []cfResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	if len(results) != len(requests) {
		t.Fatalf("%d results for %d requests", len(results), len(requests))
	}
	return results
}

// functionCode returns the code and runtime of the stack's only CloudFront Function.
func functionCode(t *testing.T, tp template) (code, runtime string) {
	t.Helper()
	_, fn := tp.only(t, "AWS::CloudFront::Function")
	code, _ = fn.Properties["FunctionCode"].(string)
	runtime, _ = path(fn.Properties, "FunctionConfig", "Runtime").(string)
	return code, runtime
}

// q builds a CloudFront querystring object from key, value pairs.
func q(kv ...string) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = map[string]any{"value": kv[i+1]}
	}
	return m
}

var multi = map[string]any{"value": "1", "multiValue": []any{map[string]any{"value": "1"}, map[string]any{"value": "2"}}}

// rewriteCase is one viewer request and what the function must make of it.
type rewriteCase struct {
	name  string
	uri   string
	query map[string]any
	// wantID is the identity $connect must see after API Gateway decodes the query; empty
	// means the request is refused with 404.
	wantID string
	// wantEncoded is the chargeBoxId value as forwarded.
	wantEncoded string
	wantOther   map[string]cfValue
}

var rewriteCases = []rewriteCase{
	{name: "plain id", uri: "/ocpp/CP001", query: q(), wantID: "CP001", wantEncoded: "CP001"},
	{name: "percent-encoded space", uri: "/ocpp/CP%20001", query: q(), wantID: "CP 001", wantEncoded: "CP%20001"},
	{name: "raw space", uri: "/ocpp/CP 001", query: q(), wantID: "CP 001", wantEncoded: "CP%20001"},
	{name: "plus and encoded slash", uri: "/ocpp/a+b%2Fc", query: q(), wantID: "a+b/c", wantEncoded: "a%2Bb%2Fc"},
	{name: "utf-8", uri: "/ocpp/%C3%A9t%C3%A9", query: q(), wantID: "été", wantEncoded: "%C3%A9t%C3%A9"},
	{name: "reserved characters", uri: "/ocpp/A%26B%3DC%3F", query: q(), wantID: "A&B=C?", wantEncoded: "A%26B%3DC%3F"},
	{name: "no querystring object", uri: "/ocpp/CP002", query: nil, wantID: "CP002", wantEncoded: "CP002"},
	{
		name: "extra query kept", uri: "/ocpp/CP003", query: map[string]any{"foo": map[string]any{"value": "bar"}, "multi": multi},
		wantID: "CP003", wantEncoded: "CP003",
		wantOther: map[string]cfValue{"foo": {Value: "bar"}, "multi": {Value: "1", MultiValue: []cfValue{{Value: "1"}, {Value: "2"}}}},
	},
	{
		name: "spoofed chargeBoxId replaced", uri: "/ocpp/CP004", query: q("chargeBoxId", "EVIL", "ChargeBoxID", "EVIL2", "x", "y"),
		wantID: "CP004", wantEncoded: "CP004", wantOther: map[string]cfValue{"x": {Value: "y"}},
	},
	{name: "root", uri: "/", query: q()},
	{name: "prefix only", uri: "/ocpp", query: q()},
	{name: "empty id", uri: "/ocpp/", query: q()},
	{name: "trailing slash", uri: "/ocpp/CP001/", query: q()},
	{name: "two segments", uri: "/ocpp/a/b", query: q()},
	{name: "stage path itself", uri: "/dev", query: q("chargeBoxId", "CP001")},
	{name: "other prefix", uri: "/other/CP001", query: q()},
	{name: "case differs", uri: "/OCPP/CP001", query: q()},
	{name: "malformed encoding", uri: "/ocpp/%E0%A4%A", query: q()},
	{name: "id too long", uri: "/ocpp/" + strings.Repeat("x", 256), query: q()},
	{name: "longest id", uri: "/ocpp/" + strings.Repeat("y", 255), query: q(), wantID: strings.Repeat("y", 255), wantEncoded: strings.Repeat("y", 255)},
}

func TestRewriteFunction(t *testing.T) {
	code, runtime := functionCode(t, devJSON)
	if runtime != "cloudfront-js-2.0" {
		t.Errorf("runtime %q, want cloudfront-js-2.0", runtime)
	}
	var requests []map[string]any
	for _, c := range rewriteCases {
		r := map[string]any{"method": "GET", "uri": c.uri, "headers": map[string]any{}, "cookies": map[string]any{}}
		if c.query != nil {
			r["querystring"] = c.query
		}
		requests = append(requests, r)
	}
	results := runRewrite(t, code, requests)
	for i, c := range rewriteCases {
		t.Run(c.name, func(t *testing.T) { checkRewrite(t, c, results[i]) })
	}
}

// checkRewrite checks the function's result for one request.
func checkRewrite(t *testing.T, c rewriteCase, got cfResult) {
	t.Helper()
	if c.wantID == "" {
		if got.StatusCode != 404 {
			t.Fatalf("got %+v, want a 404 response", got)
		}
		return
	}
	if got.StatusCode != 0 || got.URI != "/dev" {
		t.Fatalf("got %+v, want the request rewritten to /dev", got)
	}
	id, ok := got.Querystring["chargeBoxId"]
	if !ok || id.Value != c.wantEncoded {
		t.Errorf("chargeBoxId = %+v, want %q", id, c.wantEncoded)
	}
	decoded, err := url.QueryUnescape(id.Value)
	if err != nil || decoded != c.wantID {
		t.Errorf("chargeBoxId decodes to %q (%v), want %q", decoded, err, c.wantID)
	}
	other := map[string]cfValue{}
	for k, v := range got.Querystring {
		if k != "chargeBoxId" {
			other[k] = v
		}
	}
	want := c.wantOther
	if want == nil {
		want = map[string]cfValue{}
	}
	if !reflect.DeepEqual(other, want) {
		t.Errorf("other query parameters %+v, want %+v", other, want)
	}
}

// Each stage's function rewrites to its own stage.
func TestRewriteFunctionStage(t *testing.T) {
	code, _ := functionCode(t, prodJSON)
	got := runRewrite(t, code, []map[string]any{{"method": "GET", "uri": "/ocpp/CP9", "querystring": map[string]any{}}})
	if got[0].URI != "/prod" || got[0].Querystring["chargeBoxId"].Value != "CP9" {
		t.Errorf("prod rewrite = %+v, want /prod?chargeBoxId=CP9", got[0])
	}
}

func TestDistribution(t *testing.T) {
	for _, c := range []struct {
		name   string
		tp     template
		domain string
	}{{"dev", devJSON, ""}, {"prod", prodJSON, "ocpp.example.com"}} {
		t.Run(c.name, func(t *testing.T) {
			_, dist := c.tp.only(t, "AWS::CloudFront::Distribution")
			cfg := path(dist.Properties, "DistributionConfig")
			behavior := path(cfg, "DefaultCacheBehavior")
			fnID, _ := c.tp.only(t, "AWS::CloudFront::Function")
			if path(behavior, "FunctionAssociations", 0, "EventType") != "viewer-request" || !refersTo(path(behavior, "FunctionAssociations", 0, "FunctionARN"), fnID) {
				t.Errorf("function association %v", path(behavior, "FunctionAssociations"))
			}
			if path(behavior, "ViewerProtocolPolicy") != "https-only" {
				t.Errorf("viewer protocol policy %v", path(behavior, "ViewerProtocolPolicy"))
			}
			// The origin is the execute-api host of this stack's WebSocket API, over HTTPS.
			origin := path(cfg, "Origins", 0)
			ws := webSocketAPIID(t, c.tp)
			if got := joined(path(origin, "DomainName")); got != "${"+ws+"}.execute-api.${AWS::Region}.${AWS::URLSuffix}" {
				t.Errorf("origin domain %s", got)
			}
			if path(origin, "CustomOriginConfig", "OriginProtocolPolicy") != "https-only" {
				t.Errorf("origin protocol %v", path(origin, "CustomOriginConfig"))
			}
			if path(origin, "OriginPath") != nil {
				t.Errorf("origin path %v: the function names the stage", path(origin, "OriginPath"))
			}

			orpID, orp := c.tp.only(t, "AWS::CloudFront::OriginRequestPolicy")
			if !refersTo(path(behavior, "OriginRequestPolicyId"), orpID) {
				t.Errorf("origin request policy not used")
			}
			headers := strs(path(orp.Properties, "OriginRequestPolicyConfig", "HeadersConfig", "Headers"))
			if want := strs(toAny(WebSocketHeaders)); !reflect.DeepEqual(headers, want) {
				t.Errorf("forwarded headers %v, want %v", headers, want)
			}
			if path(orp.Properties, "OriginRequestPolicyConfig", "QueryStringsConfig", "QueryStringBehavior") != "all" {
				t.Errorf("query strings not all forwarded")
			}
			cpID, cp := c.tp.only(t, "AWS::CloudFront::CachePolicy")
			if !refersTo(path(behavior, "CachePolicyId"), cpID) {
				t.Errorf("cache policy not used")
			}
			cpc := path(cp.Properties, "CachePolicyConfig")
			if h := strs(path(cpc, "ParametersInCacheKeyAndForwardedToOrigin", "HeadersConfig", "Headers")); !reflect.DeepEqual(h, []string{"Authorization"}) {
				t.Errorf("cache policy headers %v, want Authorization (Basic auth)", h)
			}
			if path(cpc, "DefaultTTL") != float64(0) || path(cpc, "MinTTL") != float64(0) || path(cpc, "MaxTTL").(float64) > 1 {
				t.Errorf("cache TTLs %v/%v/%v: want nothing cached", path(cpc, "MinTTL"), path(cpc, "DefaultTTL"), path(cpc, "MaxTTL"))
			}

			aliases := strs(path(cfg, "Aliases"))
			if c.domain == "" {
				if len(aliases) != 0 || path(cfg, "ViewerCertificate") != nil {
					t.Errorf("aliases %v / certificate %v without a custom domain", aliases, path(cfg, "ViewerCertificate"))
				}
				return
			}
			if !reflect.DeepEqual(aliases, []string{c.domain}) || path(cfg, "ViewerCertificate", "AcmCertificateArn") != prodProps.CertificateArn {
				t.Errorf("aliases %v, certificate %v", aliases, path(cfg, "ViewerCertificate"))
			}
		})
	}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

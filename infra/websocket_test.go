package main

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

// apiID returns the logical id of the API with the given protocol (WEBSOCKET or HTTP).
func apiID(t *testing.T, tp template, protocol string) string {
	t.Helper()
	for _, id := range tp.ofType("AWS::ApiGatewayV2::Api") {
		if tp.Resources[id].Properties["ProtocolType"] == protocol {
			return id
		}
	}
	t.Fatalf("no %s API", protocol)
	return ""
}

func webSocketAPIID(t *testing.T, tp template) string { return apiID(t, tp, "WEBSOCKET") }

// routes maps route keys of an API to their resources.
func routes(tp template, api string) map[string]resource {
	out := map[string]resource{}
	for _, id := range tp.ofType("AWS::ApiGatewayV2::Route") {
		r := tp.Resources[id]
		if refersTo(r.Properties["ApiId"], api) {
			out[r.Properties["RouteKey"].(string)] = r
		}
	}
	return out
}

// integrationTarget returns the logical id of the function behind a route.
func integrationTarget(t *testing.T, tp template, route resource) (integration resource, function string) {
	t.Helper()
	for _, id := range tp.ofType("AWS::ApiGatewayV2::Integration") {
		if refersTo(route.Properties["Target"], id) {
			integration = tp.Resources[id]
			for _, fn := range tp.ofType("AWS::Lambda::Function") {
				if refersTo(integration.Properties["IntegrationUri"], fn) {
					return integration, fn
				}
			}
		}
	}
	t.Fatalf("route %v: no Lambda integration", route.Properties["RouteKey"])
	return resource{}, ""
}

func TestWebSocketRoutes(t *testing.T) {
	api := webSocketAPIID(t, devJSON)
	got := routes(devJSON, api)
	want := map[string]string{"$connect": FnConnect, "$default": FnMessage, "$disconnect": FnDisconnect}
	if len(got) != len(want) {
		t.Errorf("%d routes, want %d", len(got), len(want))
	}
	for key, fn := range want {
		route, ok := got[key]
		if !ok {
			t.Errorf("no route %s", key)
			continue
		}
		integration, target := integrationTarget(t, devJSON, route)
		if target != devJSON.function(t, "dev", fn) {
			t.Errorf("route %s invokes %s, want the %s function", key, target, fn)
		}
		if integration.Properties["IntegrationType"] != "AWS_PROXY" {
			t.Errorf("route %s: integration type %v", key, integration.Properties["IntegrationType"])
		}
		wantAuth := "NONE"
		if key == "$connect" {
			wantAuth = "CUSTOM"
		}
		if route.Properties["AuthorizationType"] != wantAuth {
			t.Errorf("route %s: authorization %v, want %s", key, route.Properties["AuthorizationType"], wantAuth)
		}
	}

	// $connect runs the authorizer, which reads the identity the CloudFront Function put in
	// the query string and is not cached.
	authID, auth := devJSON.only(t, "AWS::ApiGatewayV2::Authorizer")
	if !refersTo(got["$connect"].Properties["AuthorizerId"], authID) {
		t.Errorf("$connect authorizer %v, want %s", got["$connect"].Properties["AuthorizerId"], authID)
	}
	if auth.Properties["AuthorizerType"] != "REQUEST" || strings.Join(strs(auth.Properties["IdentitySource"]), ",") != IdentitySource {
		t.Errorf("authorizer %v", auth.Properties)
	}
	if !refersTo(auth.Properties["AuthorizerUri"], devJSON.function(t, "dev", FnAuthorizer)) {
		t.Errorf("authorizer does not invoke the authorizer function: %v", auth.Properties["AuthorizerUri"])
	}
	if ttl, ok := auth.Properties["AuthorizerResultTtlInSeconds"]; ok && ttl != float64(0) {
		t.Errorf("authorizer cached for %v s", ttl)
	}

	// $default answers through a route response: the function's return body is the OCPP answer.
	if got["$default"].Properties["RouteResponseSelectionExpression"] != "$default" {
		t.Errorf("$default: RouteResponseSelectionExpression %v", got["$default"].Properties["RouteResponseSelectionExpression"])
	}
	_, rr := devJSON.only(t, "AWS::ApiGatewayV2::RouteResponse")
	var defaultRouteID string
	for _, id := range devJSON.ofType("AWS::ApiGatewayV2::Route") {
		if devJSON.Resources[id].Properties["RouteKey"] == "$default" {
			defaultRouteID = id
		}
	}
	if rr.Properties["RouteResponseKey"] != "$default" || !refersTo(rr.Properties["RouteId"], defaultRouteID) {
		t.Errorf("route response %v, want key $default on route %s", rr.Properties, defaultRouteID)
	}
	for _, key := range []string{"$connect", "$disconnect"} {
		if _, ok := got[key].Properties["RouteResponseSelectionExpression"]; ok {
			t.Errorf("route %s has a route response selection expression", key)
		}
	}

	// A stage named after the stage prop, deployed automatically.
	noPanic(t, "websocket stage", func() {
		devTpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), &map[string]any{
			"ApiId":      map[string]any{"Ref": api},
			"StageName":  "dev",
			"AutoDeploy": true,
		})
	})
}

// MANAGEMENT_ENDPOINT is the execute-api URL of this API's stage, never CloudFront's domain.
func TestManagementEndpoint(t *testing.T) {
	for _, c := range []struct {
		tp    template
		stage string
	}{{devJSON, "dev"}, {prodJSON, "prod"}} {
		api := webSocketAPIID(t, c.tp)
		want := "https://${" + api + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + c.stage
		dist, _ := c.tp.only(t, "AWS::CloudFront::Distribution")
		for _, spec := range functionSpecs {
			fn := c.tp.Resources[c.tp.function(t, c.stage, spec.name)]
			vars := path(fn.Properties, "Environment", "Variables")
			if refersTo(vars, dist) || strings.Contains(joined(vars), "cloudfront") {
				t.Errorf("%s/%s: environment refers to CloudFront", c.stage, spec.name)
			}
			endpoint := path(vars, "MANAGEMENT_ENDPOINT")
			if !spec.management {
				if endpoint != nil {
					t.Errorf("%s/%s: MANAGEMENT_ENDPOINT set", c.stage, spec.name)
				}
				continue
			}
			if got := joined(endpoint); got != want {
				t.Errorf("%s/%s: MANAGEMENT_ENDPOINT = %s, want %s", c.stage, spec.name, got, want)
			}
		}
	}
}

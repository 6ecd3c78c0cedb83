package main

import (
	"testing"
)

func TestHTTPAPIRoutes(t *testing.T) {
	api := apiID(t, devJSON, "HTTP")
	got := routes(devJSON, api)
	want := map[string]string{
		"ANY /":         "AWS_IAM",
		"ANY /{proxy+}": "AWS_IAM",
		"GET /health":   "NONE",
	}
	if len(got) != len(want) {
		t.Errorf("%d routes, want %d: %v", len(got), len(want), keys(got))
	}
	fn := devJSON.function(t, "dev", FnAPI)
	for key, auth := range want {
		route, ok := got[key]
		if !ok {
			t.Errorf("no route %s", key)
			continue
		}
		if route.Properties["AuthorizationType"] != auth {
			t.Errorf("route %s: authorization %v, want %s", key, route.Properties["AuthorizationType"], auth)
		}
		integration, target := integrationTarget(t, devJSON, route)
		if target != fn {
			t.Errorf("route %s invokes %s, want the api function", key, target)
		}
		if integration.Properties["PayloadFormatVersion"] != "2.0" {
			t.Errorf("route %s: payload format %v, want 2.0", key, integration.Properties["PayloadFormatVersion"])
		}
	}
	if !refersTo(devJSON.Outputs["HttpApiUrl"].Value, api) {
		t.Errorf("HttpApiUrl output %v does not name the HTTP API", devJSON.Outputs["HttpApiUrl"].Value)
	}
}

func keys(m map[string]resource) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

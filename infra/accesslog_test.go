package main

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// stageOf returns the one AWS::ApiGatewayV2::Stage of the API of the given protocol.
func stageOf(t *testing.T, tp template, protocol string) resource {
	t.Helper()
	api := apiID(t, tp, protocol)
	var found []resource
	for _, id := range tp.ofType("AWS::ApiGatewayV2::Stage") {
		if r := tp.Resources[id]; refersTo(r.Properties["ApiId"], api) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s API: %d stages, want 1", protocol, len(found))
	}
	return found[0]
}

func TestStageThrottles(t *testing.T) {
	for _, c := range []struct {
		tp              template
		protocol        string
		rate, burstWant float64
	}{
		{devJSON, "WEBSOCKET", 1000, 2000}, {devJSON, "HTTP", 100, 200},
		{prodJSON, "WEBSOCKET", 300, 600}, {prodJSON, "HTTP", 20, 40},
	} {
		st := stageOf(t, c.tp, c.protocol)
		rate := path(st.Properties, "DefaultRouteSettings", "ThrottlingRateLimit")
		burst := path(st.Properties, "DefaultRouteSettings", "ThrottlingBurstLimit")
		if rate != c.rate || burst != c.burstWant {
			t.Errorf("%s stage throttle: rate %v burst %v, want %v and %v", c.protocol, rate, burst, c.rate, c.burstWant)
		}
	}
}

func TestAccessLogs(t *testing.T) {
	for _, c := range []struct {
		name      string
		tp        template
		protocol  string
		on        bool
		retention float64
		mustField []string
	}{
		{"dev HTTP API", devJSON, "HTTP", true, 30, []string{"$context.requestId", "$context.identity.userArn", "$context.status", "$context.routeKey", "$context.identity.sourceIp", "$context.error.message"}},
		{"dev WebSocket (on by default)", devJSON, "WEBSOCKET", true, 30, []string{"$context.connectionId", "$context.eventType", "$context.routeKey", "$context.identity.sourceIp", "$context.status", "$context.error.message"}},
		{"prod WebSocket", prodJSON, "WEBSOCKET", true, 90, []string{"$context.connectionId", "$context.eventType", "$context.authorizer.chargeBoxId", "$context.status"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := stageOf(t, c.tp, c.protocol)
			settings, ok := st.Properties["AccessLogSettings"]
			if !c.on {
				if ok {
					t.Fatalf("access logs configured: %v", settings)
				}
				return
			}
			format, _ := path(st.Properties, "AccessLogSettings", "Format").(string)
			var fields map[string]string
			if err := json.Unmarshal([]byte(format), &fields); err != nil {
				t.Fatalf("format %q is not a JSON object: %v", format, err)
			}
			values := strings.Join(slices.Collect(maps.Values(fields)), " ")
			for _, f := range c.mustField {
				if !strings.Contains(values, f) {
					t.Errorf("format lacks %s: %s", f, format)
				}
			}
			dest := path(st.Properties, "AccessLogSettings", "DestinationArn")
			var group string
			for _, id := range c.tp.ofType("AWS::Logs::LogGroup") {
				if refersTo(dest, id) {
					group = id
				}
			}
			if group == "" {
				t.Fatalf("destination %v is not a log group of the stack", dest)
			}
			// No fixed name: a retained group of a destroyed stage would block the redeploy.
			if name, ok := c.tp.Resources[group].Properties["LogGroupName"]; ok {
				t.Errorf("log group named %v", name)
			}
			if r := c.tp.Resources[group].Properties["RetentionInDays"]; r != c.retention {
				t.Errorf("retention %v days, want %v", r, c.retention)
			}
		})
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/publish"
)

type alarmKey struct{ namespace, metric, target string }

func TestAlarms(t *testing.T) {
	topicID, _ := devJSON.only(t, "AWS::SNS::Topic")
	alarms := map[alarmKey]resource{}
	for _, id := range devJSON.ofType("AWS::CloudWatch::Alarm") {
		r := devJSON.Resources[id]
		if !refersTo(r.Properties["AlarmActions"], topicID) {
			t.Errorf("%s: no action to the alarm topic", id)
		}
		target := ""
		for _, d := range asList(r.Properties["Dimensions"]) {
			target += joined(path(d, "Value"))
		}
		ns, _ := r.Properties["Namespace"].(string)
		metric, _ := r.Properties["MetricName"].(string)
		alarms[alarmKey{ns, metric, target}] = r
	}
	ref := func(id string) string { return "${" + id + "}" }
	var want []alarmKey
	for _, spec := range functionSpecs {
		fn := ref(devJSON.function(t, "dev", spec.name))
		want = append(want, alarmKey{"AWS/Lambda", "Errors", fn}, alarmKey{"AWS/Lambda", "Throttles", fn})
	}
	bucketID, _ := devJSON.only(t, "AWS::S3::Bucket")
	iteratorAge := alarmKey{"AWS/Lambda", "IteratorAge", ref(devJSON.function(t, "dev", FnPublisher))}
	want = append(want,
		iteratorAge,
		alarmKey{"AWS/S3", "PutRequests", ref(bucketID) + FailureStoreMetricsID},
		alarmKey{"AWS/ApiGateway", "ExecutionError", ref(webSocketAPIID(t, devJSON)) + "dev"},
		alarmKey{"AWS/ApiGateway", "5xx", ref(apiID(t, devJSON, "HTTP"))},
		alarmKey{"OCPP/dev", "UnroutableMessages", ""},
		alarmKey{"OCPP/dev", CriticalSecurityEventMetric, ""},
	)
	for _, k := range want {
		if _, ok := alarms[k]; !ok {
			t.Errorf("no alarm on %+v", k)
		}
	}
	if len(alarms) != len(want) {
		t.Errorf("%d alarms, want %d", len(alarms), len(want))
	}
	if a := alarms[iteratorAge]; a.Properties["Threshold"] != float64(IteratorAgeThreshold) || a.Properties["Statistic"] != "Maximum" {
		t.Errorf("iterator age alarm %v", a.Properties)
	}
	if n := len(devJSON.ofType("AWS::CloudWatch::Dashboard")); n != 1 {
		t.Errorf("%d dashboards", n)
	}
	// The prod stack subscribes its alarm address.
	_, sub := prodJSON.only(t, "AWS::SNS::Subscription")
	if sub.Properties["Protocol"] != "email" || sub.Properties["Endpoint"] != prodProps.AlarmEmail {
		t.Errorf("alarm subscription %v", sub.Properties)
	}
	if n := len(devJSON.ofType("AWS::SNS::Subscription")); n != 0 {
		t.Errorf("dev has %d alarm subscriptions without an address", n)
	}
}

func TestLogGroups(t *testing.T) {
	for _, c := range []struct {
		tp     template
		stage  string
		policy string
		access int // access log groups: the HTTP API's, and the WebSocket stage's when on
	}{{devJSON, "dev", "Retain", 2}, {prodJSON, "prod", "Delete", 2}} {
		groups := c.tp.ofType("AWS::Logs::LogGroup")
		if len(groups) != len(functionSpecs)+c.access {
			t.Errorf("%s: %d log groups for %d functions and %d access logs", c.stage, len(groups), len(functionSpecs), c.access)
		}
		for _, id := range groups {
			r := c.tp.Resources[id]
			if r.Properties["RetentionInDays"] != float64(30) && !(c.stage == "prod" && r.Properties["RetentionInDays"] == float64(90)) {
				t.Errorf("%s/%s: retention %v, want 30 days (90 for prod's access logs)", c.stage, id, r.Properties["RetentionInDays"])
			}
			if name, ok := r.Properties["LogGroupName"]; ok {
				t.Errorf("%s/%s: fixed name %v would block a redeploy after destroy", c.stage, id, name)
			}
			if r.DeletionPolicy != c.policy {
				t.Errorf("%s/%s: deletion policy %q, want %q", c.stage, id, r.DeletionPolicy, c.policy)
			}
		}
	}
}

// TestUnroutableMessagesAreCounted: the publisher's "dropped, no queue bound" log line feeds the
// UnroutableMessages metric its alarm watches; the pattern uses the publisher's own constant.
func TestUnroutableMessagesAreCounted(t *testing.T) {
	id, r := devJSON.metricFilter(t, "UnroutableMessages")
	pattern, _ := r.Properties["FilterPattern"].(string)
	if !strings.Contains(pattern, "$.msg") || !strings.Contains(pattern, publish.UnroutableLog) {
		t.Errorf("%s: pattern %q does not match the publisher's log line", id, pattern)
	}
	raw, _ := json.Marshal(r.Properties)
	if !strings.Contains(string(raw), `"MetricName":"UnroutableMessages"`) || !strings.Contains(string(raw), `"MetricNamespace":"OCPP/dev"`) {
		t.Errorf("%s: metric %s", id, raw)
	}
	if ref, _ := path(r.Properties["LogGroupName"], "Ref").(string); !strings.HasPrefix(ref, "PublisherLogs") {
		t.Errorf("%s: filters log group %v, want the publisher's", id, r.Properties["LogGroupName"])
	}
}

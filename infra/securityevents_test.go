package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/csms"
)

// TestCriticalSecurityEventsAreCountedAndAlarmed: the message function's critical-event log
// line feeds the CriticalSecurityEvents metric (the pattern is the handler's own constant) and
// one event raises the alarm.
func TestCriticalSecurityEventsAreCountedAndAlarmed(t *testing.T) {
	id, r := devJSON.metricFilter(t, CriticalSecurityEventMetric)
	pattern, _ := r.Properties["FilterPattern"].(string)
	if !strings.Contains(pattern, "$.msg") || !strings.Contains(pattern, csms.CriticalSecurityEventLog) {
		t.Errorf("%s: pattern %q does not match the message function's log line", id, pattern)
	}
	group, _ := json.Marshal(r.Properties["LogGroupName"])
	ref := strings.Trim(strings.TrimPrefix(string(group), `{"Ref":`), `"}`)
	fn, _ := json.Marshal(devJSON.Resources[devJSON.function(t, "dev", FnMessage)].Properties["LoggingConfig"])
	if ref == "" || !strings.Contains(string(fn), `"`+ref+`"`) {
		t.Errorf("%s: filters log group %s, want the message function's", id, group)
	}
	found := false
	for _, aid := range devJSON.ofType("AWS::CloudWatch::Alarm") {
		p := devJSON.Resources[aid].Properties
		if p["MetricName"] == CriticalSecurityEventMetric {
			found = true
			if p["Namespace"] != "OCPP/dev" || p["Threshold"] != 1.0 || p["Statistic"] != "Sum" || p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" {
				t.Errorf("%s: %v", aid, p)
			}
		}
	}
	if !found {
		t.Error("no alarm on critical security events")
	}
}

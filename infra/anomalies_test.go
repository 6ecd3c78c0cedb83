package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/csms"
)

// metricFilter returns the metric filter that feeds the named metric.
func (tp template) metricFilter(t *testing.T, metric string) (string, resource) {
	t.Helper()
	for _, id := range tp.ofType("AWS::Logs::MetricFilter") {
		raw, _ := json.Marshal(tp.Resources[id].Properties)
		if strings.Contains(string(raw), `"MetricName":"`+metric+`"`) {
			return id, tp.Resources[id]
		}
	}
	t.Fatalf("no metric filter feeds %s", metric)
	return "", resource{}
}

// TestAnomaliesAreCounted: the message function's anomaly log line feeds the AnomalousFrames
// metric; the pattern uses the handler's own constant.
func TestAnomaliesAreCounted(t *testing.T) {
	id, r := devJSON.metricFilter(t, AnomalyMetric)
	pattern, _ := r.Properties["FilterPattern"].(string)
	if !strings.Contains(pattern, "$.msg") || !strings.Contains(pattern, csms.AnomalyLog) {
		t.Errorf("%s: pattern %q does not match the message function's log line", id, pattern)
	}
	raw, _ := json.Marshal(r.Properties)
	if !strings.Contains(string(raw), `"MetricNamespace":"OCPP/dev"`) {
		t.Errorf("%s: metric %s", id, raw)
	}
	// Log groups have no fixed name (docs/deploy.md, "Names"): compare by logical id.
	if want := logicalID(dev.Stack, dev.Functions.LogGroups[FnMessage]); !refersTo(r.Properties["LogGroupName"], want) {
		t.Errorf("%s: filters log group %v, want the message function's (%s)", id, r.Properties["LogGroupName"], want)
	}
}

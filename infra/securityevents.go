package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/serverless-ocpp/csms/shared/csms"
)

// CriticalSecurityEventMetric is the CloudWatch metric (namespace OCPP/<stage>) counting the
// security events charge boxes report that the security whitepaper marks critical (tamper
// detection, firmware updated, reset, security log cleared...): one per event.
const CriticalSecurityEventMetric = "CriticalSecurityEvents"

// newSecurityEventMetric counts the message function's critical-event log lines
// (csms.CriticalSecurityEventLog) in CriticalSecurityEventMetric, raises an alarm on the first
// one and graphs it. The events themselves are listed by the API (GET /security-events).
func newSecurityEventMetric(scope constructs.Construct, p CentralSystemStackProps, s *CentralSystemStack) awscloudwatch.Metric {
	return newLogMetric(scope, p, s, logMetric{Name: CriticalSecurityEventMetric, Log: csms.CriticalSecurityEventLog,
		Title:   "Critical security events from charge boxes (GET /security-events)",
		AlarmID: "critical-security-events", AlarmDescription: "Charge boxes reported critical security events (GET /security-events; docs/security-extension.md)"})
}

package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

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
	metric := awslogs.NewMetricFilter(scope, jsii.String(CriticalSecurityEventMetric), &awslogs.MetricFilterProps{
		LogGroup:        s.Functions.LogGroups[FnMessage],
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(csms.CriticalSecurityEventLog)),
		MetricNamespace: jsii.String("OCPP/" + p.Stage),
		MetricName:      jsii.String(CriticalSecurityEventMetric),
		MetricValue:     jsii.String("1"),
	}).Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5))})
	if s.Monitoring == nil {
		return metric
	}
	s.Monitoring.alarm("critical-security-events", "Charge boxes reported critical security events (GET /security-events; docs/security-extension.md)", metric, 1)
	if s.Monitoring.Dashboard != nil {
		s.Monitoring.Dashboard.AddWidgets(awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String("Critical security events from charge boxes (GET /security-events)"),
			Left:  &[]awscloudwatch.IMetric{metric}, Width: jsii.Number(12), Height: jsii.Number(6),
		}))
	}
	return metric
}

package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/csms"
)

// AnomalyMetric is the CloudWatch metric (namespace OCPP/<stage>) counting frames that named a
// transaction their box does not own, and orphan stops: one per attempt.
const AnomalyMetric = "AnomalousFrames"

// newAnomalyMetric counts the message function's anomaly log lines (csms.AnomalyLog) in
// AnomalyMetric and graphs it on the dashboard. The records themselves are listed by the API
// (GET /anomalies).
func newAnomalyMetric(scope constructs.Construct, p CentralSystemStackProps, s *CentralSystemStack) awscloudwatch.Metric {
	metric := awslogs.NewMetricFilter(scope, jsii.String(AnomalyMetric), &awslogs.MetricFilterProps{
		LogGroup:        s.Functions.LogGroups[FnMessage],
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(csms.AnomalyLog)),
		MetricNamespace: jsii.String("OCPP/" + p.Stage),
		MetricName:      jsii.String(AnomalyMetric),
		MetricValue:     jsii.String("1"),
	}).Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5))})
	if s.Monitoring != nil && s.Monitoring.Dashboard != nil {
		s.Monitoring.Dashboard.AddWidgets(awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String("Frames naming a transaction the box does not own (GET /anomalies)"),
			Left:  &[]awscloudwatch.IMetric{metric}, Width: jsii.Number(12), Height: jsii.Number(6),
		}))
	}
	return metric
}

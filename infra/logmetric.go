package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// logMetric is a CloudWatch metric (namespace OCPP/<stage>) counting one log line of the message
// function: one per line whose msg is Log. With AlarmID set it raises an alarm on the first one.
type logMetric struct {
	Name, Log, Title          string
	AlarmID, AlarmDescription string
}

// newLogMetric makes m's metric filter, its alarm (when asked and the stack has monitoring) and
// its graph on the dashboard.
func newLogMetric(scope constructs.Construct, p CentralSystemStackProps, s *CentralSystemStack, m logMetric) awscloudwatch.Metric {
	metric := awslogs.NewMetricFilter(scope, jsii.String(m.Name), &awslogs.MetricFilterProps{
		LogGroup:        s.Functions.LogGroups[FnMessage],
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(m.Log)),
		MetricNamespace: jsii.String("OCPP/" + p.Stage),
		MetricName:      jsii.String(m.Name),
		MetricValue:     jsii.String("1"),
	}).Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5))})
	if s.Monitoring == nil {
		return metric
	}
	if m.AlarmID != "" {
		s.Monitoring.alarm(m.AlarmID, m.AlarmDescription, metric, 1)
	}
	if s.Monitoring.Dashboard != nil {
		s.Monitoring.Dashboard.AddWidgets(awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(m.Title),
			Left:  &[]awscloudwatch.IMetric{metric}, Width: jsii.Number(12), Height: jsii.Number(6),
		}))
	}
	return metric
}

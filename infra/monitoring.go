package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/publish"
)

// IteratorAgeThreshold is the publisher lag that raises an alarm: frames reach RabbitMQ this
// much later than they were written.
const IteratorAgeThreshold = 5 * 60 * 1000 // milliseconds

// Monitoring holds the alarm topic, the alarms and the dashboard.
type Monitoring struct {
	Topic     awssns.Topic
	Alarms    []awscloudwatch.Alarm
	Dashboard awscloudwatch.Dashboard
}

func newMonitoring(scope constructs.Construct, p CentralSystemStackProps, s *CentralSystemStack) *Monitoring {
	m := &Monitoring{}
	m.Topic = awssns.NewTopic(scope, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("OCPP " + p.Stage + " alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	if p.AlarmEmail != "" {
		m.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(p.AlarmEmail), nil))
	}
	action := awscloudwatchactions.NewSnsAction(m.Topic)
	fiveMinutes := awscdk.Duration_Minutes(jsii.Number(5))
	alarm := func(id, description string, metric awscloudwatch.IMetric, threshold float64) {
		a := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             metric,
			AlarmName:          jsii.String("ocpp-" + p.Stage + "-" + id),
			AlarmDescription:   jsii.String(description),
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(action)
		a.AddOkAction(action)
		m.Alarms = append(m.Alarms, a)
	}
	sum := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: fiveMinutes}

	var invocations, errors, throttles, durations []awscloudwatch.IMetric
	for _, spec := range functionSpecs {
		fn := s.Functions.ByName[spec.name]
		label := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: fiveMinutes, Label: jsii.String(spec.name)}
		alarm(spec.name+"-errors", "Function "+spec.name+" returned errors", fn.MetricErrors(sum), 1)
		alarm(spec.name+"-throttles", "Function "+spec.name+" was throttled", fn.MetricThrottles(sum), 1)
		invocations = append(invocations, fn.MetricInvocations(label))
		errors = append(errors, fn.MetricErrors(label))
		throttles = append(throttles, fn.MetricThrottles(label))
		durations = append(durations, fn.MetricDuration(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: fiveMinutes, Label: jsii.String(spec.name)}))
	}

	iteratorAge := s.Functions.ByName[FnPublisher].Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: fiveMinutes})
	alarm("publisher-iterator-age", "Publisher lags behind the DynamoDB streams", iteratorAge, IteratorAgeThreshold)
	failures := s.Functions.FailureQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: fiveMinutes})
	alarm("publisher-failures", "Stream batches the publisher gave up on (see the failure queue)", failures, 1)
	// The publisher drops (and logs) a message no queue is bound for; count those log lines.
	unroutable := awslogs.NewMetricFilter(scope, jsii.String("UnroutableMessages"), &awslogs.MetricFilterProps{
		LogGroup:        s.Functions.LogGroups[FnPublisher],
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(publish.UnroutableLog)),
		MetricNamespace: jsii.String("OCPP/" + p.Stage),
		MetricName:      jsii.String("UnroutableMessages"),
		MetricValue:     jsii.String("1"),
	}).Metric(sum)
	alarm("publisher-unroutable", "Messages dropped because no queue is bound for their routing key (bind the consumers' queues)", unroutable, 1)

	wsMetric := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:  jsii.String("AWS/ApiGateway"),
			MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{
				"ApiId": s.WebSocket.API.ApiId(),
				"Stage": jsii.String(p.Stage),
			},
			Statistic: jsii.String("Sum"),
			Period:    fiveMinutes,
		})
	}
	// ExecutionError is the WebSocket API's server-side failure count (it has no 5xx metric).
	alarm("websocket-execution-errors", "WebSocket API failed to call an integration", wsMetric("ExecutionError"), 1)
	httpServerErrors := s.HTTPAPI.API.MetricServerError(sum)
	alarm("http-5xx", "Operator HTTP API answered 5xx", httpServerErrors, 1)

	graph := func(title string, left []awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &left, Width: jsii.Number(12), Height: jsii.Number(6),
		})
	}
	m.Dashboard = awscloudwatch.NewDashboard(scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String("ocpp-" + p.Stage),
	})
	m.Dashboard.AddWidgets(graph("Invocations", invocations), graph("Errors", errors))
	m.Dashboard.AddWidgets(graph("Throttles", throttles), graph("Duration p99 (ms)", durations))
	m.Dashboard.AddWidgets(
		graph("WebSocket API", []awscloudwatch.IMetric{wsMetric("ConnectCount"), wsMetric("MessageCount"), wsMetric("ClientError"), wsMetric("IntegrationError"), wsMetric("ExecutionError")}),
		graph("Operator HTTP API", []awscloudwatch.IMetric{s.HTTPAPI.API.MetricCount(sum), s.HTTPAPI.API.MetricClientError(sum), httpServerErrors}),
	)
	m.Dashboard.AddWidgets(
		graph("Publisher iterator age (ms)", []awscloudwatch.IMetric{iteratorAge}),
		graph("Publisher failure queue", []awscloudwatch.IMetric{failures}),
		graph("Unroutable messages dropped", []awscloudwatch.IMetric{unroutable}),
	)
	m.Dashboard.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Alarms"), Alarms: alarmRefs(m.Alarms), Width: jsii.Number(24),
	}))
	return m
}

func alarmRefs(alarms []awscloudwatch.Alarm) *[]interfacesawscloudwatch.IAlarmRef {
	out := make([]interfacesawscloudwatch.IAlarmRef, len(alarms))
	for i, a := range alarms {
		out[i] = a
	}
	return &out
}

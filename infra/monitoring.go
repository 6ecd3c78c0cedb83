package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
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

	scope  constructs.Construct
	stage  string
	action awscloudwatch.IAlarmAction
}

// fiveMinutes is the period of every alarm and graph.
func fiveMinutes() awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(5)) }

// sumOf is the statistic of counts over fiveMinutes, labelled when label is not empty.
func sumOf(label string) *awscloudwatch.MetricOptions {
	o := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: fiveMinutes()}
	if label != "" {
		o.Label = jsii.String(label)
	}
	return o
}

// newMonitoring raises an alarm on the topic for every failure an operator must see and draws
// the dashboard of the stage.
func newMonitoring(scope constructs.Construct, p CentralSystemStackProps, s *CentralSystemStack) *Monitoring {
	m := &Monitoring{scope: scope, stage: p.Stage}
	m.Topic = awssns.NewTopic(scope, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("OCPP " + p.Stage + " alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	m.allowCloudWatch()
	if p.AlarmEmail != "" {
		m.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(p.AlarmEmail), nil))
	}
	m.action = awscloudwatchactions.NewSnsAction(m.Topic)
	fns := m.functionAlarms(s.Functions)
	pub := m.publisherAlarms(s.Functions)
	apis := m.apiAlarms(s.WebSocket, s.HTTPAPI)
	m.Dashboard = awscloudwatch.NewDashboard(scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String("ocpp-" + p.Stage),
	})
	m.Dashboard.AddWidgets(graph("Invocations", fns.invocations), graph("Errors", fns.errors))
	m.Dashboard.AddWidgets(graph("Throttles", fns.throttles), graph("Duration p99 (ms)", fns.durations))
	m.Dashboard.AddWidgets(graph("WebSocket API", apis.webSocket), graph("Operator HTTP API", apis.http))
	m.Dashboard.AddWidgets(
		graph("Publisher iterator age (ms)", []awscloudwatch.IMetric{pub.iteratorAge}),
		graph("Publisher failure store (objects written)", []awscloudwatch.IMetric{pub.failures}),
		graph("Unroutable messages dropped", []awscloudwatch.IMetric{pub.unroutable}),
	)
	m.Dashboard.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Alarms"), Alarms: alarmRefs(m.Alarms), Width: jsii.Number(24),
	}))
	return m
}

// allowCloudWatch lets CloudWatch alarms of this account publish to the topic. Once a topic has
// a resource policy (EnforceSSL adds one), CloudWatch needs an explicit Allow or no alarm
// reaches a subscriber. Sources: Amazon SNS Developer Guide, "Example cases for Amazon SNS
// access control" (aws:SourceAccount); CloudWatch User Guide, alarm actions to SNS topics.
func (m *Monitoring) allowCloudWatch() {
	m.Topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*m.Topic.TopicArn()),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": awscdk.Stack_Of(m.scope).Account()},
		},
	}))
}

// alarm raises an alarm (and its return to OK) on the topic when metric reaches threshold.
func (m *Monitoring) alarm(id, description string, metric awscloudwatch.IMetric, threshold float64) {
	a := awscloudwatch.NewAlarm(m.scope, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric:             metric,
		AlarmName:          jsii.String("ocpp-" + m.stage + "-" + id),
		AlarmDescription:   jsii.String(description),
		Threshold:          jsii.Number(threshold),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	a.AddAlarmAction(m.action)
	a.AddOkAction(m.action)
	m.Alarms = append(m.Alarms, a)
}

// functionMetrics are the graphs of every function, one line per function.
type functionMetrics struct{ invocations, errors, throttles, durations []awscloudwatch.IMetric }

// functionAlarms alarms on any error or throttle of any function.
func (m *Monitoring) functionAlarms(f *Functions) functionMetrics {
	var out functionMetrics
	for _, spec := range functionSpecs {
		fn := f.ByName[spec.name]
		m.alarm(spec.name+"-errors", "Function "+spec.name+" returned errors", fn.MetricErrors(sumOf("")), 1)
		m.alarm(spec.name+"-throttles", "Function "+spec.name+" was throttled", fn.MetricThrottles(sumOf("")), 1)
		out.invocations = append(out.invocations, fn.MetricInvocations(sumOf(spec.name)))
		out.errors = append(out.errors, fn.MetricErrors(sumOf(spec.name)))
		out.throttles = append(out.throttles, fn.MetricThrottles(sumOf(spec.name)))
		out.durations = append(out.durations, fn.MetricDuration(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: fiveMinutes(), Label: jsii.String(spec.name)}))
	}
	return out
}

// publisherMetrics are what tells that frames and sessions do not reach RabbitMQ.
type publisherMetrics struct{ iteratorAge, failures, unroutable awscloudwatch.IMetric }

// publisherAlarms alarms when the publisher lags, gives batches up, or drops unroutable messages.
func (m *Monitoring) publisherAlarms(f *Functions) publisherMetrics {
	var out publisherMetrics
	out.iteratorAge = f.ByName[FnPublisher].Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: fiveMinutes()})
	m.alarm("publisher-iterator-age", "Publisher lags behind the DynamoDB streams", out.iteratorAge, IteratorAgeThreshold)
	// Every object in the failure store is a batch the mappings gave up on (S3 request metrics).
	out.failures = awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String("AWS/S3"),
		MetricName: jsii.String("PutRequests"),
		DimensionsMap: &map[string]*string{
			"BucketName": f.FailureStore.BucketName(),
			"FilterId":   jsii.String(FailureStoreMetricsID),
		},
		Statistic: jsii.String("Sum"),
		Period:    fiveMinutes(),
	})
	m.alarm("publisher-failures", "Stream batches the publisher gave up on, written to the failure store (docs/messages.md: replay)", out.failures, 1)
	// The publisher drops (and logs) a message no queue is bound for; count those log lines.
	out.unroutable = awslogs.NewMetricFilter(m.scope, jsii.String("UnroutableMessages"), &awslogs.MetricFilterProps{
		LogGroup:        f.LogGroups[FnPublisher],
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(publish.UnroutableLog)),
		MetricNamespace: jsii.String("OCPP/" + m.stage),
		MetricName:      jsii.String("UnroutableMessages"),
		MetricValue:     jsii.String("1"),
	}).Metric(sumOf(""))
	m.alarm("publisher-unroutable", "Messages dropped because no queue is bound for their routing key (bind the consumers' queues)", out.unroutable, 1)
	return out
}

// apiMetrics are the graphs of the two API Gateway APIs.
type apiMetrics struct{ webSocket, http []awscloudwatch.IMetric }

// apiAlarms alarms on server-side failures of the WebSocket API and 5xx of the HTTP API.
func (m *Monitoring) apiAlarms(ws *WebSocket, h *HTTPAPI) apiMetrics {
	wsMetric := func(name string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/ApiGateway"),
			MetricName:    jsii.String(name),
			DimensionsMap: &map[string]*string{"ApiId": ws.API.ApiId(), "Stage": jsii.String(m.stage)},
			Statistic:     jsii.String("Sum"),
			Period:        fiveMinutes(),
		})
	}
	// ExecutionError is the WebSocket API's server-side failure count (it has no 5xx metric).
	executionErrors := wsMetric("ExecutionError")
	m.alarm("websocket-execution-errors", "WebSocket API failed to call an integration", executionErrors, 1)
	serverErrors := h.API.MetricServerError(sumOf(""))
	m.alarm("http-5xx", "Operator HTTP API answered 5xx", serverErrors, 1)
	return apiMetrics{
		webSocket: []awscloudwatch.IMetric{wsMetric("ConnectCount"), wsMetric("MessageCount"), wsMetric("ClientError"), wsMetric("IntegrationError"), executionErrors},
		http:      []awscloudwatch.IMetric{h.API.MetricCount(sumOf("")), h.API.MetricClientError(sumOf("")), serverErrors},
	}
}

func graph(title string, left []awscloudwatch.IMetric) awscloudwatch.IWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(title), Left: &left, Width: jsii.Number(12), Height: jsii.Number(6),
	})
}

func alarmRefs(alarms []awscloudwatch.Alarm) *[]interfacesawscloudwatch.IAlarmRef {
	out := make([]interfacesawscloudwatch.IAlarmRef, len(alarms))
	for i, a := range alarms {
		out[i] = a
	}
	return &out
}

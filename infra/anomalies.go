package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/serverless-ocpp/csms/shared/csms"
)

// AnomalyMetric is the CloudWatch metric (namespace OCPP/<stage>) counting frames that named a
// transaction their box does not own, and orphan stops: one per attempt.
const AnomalyMetric = "AnomalousFrames"

// newAnomalyMetric counts the message function's anomaly log lines (csms.AnomalyLog) in
// AnomalyMetric and graphs it on the dashboard. The records themselves are listed by the API
// (GET /anomalies).
func newAnomalyMetric(scope constructs.Construct, p CentralSystemStackProps, s *CentralSystemStack) awscloudwatch.Metric {
	return newLogMetric(scope, p, s, logMetric{Name: AnomalyMetric, Log: csms.AnomalyLog,
		Title: "Frames naming a transaction the box does not own (GET /anomalies)"})
}

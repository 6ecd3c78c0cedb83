package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ReconcileEvery is how often the aggregates of the operator summary are reconciled
// (store.Reconcile): expired connection rows swept, drift recounted. The summary never waits
// for it (it leaves out expired rows itself); the recount is the one admin scan, so its period
// sets its cost (docs/scale.md, "Operator views and aggregates").
const ReconcileEvery = 60

// addReconcileSchedule invokes the api function with {"reconcile": true} (api.ReconcileEvent)
// every ReconcileEvery minutes from an EventBridge rule; the rule's target adds the permission
// for events.amazonaws.com to invoke the function.
func addReconcileSchedule(scope constructs.Construct, api awslambda.IFunction) awsevents.Rule {
	return awsevents.NewRule(scope, jsii.String("ReconcileAggregates"), &awsevents.RuleProps{
		Description: jsii.String("Reconcile the operator summary's aggregates (sweep expired connections, recount)"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(ReconcileEvery))),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(api, &awseventstargets.LambdaFunctionProps{
			Event:         awsevents.RuleTargetInput_FromObject(map[string]any{"reconcile": true}),
			RetryAttempts: jsii.Number(2),
		})},
	})
}

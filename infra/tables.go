package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// Tables holds the DynamoDB tables, declared from shared/tables so the deployed schema and the
// local stack's CreateTable calls cannot drift.
type Tables struct {
	// ByName maps a logical table name (tables.Table.Name) to its construct.
	ByName map[string]awsdynamodb.Table
	// Definitions maps a deployed table name (prefix + Name) to the definition used for it.
	Definitions map[string]tables.Table
}

func newTables(scope constructs.Construct, p CentralSystemStackProps) *Tables {
	t := &Tables{ByName: map[string]awsdynamodb.Table{}, Definitions: map[string]tables.Table{}}
	retain := p.RemovalPolicy != awscdk.RemovalPolicy_DESTROY
	for _, def := range tables.All() {
		props := &awsdynamodb.TableProps{
			TableName:    jsii.String(def.FullName(p.TablePrefix)),
			PartitionKey: attribute(def.PartitionKey),
			BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
			PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
				PointInTimeRecoveryEnabled: jsii.Bool(true),
			},
			DeletionProtection: jsii.Bool(retain),
			RemovalPolicy:      p.RemovalPolicy,
		}
		if def.SortKey != nil {
			props.SortKey = attribute(*def.SortKey)
		}
		if def.TTLAttribute != "" {
			props.TimeToLiveAttribute = jsii.String(def.TTLAttribute)
		}
		if def.Stream {
			props.Stream = awsdynamodb.StreamViewType_NEW_AND_OLD_IMAGES
		}
		table := awsdynamodb.NewTable(scope, jsii.String("Table-"+def.Name), props)
		for _, idx := range def.Indexes {
			gsi := &awsdynamodb.GlobalSecondaryIndexProps{
				IndexName:      jsii.String(idx.Name),
				PartitionKey:   attribute(idx.PartitionKey),
				ProjectionType: awsdynamodb.ProjectionType_ALL,
			}
			if idx.SortKey != nil {
				gsi.SortKey = attribute(*idx.SortKey)
			}
			table.AddGlobalSecondaryIndex(gsi)
		}
		t.ByName[def.Name] = table
		t.Definitions[def.FullName(p.TablePrefix)] = def
	}
	return t
}

func attribute(a tables.Attribute) *awsdynamodb.Attribute {
	var typ awsdynamodb.AttributeType
	switch a.Type {
	case tables.String:
		typ = awsdynamodb.AttributeType_STRING
	case tables.Number:
		typ = awsdynamodb.AttributeType_NUMBER
	default:
		panic(fmt.Sprintf("attribute %s: unknown type %q", a.Name, a.Type))
	}
	return &awsdynamodb.Attribute{Name: jsii.String(a.Name), Type: typ}
}

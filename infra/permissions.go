package main

import (
	"fmt"
	"slices"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// DynamoDB item actions. TransactWriteItems and TransactGetItems have no IAM action of their
// own: DynamoDB checks the item action (PutItem, UpdateItem, ConditionCheckItem...) of every
// item in the transaction against its table.
const (
	GetItem            = "dynamodb:GetItem"
	PutItem            = "dynamodb:PutItem"
	UpdateItem         = "dynamodb:UpdateItem"
	DeleteItem         = "dynamodb:DeleteItem"
	Query              = "dynamodb:Query"
	Scan               = "dynamodb:Scan"
	BatchGetItem       = "dynamodb:BatchGetItem"
	BatchWriteItem     = "dynamodb:BatchWriteItem"
	ConditionCheckItem = "dynamodb:ConditionCheckItem"
)

// Access is everything one function may do beyond writing its own log group.
type Access struct {
	// Tables maps a logical table name (tables.Table.Name) to the DynamoDB actions allowed on it.
	// Query and Scan also cover the table's indexes.
	Tables map[string][]string
	// ManageConnections allows execute-api:ManageConnections on this stage's @connections.
	ManageConnections bool
	// BrokerSecret allows reading the broker credentials secret.
	BrokerSecret bool
}

// FunctionAccess is the least-privilege table: the only place function permissions are decided.
// Stream reads of the publisher are granted by its event source mappings (tables with Stream).
var FunctionAccess = map[string]Access{
	FnAuthorizer: {Tables: map[string][]string{
		// PutItem: auto-registration of unknown charge boxes; UpdateItem: the first connection
		// with a rotated AuthorizationKey ends the previous key's grace.
		tables.ChargeBoxes.Name: {GetItem, PutItem, UpdateItem},
	}},
	// connect writes the connection row and its "connected" event in one transaction.
	FnConnect: {Tables: map[string][]string{
		tables.Connections.Name: {PutItem},
		tables.Messages.Name:    {PutItem},
		// The online count, in the connect's transaction.
		tables.Aggregates.Name: {UpdateItem},
	}},
	// message answers through the route response; it posts to a connection only after a
	// SignCertificate it accepted: the answer, then CertificateSigned (a pending command).
	FnMessage: {ManageConnections: true, Tables: map[string][]string{
		tables.ChargeBoxes.Name: {GetItem, UpdateItem},
		tables.Connectors.Name:  {GetItem, UpdateItem},
		tables.IDTags.Name:      {GetItem},
		// ConditionCheckItem: MeterValues checks in its transaction that the sender owns the session.
		tables.Sessions.Name:          {PutItem, UpdateItem, Query, ConditionCheckItem},
		tables.TransactionStarts.Name: {GetItem, PutItem, UpdateItem},
		// PutItem: packed readings written in a transaction with that check.
		tables.MeterValues.Name: {BatchWriteItem, PutItem},
		tables.Anomalies.Name:   {UpdateItem},
		tables.Messages.Name:    {PutItem},
		tables.Commands.Name:    {GetItem, UpdateItem, PutItem},
		// Issued certificates (SignCertificate) and the CertificateSigned command that carried each.
		tables.Certificates.Name: {PutItem, UpdateItem},
		tables.Connections.Name:  {UpdateItem},
		// Effects of remote-command answers, and StartTransaction consuming a reservation.
		tables.Reservations.Name:     {PutItem, UpdateItem},
		tables.ChargingProfiles.Name: {Query, PutItem, DeleteItem},
		// SecurityEventNotification: a conditional put.
		tables.SecurityEvents.Name: {PutItem},
		// Connector and running-session counts, in the transactions of the changes.
		tables.Aggregates.Name: {UpdateItem},
	}},
	// disconnect deletes the connection row (if still its own) and logs "disconnected" (only
	// while no newer connection holds the row: a ConditionCheck).
	FnDisconnect: {Tables: map[string][]string{
		tables.Connections.Name: {DeleteItem, ConditionCheckItem},
		tables.Messages.Name:    {PutItem},
		tables.Aggregates.Name:  {UpdateItem},
		// disconnectedAt on the box's item: the registry listing's lastSeen of an offline box.
		tables.ChargeBoxes.Name: {UpdateItem},
	}},
	// The operator API reads and writes every table, including tables added to shared/tables later.
	FnAPI: {ManageConnections: true, Tables: everyTable(
		GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan, BatchGetItem, BatchWriteItem, ConditionCheckItem)},
	// Query and Scan on the frame log and Scan on the sessions: replay events republish a window
	// from them (shared/replay; Query reads one box's partition).
	FnPublisher: {BrokerSecret: true, Tables: map[string][]string{
		tables.MeterValues.Name: {Query},
		tables.Messages.Name:    {Query, Scan},
		tables.Sessions.Name:    {Scan},
	}},
}

func everyTable(actions ...string) map[string][]string {
	m := map[string][]string{}
	for _, t := range tables.All() {
		m[t.Name] = actions
	}
	return m
}

// tableStatements turns one function's table grants into one statement per table, naming the
// table and, for Query and Scan, its indexes. It fails on a table the stack does not define.
func tableStatements(access Access, t *Tables) ([]awsiam.PolicyStatement, error) {
	names := make([]string, 0, len(access.Tables))
	for name := range access.Tables {
		names = append(names, name)
	}
	sort.Strings(names)
	defs := map[string]tables.Table{}
	for _, d := range t.Definitions {
		defs[d.Name] = d
	}
	var out []awsiam.PolicyStatement
	for _, name := range names {
		table, ok := t.ByName[name]
		if !ok {
			return nil, fmt.Errorf("grant on table %q: no such table in shared/tables", name)
		}
		actions := slices.Clone(access.Tables[name])
		sort.Strings(actions)
		actions = slices.Compact(actions)
		resources := []*string{table.TableArn()}
		if slices.Contains(actions, Query) || slices.Contains(actions, Scan) {
			for _, idx := range defs[name].Indexes {
				resources = append(resources, jsii.String(*table.TableArn()+"/index/"+idx.Name))
			}
		}
		out = append(out, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(actions...),
			Resources: &resources,
		}))
	}
	return out, nil
}

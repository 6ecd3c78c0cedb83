package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// AnomalyKind says what a charge box tried that it may not do.
type AnomalyKind string

// Anomaly kinds.
const (
	// AnomalyForeignStop is a StopTransaction of a transaction another box started.
	AnomalyForeignStop AnomalyKind = "foreign-stop"
	// AnomalyOrphanStop is a StopTransaction of a transaction id never issued. The stop is kept
	// here (meterStop, stoppedAt, ...) and never becomes a session.
	AnomalyOrphanStop AnomalyKind = "orphan-stop"
	// AnomalyForeignMeterValues is a MeterValues naming a transaction of another box, or of
	// another connector of the sender. Its readings are kept as the sender's, unattached.
	AnomalyForeignMeterValues AnomalyKind = "foreign-meter-values"
	// AnomalyUnknownMeterValues is a MeterValues naming a transaction id never issued.
	AnomalyUnknownMeterValues AnomalyKind = "unknown-meter-values"
)

// AnomalyKinds lists every kind, for input checks.
var AnomalyKinds = []AnomalyKind{AnomalyForeignStop, AnomalyOrphanStop, AnomalyForeignMeterValues, AnomalyUnknownMeterValues}

// Anomaly is an item of the anomalies table: one offending content of one box. A resent frame
// with the same content (whatever its uniqueId) lands on the same item and counts an attempt.
type Anomaly struct {
	ChargeBoxID   string      `dynamodbav:"chargeBoxId"`
	AnomalyKey    string      `dynamodbav:"anomalyKey"`
	Kind          AnomalyKind `dynamodbav:"kind"`
	TenantID      string      `dynamodbav:"tenantId,omitempty"`
	Action        string      `dynamodbav:"action"`
	TransactionID int         `dynamodbav:"transactionId"`
	ConnectorID   *int        `dynamodbav:"connectorId,omitempty"`
	// OwnerChargeBoxID and OwnerConnectorID name the session's owner (foreign kinds).
	OwnerChargeBoxID string `dynamodbav:"ownerChargeBoxId,omitempty"`
	OwnerConnectorID *int   `dynamodbav:"ownerConnectorId,omitempty"`
	// UniqueID is the uniqueId of the latest attempt; the frame log has every attempt.
	UniqueID   string `dynamodbav:"uniqueId"`
	DetectedAt string `dynamodbav:"detectedAt"`
	LastAt     string `dynamodbav:"lastAt"`
	Attempts   int    `dynamodbav:"attempts"`
	// ReadingKey names the meter-values item that keeps the readings (MeterValues kinds).
	ReadingKey string `dynamodbav:"readingKey,omitempty"`
	// The stop as sent (stop kinds).
	MeterStop       *int   `dynamodbav:"meterStop,omitempty"`
	StoppedAt       string `dynamodbav:"stoppedAt,omitempty"`
	StopReason      string `dynamodbav:"stopReason,omitempty"`
	StopIDTag       string `dynamodbav:"stopIdTag,omitempty"`
	TransactionData string `dynamodbav:"transactionData,omitempty"`
}

// AnomalyKey identifies an offending content: a retry with another uniqueId has the same key.
func AnomalyKey(kind AnomalyKind, transactionID int, content string) string {
	return fmt.Sprintf("%s#%d#%s", kind, transactionID, content)
}

// anomalyUpdate builds the write of an anomaly: the first attempt's fields stay, later
// attempts count and move lastAt and uniqueId.
func (s *Store) anomalyUpdate(a Anomaly, now time.Time) (*types.Update, error) {
	item, err := marshal(a)
	if err != nil {
		return nil, err
	}
	var u update
	for _, k := range []string{"chargeBoxId", "anomalyKey", "attempts", "lastAt", "uniqueId", "detectedAt"} {
		delete(item, k)
	}
	for k, v := range item {
		u.setIfAbsent(k, v)
	}
	u.setIfAbsent("detectedAt", str(FormatTime(now)))
	u.set("lastAt", str(FormatTime(now)))
	u.set("uniqueId", str(a.UniqueID))
	expr := *u.expression() + " ADD " + u.name("attempts") + " " + u.value(num(1))
	return &types.Update{
		TableName:        s.Table(tables.Anomalies),
		Key:              map[string]types.AttributeValue{"chargeBoxId": str(a.ChargeBoxID), "anomalyKey": str(a.AnomalyKey)},
		UpdateExpression: aws.String(expr), ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
	}, nil
}

// RecordAnomaly stores an anomaly, or counts one more attempt of the same content. It reports
// whether this was the first attempt.
func (s *Store) RecordAnomaly(ctx context.Context, a Anomaly, now time.Time) (bool, error) {
	up, err := s.anomalyUpdate(a, now)
	if err != nil {
		return false, err
	}
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: up.TableName, Key: up.Key, UpdateExpression: up.UpdateExpression,
		ExpressionAttributeNames: up.ExpressionAttributeNames, ExpressionAttributeValues: up.ExpressionAttributeValues,
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return false, fmt.Errorf("record %s anomaly of %s: %w", a.Kind, a.ChargeBoxID, err)
	}
	n, _ := res.Attributes["attempts"].(*types.AttributeValueMemberN)
	return n != nil && n.Value == "1", nil
}

// AnomalyFilter selects anomalies; zero fields select everything.
type AnomalyFilter struct {
	ChargeBoxID string
	Kind        AnomalyKind
}

// ListAnomalies lists anomalies: of one box by key (kind, then transaction), of one kind
// fleet-wide newest first from the byKind index, or all of them in table order.
func (s *Store) ListAnomalies(ctx context.Context, f AnomalyFilter, p Page) ([]Anomaly, string, error) {
	if f.ChargeBoxID == "" && f.Kind == "" {
		return s.listAllAnomalies(ctx, p)
	}
	pos := anomaliesPosition(f)
	start, err := pos.decode(p.Next)
	if err != nil {
		return nil, "", err
	}
	var u update
	var items []map[string]types.AttributeValue
	var last map[string]types.AttributeValue
	switch {
	case f.ChargeBoxID != "":
		key := u.cond("%s = ", "chargeBoxId") + u.value(str(f.ChargeBoxID))
		if f.Kind != "" {
			key += u.cond(" AND begins_with(%s, ", "anomalyKey") + u.value(str(string(f.Kind)+"#")) + ")"
		}
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: s.Table(tables.Anomalies), KeyConditionExpression: aws.String(key),
			ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
			ExclusiveStartKey: start, Limit: limit(p.Limit),
		})
		if err != nil {
			return nil, "", fmt.Errorf("list anomalies of %s: %w", f.ChargeBoxID, err)
		}
		items, last = res.Items, res.LastEvaluatedKey
	default:
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: s.Table(tables.Anomalies), IndexName: aws.String("byKind"),
			KeyConditionExpression:   aws.String(u.cond("%s = ", "kind") + u.value(str(string(f.Kind)))),
			ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
			ScanIndexForward: aws.Bool(false), ExclusiveStartKey: start, Limit: limit(p.Limit),
		})
		if err != nil {
			return nil, "", fmt.Errorf("list %s anomalies: %w", f.Kind, err)
		}
		items, last = res.Items, res.LastEvaluatedKey
	}
	var out []Anomaly
	next, err := pos.page(items, last, &out, "anomalies")
	return out, next, err
}

// listAllAnomalies lists every anomaly from the byKind index, kind after kind, newest first
// within a kind: one page per call, never a scan.
func (s *Store) listAllAnomalies(ctx context.Context, p Page) ([]Anomaly, string, error) {
	kinds := make([]string, len(AnomalyKinds))
	for i, k := range AnomalyKinds {
		kinds[i] = string(k)
	}
	var out []Anomaly
	next, err := s.listSharded(ctx, sharded{table: tables.Anomalies, index: "byKind", key: "kind", parts: kinds, newestFirst: true}, p, &out)
	return out, next, err
}

// anomaliesPosition is where a page of ListAnomalies may start for filter f.
func anomaliesPosition(f AnomalyFilter) position {
	switch {
	case f.ChargeBoxID != "":
		return tablePosition(tables.Anomalies).in("chargeBoxId", f.ChargeBoxID)
	}
	return indexPosition(tables.Anomalies, "byKind").in("kind", string(f.Kind))
}

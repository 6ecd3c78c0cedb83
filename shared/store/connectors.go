package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// Connector is an item of the connectors table. Connector 0 is the charge box itself.
type Connector struct {
	ChargeBoxID     string `dynamodbav:"chargeBoxId"`
	ConnectorID     int    `dynamodbav:"connectorId"`
	Status          string `dynamodbav:"status,omitempty"`
	ErrorCode       string `dynamodbav:"errorCode,omitempty"`
	Info            string `dynamodbav:"info,omitempty"`
	VendorID        string `dynamodbav:"vendorId,omitempty"`
	VendorErrorCode string `dynamodbav:"vendorErrorCode,omitempty"`
	// StatusAt is the notification's timestamp (the box's clock, or receipt time without one),
	// stored as sent. ReceivedAt is when the central system received it: it alone orders
	// notifications, since a box's clock may be wrong.
	StatusAt   string `dynamodbav:"statusAt,omitempty"`
	ReceivedAt string `dynamodbav:"receivedAt,omitempty"`
	// TimestampAhead flags a StatusAt further ahead of ReceivedAt than the allowed clock skew.
	TimestampAhead bool `dynamodbav:"timestampAhead,omitempty"`
	// RunningTransactionID is the transaction running on the connector, 0 for none.
	RunningTransactionID int `dynamodbav:"runningTransactionId,omitempty"`
}

func connectorKey(box string, connector int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"chargeBoxId": str(box), "connectorId": num(int64(connector))}
}

// SetConnectorStatus stores a StatusNotification. The order notifications were received in
// decides, never the box's timestamps: one received before the stored one (delivered out of
// order) changes nothing. It reports whether this one was stored. A change of status moves the
// connector between the counts of connectors by status in the same transaction: the write
// first assumes the status is unchanged (the common repeat costs one write); when it is not,
// the failed condition returns the stored connector and the transaction counts the change.
func (s *Store) SetConnectorStatus(ctx context.Context, c Connector) (bool, error) {
	if c.ReceivedAt == "" {
		return false, fmt.Errorf("set status of %s/%d: no receipt time", c.ChargeBoxID, c.ConnectorID)
	}
	old := c.Status
	for attempt := range 8 {
		stored, done, prev, err := s.setConnectorStatus(ctx, c, old)
		if done || err != nil {
			return stored, err
		}
		if prev != nil {
			old = *prev
			continue
		}
		// A transaction conflict: wait, read and try again.
		if err := sleep(ctx, attempt); err != nil {
			return false, err
		}
		if old, err = s.storedStatus(ctx, c); err != nil {
			return false, err
		}
	}
	return false, fmt.Errorf("set status of %s/%d: too much contention", c.ChargeBoxID, c.ConnectorID)
}

// storedStatus rereads the status of the connector after a conflict.
func (s *Store) storedStatus(ctx context.Context, c Connector) (string, error) {
	stored, err := s.GetConnector(ctx, c.ChargeBoxID, c.ConnectorID)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return stored.Status, err
}

// setConnectorStatus writes c while the stored status is old ("" for none). done is false when
// the write must be tried again: with the stored status prev when the condition failed on it,
// after a read when prev is nil (a conflict).
func (s *Store) setConnectorStatus(ctx context.Context, c Connector, old string) (stored, done bool, prev *string, err error) {
	var u update
	if c.TimestampAhead {
		u.set("timestampAhead", &types.AttributeValueMemberBOOL{Value: true})
	} else {
		u.remove("timestampAhead")
	}
	for name, v := range map[string]string{"status": c.Status, "errorCode": c.ErrorCode, "statusAt": c.StatusAt, "receivedAt": c.ReceivedAt,
		"info": c.Info, "vendorId": c.VendorID, "vendorErrorCode": c.VendorErrorCode} {
		if v == "" {
			u.remove(name)
		} else {
			u.set(name, str(v))
		}
	}
	cond := u.cond("(attribute_not_exists(%s) OR %s <= ", "receivedAt", "receivedAt") + u.value(str(c.ReceivedAt)) + ")"
	if old == "" {
		cond += u.cond(" AND attribute_not_exists(%s)", "status")
	} else {
		cond += u.cond(" AND %s = ", "status") + u.value(str(old))
	}
	write := &types.Update{
		TableName: s.Table(tables.Connectors), Key: connectorKey(c.ChargeBoxID, c.ConnectorID),
		UpdateExpression: u.expression(), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	var before map[string]types.AttributeValue
	failed := false // the condition failed on the connector; before is what it held
	if count := s.countItem(c.ChargeBoxID, statusChange(c.ConnectorID, old, c.Status)); count != nil {
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Update: write}, *count}})
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) && len(tce.CancellationReasons) > 0 && aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
			before, failed = tce.CancellationReasons[0].Item, true
		}
	} else {
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: write.TableName, Key: write.Key, UpdateExpression: write.UpdateExpression, ConditionExpression: write.ConditionExpression,
			ExpressionAttributeNames: write.ExpressionAttributeNames, ExpressionAttributeValues: write.ExpressionAttributeValues,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			before, failed = ccf.Item, true
		}
	}
	switch {
	case err == nil:
		return true, true, nil, nil
	case !failed && cancellationReasons(err) != nil:
		// A transaction conflict: read and retry.
		return false, false, nil, nil
	case !failed:
		return false, true, nil, fmt.Errorf("set status of %s/%d: %w", c.ChargeBoxID, c.ConnectorID, err)
	}
	var was Connector
	if err := attributevalue.UnmarshalMap(before, &was); err != nil {
		return false, true, nil, fmt.Errorf("decode connector %s/%d: %w", c.ChargeBoxID, c.ConnectorID, err)
	}
	if was.ReceivedAt > c.ReceivedAt {
		return false, true, nil, nil // received after this one: this one changes nothing
	}
	return false, false, &was.Status, nil
}

// GetConnector reads one connector; ErrNotFound when the box never reported it.
func (s *Store) GetConnector(ctx context.Context, box string, connector int) (Connector, error) {
	var c Connector
	err := s.get(ctx, tables.Connectors, connectorKey(box, connector), &c)
	return c, err
}

// ListConnectors returns the connectors of a box in id order.
func (s *Store) ListConnectors(ctx context.Context, box string) ([]Connector, error) {
	res, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 s.Table(tables.Connectors),
		KeyConditionExpression:    aws.String("chargeBoxId = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(box)},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("list connectors of %s: %w", box, err)
	}
	var cs []Connector
	if err := attributevalue.UnmarshalListOfMaps(res.Items, &cs); err != nil {
		return nil, fmt.Errorf("decode connectors: %w", err)
	}
	return cs, nil
}

// releaseConnector clears the connector's running transaction if it is still this one; with
// wasRunning (the stop ended a running session, not an abandoned one) the running sessions
// count one less in the same transaction. The count cannot ride in the stop's own write, which
// must return the session (its connector) and a transaction returns nothing: a function that
// dies between the two leaves one running session too many until reconciliation.
func (s *Store) releaseConnector(ctx context.Context, sess Session, wasRunning bool) error {
	release := &types.Update{
		TableName:                 s.Table(tables.Connectors),
		Key:                       connectorKey(sess.ChargeBoxID, sess.ConnectorID),
		UpdateExpression:          aws.String("REMOVE runningTransactionId"),
		ConditionExpression:       aws.String("runningTransactionId = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": num(int64(sess.TransactionID))},
	}
	var err error
	if wasRunning {
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Update: release}, *s.countItem(sess.ChargeBoxID, counted{countRunning: -1}),
		}})
		if r := cancellationReasons(err); len(r) > 0 && r[0] == "ConditionalCheckFailed" {
			// The connector moved on (a later start took it): count the stop alone.
			return s.addCounts(ctx, sess.ChargeBoxID, counted{countRunning: -1})
		}
	} else {
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: release.TableName, Key: release.Key, UpdateExpression: release.UpdateExpression,
			ConditionExpression: release.ConditionExpression, ExpressionAttributeValues: release.ExpressionAttributeValues,
		})
	}
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("release connector %s/%d: %w", sess.ChargeBoxID, sess.ConnectorID, err)
	}
	return nil
}

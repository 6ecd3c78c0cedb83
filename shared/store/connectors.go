package store

import (
	"context"
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
// order) changes nothing. It reports whether this one was stored.
func (s *Store) SetConnectorStatus(ctx context.Context, c Connector) (bool, error) {
	if c.ReceivedAt == "" {
		return false, fmt.Errorf("set status of %s/%d: no receipt time", c.ChargeBoxID, c.ConnectorID)
	}
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
	cond := u.cond("attribute_not_exists(%s) OR %s <= ", "receivedAt", "receivedAt") + u.value(str(c.ReceivedAt))
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.Table(tables.Connectors),
		Key:                       connectorKey(c.ChargeBoxID, c.ConnectorID),
		UpdateExpression:          u.expression(),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  u.names,
		ExpressionAttributeValues: u.values,
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("set status of %s/%d: %w", c.ChargeBoxID, c.ConnectorID, err)
	}
	return true, nil
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

// releaseConnector clears the connector's running transaction if it is still this one.
func (s *Store) releaseConnector(ctx context.Context, sess Session) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.Table(tables.Connectors),
		Key:                       connectorKey(sess.ChargeBoxID, sess.ConnectorID),
		UpdateExpression:          aws.String("REMOVE runningTransactionId"),
		ConditionExpression:       aws.String("runningTransactionId = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": num(int64(sess.TransactionID))},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("release connector %s/%d: %w", sess.ChargeBoxID, sess.ConnectorID, err)
	}
	return nil
}

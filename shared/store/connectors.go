package store

import (
	"context"
	"fmt"
	"time"

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
	// StatusAt is the notification's timestamp (the box's clock, or receipt time without one).
	StatusAt   string `dynamodbav:"statusAt,omitempty"`
	ReceivedAt string `dynamodbav:"receivedAt,omitempty"`
	// RunningTransactionID is the transaction running on the connector, 0 for none.
	RunningTransactionID int `dynamodbav:"runningTransactionId,omitempty"`
}

func connectorKey(box string, connector int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"chargeBoxId": str(box), "connectorId": num(int64(connector))}
}

// SetConnectorStatus stores a StatusNotification. A notification older than the stored one
// (delivered out of order) changes nothing; it reports whether this one was stored.
func (s *Store) SetConnectorStatus(ctx context.Context, c Connector) (bool, error) {
	var u update
	for name, v := range map[string]string{"status": c.Status, "errorCode": c.ErrorCode, "statusAt": c.StatusAt, "receivedAt": c.ReceivedAt,
		"info": c.Info, "vendorId": c.VendorID, "vendorErrorCode": c.VendorErrorCode} {
		if v == "" {
			u.remove(name)
		} else {
			u.set(name, str(v))
		}
	}
	cond := u.cond("attribute_not_exists(%s) OR %s <= ", "statusAt", "statusAt") + u.value(str(c.StatusAt))
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

// IDTag is an item of the id-tags table, the authorization list.
type IDTag struct {
	IDTag       string `dynamodbav:"idTag"`
	Status      string `dynamodbav:"status"`
	ExpiryDate  string `dynamodbav:"expiryDate,omitempty"`
	ParentIDTag string `dynamodbav:"parentIdTag,omitempty"`
	// MaxActiveTransactions > 0 limits concurrent transactions; more are refused as ConcurrentTx.
	MaxActiveTransactions int    `dynamodbav:"maxActiveTransactions,omitempty"`
	UpdatedAt             string `dynamodbav:"updatedAt,omitempty"`
}

// GetIDTag reads an id tag; ErrNotFound when it is not on the list.
func (s *Store) GetIDTag(ctx context.Context, idTag string) (IDTag, error) {
	var t IDTag
	err := s.get(ctx, tables.IDTags, map[string]types.AttributeValue{"idTag": str(idTag)}, &t)
	return t, err
}

// PutIDTag creates or replaces an id tag.
func (s *Store) PutIDTag(ctx context.Context, t IDTag) error {
	item, err := marshal(t)
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.Table(tables.IDTags), Item: item}); err != nil {
		return fmt.Errorf("put id tag %s: %w", t.IDTag, err)
	}
	return nil
}

// SampledValue is one sampled value of a meter value, as the box sent it.
type SampledValue struct {
	Value     string `dynamodbav:"value"`
	Context   string `dynamodbav:"context,omitempty"`
	Format    string `dynamodbav:"format,omitempty"`
	Measurand string `dynamodbav:"measurand,omitempty"`
	Phase     string `dynamodbav:"phase,omitempty"`
	Location  string `dynamodbav:"location,omitempty"`
	Unit      string `dynamodbav:"unit,omitempty"`
}

// Reading is an item of the meter-values table: one meterValue element of a MeterValues request.
type Reading struct {
	ChargeBoxID   string         `dynamodbav:"chargeBoxId"`
	ReadingKey    string         `dynamodbav:"readingKey"`
	ConnectorID   int            `dynamodbav:"connectorId"`
	TransactionID int            `dynamodbav:"transactionId,omitempty"`
	Timestamp     string         `dynamodbav:"timestamp"`
	Source        string         `dynamodbav:"source"`
	UniqueID      string         `dynamodbav:"uniqueId"`
	SampledValues []SampledValue `dynamodbav:"sampledValues"`
}

// ReadingKey orders readings by time; the uniqueId and index make a retried request overwrite
// its own readings instead of adding copies.
func ReadingKey(ts time.Time, connector int, uniqueID string, index int) string {
	return fmt.Sprintf("%s#%d#%s#%d", FormatTime(ts), connector, uniqueID, index)
}

// PutReadings stores meter readings with as few BatchWriteItem calls as possible.
func (s *Store) PutReadings(ctx context.Context, readings []Reading) error {
	for start := 0; start < len(readings); start += 25 {
		end := min(start+25, len(readings))
		var reqs []types.WriteRequest
		for _, r := range readings[start:end] {
			item, err := marshal(r)
			if err != nil {
				return err
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		}
		if err := s.batchWrite(ctx, tables.MeterValues, reqs); err != nil {
			return err
		}
	}
	return nil
}

// batchWrite writes up to 25 requests, resending what DynamoDB left unprocessed.
func (s *Store) batchWrite(ctx context.Context, t tables.Table, reqs []types.WriteRequest) error {
	name := t.FullName(s.prefix)
	pending := map[string][]types.WriteRequest{name: reqs}
	for attempt := 0; len(pending[name]) > 0; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 20 * time.Millisecond):
			}
		}
		if attempt == 8 {
			return fmt.Errorf("write %s: %d items left unprocessed", t.Name, len(pending[name]))
		}
		res, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return fmt.Errorf("write %s: %w", t.Name, err)
		}
		pending = res.UnprocessedItems
	}
	return nil
}

// ListReadings returns the readings of a transaction in time order.
func (s *Store) ListReadings(ctx context.Context, transactionID int) ([]Reading, error) {
	var out []Reading
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 s.Table(tables.MeterValues),
		IndexName:                 aws.String("byTransaction"),
		KeyConditionExpression:    aws.String("transactionId = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": num(int64(transactionID))},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list readings of %d: %w", transactionID, err)
		}
		var rs []Reading
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &rs); err != nil {
			return nil, fmt.Errorf("decode readings: %w", err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

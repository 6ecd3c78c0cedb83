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

package store

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// StartKey identifies a StartTransaction so that its retries map to the same transaction.
func StartKey(box string, connector int, idTag string, ts time.Time) string {
	return fmt.Sprintf("%s|%d|%s|%s", box, connector, idTag, FormatTime(ts))
}

type startItem struct {
	StartKey      string `dynamodbav:"startKey"`
	TransactionID int    `dynamodbav:"transactionId"`
	IDTagStatus   string `dynamodbav:"idTagStatus,omitempty"`
}

func (s *Store) startedAs(ctx context.Context, key string) (Started, error) {
	var it startItem
	if err := s.get(ctx, tables.TransactionStarts, map[string]types.AttributeValue{"startKey": str(key)}, &it); err != nil {
		return Started{}, err
	}
	return Started{TransactionID: it.TransactionID, IDTagStatus: it.IDTagStatus, Retry: true}, nil
}

// nextTransactionID hands out transaction ids 1, 2, 3... from an atomic counter; they stay
// positive 32-bit integers as OCPP requires.
func (s *Store) nextTransactionID(ctx context.Context) (int, error) {
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.Table(tables.TransactionStarts),
		Key:                       map[string]types.AttributeValue{"startKey": str(tables.CounterKey)},
		UpdateExpression:          aws.String("ADD transactionId :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("next transaction id: %w", err)
	}
	v, ok := res.Attributes["transactionId"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("next transaction id: counter missing")
	}
	id, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil || id <= 0 || id > math.MaxInt32 {
		return 0, fmt.Errorf("next transaction id: %q is not a positive 32-bit integer", v.Value)
	}
	return int(id), nil
}

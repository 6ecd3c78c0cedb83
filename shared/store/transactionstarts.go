package store

import (
	"context"
	"fmt"
	"time"

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

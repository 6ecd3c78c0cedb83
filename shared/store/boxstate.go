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

// LiveConnections reads the connection rows of boxes in BatchGetItems of at most 100 keys
// (DynamoDB's limit: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html),
// eventually consistent, resending the keys DynamoDB left unprocessed. It returns the rows live
// at now by box id; a box without one is offline.
func (s *Store) LiveConnections(ctx context.Context, boxes []string, now time.Time) (map[string]Connection, error) {
	out := make(map[string]Connection, len(boxes))
	seen := make(map[string]bool, len(boxes))
	var keys []map[string]types.AttributeValue
	for i, id := range boxes {
		if !seen[id] {
			seen[id] = true
			keys = append(keys, boxKey(id))
		}
		if len(keys) == batchGetKeys || (i == len(boxes)-1 && len(keys) > 0) {
			if err := s.batchGetConnections(ctx, keys, now, out); err != nil {
				return nil, err
			}
			keys = nil
		}
	}
	return out, nil
}

func (s *Store) batchGetConnections(ctx context.Context, keys []map[string]types.AttributeValue, now time.Time, out map[string]Connection) error {
	name := tables.Connections.FullName(s.prefix)
	req := map[string]types.KeysAndAttributes{name: {Keys: keys, ConsistentRead: aws.Bool(false)}}
	for attempt := 0; len(req[name].Keys) > 0; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, attempt); err != nil {
				return err
			}
		}
		if attempt == 8 {
			return fmt.Errorf("read connections: %d keys left unprocessed", len(req[name].Keys))
		}
		res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return fmt.Errorf("read connections: %w", err)
		}
		var rows []Connection
		if err := attributevalue.UnmarshalListOfMaps(res.Responses[name], &rows); err != nil {
			return fmt.Errorf("decode connections: %w", err)
		}
		for _, c := range rows {
			if c.Live(now) {
				out[c.ChargeBoxID] = c
			}
		}
		req = res.UnprocessedKeys
	}
	return nil
}

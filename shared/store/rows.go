package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// Rows reads one page of t's items as DynamoDB returns them: a Query on the partition key when
// key is set, a Scan otherwise, at most p.Limit items evaluated after p.Next. It returns the
// token of the next page ("" after the last one); a token of another listing is ErrBadToken.
// Replay (shared/replay) reads the frame log and the sessions this way, a bounded page per
// invocation.
func (s *Store) Rows(ctx context.Context, t tables.Table, key string, p Page) ([]map[string]types.AttributeValue, string, error) {
	pos := tablePosition(t)
	if key != "" {
		pos = pos.in(t.PartitionKey.Name, key)
	}
	start, err := pos.decode(p.Next)
	if err != nil {
		return nil, "", err
	}
	var items []map[string]types.AttributeValue
	var last map[string]types.AttributeValue
	if key != "" {
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: s.Table(t), KeyConditionExpression: aws.String("#k = :k"),
			ExpressionAttributeNames:  map[string]string{"#k": t.PartitionKey.Name},
			ExpressionAttributeValues: map[string]types.AttributeValue{":k": str(key)},
			ExclusiveStartKey:         start, Limit: limit(p.Limit),
		})
		if err != nil {
			return nil, "", fmt.Errorf("list %s of %s: %w", t.Name, key, err)
		}
		items, last = res.Items, res.LastEvaluatedKey
	} else {
		res, err := s.db.Scan(ctx, &dynamodb.ScanInput{TableName: s.Table(t), ExclusiveStartKey: start, Limit: limit(p.Limit)})
		if err != nil {
			return nil, "", fmt.Errorf("list %s: %w", t.Name, err)
		}
		items, last = res.Items, res.LastEvaluatedKey
	}
	next, err := pos.encode(last)
	return items, next, err
}

package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// ErrBadToken is returned when a pagination token was not made by this store.
var ErrBadToken = errors.New("invalid pagination token")

// Page asks for one page of a list: at most Limit items after the position Next names ("" for
// the first page).
type Page struct {
	Limit int32
	Next  string
}

// list reads one page of a table: a Query on its partition key when key is set, a Scan
// otherwise. out points to a slice of items.
func (s *Store) list(ctx context.Context, t tables.Table, key string, p Page, out any) (string, error) {
	start, err := decodeToken(p.Next)
	if err != nil {
		return "", err
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
			return "", fmt.Errorf("list %s of %s: %w", t.Name, key, err)
		}
		items, last = res.Items, res.LastEvaluatedKey
	} else {
		res, err := s.db.Scan(ctx, &dynamodb.ScanInput{TableName: s.Table(t), ExclusiveStartKey: start, Limit: limit(p.Limit)})
		if err != nil {
			return "", fmt.Errorf("list %s: %w", t.Name, err)
		}
		items, last = res.Items, res.LastEvaluatedKey
	}
	if err := attributevalue.UnmarshalListOfMaps(items, out); err != nil {
		return "", fmt.Errorf("decode %s: %w", t.Name, err)
	}
	return encodeToken(last)
}

func limit(n int32) *int32 {
	if n <= 0 {
		return nil
	}
	return aws.Int32(n)
}

// ScanAll reads a whole table into out (a pointer to a slice), projecting attrs when given;
// the summary uses it on the small tables (connections, connectors).
func (s *Store) ScanAll(ctx context.Context, t tables.Table, out any, attrs ...string) error {
	in := &dynamodb.ScanInput{TableName: s.Table(t)}
	if len(attrs) > 0 {
		var u update
		names := make([]string, len(attrs))
		for i, a := range attrs {
			names[i] = u.name(a)
		}
		in.ProjectionExpression = aws.String(strings.Join(names, ", "))
		in.ExpressionAttributeNames = u.names
	}
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scan %s: %w", t.Name, err)
		}
		items = append(items, page.Items...)
	}
	if err := attributevalue.UnmarshalListOfMaps(items, out); err != nil {
		return fmt.Errorf("decode %s: %w", t.Name, err)
	}
	return nil
}

// encodeToken turns DynamoDB's LastEvaluatedKey into an opaque token; "" when the list ended.
func encodeToken(key map[string]types.AttributeValue) (string, error) {
	if len(key) == 0 {
		return "", nil
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(key, &m); err != nil {
		return "", fmt.Errorf("encode pagination token: %w", err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode pagination token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeToken reverses encodeToken; keys are strings or numbers only.
func decodeToken(token string) (map[string]types.AttributeValue, error) {
	if token == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, ErrBadToken
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || len(m) == 0 {
		return nil, ErrBadToken
	}
	for _, v := range m {
		switch v.(type) {
		case string, float64:
		default:
			return nil, ErrBadToken
		}
	}
	key, err := attributevalue.MarshalMap(m)
	if err != nil {
		return nil, ErrBadToken
	}
	return key, nil
}

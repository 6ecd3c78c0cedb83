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

// IDTag is an item of the id-tags table, the authorization list.
type IDTag struct {
	IDTag       string `dynamodbav:"idTag"`
	Status      string `dynamodbav:"status"`
	ExpiryDate  string `dynamodbav:"expiryDate,omitempty"`
	ParentIDTag string `dynamodbav:"parentIdTag,omitempty"`
	// MaxActiveTransactions > 0 limits concurrent transactions; more are refused as ConcurrentTx.
	MaxActiveTransactions int    `dynamodbav:"maxActiveTransactions,omitempty"`
	UpdatedAt             string `dynamodbav:"updatedAt,omitempty"`
	// ListShard puts the tag in partition TagShard(idTag) of the byShard index.
	ListShard int `dynamodbav:"listShard"`
}

// TagShard is the listing shard of an id tag.
func TagShard(idTag string) int { return BoxShard(idTag) % ListShards }

// GetIDTag reads an id tag; ErrNotFound when it is not on the list.
func (s *Store) GetIDTag(ctx context.Context, idTag string) (IDTag, error) {
	var t IDTag
	err := s.get(ctx, tables.IDTags, map[string]types.AttributeValue{"idTag": str(idTag)}, &t)
	return t, err
}

// PutIDTag creates or replaces an id tag.
func (s *Store) PutIDTag(ctx context.Context, t IDTag) error {
	t.ListShard = TagShard(t.IDTag)
	item, err := marshal(t)
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.Table(tables.IDTags), Item: item}); err != nil {
		return fmt.Errorf("put id tag %s: %w", t.IDTag, err)
	}
	return nil
}

// SaveIDTag creates or updates an id tag; unlike PutIDTag it keeps attributes the operator
// does not own.
func (s *Store) SaveIDTag(ctx context.Context, t IDTag, now time.Time) (IDTag, error) {
	var u update
	u.set("status", str(t.Status))
	u.set("updatedAt", str(FormatTime(now)))
	u.set("listShard", num(int64(TagShard(t.IDTag))))
	for name, v := range map[string]string{"expiryDate": t.ExpiryDate, "parentIdTag": t.ParentIDTag} {
		if v == "" {
			u.remove(name)
		} else {
			u.set(name, str(v))
		}
	}
	if t.MaxActiveTransactions > 0 {
		u.set("maxActiveTransactions", num(int64(t.MaxActiveTransactions)))
	} else {
		u.remove("maxActiveTransactions")
	}
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.IDTags), Key: map[string]types.AttributeValue{"idTag": str(t.IDTag)},
		UpdateExpression: u.expression(), ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return IDTag{}, fmt.Errorf("save id tag %s: %w", t.IDTag, err)
	}
	var out IDTag
	if err := attributevalue.UnmarshalMap(res.Attributes, &out); err != nil {
		return IDTag{}, fmt.Errorf("decode id tag: %w", err)
	}
	return out, nil
}

// DeleteIDTag removes an id tag; ErrNotFound when it is not on the list.
func (s *Store) DeleteIDTag(ctx context.Context, idTag string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: s.Table(tables.IDTags), Key: map[string]types.AttributeValue{"idTag": str(idTag)},
		ConditionExpression: aws.String("attribute_exists(idTag)"),
	})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete id tag %s: %w", idTag, err)
	}
	return nil
}

// ListIDTags lists the authorization list from the byShard index, shard after shard.
func (s *Store) ListIDTags(ctx context.Context, p Page) ([]IDTag, string, error) {
	var out []IDTag
	next, err := s.listSharded(ctx, sharded{table: tables.IDTags, index: "byShard", key: "listShard", parts: listShards(), number: true}, p, &out)
	return out, next, err
}

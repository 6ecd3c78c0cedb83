// Package streamimage converts DynamoDB items as the AWS SDK holds them into the images of a
// Lambda DynamoDB stream event. It is the one such conversion: the local event source mapping
// (localstack/streams) builds its events with it, and the publisher's tests build theirs.
package streamimage

import (
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streamstypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// FromItem converts an item of the DynamoDB API (as attributevalue.MarshalMap returns it); nil
// stays nil, as an image a record does not carry.
func FromItem(item map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if item == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(item))
	for k, v := range item {
		out[k] = value(v)
	}
	return out
}

// FromStreams converts an image read with the DynamoDB Streams API, whose attribute values are
// the same union under another package. An attribute of a kind this SDK does not know becomes
// NULL.
func FromStreams(image map[string]streamstypes.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if image == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(image))
	for k, v := range image {
		av, err := attributevalue.FromDynamoDBStreams(v)
		if err != nil {
			out[k] = events.NewNullAttribute()
			continue
		}
		out[k] = value(av)
	}
	return out
}

func value(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberL:
		list := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			list[i] = value(e)
		}
		return events.NewListAttribute(list)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(FromItem(v.Value))
	default: // NULL, and any member a newer SDK adds
		return events.NewNullAttribute()
	}
}

package store

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrBadToken is returned when a pagination token was not made by this store.
var ErrBadToken = errors.New("invalid pagination token")

// Page asks for one page of a list: at most Limit items after the position Next names ("" for
// the first page).
type Page struct {
	Limit int32
	Next  string
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

package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// sharded is a fleet-wide listing read from an index whose partition key takes a few values
// (the listing shards, or the kinds of anomalies), so that no index partition takes the whole
// fleet's writes and no listing ever scans. The partitions are read in order; a page goes on
// into the next partition while it has room, so one call makes at most len(parts) Queries and
// reads at most Limit items (plus DynamoDB's minimum of one read unit per Query).
type sharded struct {
	table tables.Table
	index string
	// key is the index's partition key; parts its values, read in this order.
	key   string
	parts []string
	// number tells that key is a Number attribute.
	number bool
	// u holds the names and values of sortCond and filter.
	u update
	// sortCond is an extra key condition on the index's sort key ("" for none); filter an
	// optional filter expression.
	sortCond, filter string
	newestFirst      bool
	// bound narrows the positions a token may name (a sort-key range); nil for none.
	bound func(position) position
}

// The token of a sharded listing has the form of every other listing's (page.go): the key the
// page ended on, which names its partition, or for the start of the next partition the
// partition key with the marker startMarker (so a key with attributes missing is never taken
// for a start). Its scope names the table, index and partitions, so a token of a listing that
// reads other partitions (running sessions only, say) is refused.

// startMarker marks the token of a partition's start; no table has an attribute of this name.
const startMarker = "@start"

func (q sharded) scope() string {
	return scopeOf(q.table.Name, q.index, "sharded", strings.Join(q.parts, ","))
}

func (q sharded) position(part int) position {
	pos := indexPosition(q.table, q.index).in(q.key, q.parts[part])
	pos.scope = q.scope()
	if q.bound != nil {
		pos = q.bound(pos)
	}
	return pos
}

func (q sharded) value(part int) types.AttributeValue {
	if q.number {
		n, _ := strconv.ParseInt(q.parts[part], 10, 64)
		return num(n)
	}
	return str(q.parts[part])
}

// decode reads a token of this listing: the partition it is in and the key to start after
// (nil for the partition's start); "" is the start of the first partition.
func (q sharded) decode(next string) (int, map[string]types.AttributeValue, error) {
	if next == "" {
		return 0, nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(next)
	if err != nil {
		return 0, nil, ErrBadToken
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var tok token
	if err := dec.Decode(&tok); err != nil || dec.More() || tok.Scope != q.scope() {
		return 0, nil, ErrBadToken
	}
	part := slices.IndexFunc(q.parts, func(p string) bool {
		switch v := tok.Key[q.key].(type) {
		case string:
			return !q.number && v == p
		case json.Number:
			return q.number && v.String() == p
		}
		return false
	})
	if part < 0 {
		return 0, nil, ErrBadToken
	}
	if start, marked := tok.Key[startMarker]; marked {
		if start != true || len(tok.Key) != 2 {
			return 0, nil, ErrBadToken
		}
		return part, nil, nil
	}
	pos := q.position(part)
	if len(tok.Key) != len(pos.keys) {
		return 0, nil, ErrBadToken
	}
	key := make(map[string]types.AttributeValue, len(pos.keys))
	for _, a := range pos.keys {
		av, ok := pos.attribute(a, tok.Key[a.Name])
		if !ok {
			return 0, nil, ErrBadToken
		}
		key[a.Name] = av
	}
	return part, key, nil
}

// encode is the token of the page after one that ended in partition part on last.
func (q sharded) encode(part int, last map[string]types.AttributeValue) (string, error) {
	if len(last) == 0 {
		if part++; part >= len(q.parts) {
			return "", nil
		}
		last = map[string]types.AttributeValue{q.key: q.value(part), startMarker: &types.AttributeValueMemberBOOL{Value: true}}
	}
	return q.position(part).encode(last)
}

// listSharded reads one page of q into out (a pointer to a slice) and returns the next token.
func (s *Store) listSharded(ctx context.Context, q sharded, p Page, out any) (string, error) {
	part, start, err := q.decode(p.Next)
	if err != nil {
		return "", err
	}
	var items []map[string]types.AttributeValue
	for {
		u := update{names: maps.Clone(q.u.names), values: maps.Clone(q.u.values)}
		cond := u.cond("%s = ", q.key) + u.value(q.value(part))
		if q.sortCond != "" {
			cond += " AND " + q.sortCond
		}
		in := &dynamodb.QueryInput{
			TableName: s.Table(q.table), IndexName: aws.String(q.index), KeyConditionExpression: aws.String(cond),
			ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
			ScanIndexForward: aws.Bool(!q.newestFirst), ExclusiveStartKey: start,
		}
		if q.filter != "" {
			in.FilterExpression = aws.String(q.filter)
		}
		if p.Limit > 0 {
			in.Limit = aws.Int32(p.Limit - int32(len(items)))
		}
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return "", fmt.Errorf("list %s by %s %s: %w", q.table.Name, q.key, q.parts[part], err)
		}
		items = append(items, res.Items...)
		start = res.LastEvaluatedKey
		full := p.Limit > 0 && int32(len(items)) >= p.Limit
		if len(start) > 0 || full || part == len(q.parts)-1 {
			break
		}
		part++
	}
	if err := attributevalue.UnmarshalListOfMaps(items, out); err != nil {
		return "", fmt.Errorf("decode %s: %w", q.table.Name, err)
	}
	return q.encode(part, start)
}

// listShards are the values of listShard, in listing order.
func listShards() []string {
	parts := make([]string, ListShards)
	for k := range parts {
		parts[k] = strconv.Itoa(k)
	}
	return parts
}

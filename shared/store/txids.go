package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// Transaction ids are handed out in blocks so that no counter item is hot: a Lambda instance
// takes IDBlockSize ids at a time from one of IDShards counter items (chosen at random) with one
// atomic update, and gives them out from memory. The counter of shard k counts the blocks it
// has handed out; its b-th block (b = 1, 2, ...) is global block g = base + (b-1)*IDShards + k,
// which holds the ids g*IDBlockSize+1 .. (g+1)*IDBlockSize. Shards own disjoint blocks, so ids
// are unique without any coordination between shards. base is the first block after the ids the
// single counter of earlier versions (tables.CounterKey) handed out; that item is read once per
// instance and never written again. docs/scale.md ("Hot keys") gives the arithmetic.
const (
	IDShards    = 64
	IDBlockSize = 20
)

// idBlocks is the block of ids an instance is giving out.
type idBlocks struct {
	mu        sync.Mutex
	next, end int64 // next id to hand out; end is one past the block's last id
	base      int64 // first global block of the sharded counters; -1 until read
	// shard picks the counter shard of the next block (random; replaced in tests).
	shard func() int
}

func newIDBlocks() *idBlocks {
	return &idBlocks{base: -1, shard: func() int { return rand.IntN(IDShards) }}
}

// CounterShardKey is the TransactionStarts item of counter shard k.
func CounterShardKey(k int) string { return tables.CounterKey + "#" + strconv.Itoa(k) }

// errShardSpent tells that a shard's blocks reach past the 32-bit id space.
var errShardSpent = errors.New("counter shard spent")

// nextTransactionID hands out the next id of this instance's block, taking a new block when the
// block is used up. Ids are unique positive 32-bit integers, as OCPP requires; they are not
// ordered across instances.
func (s *Store) nextTransactionID(ctx context.Context) (int, error) {
	b := s.ids
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next < b.end {
		b.next++
		return int(b.next - 1), nil
	}
	if b.base < 0 {
		base, err := s.legacyBlocks(ctx)
		if err != nil {
			return 0, err
		}
		b.base = base
	}
	first := b.shard()
	for i := range IDShards {
		k := (first + i) % IDShards
		start, err := s.takeBlock(ctx, k, b.base)
		if errors.Is(err, errShardSpent) {
			continue
		}
		if err != nil {
			return 0, err
		}
		b.next, b.end = start+1, start+IDBlockSize
		return int(start), nil
	}
	return 0, fmt.Errorf("next transaction id: every counter shard has handed out its last 32-bit id")
}

// takeBlock takes the next block of shard k and returns its first id.
func (s *Store) takeBlock(ctx context.Context, k int, base int64) (int64, error) {
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.Table(tables.TransactionStarts),
		Key:                       map[string]types.AttributeValue{"startKey": str(CounterShardKey(k))},
		UpdateExpression:          aws.String("ADD blocks :one"),
		ConditionExpression:       aws.String("attribute_not_exists(blocks) OR blocks < :max"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":max": num(maxBlocks(k, base))},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if isConditionFailed(err) {
		return 0, errShardSpent
	}
	if err != nil {
		return 0, fmt.Errorf("take transaction id block of shard %d: %w", k, err)
	}
	n, err := numberAttr(res.Attributes, "blocks")
	if err != nil {
		return 0, fmt.Errorf("take transaction id block of shard %d: %w", k, err)
	}
	g := base + (n-1)*IDShards + int64(k)
	return g*IDBlockSize + 1, nil
}

// maxBlocks is how many blocks shard k can hand out before its ids pass math.MaxInt32.
func maxBlocks(k int, base int64) int64 {
	lastBlock := int64(math.MaxInt32/IDBlockSize) - 1 // last g whose ids all fit
	if lastBlock < base+int64(k) {
		return 0
	}
	return (lastBlock-base-int64(k))/IDShards + 1
}

// legacyBlocks reads the single counter of earlier versions and returns the first block above
// every id it handed out (0 when it never existed).
func (s *Store) legacyBlocks(ctx context.Context) (int64, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      s.Table(tables.TransactionStarts),
		Key:            map[string]types.AttributeValue{"startKey": str(tables.CounterKey)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("read legacy transaction id counter: %w", err)
	}
	if res.Item == nil {
		return 0, nil
	}
	last, err := numberAttr(res.Item, "transactionId")
	if err != nil {
		return 0, fmt.Errorf("read legacy transaction id counter: %w", err)
	}
	return (last + IDBlockSize - 1) / IDBlockSize, nil
}

func numberAttr(item map[string]types.AttributeValue, name string) (int64, error) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("%s missing", name)
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w", name, v.Value, err)
	}
	return n, nil
}

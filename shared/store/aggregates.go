package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// AggregateShards is the number of aggregate items. A box's changes always go to the shard its
// id hashes to, so each item takes 1/128 of the fleet's state changes: at 5,000 starts a second
// (about 6 counted changes per session, each a transactional write of 2 write units) that is
// about 470 write units a second per item, under half of the 1,000 one partition sustains.
// docs/scale.md ("Hot keys") has the arithmetic.
const AggregateShards = 128

// batchGetKeys is the most keys one BatchGetItem takes.
const batchGetKeys = 100

// ListShards is the number of partitions of the fleet-wide listing indexes. A box's listing
// shard is its aggregate shard modulo ListShards, so one listing shard holds exactly the boxes
// of the aggregate shards k, k+16, ..., k+112.
const ListShards = 16

// Counter attribute names of an aggregate item.
const (
	countOnline  = "online"
	countRunning = "running"
	// countVersion grows with every change of the item; reconciliation corrects an item only
	// while it still has the version read before the recount.
	countVersion  = "version"
	statusPrefix  = "status:"
	shardAttrName = "shard"
)

// Aggregates are the fleet-wide counts of the summary.
type Aggregates struct {
	Online             int64
	ConnectorsByStatus map[string]int64
	RunningSessions    int64
}

// BoxShard is the aggregate shard of a charge box.
func BoxShard(chargeBoxID string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(chargeBoxID))
	return int(h.Sum32() % AggregateShards)
}

// ListShard is the listing shard of a charge box.
func ListShard(chargeBoxID string) int { return BoxShard(chargeBoxID) % ListShards }

func shardKey(k int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{shardAttrName: num(int64(k))}
}

// counted is a change of the counts of one box, to write in the same transaction as the change.
type counted map[string]int64

// countItem is the aggregate update of a change, or nil when nothing changes.
func (s *Store) countItem(box string, c counted) *types.TransactWriteItem {
	u := s.countUpdate(box, c)
	if u == nil {
		return nil
	}
	return &types.TransactWriteItem{Update: u}
}

func (s *Store) countUpdate(box string, c counted) *types.Update {
	names := make([]string, 0, len(c))
	for name, d := range c {
		if d != 0 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	var u update
	adds := make([]string, 0, len(names)+1)
	for _, name := range names {
		adds = append(adds, u.name(name)+" "+u.value(num(c[name])))
	}
	adds = append(adds, u.name(countVersion)+" "+u.value(num(1)))
	return &types.Update{
		TableName: s.Table(tables.Aggregates), Key: shardKey(BoxShard(box)),
		UpdateExpression:         aws.String("ADD " + strings.Join(adds, ", ")),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
	}
}

// addCounts applies a change of counts on its own (when it cannot ride in the transaction of
// the change; see FinishSession).
func (s *Store) addCounts(ctx context.Context, box string, c counted) error {
	u := s.countUpdate(box, c)
	if u == nil {
		return nil
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
	})
	if err != nil {
		return fmt.Errorf("count change of %s: %w", box, err)
	}
	return nil
}

// statusCount names the count of connectors in a status.
func statusCount(status string) string { return statusPrefix + status }

// statusChange is the change of counts when a connector goes from old to new status; connector
// 0 (the box itself) and empty statuses are not counted.
func statusChange(connector int, old, new string) counted {
	c := counted{}
	if connector == 0 || old == new {
		return c
	}
	if old != "" {
		c[statusCount(old)]--
	}
	if new != "" {
		c[statusCount(new)]++
	}
	return c
}

// shardCounts is one aggregate item as read.
type shardCounts struct {
	shard   int
	version int64
	counts  map[string]int64
}

// readShards reads every aggregate item, in BatchGetItems of at most 100 keys (two for 128),
// resending the keys DynamoDB left unprocessed. consistent asks for strongly consistent reads
// (reconciliation); the summary reads eventually consistent, at half the price.
func (s *Store) readShards(ctx context.Context, consistent bool) ([]shardCounts, error) {
	var out []shardCounts
	for first := 0; first < AggregateShards; first += batchGetKeys {
		keys := make([]map[string]types.AttributeValue, 0, batchGetKeys)
		for k := first; k < min(first+batchGetKeys, AggregateShards); k++ {
			keys = append(keys, shardKey(k))
		}
		got, err := s.batchGetShards(ctx, keys, consistent)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

func (s *Store) batchGetShards(ctx context.Context, keys []map[string]types.AttributeValue, consistent bool) ([]shardCounts, error) {
	name := tables.Aggregates.FullName(s.prefix)
	req := map[string]types.KeysAndAttributes{name: {Keys: keys, ConsistentRead: aws.Bool(consistent)}}
	var out []shardCounts
	for attempt := 0; len(req[name].Keys) > 0; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, attempt); err != nil {
				return nil, err
			}
		}
		if attempt == 8 {
			return nil, fmt.Errorf("read aggregates: %d keys left unprocessed", len(req[name].Keys))
		}
		res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, fmt.Errorf("read aggregates: %w", err)
		}
		for _, item := range res.Responses[name] {
			sc, err := decodeShard(item)
			if err != nil {
				return nil, err
			}
			out = append(out, sc)
		}
		req = res.UnprocessedKeys
	}
	return out, nil
}

func decodeShard(item map[string]types.AttributeValue) (shardCounts, error) {
	sc := shardCounts{counts: map[string]int64{}}
	for name, v := range item {
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok {
			continue
		}
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return sc, fmt.Errorf("decode aggregate %s %q: %w", name, n.Value, err)
		}
		switch name {
		case shardAttrName:
			sc.shard = int(i)
		case countVersion:
			sc.version = i
		default:
			sc.counts[name] = i
		}
	}
	return sc, nil
}

// ReadAggregates sums the aggregate items: two BatchGetItems of AggregateShards small items, read
// eventually consistent, whatever the size of the fleet. The online count leaves out the rows
// already past their expiry at now that the sweep (Reconcile) has not removed yet, counted from
// the live index (one Query per listing shard that reads only those rows), so a box whose
// $disconnect was lost is offline here as everywhere else from the moment its row expires.
// Statuses that count no connector are left out.
func (s *Store) ReadAggregates(ctx context.Context, now time.Time) (Aggregates, error) {
	shards, err := s.readShards(ctx, false)
	if err != nil {
		return Aggregates{}, err
	}
	a := sumShards(shards)
	expired, err := s.countExpired(ctx, now)
	a.Online -= expired
	return a, err
}

// countExpired counts the connection rows past their expiry at now, one Query per listing
// shard, all at once; each reads only those rows (none once the sweep has run).
func (s *Store) countExpired(ctx context.Context, now time.Time) (int64, error) {
	counts := make([]int64, ListShards)
	errs := make([]error, ListShards)
	var wg sync.WaitGroup
	for k := range ListShards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
				TableName: s.Table(tables.Connections), IndexName: aws.String("live"), Select: types.SelectCount,
				KeyConditionExpression:    aws.String("listShard = :k AND expiresAt <= :now"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":k": num(int64(k)), ":now": num(now.Unix())},
			})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					errs[k] = fmt.Errorf("count expired connections: %w", err)
					return
				}
				counts[k] += int64(page.Count)
			}
		}()
	}
	wg.Wait()
	var total int64
	for _, c := range counts {
		total += c
	}
	return total, errors.Join(errs...)
}

func sumShards(shards []shardCounts) Aggregates {
	a := Aggregates{ConnectorsByStatus: map[string]int64{}}
	for _, sc := range shards {
		for name, n := range sc.counts {
			switch {
			case name == countOnline:
				a.Online += n
			case name == countRunning:
				a.RunningSessions += n
			case strings.HasPrefix(name, statusPrefix):
				a.ConnectorsByStatus[strings.TrimPrefix(name, statusPrefix)] += n
			}
		}
	}
	for status, n := range a.ConnectorsByStatus {
		if n == 0 {
			delete(a.ConnectorsByStatus, status)
		}
	}
	return a
}

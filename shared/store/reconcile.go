package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// Reconciled is what one reconciliation did.
type Reconciled struct {
	// Swept counts the connection rows past their expiry (a lost $disconnect) that were removed,
	// each with its online count, in one transaction.
	Swept int `json:"swept"`
	// Corrected counts the aggregate items whose counts differed from the recount and were set
	// right; Drift sums the absolute differences.
	Corrected int   `json:"corrected"`
	Drift     int64 `json:"drift"`
	// Busy counts the items that changed during the recount: they are left for the next run.
	Busy int `json:"busy"`
}

// Reconcile corrects the aggregates (tables.Aggregates). Every state change counts itself in
// its own transaction, so the counts drift only when a row goes without one: a connection row
// whose $disconnect was lost (swept here, after its expiry, with its count), a row DynamoDB's TTL
// deleted before the sweep, a function that died between a stop and its count. The recount is
// the one admin export (ExportCounts, paged Scans); an item is corrected only when its version
// did not move between the reads before and after the recount, so a change made meanwhile is
// never counted twice. The api function runs it on a schedule (docs/scale.md).
func (s *Store) Reconcile(ctx context.Context, now time.Time) (Reconciled, error) {
	var r Reconciled
	var err error
	if r.Swept, err = s.SweepExpiredConnections(ctx, now); err != nil {
		return r, err
	}
	before, err := s.readShards(ctx, true)
	if err != nil {
		return r, err
	}
	truth, err := s.ExportCounts(ctx)
	if err != nil {
		return r, err
	}
	after, err := s.readShards(ctx, true)
	if err != nil {
		return r, err
	}
	byShard := func(list []shardCounts) map[int]shardCounts {
		m := map[int]shardCounts{}
		for _, sc := range list {
			m[sc.shard] = sc
		}
		return m
	}
	b, a := byShard(before), byShard(after)
	for k := range AggregateShards {
		if b[k].version != a[k].version {
			r.Busy++
			continue
		}
		delta := counted{}
		for name := range mergeKeys(truth[k], b[k].counts) {
			if d := truth[k][name] - b[k].counts[name]; d != 0 {
				delta[name] = d
				r.Drift += max(d, -d)
			}
		}
		if len(delta) == 0 {
			continue
		}
		if err := s.correct(ctx, k, b[k].version, delta); err != nil {
			return r, err
		}
		r.Corrected++
	}
	return r, nil
}

func mergeKeys(a, b map[string]int64) map[string]bool {
	out := map[string]bool{}
	for k := range maps.Keys(a) {
		out[k] = true
	}
	for k := range maps.Keys(b) {
		out[k] = true
	}
	return out
}

// correct adds delta to aggregate item k while its version is still version.
func (s *Store) correct(ctx context.Context, k int, version int64, delta counted) error {
	var u update
	var adds []string
	for _, name := range slices.Sorted(maps.Keys(delta)) {
		adds = append(adds, u.name(name)+" "+u.value(num(delta[name])))
	}
	adds = append(adds, u.name(countVersion)+" "+u.value(num(1)))
	var cond string
	if version == 0 {
		cond = "attribute_not_exists(" + versionName(u.names) + ")"
	} else {
		cond = u.cond("%s = ", countVersion) + u.value(num(version))
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.Aggregates), Key: shardKey(k),
		UpdateExpression: aws.String("ADD " + strings.Join(adds, ", ")), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("correct aggregate %d: %w", k, err)
	}
	return nil // a failed condition: the item changed since, the next run sees it
}

// SweepExpiredConnections removes the connection rows past their expiry at now (their
// $disconnect was lost: API Gateway never keeps a connection past two hours) from the live
// index, each in one transaction with its online count, and returns how many went. A row that
// a reconnect replaced meanwhile stays (the condition names the expired connection).
func (s *Store) SweepExpiredConnections(ctx context.Context, now time.Time) (int, error) {
	swept := 0
	for k := range ListShards {
		p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
			TableName: s.Table(tables.Connections), IndexName: aws.String("live"),
			KeyConditionExpression:    aws.String("listShard = :k AND expiresAt <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":k": num(int64(k)), ":now": num(now.Unix())},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return swept, fmt.Errorf("sweep expired connections of shard %d: %w", k, err)
			}
			var rows []Connection
			if err := attributevalue.UnmarshalListOfMaps(page.Items, &rows); err != nil {
				return swept, fmt.Errorf("decode connections: %w", err)
			}
			for _, c := range rows {
				gone, err := s.sweep(ctx, c, now)
				if err != nil {
					return swept, err
				}
				if gone {
					swept++
				}
			}
		}
	}
	return swept, nil
}

func (s *Store) sweep(ctx context.Context, c Connection, now time.Time) (bool, error) {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName: s.Table(tables.Connections), Key: boxKey(c.ChargeBoxID),
			ConditionExpression:       aws.String("connectionId = :c AND expiresAt <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": str(c.ConnectionID), ":now": num(now.Unix())},
		}},
		*s.countItem(c.ChargeBoxID, counted{countOnline: -1}),
	}})
	if r := cancellationReasons(err); len(r) > 0 && r[0] == "ConditionalCheckFailed" {
		return false, nil // reconnected or disconnected meanwhile
	}
	if err != nil {
		return false, fmt.Errorf("sweep expired connection of %s: %w", c.ChargeBoxID, err)
	}
	return true, nil
}

// ExportSegments is how many segments of each table ExportCounts scans at once. A Scan page
// holds at most 1 MB; at 1,000,000 boxes the connections and connectors tables hold about
// 700 MB, so 16 segments read about 44 MB each, a few seconds, within the api function's 29 s
// (an estimate from item sizes, not measured on AWS; docs/scale.md).
const ExportSegments = 16

// ExportCounts is the admin export: it recounts every aggregate from the tables themselves,
// by aggregate shard, with paged Scans (strongly consistent on the tables; the running-session
// index is eventually consistent, as every index is). It is the only Scan of the central
// system outside the replay tool, and only Reconcile calls it: its cost follows the fleet
// (docs/scale.md gives it).
func (s *Store) ExportCounts(ctx context.Context) (map[int]map[string]int64, error) {
	out := map[int]map[string]int64{}
	add := func(box, name string) {
		k := BoxShard(box)
		if out[k] == nil {
			out[k] = map[string]int64{}
		}
		out[k][name]++
	}
	scans := []struct {
		table  tables.Table
		index  string
		attrs  []string
		strong bool
		count  func(map[string]types.AttributeValue)
	}{
		{tables.Connections, "", []string{"chargeBoxId"}, true, func(it map[string]types.AttributeValue) { add(strAttr(it, "chargeBoxId"), countOnline) }},
		{tables.Connectors, "", []string{"chargeBoxId", "connectorId", "status"}, true, func(it map[string]types.AttributeValue) {
			if n, _ := numberAttr(it, "connectorId"); n > 0 && strAttr(it, "status") != "" {
				add(strAttr(it, "chargeBoxId"), statusCount(strAttr(it, "status")))
			}
		}},
		{tables.Sessions, "runningByChargeBox", []string{"runningChargeBoxId"}, false, func(it map[string]types.AttributeValue) {
			add(strAttr(it, "runningChargeBoxId"), countRunning)
		}},
	}
	var mu sync.Mutex
	for _, sc := range scans {
		var u update
		names := make([]string, len(sc.attrs))
		for i, a := range sc.attrs {
			names[i] = u.name(a)
		}
		// A parallel scan: ExportSegments segments of the table read at once, each its own
		// paged Scan (Segment/TotalSegments, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan).
		g, gctx := errgroup.WithContext(ctx)
		for seg := range ExportSegments {
			g.Go(func() error {
				in := &dynamodb.ScanInput{TableName: s.Table(sc.table), ProjectionExpression: aws.String(strings.Join(names, ", ")),
					ExpressionAttributeNames: u.names, ConsistentRead: aws.Bool(sc.strong),
					Segment: aws.Int32(int32(seg)), TotalSegments: aws.Int32(ExportSegments)}
				if sc.index != "" {
					in.IndexName = aws.String(sc.index)
				}
				p := dynamodb.NewScanPaginator(s.db, in)
				for p.HasMorePages() {
					page, err := p.NextPage(gctx)
					if err != nil {
						return fmt.Errorf("export counts of %s (segment %d): %w", sc.table.Name, seg, err)
					}
					mu.Lock()
					for _, it := range page.Items {
						sc.count(it)
					}
					mu.Unlock()
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func strAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// versionName is the placeholder of countVersion among names.
func versionName(names map[string]string) string {
	for p, n := range names {
		if n == countVersion {
			return p
		}
	}
	return countVersion
}

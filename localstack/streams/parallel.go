package streams

import (
	"context"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Lambda's ParallelizationFactor: "When you increase the number of concurrent batches per
// shard, Lambda still ensures in-order processing at the item (partition and sort key) level"
// (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html, "Polling and batching
// streams"; factor 1 to 10). The reader does the same: it splits what it read from a shard into
// lanes by item key, records of one item stay in one lane in stream order, and the lanes are
// invoked concurrently, each with its own retries, bisection and record age. Two items of one
// partition key may land in different lanes, as on AWS: a table whose order matters across
// items of a partition key (the frame log) must keep the factor at 1.

// maxParallelization is the largest factor Lambda accepts.
const maxParallelization = 10

func (r *reader) parallelization() int {
	if r.opts.Parallelization == nil {
		return 1
	}
	return min(max(r.opts.Parallelization(r.table), 1), maxParallelization)
}

// processParallel delivers records in n lanes and returns when every lane is through (true)
// or ctx ended (false). The shard moves past the records only then, so a lane that keeps
// failing holds the shard back, as a failing batch holds back Lambda's shard checkpoint.
func (r *reader) processParallel(ctx context.Context, log *slog.Logger, shardID string, records []types.Record, n int) bool {
	lanes := make([][]types.Record, n)
	for _, rec := range records {
		i := laneOf(rec, n)
		lanes[i] = append(lanes[i], rec)
	}
	var wg sync.WaitGroup
	for i, lane := range lanes {
		if len(lane) == 0 {
			continue
		}
		wg.Go(func() { r.drain(ctx, log.With("lane", i), shardID, lane) })
	}
	wg.Wait()
	return ctx.Err() == nil
}

// drain invokes the handler with lane's records in order, retrying from the first failed
// record (with bisection and the maximum record age) until all are through or ctx ends.
func (r *reader) drain(ctx context.Context, log *slog.Logger, shardID string, records []types.Record) {
	run := attempt{limit: r.opts.BatchSize}
	backoff := r.opts.MinBackoff
	for len(records) > 0 && ctx.Err() == nil {
		batch := records[:min(len(records), int(run.limit))]
		retry, done := r.process(ctx, log, shardID, &run, batch)
		if done {
			records = records[len(batch):]
			backoff = r.opts.MinBackoff
			continue
		}
		if i := slices.IndexFunc(records, func(rec types.Record) bool { return sequence(rec) == retry.seq }); i > 0 {
			records = records[i:]
		}
		sleep(ctx, backoff)
		backoff = min(2*backoff, r.opts.MaxBackoff)
	}
}

// laneOf hashes a record's item key (every key attribute, in name order) to one of n lanes.
func laneOf(rec types.Record, n int) int {
	if rec.Dynamodb == nil {
		return 0
	}
	names := make([]string, 0, len(rec.Dynamodb.Keys))
	for name := range rec.Dynamodb.Keys {
		names = append(names, name)
	}
	slices.Sort(names)
	h := fnv.New32a()
	for _, name := range names {
		_, _ = h.Write([]byte(name))
		_, _ = h.Write([]byte{0})
		_, _ = h.Write([]byte(keyText(rec.Dynamodb.Keys[name])))
		_, _ = h.Write([]byte{0})
	}
	return int(h.Sum32() % uint32(n))
}

// keyText is the value of a key attribute (string, number or binary) as text.
func keyText(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return "S" + v.Value
	case *types.AttributeValueMemberN:
		return "N" + v.Value
	case *types.AttributeValueMemberB:
		return "B" + string(v.Value)
	default:
		return ""
	}
}

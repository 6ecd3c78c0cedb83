package tables

// StreamParallelization is the ParallelizationFactor of the publisher's event source mapping on
// t's stream (infra/publisher.go), and of the local stream reader (localstack/streams).
//
// Lambda keeps order per item (partition and sort key) only when it processes more than one
// batch of a shard at once: "When you increase the number of concurrent batches per shard,
// Lambda still ensures in-order processing at the item (partition and sort key) level"
// (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html). Order per partition key is not
// promised. So:
//   - Messages (frame log: chargeBoxId + seq, one item per exchange) needs its box's rows in
//     order across items: 1. Its shards keep up by publishing a batch with one round of
//     confirms (shared/publish; docs/scale.md, "Publishing throughput").
//   - Sessions (one item per transaction) needs order per item only (the publisher acts on the
//     item's own transition to finished): 4, so a burst of stops drains four batches at a time.
func StreamParallelization(t Table) int {
	if t.Name == Sessions.Name {
		return 4
	}
	return 1
}

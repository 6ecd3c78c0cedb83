package store

import "context"

// NextTransactionID exposes the id allocator to the tests of package store_test.
func (s *Store) NextTransactionID(ctx context.Context) (int, error) { return s.nextTransactionID(ctx) }

// PinIDShard makes the allocator take its blocks from counter shard k first, so that a test
// knows which ids come next (shard 0's first block is 1..IDBlockSize).
func (s *Store) PinIDShard(k int) { s.ids.shard = func() int { return k } }

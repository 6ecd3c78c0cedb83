package store_test

import (
	"context"
	"math"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// Many instances (one Store each, as Lambda instances have) allocate at once, several goroutines
// per instance: every id is a unique positive 32-bit integer, and the blocks came from several
// counter shards, so no single item took every update.
func TestTransactionIDsConcurrentUniqueAcrossInstances(t *testing.T) {
	cfg := storetest.Config(t)
	db := storetest.Tables(t, cfg)
	ctx := context.Background()
	const instances, workers, each = 8, 8, 250
	ids := make(chan int, instances*workers*each)
	errs := make(chan error, instances*workers)
	var wg sync.WaitGroup
	for range instances {
		st := store.New(db, cfg.TablePrefix)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					id, err := st.NextTransactionID(ctx)
					if err != nil {
						errs <- err
						return
					}
					ids <- id
				}
			}()
		}
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for id := range ids {
		if id <= 0 || id > math.MaxInt32 {
			t.Fatalf("id %d is not a positive 32-bit integer", id)
		}
		if seen[id] {
			t.Fatalf("id %d handed out twice", id)
		}
		seen[id] = true
	}
	if len(seen) != instances*workers*each {
		t.Fatalf("%d ids, want %d", len(seen), instances*workers*each)
	}
	used := 0
	for k := range store.IDShards {
		if counterBlocks(t, db, cfg.TablePrefix, store.CounterShardKey(k)) > 0 {
			used++
		}
	}
	if used < store.IDShards/2 {
		t.Fatalf("blocks came from %d of %d counter shards: the load is not spread", used, store.IDShards)
	}
}

// The sharded counters start above every id the single counter of earlier versions gave out,
// and stop at the end of the 32-bit space instead of wrapping or overflowing.
func TestTransactionIDsAfterLegacyCounterAndAtTheEnd(t *testing.T) {
	cfg := storetest.Config(t)
	db := storetest.Tables(t, cfg)
	ctx := context.Background()
	legacy := int64(math.MaxInt32 - 100*store.IDBlockSize)
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tables.TransactionStarts.FullName(cfg.TablePrefix)), Item: map[string]types.AttributeValue{
		"startKey": &types.AttributeValueMemberS{Value: tables.CounterKey}, "transactionId": &types.AttributeValueMemberN{Value: itoa(legacy)},
	}}); err != nil {
		t.Fatal(err)
	}
	st := store.New(db, cfg.TablePrefix)
	seen := map[int]bool{}
	for {
		id, err := st.NextTransactionID(ctx)
		if err != nil {
			break // the space is spent
		}
		if int64(id) <= legacy || id > math.MaxInt32 || seen[id] {
			t.Fatalf("id %d: legacy counter at %d, already seen %v", id, legacy, seen[id])
		}
		seen[id] = true
		if len(seen) > 100*store.IDBlockSize {
			t.Fatalf("more ids than the space above the legacy counter holds")
		}
	}
	if len(seen) < 90*store.IDBlockSize {
		t.Fatalf("only %d ids above the legacy counter before the end, want nearly %d", len(seen), 100*store.IDBlockSize)
	}
}

func counterBlocks(t *testing.T, db *dynamodb.Client, prefix, key string) int {
	t.Helper()
	res, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(tables.TransactionStarts.FullName(prefix)),
		Key:       map[string]types.AttributeValue{"startKey": &types.AttributeValueMemberS{Value: key}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Item == nil {
		return 0
	}
	return 1
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

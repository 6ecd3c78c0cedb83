// Package store adapts the central system to DynamoDB, one file per table. Every write names only
// the attributes it changes, with conditions, so concurrent messages from one charge box never
// overwrite each other and retries are idempotent; items that must change together are written
// in one TransactWriteItems. docs/storage.md describes the items and the writes.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// Store reads and writes the central system's tables.
type Store struct {
	db     *dynamodb.Client
	prefix string
	ids    *idBlocks
}

// New returns a Store on the tables named prefix + logical name.
func New(db *dynamodb.Client, prefix string) *Store {
	return &Store{db: db, prefix: prefix, ids: newIDBlocks()}
}

// NewClient builds a DynamoDB client; endpoint, when set, is used instead of AWS's.
func NewClient(cfg aws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			// DynamoDB Local's x-amz-crc32 does not match what the SDK computes; AWS's does.
			o.DisableValidateResponseChecksum = true
			useLocalEndpoint(o)
		}
	})
}

// DB exposes the client for packages that share it (the local stack's stream reader).
func (s *Store) DB() *dynamodb.Client { return s.db }

// Table returns the deployed name of a table.
func (s *Store) Table(t tables.Table) *string { return aws.String(t.FullName(s.prefix)) }

// ErrNotFound is returned when an item does not exist.
var ErrNotFound = errors.New("not found")

// timeFormat is fixed width so that sort keys built from it sort in time order.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// FormatTime renders t in the fixed-width UTC form used in every stored timestamp.
func FormatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue  { return &types.AttributeValueMemberN{Value: fmt.Sprint(v)} }

// isConditionFailed reports a failed condition on a single-item write.
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// cancellationReasons returns the per-item reason codes of a cancelled transaction, or nil.
func cancellationReasons(err error) []string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	codes := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes
}

func (s *Store) get(ctx context.Context, t tables.Table, key map[string]types.AttributeValue, out any) error {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.Table(t), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("get %s: %w", t.Name, err)
	}
	if res.Item == nil {
		return ErrNotFound
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return fmt.Errorf("decode %s: %w", t.Name, err)
	}
	return nil
}

func marshal(v any) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		return nil, fmt.Errorf("encode item: %w", err)
	}
	return item, nil
}

// batchWrite writes up to 25 requests, resending what DynamoDB left unprocessed.
func (s *Store) batchWrite(ctx context.Context, t tables.Table, reqs []types.WriteRequest) error {
	name := t.FullName(s.prefix)
	pending := map[string][]types.WriteRequest{name: reqs}
	for attempt := 0; len(pending[name]) > 0; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 20 * time.Millisecond):
			}
		}
		if attempt == 8 {
			return fmt.Errorf("write %s: %d items left unprocessed", t.Name, len(pending[name]))
		}
		res, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return fmt.Errorf("write %s: %w", t.Name, err)
		}
		pending = res.UnprocessedItems
	}
	return nil
}

func sleep(ctx context.Context, attempt int) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(attempt+1) * 15 * time.Millisecond):
		return nil
	}
}

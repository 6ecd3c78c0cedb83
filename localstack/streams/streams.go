// Package streams stands in for Lambda's DynamoDB event source mapping in the local stack: it
// reads table streams through the real DynamoDB Streams API (DynamoDB Local implements it) and
// invokes a handler with events.DynamoDBEvent batches, honouring partial batch failures the
// way Lambda does, so the publisher's handler runs locally exactly as it runs on AWS.
package streams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Handler is the signature of a Lambda handler for DynamoDB stream events that reports partial
// batch failures (ReportBatchItemFailures).
type Handler = func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// API is the part of the DynamoDB Streams client the reader uses; *dynamodbstreams.Client
// implements it.
type API interface {
	ListStreams(ctx context.Context, in *dynamodbstreams.ListStreamsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.ListStreamsOutput, error)
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// Options tune the reader. Zero values take the defaults in brackets, which follow Lambda's
// event source mapping where it has one.
type Options struct {
	// BatchSize is the most records per invocation [100, Lambda's default for DynamoDB].
	BatchSize int32
	// PollInterval is the wait after a GetRecords that returned nothing [250ms: Lambda polls
	// each shard four times a second].
	PollInterval time.Duration
	// ShardRefresh is how often the stream is described to find new shards [1s].
	ShardRefresh time.Duration
	// InvocationTimeout is the deadline of each handler invocation [60s], as a Lambda
	// function's timeout would be.
	InvocationTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before retrying a failed batch [100ms, 5s];
	// the wait doubles with each consecutive failure of the same shard.
	MinBackoff, MaxBackoff time.Duration
	// StartAtLatest starts the shards open when Run begins at LATEST instead of TRIM_HORIZON.
	StartAtLatest bool
	// Region fills awsRegion when a record has none.
	Region string
	// Logger receives the reader's logs [discarded].
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	def(&o.PollInterval, 250*time.Millisecond)
	def(&o.ShardRefresh, time.Second)
	def(&o.InvocationTimeout, 60*time.Second)
	def(&o.MinBackoff, 100*time.Millisecond)
	def(&o.MaxBackoff, 5*time.Second)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Run reads the streams of the given tables (names, table ARNs or stream ARNs) and invokes
// handler until ctx ends; then it waits for the invocations in progress and returns nil.
// Shards are read concurrently, one batch at a time per shard, children only after their
// parent is drained, so records of one item key reach the handler in stream order. Progress
// is kept in memory: a restarted reader starts again from the trim horizon.
func Run(ctx context.Context, client API, tablesOrStreams []string, handler Handler, opts Options) error {
	opts = opts.withDefaults()
	arns := make([]string, 0, len(tablesOrStreams))
	for _, name := range tablesOrStreams {
		arn, err := streamARN(ctx, client, name)
		if err != nil {
			return err
		}
		arns = append(arns, arn)
	}
	var wg sync.WaitGroup
	for _, arn := range arns {
		r := &reader{client: client, arn: arn, handler: handler, opts: opts, log: opts.Logger.With("stream", arn)}
		wg.Go(func() { r.run(ctx) })
	}
	wg.Wait()
	return nil
}

// streamARN resolves a table name or ARN to its latest stream's ARN.
func streamARN(ctx context.Context, client API, name string) (string, error) {
	if strings.Contains(name, "/stream/") {
		return name, nil
	}
	table := name
	if i := strings.LastIndex(name, ":table/"); i >= 0 {
		table = name[i+len(":table/"):]
	}
	var latest types.Stream
	in := &dynamodbstreams.ListStreamsInput{TableName: aws.String(table)}
	for {
		out, err := client.ListStreams(ctx, in)
		if err != nil {
			return "", fmt.Errorf("list streams of table %s: %w", table, err)
		}
		for _, s := range out.Streams {
			// Labels are timestamps of the same width: the greatest is the newest stream.
			if aws.ToString(s.TableName) == table && aws.ToString(s.StreamLabel) > aws.ToString(latest.StreamLabel) {
				latest = s
			}
		}
		if out.LastEvaluatedStreamArn == nil {
			break
		}
		in.ExclusiveStartStreamArn = out.LastEvaluatedStreamArn
	}
	if latest.StreamArn == nil {
		return "", fmt.Errorf("table %s has no stream", table)
	}
	return aws.ToString(latest.StreamArn), nil
}

// reader follows one stream.
type reader struct {
	client  API
	arn     string
	handler Handler
	opts    Options
	log     *slog.Logger
}

type shardState struct {
	parent  string
	started bool
	done    bool
}

// run discovers shards and starts a worker for each as soon as its parent is done.
func (r *reader) run(ctx context.Context) {
	shards := map[string]*shardState{}
	finished := make(chan string)
	var wg sync.WaitGroup
	defer wg.Wait()
	first := true
	for {
		found, err := r.describe(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("describe stream failed", "error", err)
		}
		for _, s := range found {
			id := aws.ToString(s.ShardId)
			if shards[id] == nil {
				shards[id] = &shardState{parent: aws.ToString(s.ParentShardId)}
			}
		}
		for _, s := range found {
			id := aws.ToString(s.ShardId)
			st := shards[id]
			if st.started {
				continue
			}
			// A parent that is no longer listed has been trimmed: nothing of it is left to read.
			if p := shards[st.parent]; p != nil && !p.done {
				continue
			}
			st.started = true
			start := types.ShardIteratorTypeTrimHorizon
			if first && r.opts.StartAtLatest && s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber == nil {
				start = types.ShardIteratorTypeLatest
			}
			wg.Go(func() {
				if r.readShard(ctx, id, start) {
					select {
					case finished <- id:
					case <-ctx.Done():
					}
				}
			})
		}
		if err == nil {
			first = false
		}
		wait := time.NewTimer(r.opts.ShardRefresh)
		select {
		case <-ctx.Done():
			wait.Stop()
			return
		case id := <-finished:
			shards[id].done = true
		case <-wait.C:
		}
		wait.Stop()
	}
}

func (r *reader) describe(ctx context.Context) ([]types.Shard, error) {
	var shards []types.Shard
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(r.arn)}
	for {
		out, err := r.client.DescribeStream(ctx, in)
		if err != nil {
			return shards, fmt.Errorf("describe stream: %w", err)
		}
		shards = append(shards, out.StreamDescription.Shards...)
		if out.StreamDescription.LastEvaluatedShardId == nil {
			return shards, nil
		}
		in.ExclusiveStartShardId = out.StreamDescription.LastEvaluatedShardId
	}
}

// readShard delivers a shard's records in batches until the shard is closed and drained
// (true) or ctx ends (false). A failed batch is retried from its first failed record after a
// backoff; the records before it count as processed, which is the in-memory checkpoint.
func (r *reader) readShard(ctx context.Context, shardID string, start types.ShardIteratorType) bool {
	log := r.log.With("shardId", shardID)
	pos := position{kind: start}
	backoff := r.opts.MinBackoff
	var iter *string
	for ctx.Err() == nil {
		if iter == nil {
			var err error
			if iter, err = r.iterator(ctx, shardID, pos); err != nil {
				if ctx.Err() != nil {
					return false // stopping, not a failure
				}
				log.Warn("get shard iterator failed", "error", err)
				sleep(ctx, backoff)
				backoff = min(2*backoff, r.opts.MaxBackoff)
				continue
			}
		}
		out, err := r.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(r.opts.BatchSize)})
		if err != nil {
			var expired *types.ExpiredIteratorException
			var trimmed *types.TrimmedDataAccessException
			switch {
			case ctx.Err() != nil:
			case errors.As(err, &expired):
				// Iterators live 15 minutes; take a new one from the checkpoint.
			case errors.As(err, &trimmed) && pos.seq == "":
				// Nothing read from this shard yet, so the trim horizon is where reading starts
				// anyway: nothing is skipped. DynamoDB Local answers so to the first read after
				// the first write to a fresh stream.
				log.Debug("iterator before the oldest record; reading from the trim horizon", "error", err)
				pos = position{kind: types.ShardIteratorTypeTrimHorizon}
			case errors.As(err, &trimmed):
				log.Warn("records trimmed before they were read", "after", pos.seq, "error", err)
				pos = position{kind: types.ShardIteratorTypeTrimHorizon}
			default:
				log.Warn("get records failed", "error", err)
				sleep(ctx, backoff)
				backoff = min(2*backoff, r.opts.MaxBackoff)
			}
			iter = nil
			continue
		}
		if len(out.Records) > 0 {
			failedAt := r.invoke(ctx, log, out.Records)
			if failedAt >= 0 {
				// Retry from the first failed record, as Lambda does with ReportBatchItemFailures.
				pos = position{kind: types.ShardIteratorTypeAtSequenceNumber, seq: sequence(out.Records[failedAt])}
				iter = nil
				sleep(ctx, backoff)
				backoff = min(2*backoff, r.opts.MaxBackoff)
				continue
			}
			backoff = r.opts.MinBackoff
			pos = position{kind: types.ShardIteratorTypeAfterSequenceNumber, seq: sequence(out.Records[len(out.Records)-1])}
		}
		if out.NextShardIterator == nil {
			log.Debug("shard closed and drained")
			return true
		}
		iter = out.NextShardIterator
		if len(out.Records) == 0 {
			sleep(ctx, r.opts.PollInterval)
		}
	}
	return false
}

// position is where reading resumes: a starting point, or a sequence number.
type position struct {
	kind types.ShardIteratorType
	seq  string
}

func (r *reader) iterator(ctx context.Context, shardID string, pos position) (*string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(r.arn), ShardId: aws.String(shardID), ShardIteratorType: pos.kind}
	if pos.seq != "" {
		in.SequenceNumber = aws.String(pos.seq)
	}
	out, err := r.client.GetShardIterator(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("get %s iterator: %w", pos.kind, err)
	}
	return out.ShardIterator, nil
}

// invoke calls the handler with one batch and returns the index of the first record to retry,
// or -1 when the whole batch succeeded.
func (r *reader) invoke(ctx context.Context, log *slog.Logger, records []types.Record) int {
	ev := Event(records, r.arn, r.opts.Region)
	ictx, cancel := context.WithTimeout(ctx, r.opts.InvocationTimeout)
	defer cancel()
	resp, err := safeCall(ictx, r.handler, ev)
	if err != nil {
		log.Warn("handler failed: the whole batch is retried", "records", len(records), "error", err)
		return 0
	}
	if len(resp.BatchItemFailures) == 0 {
		return -1
	}
	index := make(map[string]int, len(records))
	for i, rec := range records {
		index[sequence(rec)] = i
	}
	first := len(records)
	for _, f := range resp.BatchItemFailures {
		i, ok := index[f.ItemIdentifier]
		if !ok {
			// Lambda treats an identifier it cannot match as a failure of the whole batch.
			log.Warn("batch item failure names no record of the batch", "itemIdentifier", f.ItemIdentifier)
			return 0
		}
		first = min(first, i)
	}
	log.Info("partial batch failure: retrying", "records", len(records), "retryFrom", first, "sequenceNumber", sequence(records[first]))
	return first
}

// safeCall turns a panicking handler into a failed invocation, as the Lambda runtime does.
func safeCall(ctx context.Context, h Handler, ev events.DynamoDBEvent) (resp events.DynamoDBEventResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h(ctx, ev)
}

func sequence(r types.Record) string {
	if r.Dynamodb == nil {
		return ""
	}
	return aws.ToString(r.Dynamodb.SequenceNumber)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

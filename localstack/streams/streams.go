// Package streams stands in for Lambda's DynamoDB event source mapping in the local stack: it
// reads table streams through the real DynamoDB Streams API (DynamoDB Local implements it) and
// invokes a handler with events.DynamoDBEvent batches, honouring partial batch failures the
// way Lambda does, so the publisher's handler runs locally exactly as it runs on AWS. With the
// options the stack sets it behaves like the deployed mapping (infra/publisher.go): filter
// criteria, retry by record age, bisect on function error, and an on-failure destination that
// receives the whole invocation record (shared/failures, same layout as the S3 bucket).
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

	"github.com/serverless-ocpp/csms/shared/failures"
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

	// Filter decides which records invoke the handler, as the mapping's filter criteria do
	// (the stack passes shared/streamfilter.Deliver); table is the stream's table name. Records
	// it refuses count as processed [nil: every record].
	Filter func(table string, rec events.DynamoDBEventRecord) bool
	// MaxRecordAge is MaximumRecordAgeInSeconds: a failing batch whose first failed record is
	// older is given up and sent to FailureStore [0: never, as -1 on AWS, until the stream
	// trims the record]. Tests scale it down. A record's age counts from when the reader first
	// read it: DynamoDB Local truncates ApproximateCreationDateTime to the minute.
	MaxRecordAge time.Duration
	// Bisect is BisectBatchOnFunctionError: after a function error (an error, a panic) the
	// batch is retried in halves, down to single records, first half first.
	Bisect bool
	// FailureStore is the on-failure destination: it receives the invocation record of every
	// batch given up, under the key Lambda would use (shared/failures) [nil: logged only].
	FailureStore failures.Store
	// Now is the clock that ages records [time.Now].
	Now func() time.Time
	// Parallelization is ParallelizationFactor, per table: how many batches of one shard are
	// processed at once (1 to 10) [nil: 1]. As Lambda documents it, order is kept per item
	// (partition and sort key), not per partition key: see parallel.go.
	Parallelization func(table string) int
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
	if o.Now == nil {
		o.Now = time.Now
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
		r := &reader{client: client, arn: arn, table: failures.TableOf(arn), handler: handler, opts: opts, log: opts.Logger.With("stream", arn)}
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
	table   string
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
	run := attempt{limit: r.opts.BatchSize}
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
		out, err := r.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(run.limit)})
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
		if n := r.parallelization(); n > 1 && len(out.Records) > 0 {
			if !r.processParallel(ctx, log, shardID, out.Records, n) {
				return false
			}
			pos = position{kind: types.ShardIteratorTypeAfterSequenceNumber, seq: sequence(out.Records[len(out.Records)-1])}
		} else if len(out.Records) > 0 {
			if retry, done := r.process(ctx, log, shardID, &run, out.Records); !done {
				pos, iter = retry, nil
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

// attempt is the state of the batch a shard is working on.
type attempt struct {
	limit       int32     // records per GetRecords: BatchSize, less while bisecting
	head        string    // sequence number the batch starts at
	since       time.Time // when the reader first read the head record: its age
	invocations int       // of the batch starting at head
}

// process invokes the handler with a batch. It returns done when the reader may go past the
// batch: it succeeded, or it was given up (too old) and written to the failure store. Otherwise
// it returns where to retry: the first failed record, with bisection after a function error.
func (r *reader) process(ctx context.Context, log *slog.Logger, shardID string, run *attempt, records []types.Record) (position, bool) {
	if h := sequence(records[0]); h != run.head {
		run.head, run.since, run.invocations = h, r.opts.Now(), 0
	}
	run.invocations++
	failedAt, fnErr := r.invoke(ctx, log, records)
	if failedAt < 0 {
		*run = attempt{limit: r.opts.BatchSize}
		return position{}, true
	}
	rest := records[failedAt:]
	if r.tooOld(run.since) && ctx.Err() == nil {
		if err := r.giveUp(ctx, shardID, rest, run.invocations, fnErr); err != nil {
			log.Error("on-failure destination failed: the batch is retried", "error", err)
		} else {
			log.Error("records older than the maximum record age: batch given up to the failure store",
				"records", len(rest), "firstSequenceNumber", sequence(rest[0]), "invocations", run.invocations)
			*run = attempt{limit: r.opts.BatchSize}
			return position{}, true
		}
	}
	if failedAt > 0 {
		// The records before it are done: a new batch starts at the failed record, which was
		// read with the head, as old.
		run.head, run.invocations = sequence(rest[0]), 0
	}
	if fnErr && r.opts.Bisect {
		run.limit = max(1, int32(len(rest))/2)
	}
	// Retry from the first failed record, as Lambda does with ReportBatchItemFailures.
	return position{kind: types.ShardIteratorTypeAtSequenceNumber, seq: sequence(rest[0])}, false
}

// tooOld reports whether a record first read at since is older than MaxRecordAge.
func (r *reader) tooOld(since time.Time) bool {
	return r.opts.MaxRecordAge > 0 && r.opts.Now().Sub(since) > r.opts.MaxRecordAge
}

// giveUp writes the invocation record of the records given up to the failure store, under the
// key Lambda's S3 destination would use (the mapping is named local-<table>).
func (r *reader) giveUp(ctx context.Context, shardID string, records []types.Record, invocations int, fnErr bool) error {
	ev, _ := r.event(records)
	if r.opts.FailureStore == nil || len(ev.Records) == 0 {
		return nil
	}
	now := r.opts.Now()
	f := failures.Failure{
		Event: ev, Condition: failures.RecordAgeExceeded, ShardID: shardID, FunctionARN: "local:publisher",
		RequestID: sequence(records[0]), Invocations: invocations, At: now,
	}
	if fnErr {
		f.FunctionError = "Unhandled"
	}
	body, err := f.Encode()
	if err != nil {
		return err
	}
	id := sequence(records[0]) + "-" + sequence(records[len(records)-1])
	return r.opts.FailureStore.Put(ctx, failures.MappingKey("local-"+r.table, shardID, now, id), body)
}

// event is the event the mapping invokes the function with for these records: the ones the
// filter lets through, with their indexes in records.
func (r *reader) event(records []types.Record) (events.DynamoDBEvent, []int) {
	ev := Event(records, r.arn, r.opts.Region)
	if r.opts.Filter == nil {
		index := make([]int, len(records))
		for i := range index {
			index[i] = i
		}
		return ev, index
	}
	var index []int
	kept := ev.Records[:0]
	for i, rec := range ev.Records {
		if r.opts.Filter(r.table, rec) {
			kept = append(kept, rec)
			index = append(index, i)
		}
	}
	ev.Records = kept
	return ev, index
}

// invoke calls the handler with one batch and returns the index of the first record to retry,
// or -1 when the whole batch succeeded (or the filter let none of it through), and whether the
// function failed (an error or a panic, which retries the whole batch).
func (r *reader) invoke(ctx context.Context, log *slog.Logger, records []types.Record) (int, bool) {
	ev, index := r.event(records)
	if len(ev.Records) == 0 {
		return -1, false
	}
	ictx, cancel := context.WithTimeout(ctx, r.opts.InvocationTimeout)
	defer cancel()
	resp, err := safeCall(ictx, r.handler, ev)
	if err != nil {
		log.Warn("handler failed: the whole batch is retried", "records", len(ev.Records), "error", err)
		return 0, true
	}
	if len(resp.BatchItemFailures) == 0 {
		return -1, false
	}
	bySeq := make(map[string]int, len(ev.Records))
	for i, rec := range ev.Records {
		bySeq[rec.Change.SequenceNumber] = index[i]
	}
	first := len(records)
	for _, f := range resp.BatchItemFailures {
		i, ok := bySeq[f.ItemIdentifier]
		if !ok {
			// Lambda treats an identifier it cannot match as a failure of the whole batch.
			log.Warn("batch item failure names no record of the batch", "itemIdentifier", f.ItemIdentifier)
			return 0, false
		}
		first = min(first, i)
	}
	log.Info("partial batch failure: retrying", "records", len(ev.Records), "retryFrom", first, "sequenceNumber", sequence(records[first]))
	return first, false
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

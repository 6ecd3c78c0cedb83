package store

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// localInFlight bounds the requests in flight to a local endpoint (DynamoDB Local). DynamoDB
// Local serialises writes behind a lock and answers 500 "This action timed out because it too
// long waiting for a lock. This request will succeed in actual DynamoDB API" when too many
// wait: a connect storm of a few hundred boxes did that (docs/scale.md, "Connect storm").
// Queuing in the client instead keeps its throughput and fails nothing.
const localInFlight = 16

// useLocalEndpoint sets what a local endpoint needs and AWS does not: the bounded transport
// above, and retries that do not run dry. The SDK's standard retryer spends a token bucket
// (500 tokens, 5 per retry, more per timeout) shared by the whole client; a burst of lock
// timeouts empties it, and every later failure is returned unretried ("retry quota exceeded").
func useLocalEndpoint(o *dynamodb.Options) {
	o.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxConnsPerHost = localInFlight
		t.MaxIdleConnsPerHost = localInFlight
	})
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.RateLimiter = ratelimit.None
		so.MaxAttempts = 10
		so.MaxBackoff = 2 * time.Second
	})
}

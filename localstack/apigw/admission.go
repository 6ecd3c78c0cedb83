package apigw

import (
	"sync"
	"time"
)

// admission decides whether an upgrade request may start its handshake (authorizer and
// $connect). It emulates API Gateway's quota of new connections per second per account ("500,
// can be increased",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html)
// as a token bucket, and bounds the handshakes in progress. A request over either gets 429, as
// a throttled API Gateway answers, and the box retries with its own backoff.
//
// The second bound is the local stack's own: every handshake waits on DynamoDB Local, which
// serialises writes. Without it a storm of 5,000 boxes queued 5,000 handshakes at once, every
// one ran into the 29 s integration timeout together, and nothing connected; with it the
// excess is refused at once and the admitted ones finish (docs/scale.md, "Connect storm").
type admission struct {
	rate    float64 // tokens per second; <= 0 admits without a rate limit
	pending chan struct{}

	mu     sync.Mutex
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newAdmission(rate float64, maxPending int, now func() time.Time) *admission {
	a := &admission{rate: rate, tokens: rate, now: now, last: now()}
	if maxPending > 0 {
		a.pending = make(chan struct{}, maxPending)
	}
	return a
}

// enter admits one handshake and returns the function that ends it, or false when the request
// is over the rate or too many handshakes are in progress.
func (a *admission) enter() (func(), bool) {
	if a.pending != nil {
		select {
		case a.pending <- struct{}{}:
		default:
			return nil, false
		}
	}
	if !a.take() {
		a.leave()
		return nil, false
	}
	return a.leave, true
}

func (a *admission) leave() {
	if a.pending != nil {
		<-a.pending
	}
}

// take takes a token from the bucket (burst: one second's worth).
func (a *admission) take() bool {
	if a.rate <= 0 {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	a.tokens = min(a.rate, a.tokens+now.Sub(a.last).Seconds()*a.rate)
	a.last = now
	if a.tokens < 1 {
		return false
	}
	a.tokens--
	return true
}

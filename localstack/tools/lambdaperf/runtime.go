// Package lambdaperf measures the Lambda artifacts: the size of each function's deployment zip
// (linux/arm64, as `make build` makes it) and its cold start, by running the same bootstrap
// built for this machine's architecture against a Lambda Runtime API served here and handing
// it the events/ samples.
//
// Why not the AWS Runtime Interface Emulator: its Go module
// (github.com/aws/aws-lambda-runtime-interface-emulator, module path go.amzn.com) is refused by
// the module proxy this project can reach (403 for the version list, the tags and the
// pseudo-versions tried), and no other registry ships it. The Runtime API it would serve is
// small and documented (runtime/invocation/next, .../response, .../error, runtime/init/error),
// so Runtime serves it, and measures Init Duration as Lambda defines it: from the start of the
// process to the runtime's first request for an invocation.
package lambdaperf

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Invocation is one event handed to the function and what came back.
type Invocation struct {
	RequestID string
	Event     []byte
	Response  []byte
	// Error is the body of a .../error post, or of runtime/init/error.
	Error    string
	Duration time.Duration
}

// Runtime is a Lambda Runtime API for one function process.
type Runtime struct {
	Addr string

	srv      *http.Server
	queue    chan *pending
	mu       sync.Mutex
	inflight map[string]*pending
	firstGet chan time.Time
	once     sync.Once
	initErr  chan string
}

type pending struct {
	inv  Invocation
	sent time.Time
	done chan struct{}
}

// NewRuntime listens on a free loopback port.
func NewRuntime() (*Runtime, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Runtime{Addr: ln.Addr().String(), queue: make(chan *pending), inflight: map[string]*pending{},
		firstGet: make(chan time.Time, 1), initErr: make(chan string, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", r.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", r.result(false))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", r.result(true))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		select {
		case r.initErr <- string(b):
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	})
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// Close stops the server.
func (r *Runtime) Close() error { return r.srv.Close() }

func (r *Runtime) next(w http.ResponseWriter, req *http.Request) {
	r.once.Do(func() { r.firstGet <- time.Now() })
	select {
	case p := <-r.queue:
		r.mu.Lock()
		r.inflight[p.inv.RequestID] = p
		r.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", p.inv.RequestID)
		h.Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(30*time.Second).UnixMilli()))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:perf")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		h.Set("Content-Type", "application/json")
		p.sent = time.Now()
		_, _ = w.Write(p.inv.Event)
	case <-req.Context().Done():
	}
}

func (r *Runtime) result(isError bool) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		id := req.PathValue("id")
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		p := r.inflight[id]
		delete(r.inflight, id)
		r.mu.Unlock()
		if p == nil {
			http.Error(w, "unknown request id", http.StatusBadRequest)
			return
		}
		p.inv.Duration = time.Since(p.sent)
		if isError {
			p.inv.Error = string(b)
		} else {
			p.inv.Response = b
		}
		close(p.done)
		w.WriteHeader(http.StatusAccepted)
	}
}

// WaitInit returns when the runtime first asked for an invocation (the end of init), or the
// init error it reported.
func (r *Runtime) WaitInit(ctx context.Context, exited <-chan error) (time.Time, error) {
	select {
	case at := <-r.firstGet:
		return at, nil
	case msg := <-r.initErr:
		return time.Time{}, fmt.Errorf("init error: %s", strings.TrimSpace(msg))
	case err := <-exited:
		return time.Time{}, fmt.Errorf("function exited during init: %v", err)
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
}

// Invoke hands one event to the function and waits for its answer.
func (r *Runtime) Invoke(ctx context.Context, id string, event []byte) (Invocation, error) {
	p := &pending{inv: Invocation{RequestID: id, Event: event}, done: make(chan struct{})}
	select {
	case r.queue <- p:
	case <-ctx.Done():
		return Invocation{}, ctx.Err()
	}
	select {
	case <-p.done:
		return p.inv, nil
	case <-ctx.Done():
		return Invocation{}, ctx.Err()
	}
}

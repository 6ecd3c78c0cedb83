// Package e2e runs the whole system in-process — DynamoDB Local, the API Gateway stand-ins and
// the real handlers — and drives it with real WebSocket charge-box clients.
package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// startStack runs a local stack on fresh tables; edit adjusts the configuration first.
func startStack(t *testing.T, edit func(*config.Config)) *stack.Stack {
	t.Helper()
	cfg := storetest.Config(t)
	cfg.AutoRegister = true
	cfg.MessageRetention = time.Hour
	if edit != nil {
		edit(&cfg)
	}
	return startStackWith(t, cfg, stack.Options{})
}

// startStackWith runs a local stack with cfg on loopback ports chosen by the system.
func startStackWith(t *testing.T, cfg config.Config, opts stack.Options) *stack.Stack {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	opts.WSAddr, opts.HTTPAddr = "127.0.0.1:0", "127.0.0.1:0"
	st, err := stack.Start(context.Background(), cfg, opts, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// box is a scripted charge box on a real WebSocket.
type box struct {
	t       *testing.T
	id      string
	ws      *websocket.Conn
	writeMu sync.Mutex
	seq     atomic.Int64

	mu      sync.Mutex
	waiting map[string]chan ocpp.Frame
	// calls receives CALLs from the central system.
	calls  chan ocpp.Frame
	closed chan struct{}
}

type dialOpts struct {
	subprotocols []string
	user, pass   string
}

// dial connects a charge box; it returns the HTTP response on a refused handshake.
func dial(t *testing.T, st *stack.Stack, id string, o dialOpts) (*box, *http.Response, error) {
	t.Helper()
	if o.subprotocols == nil {
		o.subprotocols = []string{"ocpp1.6"}
	}
	h := http.Header{}
	if o.user != "" || o.pass != "" {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(o.user+":"+o.pass)))
	}
	d := websocket.Dialer{Subprotocols: o.subprotocols, HandshakeTimeout: 10 * time.Second}
	ws, resp, err := d.Dial(st.WSURL+id, h)
	if err != nil {
		return nil, resp, err
	}
	b := &box{t: t, id: id, ws: ws, waiting: map[string]chan ocpp.Frame{}, calls: make(chan ocpp.Frame, 16), closed: make(chan struct{})}
	go b.read()
	t.Cleanup(func() { _ = b.ws.Close() })
	return b, resp, nil
}

func mustDial(t *testing.T, st *stack.Stack, id string) *box {
	t.Helper()
	b, resp, err := dial(t, st, id, dialOpts{})
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", id, err, status(resp))
	}
	if got := b.ws.Subprotocol(); got != "ocpp1.6" {
		t.Fatalf("negotiated subprotocol %q", got)
	}
	return b
}

func status(resp *http.Response) string {
	if resp == nil {
		return "no response"
	}
	return resp.Status
}

func (b *box) read() {
	defer close(b.closed)
	for {
		_, data, err := b.ws.ReadMessage()
		if err != nil {
			return
		}
		fr, perr := ocpp.ParseFrame(data)
		if perr != nil {
			b.t.Errorf("%s received an invalid frame %s: %v", b.id, data, perr)
			continue
		}
		if fr.Type == ocpp.TypeCall {
			b.calls <- fr
			continue
		}
		b.mu.Lock()
		ch := b.waiting[fr.UniqueID]
		delete(b.waiting, fr.UniqueID)
		b.mu.Unlock()
		if ch == nil {
			b.t.Errorf("%s received an answer to nothing: %s", b.id, data)
			continue
		}
		ch <- fr
	}
}

func (b *box) write(data []byte) {
	b.t.Helper()
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	if err := b.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		b.t.Fatalf("%s write: %v", b.id, err)
	}
}

// send writes a CALL and returns the central system's answer frame.
func (b *box) send(action string, payload any) ocpp.Frame {
	b.t.Helper()
	id := fmt.Sprintf("%s-%d", b.id, b.seq.Add(1))
	raw, err := json.Marshal([]any{2, id, action, payload})
	if err != nil {
		b.t.Fatal(err)
	}
	ch := make(chan ocpp.Frame, 1)
	b.mu.Lock()
	b.waiting[id] = ch
	b.mu.Unlock()
	b.write(raw)
	select {
	case fr := <-ch:
		return fr
	case <-time.After(15 * time.Second):
		b.t.Fatalf("%s: no answer to %s %s", b.id, action, id)
		return ocpp.Frame{}
	}
}

// call sends a CALL, requires a CALLRESULT and decodes it strictly into resp.
func (b *box) call(action string, payload, resp any) {
	b.t.Helper()
	fr := b.send(action, payload)
	if fr.Type != ocpp.TypeCallResult {
		b.t.Fatalf("%s %s: CALLERROR %s %s", b.id, action, fr.ErrorCode, fr.ErrorDescription)
	}
	if err := ocpp.Decode(fr.Payload, resp); err != nil {
		b.t.Fatalf("%s %s: answer %s invalid: %v", b.id, action, fr.Payload, err)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

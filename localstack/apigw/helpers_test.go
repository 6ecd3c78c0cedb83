package apigw

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gorilla/websocket"
)

// recorder is a set of fake handlers that keep every event they receive.
type recorder struct {
	mu          sync.Mutex
	connects    []events.APIGatewayWebsocketProxyRequest
	defaults    []events.APIGatewayWebsocketProxyRequest
	disconnects []events.APIGatewayWebsocketProxyRequest

	// connectResponse and defaultResponse shape the answers; nil means 200 and no body.
	connectResponse func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)
	defaultResponse func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)
}

func (rec *recorder) handlers() Handlers {
	return Handlers{
		Connect: func(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			rec.mu.Lock()
			rec.connects = append(rec.connects, req)
			rec.mu.Unlock()
			if rec.connectResponse != nil {
				return rec.connectResponse(req)
			}
			return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
		},
		Default: func(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			rec.mu.Lock()
			rec.defaults = append(rec.defaults, req)
			rec.mu.Unlock()
			if rec.defaultResponse != nil {
				return rec.defaultResponse(req)
			}
			return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
		},
		Disconnect: func(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			rec.mu.Lock()
			rec.disconnects = append(rec.disconnects, req)
			rec.mu.Unlock()
			return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
		},
	}
}

func (rec *recorder) counts() (connects, defaults, disconnects int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.connects), len(rec.defaults), len(rec.disconnects)
}

func (rec *recorder) lastConnect(t *testing.T) events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.connects) == 0 {
		t.Fatal("no $connect event")
	}
	return rec.connects[len(rec.connects)-1]
}

func (rec *recorder) disconnectEvents() []events.APIGatewayWebsocketProxyRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]events.APIGatewayWebsocketProxyRequest(nil), rec.disconnects...)
}

func (rec *recorder) defaultEvents() []events.APIGatewayWebsocketProxyRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]events.APIGatewayWebsocketProxyRequest(nil), rec.defaults...)
}

// testLogger sends the gateway's logs to the test log.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startServer runs a gateway behind an httptest server; both close at the end of the test.
func startServer(t *testing.T, h Handlers, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	srv := New(h, opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		_ = srv.Close()
		ts.Close()
	})
	return srv, ts
}

func wsURL(ts *httptest.Server, path string) string {
	return "ws" + strings.TrimPrefix(ts.URL, "http") + path
}

// dial opens a client connection offering OCPP 1.6.
func dial(t *testing.T, ts *httptest.Server, path string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"ocpp1.6"}}
	ws, resp, err := d.Dial(wsURL(ts, path), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", path, err, status)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return ws
}

// dialRefused dials expecting a refused handshake and returns the HTTP status and body.
func dialRefused(t *testing.T, ts *httptest.Server, path string) (int, string) {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(wsURL(ts, path), nil)
	if err == nil {
		_ = ws.Close()
		t.Fatalf("dial %s: connected, want refusal", path)
	}
	if resp == nil {
		t.Fatalf("dial %s: %v without an HTTP response", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readClose reads until the gateway closes the connection and returns its close code.
func readClose(t *testing.T, ws *websocket.Conn) *websocket.CloseError {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce
		}
		t.Fatalf("read: %v, want a close frame", err)
	}
}

// readText reads one data message.
func readText(t *testing.T, ws *websocket.Conn) string {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(data)
}

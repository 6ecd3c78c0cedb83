package apigw

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gorilla/websocket"
)

func echo(req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: "echo:" + req.Body}, nil
}

func TestDefaultRouteResponse(t *testing.T) {
	rec := &recorder{defaultResponse: echo}
	_, ts := startServer(t, rec.handlers(), Options{})
	ws := dial(t, ts, "/ocpp/CB1")
	connectID := rec.lastConnect(t).RequestContext.ConnectionID

	if err := ws.WriteMessage(websocket.TextMessage, []byte(`[2,"1","Heartbeat",{}]`)); err != nil {
		t.Fatal(err)
	}
	if got, want := readText(t, ws), `echo:[2,"1","Heartbeat",{}]`; got != want {
		t.Errorf("route response %q, want %q", got, want)
	}
	if err := ws.WriteMessage(websocket.BinaryMessage, []byte{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	readText(t, ws)

	evs := rec.defaultEvents()
	if len(evs) != 2 {
		t.Fatalf("%d $default events, want 2", len(evs))
	}
	text, bin := evs[0], evs[1]
	rc := text.RequestContext
	if rc.RouteKey != "$default" || rc.EventType != "MESSAGE" || rc.ConnectionID != connectID || rc.MessageID == nil || rc.MessageID == "" {
		t.Errorf("$default context = %+v", rc)
	}
	if text.Headers != nil || text.IsBase64Encoded {
		t.Errorf("text message event carries headers %v or base64 flag", text.Headers)
	}
	if !bin.IsBase64Encoded || bin.Body != base64.StdEncoding.EncodeToString([]byte{0, 1, 2}) {
		t.Errorf("binary message event body %q base64 %v", bin.Body, bin.IsBase64Encoded)
	}
}

func TestDefaultHandlerError(t *testing.T) {
	rec := &recorder{defaultResponse: func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{}, errors.New("dynamodb unavailable")
	}}
	_, ts := startServer(t, rec.handlers(), Options{})
	ws := dial(t, ts, "/ocpp/CB1")
	if err := ws.WriteMessage(websocket.TextMessage, []byte("x")); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(readText(t, ws)), &got); err != nil {
		t.Fatal(err)
	}
	ev := rec.defaultEvents()[0]
	want := map[string]string{
		"message":      "Internal server error",
		"connectionId": ev.RequestContext.ConnectionID,
		"requestId":    ev.RequestContext.RequestID,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("error frame %v, want %v", got, want)
	}
}

// TestConcurrentWrites races Management API posts against route responses on one socket;
// gorilla/websocket panics on concurrent writers, and the race detector watches the rest.
func TestConcurrentWrites(t *testing.T) {
	rec := &recorder{defaultResponse: echo}
	_, ts := startServer(t, rec.handlers(), Options{})
	ws := dial(t, ts, "/ocpp/CB1")
	id := rec.lastConnect(t).RequestContext.ConnectionID

	const n = 40
	received := make(chan string, 2*n)
	go func() {
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				close(received)
				return
			}
			received <- string(data)
		}
	}()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range n {
			if err := ws.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf("in-%d", i))); err != nil {
				t.Errorf("write: %v", err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range n {
			resp, err := http.Post(ts.URL+"/@connections/"+id, "application/json", strings.NewReader(fmt.Sprintf("post-%d", i)))
			if err != nil {
				t.Errorf("post: %v", err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("post status %d", resp.StatusCode)
			}
		}
	}()
	wg.Wait()

	seen := map[string]bool{}
	timeout := time.After(5 * time.Second)
	for len(seen) < 2*n {
		select {
		case m, ok := <-received:
			if !ok {
				t.Fatalf("connection ended after %d of %d frames", len(seen), 2*n)
			}
			seen[m] = true
		case <-timeout:
			t.Fatalf("received %d of %d frames", len(seen), 2*n)
		}
	}
	for i := range n {
		if !seen[fmt.Sprintf("echo:in-%d", i)] || !seen[fmt.Sprintf("post-%d", i)] {
			t.Fatalf("frame %d missing", i)
		}
	}
}

// TestDisconnectOnce closes a connection in every way there is and checks the client's close
// code and the single $disconnect event.
func TestDisconnectOnce(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		act        func(t *testing.T, srv *Server, ts string, ws *websocket.Conn, id string)
		clientCode int // close code the client reads; 0 when the client closed itself
		wantCode   int64
		wantReason string
	}{
		{
			name: "client close",
			act: func(t *testing.T, _ *Server, _ string, ws *websocket.Conn, _ string) {
				_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
			},
			wantCode: 1000, wantReason: "bye",
		},
		{
			name: "client drops tcp",
			act: func(t *testing.T, _ *Server, _ string, ws *websocket.Conn, _ string) {
				_ = ws.NetConn().Close()
			},
			wantCode: 1006, wantReason: "Connection Closed Abnormally",
		},
		{
			name: "management delete",
			act: func(t *testing.T, _ *Server, base string, _ *websocket.Conn, id string) {
				req, _ := http.NewRequest(http.MethodDelete, base+"/@connections/"+id, nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNoContent {
					t.Errorf("delete status %d", resp.StatusCode)
				}
			},
			clientCode: 1000, wantCode: 1000, wantReason: "Connection Closed Normally",
		},
		{
			name:       "idle timeout",
			opts:       Options{IdleTimeout: 150 * time.Millisecond},
			act:        func(*testing.T, *Server, string, *websocket.Conn, string) {},
			clientCode: 1001, wantCode: 1001, wantReason: "Going away",
		},
		{
			name:       "maximum age",
			opts:       Options{MaxConnectionAge: 150 * time.Millisecond},
			act:        func(*testing.T, *Server, string, *websocket.Conn, string) {},
			clientCode: 1001, wantCode: 1001, wantReason: "Going away",
		},
		{
			name: "oversize message",
			opts: Options{MaxMessageBytes: 1024},
			act: func(t *testing.T, _ *Server, _ string, ws *websocket.Conn, _ string) {
				_ = ws.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte("x"), 2000))
			},
			clientCode: 1009, wantCode: 1009, wantReason: "Message too big",
		},
		{
			name: "oversize frame",
			opts: Options{MaxFrameBytes: 1024},
			act: func(t *testing.T, _ *Server, _ string, ws *websocket.Conn, _ string) {
				// The default client buffer (4 KiB) sends the message as one frame.
				_ = ws.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte("x"), 2000))
			},
			clientCode: 1009, wantCode: 1009, wantReason: "Frame too big",
		},
		{
			name: "server close",
			act: func(t *testing.T, srv *Server, _ string, _ *websocket.Conn, _ string) {
				go func() { _ = srv.Close() }()
			},
			clientCode: 1001, wantCode: 1001, wantReason: "Going away",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			srv, ts := startServer(t, rec.handlers(), tt.opts)
			ws := dial(t, ts, "/ocpp/CB1")
			id := rec.lastConnect(t).RequestContext.ConnectionID
			eventually(t, "registration", func() bool { return srv.Connections() == 1 })

			tt.act(t, srv, ts.URL, ws, id)
			if tt.clientCode != 0 {
				if ce := readClose(t, ws); ce.Code != tt.clientCode {
					t.Errorf("client read close code %d, want %d", ce.Code, tt.clientCode)
				}
			}
			eventually(t, "$disconnect", func() bool { _, _, n := rec.counts(); return n > 0 })
			_ = ws.Close()
			_ = srv.Close() // waits for every $disconnect still running

			evs := rec.disconnectEvents()
			if len(evs) != 1 {
				t.Fatalf("%d $disconnect events, want exactly 1", len(evs))
			}
			rc := evs[0].RequestContext
			if rc.RouteKey != "$disconnect" || rc.EventType != "DISCONNECT" || rc.ConnectionID != id {
				t.Errorf("$disconnect context = %+v", rc)
			}
			reason := ""
			if rc.DisconnectReason != nil {
				reason = *rc.DisconnectReason
			}
			if rc.DisconnectStatusCode != tt.wantCode || reason != tt.wantReason {
				t.Errorf("disconnect %d %q, want %d %q", rc.DisconnectStatusCode, reason, tt.wantCode, tt.wantReason)
			}
			if srv.Connections() != 0 {
				t.Errorf("%d connections left", srv.Connections())
			}
		})
	}
}

func TestIdleTimerCountsData(t *testing.T) {
	rec := &recorder{}
	srv, ts := startServer(t, rec.handlers(), Options{IdleTimeout: 300 * time.Millisecond})
	ws := dial(t, ts, "/ocpp/CB1")
	start := time.Now()
	// Data every 100 ms keeps the connection open well past the idle timeout.
	for time.Since(start) < 700*time.Millisecond {
		if err := ws.WriteMessage(websocket.TextMessage, []byte("tick")); err != nil {
			t.Fatalf("write after %s: %v", time.Since(start), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if srv.Connections() != 1 {
		t.Fatal("connection closed although data kept flowing")
	}
	if ce := readClose(t, ws); ce.Code != websocket.CloseGoingAway {
		t.Errorf("close code %d, want 1001", ce.Code)
	}
}

func TestFragmentedMessageWithinFrameLimit(t *testing.T) {
	rec := &recorder{defaultResponse: func(req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: fmt.Sprint(len(req.Body))}, nil
	}}
	_, ts := startServer(t, rec.handlers(), Options{MaxFrameBytes: 1024, MaxMessageBytes: 8192})
	// A 512-byte write buffer makes gorilla fragment the message into frames below 1 KiB.
	d := websocket.Dialer{WriteBufferSize: 512}
	ws, _, err := d.Dial(wsURL(ts, "/ocpp/CB1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte("y"), 6000)); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, ws); got != "6000" {
		t.Errorf("handler saw %s bytes, want 6000", got)
	}
}

// TestPostDuringConnect reproduces the platform: the connection cannot be posted to before
// $connect has returned.
func TestPostDuringConnect(t *testing.T) {
	var base string
	status := make(chan int, 1)
	rec := &recorder{connectResponse: func(req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		resp, err := http.Post(base+"/@connections/"+req.RequestContext.ConnectionID, "text/plain", strings.NewReader("too early"))
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		resp.Body.Close()
		status <- resp.StatusCode
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}}
	_, ts := startServer(t, rec.handlers(), Options{})
	base = ts.URL
	dial(t, ts, "/ocpp/CB1")
	if got := <-status; got != http.StatusGone {
		t.Errorf("post during $connect: status %d, want 410", got)
	}
}

func TestCloseDisconnectsEveryConnection(t *testing.T) {
	rec := &recorder{}
	srv, ts := startServer(t, rec.handlers(), Options{})
	for i := range 3 {
		dial(t, ts, fmt.Sprintf("/ocpp/CB%d", i))
	}
	eventually(t, "three connections", func() bool { return srv.Connections() == 3 })
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, n := rec.counts(); n != 3 || srv.Connections() != 0 {
		t.Errorf("after Close: %d $disconnect events, %d connections; want 3, 0", n, srv.Connections())
	}
	if status, _ := dialRefused(t, ts, "/ocpp/CB9"); status != http.StatusServiceUnavailable {
		t.Errorf("dial after Close: status %d, want 503", status)
	}
	if n, _, _ := rec.counts(); n != 3 {
		t.Errorf("$connect ran %d times, want 3: none after Close", n)
	}
}

func TestPingAnswered(t *testing.T) {
	rec := &recorder{}
	_, ts := startServer(t, rec.handlers(), Options{})
	ws := dial(t, ts, "/ocpp/CB1")
	pong := make(chan string, 1)
	ws.SetPongHandler(func(data string) error {
		pong <- data
		return nil
	})
	// Control frames are processed while the client reads.
	go func() {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	if err := ws.WriteControl(websocket.PingMessage, []byte("are-you-there"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-pong:
		if got != "are-you-there" {
			t.Errorf("pong %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong")
	}
	if _, n, _ := rec.counts(); n != 0 {
		t.Errorf("a ping invoked $default %d times", n)
	}
}

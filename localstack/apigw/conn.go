package apigw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gorilla/websocket"
)

// WebSocket close codes the gateway sends or reports.
const (
	closeNormal        = websocket.CloseNormalClosure    // 1000
	closeGoingAway     = websocket.CloseGoingAway        // 1001
	closeNoStatus      = websocket.CloseNoStatusReceived // 1005
	closeAbnormal      = websocket.CloseAbnormalClosure  // 1006
	closeMessageTooBig = websocket.CloseMessageTooBig    // 1009
)

const (
	// writeWait bounds one write to a client that stopped reading.
	writeWait = 10 * time.Second
	// closeGrace is how long the gateway waits for the client's answer to its close frame.
	closeGrace = time.Second
)

// errGone is returned for writes to a connection that is closing or closed.
var errGone = errors.New("connection is gone")

// conn is one upgraded WebSocket connection.
type conn struct {
	srv         *Server
	id          string
	chargeBoxID string
	connectedAt time.Time
	sourceIP    string
	userAgent   string
	domainName  string
	// authorizer is the authorizer's context plus principalId; nil without an authorizer.
	authorizer map[string]interface{}
	log        *slog.Logger

	ws  *websocket.Conn
	raw net.Conn

	// writeMu makes this the only writer of data frames: gorilla allows one at a time, and
	// route responses race Management API posts.
	writeMu sync.Mutex
	// lastActive is the time of the last data frame in either direction (unix nanoseconds).
	lastActive atomic.Int64

	closeMu sync.Mutex
	closing bool // the gateway has sent its close frame
	code    int
	reason  string

	// drain is set when the read loop stopped with client data possibly still unread.
	drain    bool
	ready    chan struct{} // closed once the upgrade has succeeded or failed
	done     chan struct{} // closed when the read loop has ended
	inflight sync.WaitGroup
	slots    chan struct{} // bounds concurrent $default invocations
}

// start serves an upgraded, registered connection until it ends.
func (c *conn) start() {
	c.done = make(chan struct{})
	c.slots = make(chan struct{}, c.srv.opts.MaxInFlight)
	c.ws.SetReadLimit(int64(c.srv.opts.MaxMessageBytes))
	c.srv.live.Add(1)
	close(c.ready)
	c.log.Info("connected")
	go c.run()
}

func (c *conn) run() {
	defer c.srv.live.Done()
	go c.watch()
	c.readLoop()
	close(c.done)
	c.finish()
}

// readLoop turns every inbound data message into a $default invocation until the socket ends.
func (c *conn) readLoop() {
	for {
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			c.readEnded(err)
			return
		}
		c.touch()
		c.slots <- struct{}{}
		c.inflight.Add(1)
		go func() {
			defer func() {
				<-c.slots
				c.inflight.Done()
			}()
			c.dispatch(typ, data)
		}()
	}
}

// readEnded records why the socket ended.
func (c *conn) readEnded(err error) {
	var ce *websocket.CloseError
	switch {
	case errors.Is(err, errFrameTooLarge):
		c.log.Warn("frame above the size limit", "limit", c.srv.opts.MaxFrameBytes)
		c.closeWith(closeMessageTooBig, "Frame too big")
		c.drain = true
	case errors.Is(err, websocket.ErrReadLimit):
		// gorilla has sent the 1009 close frame itself.
		c.log.Warn("message above the size limit", "limit", c.srv.opts.MaxMessageBytes)
		c.markClosing(closeMessageTooBig, "Message too big")
		c.drain = true
	case errors.As(err, &ce):
		reason := ce.Text
		// gorilla reports a vanished peer as 1006 with the I/O error as text.
		if reason == "" || ce.Code == closeAbnormal {
			reason = closeDescription(ce.Code)
		}
		c.markClosing(ce.Code, reason)
	default:
		c.markClosing(closeAbnormal, closeDescription(closeAbnormal))
	}
}

// finish tears the connection down and delivers $disconnect once.
func (c *conn) finish() {
	c.srv.unregister(c)
	c.closeMu.Lock()
	code, reason := c.code, c.reason
	c.closeMu.Unlock()
	if c.drain {
		// Read what the client still sends for a moment: closing a socket with unread data
		// resets it, and the client would lose the close frame.
		_ = c.raw.SetReadDeadline(time.Now().Add(closeGrace))
		_, _ = io.Copy(io.Discard, unwrap(c.raw))
	}
	_ = c.ws.Close()
	c.inflight.Wait()
	c.log.Info("disconnected", "disconnectStatusCode", code, "disconnectReason", reason)

	if c.srv.h.Disconnect == nil {
		return
	}
	rc := c.requestContext(routeDisconnect, "DISCONNECT", time.Now())
	rc.DisconnectStatusCode = int64(code)
	rc.DisconnectReason = &reason
	ev := events.APIGatewayWebsocketProxyRequest{RequestContext: rc}
	ctx, cancel := integrationContext(context.Background())
	defer cancel()
	if _, err := invoke(ctx, c.srv.h.Disconnect, ev); err != nil {
		c.log.Error("$disconnect handler failed", "routeKey", routeDisconnect, "requestId", rc.RequestID, "error", err)
	}
}

// unwrap returns the socket below the frame limiter, whose reads fail once the limit tripped.
func unwrap(c net.Conn) net.Conn {
	if f, ok := c.(*frameLimiter); ok {
		return f.Conn
	}
	return c
}

// dispatch invokes $default for one message and sends the route response.
func (c *conn) dispatch(typ int, data []byte) {
	if c.srv.h.Default == nil {
		return
	}
	rc := c.requestContext(routeDefault, "MESSAGE", time.Now())
	rc.MessageID = newID()
	ev := events.APIGatewayWebsocketProxyRequest{RequestContext: rc}
	if typ == websocket.BinaryMessage {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(data), true
	} else {
		ev.Body = string(data)
	}
	log := c.log.With("routeKey", routeDefault, "requestId", rc.RequestID)
	ctx, cancel := integrationContext(context.Background())
	resp, err := invoke(ctx, c.srv.h.Default, ev)
	cancel()
	if err != nil {
		log.Error("$default handler failed", "error", err)
		body, _ := json.Marshal(map[string]string{
			"message":      "Internal server error",
			"connectionId": c.id,
			"requestId":    rc.RequestID,
		})
		if err := c.send(websocket.TextMessage, body); err != nil {
			log.Debug("error reply not delivered", "error", err)
		}
		return
	}
	if resp.Body == "" {
		return
	}
	out, err := responseBody(resp)
	if err != nil {
		log.Error("$default route response body is not valid base64", "error", err)
		return
	}
	kind := websocket.TextMessage
	if resp.IsBase64Encoded {
		kind = websocket.BinaryMessage
	}
	if err := c.send(kind, out); err != nil {
		log.Warn("route response not delivered", "error", err)
	}
}

// send writes one data frame; it fails once the connection is closing.
func (c *conn) send(kind int, data []byte) error {
	<-c.ready
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.isClosing() {
		return errGone
	}
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
	if err := c.ws.WriteMessage(kind, data); err != nil {
		return err
	}
	c.touch()
	return nil
}

func (c *conn) touch() { c.lastActive.Store(time.Now().UnixNano()) }

// watch closes the connection when it idles past IdleTimeout or lives past MaxConnectionAge.
func (c *conn) watch() {
	ageLimit := c.connectedAt.Add(c.srv.opts.MaxConnectionAge)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		idleLimit := time.Unix(0, c.lastActive.Load()).Add(c.srv.opts.IdleTimeout)
		now := time.Now()
		switch {
		case !now.Before(ageLimit):
			c.log.Info("closing connection at its maximum age", "maxAge", c.srv.opts.MaxConnectionAge)
			c.closeWith(closeGoingAway, "Going away")
			return
		case !now.Before(idleLimit):
			c.log.Info("closing idle connection", "idleTimeout", c.srv.opts.IdleTimeout)
			c.closeWith(closeGoingAway, "Going away")
			return
		}
		timer.Reset(min(ageLimit.Sub(now), idleLimit.Sub(now)))
		select {
		case <-c.done:
			return
		case <-timer.C:
		}
	}
}

// closeWith starts the closing handshake with code and reason; the read loop ends when the
// client answers or closeGrace passes. Only the first close counts.
func (c *conn) closeWith(code int, reason string) {
	<-c.ready
	if !c.markClosing(code, reason) {
		return
	}
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(writeWait))
	_ = c.raw.SetReadDeadline(time.Now().Add(closeGrace))
}

// markClosing records the disconnect status once; false when it was already recorded.
func (c *conn) markClosing(code int, reason string) bool {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.closing {
		return false
	}
	c.closing, c.code, c.reason = true, code, reason
	return true
}

func (c *conn) isClosing() bool {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	return c.closing
}

// closeDescription is the disconnectReason for a close without a reason text.
func closeDescription(code int) string {
	switch code {
	case closeNormal:
		return "Connection Closed Normally"
	case closeGoingAway:
		return "Going away"
	case closeNoStatus:
		return "No status code"
	case closeMessageTooBig:
		return "Message too big"
	default:
		return "Connection Closed Abnormally"
	}
}

package simulator

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// Subprotocol is the WebSocket subprotocol every box offers.
const Subprotocol = "ocpp1.6"

// ThrottledEvent and FailedConnectEvent name the connection attempts refused with 429 (an
// event) and those that failed otherwise (an error) in Summary.Events.
const (
	ThrottledEvent     = "connection attempts throttled (429)"
	FailedConnectEvent = "failed connection attempts"
)

var (
	// errThrottled is a refused upgrade: 429, over the new-connection quota.
	errThrottled = errors.New("throttled: HTTP 429 Too Many Requests")
	// errDown means the connection ended; the box reconnects and retries.
	errDown = errors.New("connection lost")
	// errTimeout means a CALL got no answer in time.
	errTimeout = errors.New("no answer in time")
	// errRefused means the central system answered a CALL with a CALLERROR.
	errRefused = errors.New("call refused")
)

// phase of a connector's charging cycle.
type phase int

const (
	idle     phase = iota // waiting for the next session
	starting              // StartTransaction prepared, not yet answered
	charging              // transaction running
	stopping              // StopTransaction prepared, not yet answered
)

type connector struct {
	id          int
	phase       phase
	status      ocpp.ChargePointStatus
	operative   bool
	inoperative bool // ChangeAvailability Inoperative scheduled for the end of the session
	register    int  // Energy.Active.Import.Register, Wh
	powerW      int
	next        time.Time // next step of the cycle
	nextMeter   time.Time
	stopAt      time.Time
	lastMeter   time.Time
	start       ocpp.StartTransactionRequest
	stop        ocpp.StopTransactionRequest
	tx          int
	session     int // index in stats.sessions
	remote      bool
	reservation *ocpp.ReserveNowRequest
}

// inbound is one frame read from the socket.
type inbound struct {
	frame ocpp.Frame
	err   error
}

// box is one simulated charge box. A single goroutine owns all of its state and is the only
// writer to its socket; a reader goroutine per connection hands frames over on in.
type box struct {
	cfg  Config
	id   string
	st   *stats
	rng  *rand.Rand
	log  *slog.Logger
	hard context.Context // ends only when the whole run is aborted
	soft context.Context // ends when the run's duration is over

	ws *websocket.Conn
	in chan inbound

	epoch int64
	seq   int

	heartbeat     time.Duration
	nextHeartbeat time.Time
	connectors    []*connector
	todo          []func() error

	config           map[string]*configKey
	localListVersion int
	profiles         map[int]ocpp.ChargingProfile
	certs            map[ocpp.CertificateUse][]ocpp.CertificateHashData // security.go

	misbehave     bool
	nextMisbehave time.Time
	lastCall      []byte
	lastCallID    string
	lastAction    ocpp.Action
	lastTx        int

	nextDrop time.Time
}

func newBox(cfg Config, i int, st *stats) *box {
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
	b := &box{
		cfg: cfg, id: cfg.BoxID(i), st: st, rng: rng, epoch: time.Now().UnixNano() % 1e9,
		profiles: map[int]ocpp.ChargingProfile{}, heartbeat: cfg.scaled(300 * time.Second),
	}
	b.log = cfg.Logger.With("chargeBoxId", b.id)
	b.misbehave = cfg.Misbehave > 0 && rng.Float64() < cfg.Misbehave
	for c := range cfg.Connectors {
		b.connectors = append(b.connectors, &connector{
			id: c + 1, status: ocpp.ChargePointStatusAvailable, operative: true,
			register: rng.IntN(1_000_000), powerW: []int{3700, 7400, 11000, 22000}[rng.IntN(4)],
		})
	}
	b.config = defaultConfig(cfg)
	return b
}

// jitter draws uniformly between half and one and a half times d, scaled to wall-clock time.
func (b *box) jitter(d time.Duration) time.Duration {
	return b.cfg.scaled(time.Duration(float64(d) * (0.5 + b.rng.Float64())))
}

// run is the box's life: connect after delay, boot, charge until soft ends, then stop every
// session and disconnect. hard ends everything at once (the run was interrupted).
func (b *box) run(soft, hard context.Context, delay time.Duration) {
	b.soft, b.hard = soft, hard
	if d, ok := soft.Deadline(); ok {
		// A box may outlive the run only to finish its sessions cleanly.
		var cancel context.CancelFunc
		b.hard, cancel = context.WithDeadline(b.hard, d.Add(time.Minute+2*b.cfg.CallTimeout))
		defer cancel()
	}
	select {
	case <-soft.Done():
		return
	case <-time.After(delay):
	}
	if !b.connectRetry(soft) {
		return
	}
	if !b.boot(soft) {
		b.shutdown()
		return
	}
	now := time.Now()
	for _, c := range b.connectors {
		if b.cfg.Manual {
			break // no sessions of its own: c.next stays zero until a RemoteStartTransaction
		}
		// The first sessions start anywhere within one idle time so the fleet does not pulse.
		c.next = now.Add(time.Duration(b.rng.Float64() * float64(b.cfg.scaled(b.cfg.IdleTime))))
	}
	if b.cfg.DisconnectEvery > 0 {
		b.nextDrop = now.Add(b.jitter(b.cfg.DisconnectEvery))
	}
	if b.misbehave {
		b.nextMisbehave = now.Add(b.jitter(b.cfg.MisbehaveEvery))
	}
	b.loop(soft)
	b.shutdown()
}

// loop runs the box's timers and answers the central system until soft ends.
func (b *box) loop(soft context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for soft.Err() == nil {
		if len(b.todo) > 0 {
			f := b.todo[0]
			b.todo = b.todo[1:]
			b.handle(f())
			continue
		}
		due := b.nextDue()
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-soft.Done():
				return
			case m, ok := <-b.in:
				if !ok {
					b.handle(errDown)
				} else {
					b.unsolicited(m)
				}
				continue
			case <-timer.C:
			}
		}
		b.handle(b.step(time.Now()))
	}
}

// nextDue is the earliest time something is due.
func (b *box) nextDue() time.Time {
	due := b.nextHeartbeat
	for _, c := range b.connectors {
		due = earliest(due, c.next)
		if c.phase == charging {
			due = earliest(due, c.nextMeter)
		}
	}
	due = earliest(due, b.nextDrop)
	return earliest(due, b.nextMisbehave)
}

func earliest(a, b time.Time) time.Time {
	if b.IsZero() || (!a.IsZero() && a.Before(b)) {
		return a
	}
	return b
}

// step does the one thing most due at now.
func (b *box) step(now time.Time) error {
	for _, c := range b.connectors {
		if c.phase == charging && !c.nextMeter.After(now) && c.nextMeter.Before(c.stopAt) {
			return b.meterValues(c, now)
		}
		if !c.next.IsZero() && !c.next.After(now) {
			return b.advance(c, now)
		}
	}
	switch {
	case !b.nextHeartbeat.IsZero() && !b.nextHeartbeat.After(now):
		b.nextHeartbeat = now.Add(b.heartbeat)
		return b.simpleCall(ocpp.Heartbeat, &ocpp.HeartbeatRequest{}, &ocpp.HeartbeatResponse{})
	case !b.nextDrop.IsZero() && !b.nextDrop.After(now):
		b.nextDrop = now.Add(b.jitter(b.cfg.DisconnectEvery))
		b.st.event("random disconnects")
		b.drop()
		b.sleep(b.jitter(5 * time.Second))
		return b.reconnect()
	case !b.nextMisbehave.IsZero() && !b.nextMisbehave.After(now):
		b.nextMisbehave = now.Add(b.jitter(b.cfg.MisbehaveEvery))
		return b.misbehaveOnce()
	}
	return nil
}

// handle reacts to the error of a step: a lost connection is restored, anything else has
// been counted and the step is retried when due again.
func (b *box) handle(err error) {
	if errors.Is(err, errDown) {
		b.drop()
		b.st.event("reconnects after a lost connection")
		b.sleep(b.jitter(2 * time.Second))
		if err := b.reconnect(); err != nil {
			b.log.Warn("reconnect failed", "error", err)
		}
	}
}

// sleep waits d while answering the central system.
func (b *box) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return
		case <-b.hard.Done():
			return
		case m, ok := <-b.in:
			if !ok {
				b.in = nil
				continue
			}
			b.unsolicited(m)
		}
	}
}

// --- connection ---------------------------------------------------------------------------

func (b *box) connect(ctx context.Context) error {
	d := websocket.Dialer{Subprotocols: []string{Subprotocol}, HandshakeTimeout: 30 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 4096, Proxy: http.ProxyFromEnvironment}
	h := http.Header{}
	if b.cfg.Password != "" {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(b.id+":"+b.cfg.Password)))
	}
	ws, resp, err := d.DialContext(ctx, b.cfg.URL+"/"+b.id, h)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			return fmt.Errorf("connect %s: %w", b.id, errThrottled)
		}
		if resp != nil {
			return fmt.Errorf("connect %s: %w (HTTP %s)", b.id, err, resp.Status)
		}
		return fmt.Errorf("connect %s: %w", b.id, err)
	}
	if got := ws.Subprotocol(); got != Subprotocol {
		_ = ws.Close()
		return fmt.Errorf("connect %s: server chose subprotocol %q, want %q", b.id, got, Subprotocol)
	}
	b.ws, b.in = ws, make(chan inbound, 16)
	go read(ws, b.in)
	b.st.connected.Add(1)
	b.traceLine("connected to " + b.cfg.URL + "/" + b.id + " (subprotocol " + Subprotocol + ")")
	return nil
}

// read hands every frame of one connection to the box and closes in when the socket ends.
func read(ws *websocket.Conn, in chan<- inbound) {
	defer close(in)
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		f, perr := ocpp.ParseFrame(data)
		in <- inbound{frame: f, err: perr}
	}
}

// connectRetry connects, retrying with jittered exponential backoff until it works or ctx
// ends.
func (b *box) connectRetry(ctx context.Context) bool {
	for attempt := 0; ; attempt++ {
		err := b.connect(ctx)
		if err == nil {
			return true
		}
		if errors.Is(err, errThrottled) {
			// API Gateway's new-connection quota at work: expected in a storm, not an error.
			b.st.event(ThrottledEvent)
		} else {
			b.st.problem(FailedConnectEvent)
			b.log.Warn("connect failed", "error", err)
		}
		wait := b.backoff(attempt)
		b.traceLine(fmt.Sprintf("%v; retrying in %s", err, wait.Round(time.Millisecond)))
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
}

// backoff is the wait after failed attempt number attempt (0-based): full jitter, uniform in
// [0, min(ReconnectCap, ReconnectBase * 2^attempt)).
func (b *box) backoff(attempt int) time.Duration {
	ceiling := b.cfg.ReconnectCap
	if attempt < 20 { // beyond, the shift could overflow; the cap has long been reached
		ceiling = min(ceiling, b.cfg.ReconnectBase<<attempt)
	}
	return time.Duration(b.rng.Int64N(int64(ceiling) + 1))
}

// reconnect restores the connection after a drop and reports every connector again, as a box
// does after an outage (a box that was not rebooted sends no new BootNotification).
func (b *box) reconnect() error {
	if !b.connectRetry(b.hard) {
		return errDown
	}
	return b.statusAll()
}

// drop closes the socket without a close handshake, as a lost network does.
func (b *box) drop() {
	if b.ws == nil {
		return
	}
	_ = b.ws.Close()
	if b.in != nil {
		for range b.in { //nolint:revive // drain until the reader has ended
		}
	}
	b.ws, b.in = nil, nil
	b.st.connected.Add(-1)
	b.traceLine("disconnected")
}

// shutdown stops every running session and closes the connection cleanly.
func (b *box) shutdown() {
	for _, c := range b.connectors {
		for attempt := 0; attempt < 5 && c.phase != idle && b.hard.Err() == nil; attempt++ {
			if c.phase == starting {
				b.handle(b.advance(c, time.Now()))
				continue
			}
			if c.phase == charging {
				b.prepareStop(c, ocpp.ReasonLocal)
			}
			b.handle(b.advance(c, time.Now()))
		}
		if c.phase != idle {
			b.st.problem("sessions left running at the end")
		}
	}
	if b.ws != nil {
		_ = b.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "simulation over"), time.Now().Add(time.Second))
		b.drop()
	}
}

// --- calls --------------------------------------------------------------------------------

func (b *box) nextID() string {
	b.seq++
	return fmt.Sprintf("%x-%d", b.epoch, b.seq)
}

// call sends one CALL and waits for its answer, answering the central system's own CALLs
// meanwhile. A CALLERROR is counted and returned as errRefused with the frame.
func (b *box) call(action ocpp.Action, req any) (ocpp.Frame, error) {
	id := b.nextID()
	frame, err := ocpp.CallFrame(id, action, req)
	if err != nil {
		b.st.problem("invalid CALL built by the simulator: " + string(action))
		return ocpp.Frame{}, fmt.Errorf("build %s: %w", action, err)
	}
	b.lastCall, b.lastCallID, b.lastAction = frame, id, action
	b.st.callSent(string(action))
	f, took, err := b.exchange(id, frame)
	b.trace("sent", frame, f, err)
	switch {
	case errors.Is(err, errTimeout):
		b.st.problem("timeouts: " + string(action))
		return f, err
	case err != nil:
		return f, err
	case f.Type == ocpp.TypeCallError:
		b.st.callAnswered(string(action), took, string(f.ErrorCode))
		b.log.Warn("CALLERROR", "action", action, "uniqueId", id, "errorCode", f.ErrorCode, "error", f.ErrorDescription)
		return f, errRefused
	}
	b.st.callAnswered(string(action), took, "")
	return f, nil
}

// simpleCall sends a CALL and decodes its CALLRESULT strictly into resp.
func (b *box) simpleCall(action ocpp.Action, req, resp any) error {
	f, err := b.call(action, req)
	if err != nil {
		return err
	}
	if err := ocpp.Decode(f.Payload, resp); err != nil {
		b.st.problem("invalid CALLRESULT: " + string(action))
		return fmt.Errorf("%s answer: %w", action, err)
	}
	return nil
}

// exchange writes frame and waits for the answer carrying uniqueID.
func (b *box) exchange(uniqueID string, frame []byte) (ocpp.Frame, time.Duration, error) {
	if b.ws == nil {
		return ocpp.Frame{}, 0, errDown
	}
	if err := b.write(frame); err != nil {
		return ocpp.Frame{}, 0, err
	}
	sent := time.Now()
	timeout := time.NewTimer(b.cfg.CallTimeout)
	defer timeout.Stop()
	for {
		select {
		case m, ok := <-b.in:
			if !ok {
				b.in = nil
				return ocpp.Frame{}, 0, errDown
			}
			if m.err == nil && m.frame.Type != ocpp.TypeCall && m.frame.UniqueID == uniqueID {
				return m.frame, time.Since(sent), nil
			}
			b.unsolicited(m)
		case <-timeout.C:
			return ocpp.Frame{}, 0, errTimeout
		case <-b.hard.Done():
			return ocpp.Frame{}, 0, errDown
		}
	}
}

func (b *box) write(frame []byte) error {
	_ = b.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := b.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		return errDown
	}
	b.st.sent.Add(1)
	return nil
}

// unsolicited handles a frame that answers none of our CALLs: a CALL from the central system
// is answered; anything else is counted.
func (b *box) unsolicited(m inbound) {
	switch {
	case m.err != nil && m.frame.Type == ocpp.TypeCall && m.frame.UniqueID != "":
		b.st.problem("invalid CALLs from the central system")
		if b.ws != nil {
			oe := ocpp.AsError(m.err)
			_ = b.write(ocpp.ErrorFrame(m.frame.UniqueID, oe.Code, oe.Description, nil))
		}
	case m.err != nil:
		b.st.problem("invalid frames from the central system")
	case m.frame.Type == ocpp.TypeCall:
		b.answerRemote(m.frame)
	case m.frame.UniqueID == "-1" && b.misbehave:
		// A late CALLERROR to an unreadable frame this box sent on purpose.
		b.st.event("late answers to misbehaving frames")
	default:
		b.st.problem("answers to no pending CALL")
	}
}

// --- behaviour ----------------------------------------------------------------------------

// boot sends BootNotification until the central system accepts the box.
func (b *box) boot(soft context.Context) bool {
	for soft.Err() == nil && b.hard.Err() == nil {
		var resp ocpp.BootNotificationResponse
		err := b.simpleCall(ocpp.BootNotification, &ocpp.BootNotificationRequest{
			ChargePointVendor: "Simulator", ChargePointModel: "SIM-AC-22", ChargePointSerialNumber: b.id,
			FirmwareVersion: "1.6.0-sim", MeterType: "SIM-METER",
		}, &resp)
		if err != nil {
			b.handle(err)
			if !errors.Is(err, errDown) {
				b.sleep(b.jitter(10 * time.Second))
			}
			continue
		}
		interval := time.Duration(resp.Interval) * time.Second
		if resp.Status == ocpp.RegistrationStatusAccepted {
			if interval > 0 {
				b.heartbeat = b.cfg.scaled(interval)
				b.config["HeartbeatInterval"].value = fmt.Sprint(resp.Interval)
			}
			b.nextHeartbeat = time.Now().Add(b.heartbeat)
			b.st.event("boots accepted")
			b.st.booted(b.id)
			b.handle(b.statusAll())
			return true
		}
		// Pending or Rejected: say nothing until the interval has passed, then boot again.
		b.st.event("boots " + string(resp.Status))
		if interval <= 0 {
			interval = 60 * time.Second
		}
		b.sleep(b.cfg.scaled(interval))
	}
	return false
}

// statusAll reports the box (connector 0) and every connector.
func (b *box) statusAll() error {
	if err := b.status(0, ocpp.ChargePointStatusAvailable); err != nil {
		return err
	}
	for _, c := range b.connectors {
		if err := b.status(c.id, c.status); err != nil {
			return err
		}
	}
	return nil
}

func (b *box) status(connectorID int, s ocpp.ChargePointStatus) error {
	if connectorID > 0 {
		b.connectors[connectorID-1].status = s
	}
	now := ocpp.NewDateTime(time.Now())
	return b.simpleCall(ocpp.StatusNotification, &ocpp.StatusNotificationRequest{
		ConnectorID: connectorID, ErrorCode: ocpp.ChargePointErrorCodeNoError, Status: s, Timestamp: &now,
	}, &ocpp.StatusNotificationResponse{})
}

// idleStatus is what an idle connector reports.
func idleStatus(c *connector) ocpp.ChargePointStatus {
	switch {
	case !c.operative:
		return ocpp.ChargePointStatusUnavailable
	case c.reservation != nil:
		return ocpp.ChargePointStatusReserved
	}
	return ocpp.ChargePointStatusAvailable
}

// advance moves a connector one step through its cycle.
func (b *box) advance(c *connector, now time.Time) error {
	switch c.phase {
	case idle:
		if !c.operative || c.reservation != nil {
			c.next = now.Add(b.jitter(b.cfg.IdleTime))
			return nil
		}
		tag := b.cfg.IDTags[b.rng.IntN(len(b.cfg.IDTags))]
		var auth ocpp.AuthorizeResponse
		if err := b.simpleCall(ocpp.Authorize, &ocpp.AuthorizeRequest{IDTag: tag}, &auth); err != nil {
			c.next = now.Add(b.cfg.scaled(30 * time.Second))
			return err
		}
		if auth.IDTagInfo.Status != ocpp.AuthorizationStatusAccepted {
			b.st.event("authorizations not accepted: " + string(auth.IDTagInfo.Status))
			c.next = now.Add(b.jitter(b.cfg.IdleTime))
			return nil
		}
		b.prepareStart(c, tag, false, nil)
		if err := b.status(c.id, ocpp.ChargePointStatusPreparing); err != nil {
			return err
		}
		return b.advance(c, now)
	case starting:
		return b.startTransaction(c, now)
	case charging:
		// Due: the session's end.
		b.prepareStop(c, ocpp.ReasonEVDisconnected)
		return b.advance(c, now)
	case stopping:
		return b.stopTransaction(c, now)
	}
	return nil
}

// prepareStart fixes the StartTransaction request, so a retry sends the same one and gets the
// same transaction id.
func (b *box) prepareStart(c *connector, tag string, remote bool, reservationID *int) {
	c.phase, c.remote, c.next = starting, remote, time.Now()
	c.start = ocpp.StartTransactionRequest{ConnectorID: c.id, IDTag: tag, MeterStart: c.register,
		ReservationID: reservationID, Timestamp: ocpp.NewDateTime(time.Now().UTC())}
}

func (b *box) startTransaction(c *connector, now time.Time) error {
	var resp ocpp.StartTransactionResponse
	if err := b.simpleCall(ocpp.StartTransaction, &c.start, &resp); err != nil {
		c.next = now.Add(b.cfg.scaled(10 * time.Second))
		return err
	}
	c.tx, c.phase, c.reservation = resp.TransactionID, charging, nil
	b.lastTx = resp.TransactionID
	c.session = b.st.sessionStarted(Session{ChargeBoxID: b.id, ConnectorID: c.id, TransactionID: c.tx, IDTag: c.start.IDTag,
		MeterStart: c.start.MeterStart, StartedAt: c.start.Timestamp.Format(time.RFC3339Nano), Remote: c.remote})
	c.lastMeter = now
	c.nextMeter = now.Add(b.cfg.scaled(b.meterInterval()))
	c.stopAt = now.Add(b.jitter(b.cfg.SessionLength))
	c.next = c.stopAt
	if resp.IDTagInfo.Status != ocpp.AuthorizationStatusAccepted {
		// The tag was refused after the start: stop at once, as a box configured to do so.
		b.st.event("sessions stopped as deauthorized")
		b.prepareStop(c, ocpp.ReasonDeAuthorized)
	}
	return b.status(c.id, ocpp.ChargePointStatusCharging)
}

// accumulate advances the connector's energy register by the energy charged since the last
// reading, in simulated time.
func (b *box) accumulate(c *connector, now time.Time) {
	simulated := float64(now.Sub(c.lastMeter)) * b.cfg.TimeScale
	c.register += max(1, int(float64(c.powerW)*time.Duration(simulated).Hours()))
	c.lastMeter = now
}

func (b *box) meterValues(c *connector, now time.Time) error {
	c.nextMeter = now.Add(b.cfg.scaled(b.meterInterval()))
	b.accumulate(c, now)
	tx := c.tx
	return b.simpleCall(ocpp.MeterValues, &ocpp.MeterValuesRequest{ConnectorID: c.id, TransactionID: &tx,
		MeterValue: []ocpp.MeterValue{b.sample(c, now, ocpp.ReadingContextSamplePeriodic)}}, &ocpp.MeterValuesResponse{})
}

func (b *box) sample(c *connector, now time.Time, ctx ocpp.ReadingContext) ocpp.MeterValue {
	power := 0
	if c.phase == charging {
		power = c.powerW
	}
	return ocpp.MeterValue{Timestamp: ocpp.NewDateTime(now.UTC()), SampledValue: []ocpp.SampledValue{
		{Value: fmt.Sprint(c.register), Context: ctx, Measurand: ocpp.MeasurandEnergyActiveImportRegister, Unit: ocpp.UnitOfMeasureWh},
		{Value: fmt.Sprint(power), Context: ctx, Measurand: ocpp.MeasurandPowerActiveImport, Unit: ocpp.UnitOfMeasureW},
	}}
}

// prepareStop fixes the StopTransaction request of a running session.
func (b *box) prepareStop(c *connector, reason ocpp.Reason) {
	if c.phase != charging {
		return
	}
	now := time.Now()
	b.accumulate(c, now)
	c.phase, c.next = stopping, now
	c.stop = ocpp.StopTransactionRequest{IDTag: c.start.IDTag, MeterStop: c.register, Timestamp: ocpp.NewDateTime(now.UTC()),
		TransactionID: c.tx, Reason: reason, TransactionData: []ocpp.MeterValue{b.sample(c, now, ocpp.ReadingContextTransactionEnd)}}
}

func (b *box) stopTransaction(c *connector, now time.Time) error {
	if err := b.simpleCall(ocpp.StopTransaction, &c.stop, &ocpp.StopTransactionResponse{}); err != nil {
		c.next = now.Add(b.cfg.scaled(10 * time.Second))
		return err
	}
	b.st.sessionStopped(c.session, c.stop.MeterStop, c.stop.Timestamp.Format(time.RFC3339Nano))
	c.phase, c.tx = idle, 0
	c.next = now.Add(b.jitter(b.cfg.IdleTime))
	if b.cfg.Manual {
		c.next = time.Time{}
	}
	if c.inoperative {
		c.operative, c.inoperative = false, false
	}
	if err := b.status(c.id, ocpp.ChargePointStatusFinishing); err != nil {
		return err
	}
	return b.status(c.id, idleStatus(c))
}

func (b *box) meterInterval() time.Duration {
	if v := b.config["MeterValueSampleInterval"].int(); v > 0 {
		return time.Duration(v) * time.Second
	}
	return b.cfg.MeterInterval
}

// connector returns connector id (1-based) or nil.
func (b *box) connector(id int) *connector {
	if id < 1 || id > len(b.connectors) {
		return nil
	}
	return b.connectors[id-1]
}

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// The original system's routes for starting and stopping a session on an EVSE.
const (
	startSessionRoute = "start-session"
	stopSessionRoute  = "stop-session"
)

// originalFields is the one table of the snake_case body fields the original system accepted,
// by route (a remote operation's name or an EVSE route), with the OCPP field each stands for.
// OCPP's own field names are always accepted; the handlers rename by this table and the
// OpenAPI document lists it.
var originalFields = map[string]map[string]string{
	startSessionRoute:  {"token_id": "idTag", "connector_id": "connectorId"},
	stopSessionRoute:   {"transaction_id": "transactionId", "session_id": "transactionId"},
	"unlock-connector": {"connector_id": "connectorId"},
	"update-firmware":  {"retrieve_date": "retrieveDate", "retry_interval": "retryInterval"},
	"get-diagnostics":  {"retry_interval": "retryInterval", "start_time": "startTime", "stop_time": "stopTime"},
}

// operation is one remote operation: the OCPP action and the snake_case body fields the
// original system accepted for it (OCPP's own field names are always accepted).
type operation struct {
	Name    string
	Action  ocpp.Action
	Aliases map[string]string
	// Fix adjusts values the original system wrote differently (reset "soft").
	Fix func(body map[string]any)
	// Check validates the typed request beyond the OCPP schema (operationChecks).
	Check func(req any) error
}

// operations are the 19 central-system-initiated actions (DataTransfer too, which both sides
// may start) and the security extension's, in kebab-case.
var operations = func() []operation {
	var ops []operation
	for _, s := range ocpp.Actions() {
		if !s.Initiator.From(ocpp.CentralSystem) {
			continue
		}
		name := kebab(string(s.Action))
		op := operation{Name: name, Action: s.Action, Aliases: originalFields[name], Check: operationChecks[s.Action]}
		if s.Action == ocpp.Reset {
			op.Fix = capitalize("type")
		}
		ops = append(ops, op)
	}
	return ops
}()

// kebab turns an action name into its path segment: GetCompositeSchedule -> get-composite-schedule.
func kebab(action string) string {
	var b strings.Builder
	for i, r := range action {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// capitalize makes a lower-case enumeration value of field start upper-case ("soft" -> "Soft").
func capitalize(field string) func(map[string]any) {
	return func(body map[string]any) {
		if s, ok := body[field].(string); ok && s != "" && unicode.IsLower(rune(s[0])) {
			body[field] = strings.ToUpper(s[:1]) + s[1:]
		}
	}
}

// parseOperation validates a body as op's OCPP request and returns the typed request. Errors
// are 400s naming the field as the caller wrote it.
func parseOperation(op operation, raw []byte) (any, error) {
	body, err := jsonObject(raw)
	if err != nil {
		return nil, err
	}
	used, err := rename(body, op.Aliases)
	if err != nil {
		return nil, err
	}
	if op.Fix != nil {
		op.Fix(body)
	}
	req, err := decodeRequest(op.Action, body, used)
	if err == nil && op.Check != nil {
		err = op.Check(req)
	}
	if err != nil {
		return nil, err
	}
	return req, nil
}

// rename replaces the original system's field names in body by OCPP's (aliases maps the one to
// the other) and returns which OCPP field came from which name, so errors can name the field as
// the caller wrote it. A field given under two names is refused.
func rename(body map[string]any, aliases map[string]string) (map[string]string, error) {
	snakes := make([]string, 0, len(aliases))
	for snake := range aliases {
		snakes = append(snakes, snake)
	}
	sort.Strings(snakes) // the same error for the same body
	used := map[string]string{}
	for _, snake := range snakes {
		v, ok := body[snake]
		if !ok {
			continue
		}
		field := aliases[snake]
		if _, both := body[field]; both {
			return nil, invalid(snake, "%s: give %s or %s, not both", snake, snake, field)
		}
		delete(body, snake)
		body[field] = v
		used[field] = snake
	}
	return used, nil
}

// decodeRequest validates body as the request of action with the OCPP rules (ocpp.Decode).
func decodeRequest(action ocpp.Action, body map[string]any, renamed map[string]string) (any, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, invalid("", "body does not encode: %v", err)
	}
	req, err := ocpp.DecodeRequest(string(action), b)
	if err != nil {
		oe := ocpp.AsError(err)
		field, desc := oe.Field, oe.Description
		head, _, _ := strings.Cut(field, ".")
		if snake, ok := renamed[head]; ok {
			// Name the field as the caller wrote it.
			desc = strings.Replace(desc, field, snake+strings.TrimPrefix(field, head), 1)
			field = snake + strings.TrimPrefix(field, head)
		}
		return nil, invalid(field, "%s", desc)
	}
	return req, nil
}

// jsonObject reads a body as a JSON object, numbers kept exact; an empty body is {}.
func jsonObject(raw []byte) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil || body == nil {
		return nil, invalid("", "body must be a JSON object")
	}
	if dec.More() {
		return nil, invalid("", "body holds more than one JSON value")
	}
	return body, nil
}

func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, invalid("", "could not read the body")
	}
	return b, nil
}

// remote serves POST /charge-boxes/{id}/remote/{operation} for one operation.
func remote(op operation) func(a *API, w http.ResponseWriter, r *http.Request) {
	return func(a *API, w http.ResponseWriter, r *http.Request) {
		raw, err := readBody(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		req, err := parseOperation(op, raw)
		if err == nil {
			err = refuseSecretChange(op.Action, req)
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.command(w, r, r.PathValue("id"), op.Action, req)
	}
}

// evseRequest resolves the EVSE of an original-system route and reads its JSON object body,
// renaming the route's original fields (see rename).
func (a *API) evseRequest(r *http.Request, route string) (box string, connector int, body map[string]any, renamed map[string]string, err error) {
	box, connector, err = a.resolveEVSE(r)
	if err != nil {
		return "", 0, nil, nil, err
	}
	raw, err := readBody(r)
	if err != nil {
		return "", 0, nil, nil, err
	}
	if body, err = jsonObject(raw); err != nil {
		return "", 0, nil, nil, err
	}
	renamed, err = rename(body, originalFields[route])
	return box, connector, body, renamed, err
}

// startSession serves the original system's POST /evses/{evseId}/remote/start-session.
func startSession(a *API, w http.ResponseWriter, r *http.Request) {
	box, connector, body, renamed, err := a.evseRequest(r, startSessionRoute)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if _, ok := body["connectorId"]; !ok {
		body["connectorId"] = connector
	}
	req, err := decodeRequest(ocpp.RemoteStartTransaction, body, renamed)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.command(w, r, box, ocpp.RemoteStartTransaction, req)
}

// stopSession serves the original system's POST /evses/{evseId}/remote/stop-session.
func stopSession(a *API, w http.ResponseWriter, r *http.Request) {
	box, _, body, renamed, err := a.evseRequest(r, stopSessionRoute)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	// The original system's session ids were strings holding the transaction id.
	if _, original := renamed["transactionId"]; original {
		if s, isString := body["transactionId"].(string); isString {
			if _, err := strconv.Atoi(s); err == nil {
				body["transactionId"] = json.Number(s)
			}
		}
	}
	req, err := decodeRequest(ocpp.RemoteStopTransaction, body, renamed)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.command(w, r, box, ocpp.RemoteStopTransaction, req)
}

// waitParam reads the wait query parameter (whole seconds, 0 to CommandWaitMax).
func (a *API) waitParam(r *http.Request) (time.Duration, error) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return a.opts.CommandWait, nil
	}
	n, err := strconv.Atoi(v)
	maxWait := int(a.opts.CommandWaitMax / time.Second)
	if err != nil || n < 0 || n > maxWait {
		return 0, invalid("wait", "wait must be whole seconds from 0 to %d", maxWait)
	}
	return time.Duration(n) * time.Second, nil
}

// call is one CALL on its way to a box.
type call struct {
	id, box string
	action  ocpp.Action
	conn    store.Connection
	frame   []byte // the CALL as sent
	payload []byte // the request alone, as stored with the command
	at      time.Time
	log     *slog.Logger
	// newPasswordHash is the hash of the AuthorizationKey a key rotation sends.
	newPasswordHash string
}

// refused is a command the box cannot take now (409), with the message for the caller.
type refused struct{ msg string }

func (e *refused) Error() string { return e.msg }

func notConnected(box, why string) error {
	return &refused{msg: fmt.Sprintf("charge box %s is not connected%s", box, why)}
}

// command sends a CALL to a box and answers with its outcome: the pending command row and the
// box's single call slot are taken in one transaction, the CALL is logged and posted, and the
// caller waits (consistent reads) for the message function to record the answer.
func (a *API) command(w http.ResponseWriter, r *http.Request, box string, action ocpp.Action, req any) {
	a.commandWith(w, r, box, action, req, "")
}

// commandWith is command carrying the hash of a rotated AuthorizationKey with the command.
func (a *API) commandWith(w http.ResponseWriter, r *http.Request, box string, action ocpp.Action, req any, newPasswordHash string) {
	ctx := r.Context()
	wait, err := a.waitParam(r)
	var c *call
	if err == nil {
		c, err = a.newCall(ctx, box, action, req)
	}
	if err == nil {
		c.newPasswordHash = newPasswordHash
	}
	if err == nil {
		err = a.reserve(ctx, c, wait)
	}
	if err == nil {
		err = a.send(ctx, c)
	}
	var no *refused
	var lost *undelivered
	switch {
	case errors.As(err, &no):
		writeError(w, http.StatusConflict, no.msg, "")
	case errors.As(err, &lost):
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": "the call could not be delivered to the charge box", "commandId": lost.id})
	case err != nil:
		a.fail(w, r, err)
	default:
		c.log.Info("call sent", "wait", wait.String())
		a.awaitOutcome(w, r, c.id, wait)
	}
}

// newCall builds the CALL for the box's live connection.
func (a *API) newCall(ctx context.Context, box string, action ocpp.Action, req any) (*call, error) {
	conn, err := a.store.GetConnection(ctx, box, a.now())
	if errors.Is(err, store.ErrNotFound) {
		// Only on the way to a refusal: tell an unknown box (404) from a silent one (409).
		if _, err := a.store.GetChargeBox(ctx, box); errors.Is(err, store.ErrNotFound) {
			return nil, notFound("charge box %s is not registered", box)
		}
		return nil, notConnected(box, "")
	}
	if err != nil {
		return nil, err
	}
	c := &call{id: ocpp.NewUniqueID(), box: box, action: action, conn: conn, at: a.now()}
	c.log = a.log.With("chargeBoxId", box, "action", string(action), "uniqueId", c.id, "connectionId", conn.ConnectionID)
	if c.frame, err = ocpp.CallFrame(c.id, action, req); err != nil {
		oe := ocpp.AsError(err)
		return nil, invalid(oe.Field, "%s", oe.Description)
	}
	if c.payload, err = json.Marshal(req); err != nil {
		return nil, fmt.Errorf("encode %s request: %w", action, err)
	}
	return c, nil
}

// reserve writes the pending command and takes the box's call slot, in one transaction, for
// the caller's wait plus a margin.
func (a *API) reserve(ctx context.Context, c *call, wait time.Duration) error {
	cmd := store.Command{
		CommandID: c.id, ChargeBoxID: c.box, ConnectionID: c.conn.ConnectionID, Action: string(c.action), Request: string(c.payload),
		Status: store.CommandPending, CreatedAt: store.FormatTime(c.at), ExpiresAt: c.at.Add(a.opts.CommandTTL).Unix(),
		NewPasswordHash: c.newPasswordHash,
	}
	err := a.store.BeginCommand(ctx, cmd, c.at, wait+a.opts.SlotMargin)
	switch {
	case errors.Is(err, store.ErrBusy):
		// One outstanding CALL per box (OCPP-J): refuse rather than queue, so a caller never
		// waits on someone else's command; the slot frees when the box answers or the
		// holder's wait (plus margin) ends.
		return &refused{msg: fmt.Sprintf("charge box %s already has an outstanding call; retry when it is answered or has timed out", c.box)}
	case errors.Is(err, store.ErrNotConnected):
		return notConnected(c.box, "")
	}
	return err
}

// undelivered is a CALL that could not be posted to a live connection (502).
type undelivered struct{ id string }

func (e *undelivered) Error() string { return "call " + e.id + " could not be posted" }

// send logs the CALL in the frame log and posts it to the box. When it cannot, the command is
// abandoned (its slot freed); a connection found gone is removed as the disconnect would.
func (a *API) send(ctx context.Context, c *call) error {
	if err := a.store.LogExchange(ctx, store.Exchange{
		ChargeBoxID: c.box, TenantID: c.conn.TenantID, ConnectionID: c.conn.ConnectionID, OccurredAt: c.at, Retention: a.opts.MessageRetention,
		Frames: []store.LoggedFrame{{Direction: store.ToBox, Raw: string(c.frame), MessageType: int(ocpp.TypeCall), UniqueID: c.id, Action: string(c.action), OccurredAt: store.FormatTime(c.at)}},
	}); err != nil {
		// Nothing was sent yet: give the slot back.
		a.abandon(c.log, c.box, c.id, "could not log the call")
		return err
	}
	_, err := a.post.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &c.conn.ConnectionID, Data: c.frame})
	var gone *types.GoneException
	switch {
	case errors.As(err, &gone):
		c.log.Warn("connection gone; removing its stale row")
		a.abandon(c.log, c.box, c.id, "the charge box's connection was gone")
		a.removeGone(ctx, c)
		return notConnected(c.box, " (its connection was gone)")
	case err != nil:
		c.log.Error("post to connection", "error", err)
		a.abandon(c.log, c.box, c.id, "the call could not be posted")
		return &undelivered{id: c.id}
	}
	return nil
}

// removeGone replays the disconnect API Gateway did not deliver for a connection found gone.
func (a *API) removeGone(ctx context.Context, c *call) { a.forget(ctx, c.box, c.conn, c.log) }

// forget removes the row of a connection found gone, as its lost $disconnect would have.
func (a *API) forget(ctx context.Context, box string, conn store.Connection, log *slog.Logger) {
	if _, err := a.store.Disconnect(ctx, box, conn.ConnectionID, store.ConnectionEvent{
		ChargeBoxID: box, TenantID: conn.TenantID, ConnectionID: conn.ConnectionID, EventType: store.EventDisconnected,
		Status: store.StatusDisconnected, OccurredAt: a.now(), Retention: a.opts.MessageRetention,
	}); err != nil {
		log.Error("remove stale connection", "error", err)
	}
}

// abandon marks a command that never reached the box and frees the slot.
func (a *API) abandon(log interface{ Error(string, ...any) }, box, id, reason string) {
	// The request may be over; the bookkeeping must still happen.
	if err := a.store.FailCommand(context.Background(), box, id, reason, a.now()); err != nil {
		log.Error("release undelivered command", "error", err)
	}
}

// awaitOutcome polls the command until it leaves pending or wait ends.
func (a *API) awaitOutcome(w http.ResponseWriter, r *http.Request, id string, wait time.Duration) {
	deadline := time.Now().Add(wait)
	for {
		cmd, err := a.store.GetCommand(r.Context(), id)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if cmd.Status != store.CommandPending {
			writeOutcome(w, cmd)
			return
		}
		left := time.Until(deadline)
		if left <= 0 {
			writeJSON(w, http.StatusAccepted, map[string]any{"commandId": id, "status": store.CommandPending,
				"location": "/commands/" + id})
			return
		}
		select {
		case <-r.Context().Done():
			writeJSON(w, http.StatusAccepted, map[string]any{"commandId": id, "status": store.CommandPending, "location": "/commands/" + id})
			return
		case <-time.After(min(a.opts.PollInterval, left)):
		}
	}
}

// writeOutcome answers with a finished command: 200 with the box's answer, 502 for a CALLERROR,
// an invalid answer or an undelivered call.
func writeOutcome(w http.ResponseWriter, cmd store.Command) {
	switch cmd.Status {
	case store.CommandAnswered:
		writeJSON(w, http.StatusOK, map[string]any{"commandId": cmd.CommandID, "status": cmd.Status, "action": cmd.Action, "response": json.RawMessage(cmd.Response)})
	default:
		msg := "the charge box answered with a CALLERROR"
		switch cmd.Status {
		case store.CommandRejected:
			msg = "the charge box's answer is not a valid " + cmd.Action + " response"
		case store.CommandUndelivered:
			msg = "the call was not delivered to the charge box"
		}
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": msg, "commandId": cmd.CommandID, "status": cmd.Status,
			"action": cmd.Action, "errorCode": cmd.ErrorCode, "errorDescription": cmd.ErrorDescription})
	}
}

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// operation is one remote operation: the OCPP action and the snake_case body fields the
// original system accepted for it (OCPP's own field names are always accepted).
type operation struct {
	Name    string
	Action  ocpp.Action
	Aliases map[string]string
	// Fix adjusts values the original system wrote differently (reset "soft").
	Fix func(body map[string]any)
}

// operations are the 19 central-system-initiated actions (DataTransfer too, which both sides
// may start), in kebab-case.
var operations = func() []operation {
	aliases := map[ocpp.Action]map[string]string{
		ocpp.UnlockConnector: {"connector_id": "connectorId"},
		ocpp.UpdateFirmware:  {"retrieve_date": "retrieveDate", "retry_interval": "retryInterval"},
		ocpp.GetDiagnostics:  {"retry_interval": "retryInterval", "start_time": "startTime", "stop_time": "stopTime"},
	}
	var ops []operation
	for _, s := range ocpp.Actions() {
		if !s.Initiator.From(ocpp.CentralSystem) {
			continue
		}
		op := operation{Name: kebab(string(s.Action)), Action: s.Action, Aliases: aliases[s.Action]}
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
	used := map[string]string{}
	for snake, field := range op.Aliases {
		if v, ok := body[snake]; ok {
			if _, both := body[field]; both {
				return nil, invalid(snake, "%s: give %s or %s, not both", snake, snake, field)
			}
			delete(body, snake)
			body[field] = v
			used[field] = snake
		}
	}
	if op.Fix != nil {
		op.Fix(body)
	}
	return decodeRequest(op.Action, body, used)
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
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.command(w, r, r.PathValue("id"), op.Action, req)
	}
}

// evseRequest resolves the EVSE of an original-system route and reads its JSON object body.
func (a *API) evseRequest(r *http.Request) (box string, connector int, body map[string]any, err error) {
	box, connector, err = a.store.ResolveEVSE(r.Context(), r.PathValue("evseId"))
	if errors.Is(err, store.ErrNotFound) {
		err = notFound("EVSE %s is neither registered nor of the form <chargeBoxId>*<connectorId>", r.PathValue("evseId"))
	}
	if err != nil {
		return "", 0, nil, err
	}
	raw, err := readBody(r)
	if err != nil {
		return "", 0, nil, err
	}
	body, err = jsonObject(raw)
	return box, connector, body, err
}

// startSession serves the original system's POST /evses/{evseId}/remote/start-session.
func startSession(a *API, w http.ResponseWriter, r *http.Request) {
	box, connector, body, err := a.evseRequest(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	renamed := map[string]string{}
	for snake, field := range map[string]string{"token_id": "idTag", "connector_id": "connectorId"} {
		if v, ok := body[snake]; ok {
			delete(body, snake)
			body[field] = v
			renamed[field] = snake
		}
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
	box, _, body, err := a.evseRequest(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	renamed := map[string]string{}
	for _, snake := range []string{"transaction_id", "session_id"} {
		v, ok := body[snake]
		if !ok {
			continue
		}
		// The original system's session ids were strings holding the transaction id.
		if s, isString := v.(string); isString {
			if _, err := strconv.Atoi(s); err == nil {
				v = json.Number(s)
			}
		}
		delete(body, snake)
		body["transactionId"] = v
		renamed["transactionId"] = snake
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

// command sends a CALL to a box and answers with its outcome: the pending command row and the
// box's single call slot are taken in one transaction, the CALL is logged and posted, and the
// caller waits (consistent reads) for the message function to record the answer.
func (a *API) command(w http.ResponseWriter, r *http.Request, box string, action ocpp.Action, req any) {
	ctx := r.Context()
	wait, err := a.waitParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	log := a.log.With("chargeBoxId", box, "action", string(action))
	conn, err := a.store.GetConnection(ctx, box)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusConflict, fmt.Sprintf("charge box %s is not connected", box), "")
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	id := ocpp.NewUniqueID()
	log = log.With("uniqueId", id, "connectionId", conn.ConnectionID)
	frame, err := ocpp.CallFrame(id, action, req)
	if err != nil {
		oe := ocpp.AsError(err)
		a.fail(w, r, invalid(oe.Field, "%s", oe.Description))
		return
	}
	payload, err := json.Marshal(req)
	if err != nil {
		a.fail(w, r, fmt.Errorf("encode %s request: %w", action, err))
		return
	}
	now := a.now()
	cmd := store.Command{
		CommandID: id, ChargeBoxID: box, ConnectionID: conn.ConnectionID, Action: string(action), Request: string(payload),
		Status: store.CommandPending, CreatedAt: store.FormatTime(now), ExpiresAt: now.Add(a.opts.CommandTTL).Unix(),
	}
	switch err := a.store.BeginCommand(ctx, cmd, now, wait+a.opts.SlotMargin); {
	case errors.Is(err, store.ErrBusy):
		// One outstanding CALL per box (OCPP-J): refuse rather than queue, so a caller never
		// waits on someone else's command; the slot frees when the box answers or the
		// holder's wait (plus margin) ends.
		writeError(w, http.StatusConflict, fmt.Sprintf("charge box %s already has an outstanding call; retry when it is answered or has timed out", box), "")
		return
	case errors.Is(err, store.ErrNotConnected):
		writeError(w, http.StatusConflict, fmt.Sprintf("charge box %s is not connected", box), "")
		return
	case err != nil:
		a.fail(w, r, err)
		return
	}
	if err := a.store.LogExchange(ctx, store.Exchange{
		ChargeBoxID: box, TenantID: conn.TenantID, ConnectionID: conn.ConnectionID, OccurredAt: now, Retention: a.opts.MessageRetention,
		Frames: []store.LoggedFrame{{Direction: store.ToBox, Raw: string(frame), MessageType: int(ocpp.TypeCall), UniqueID: id, Action: string(action), OccurredAt: store.FormatTime(now)}},
	}); err != nil {
		// Nothing was sent yet: give the slot back.
		a.abandon(log, box, id, "could not log the call")
		a.fail(w, r, err)
		return
	}
	_, err = a.post.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &conn.ConnectionID, Data: frame})
	var gone *types.GoneException
	switch {
	case errors.As(err, &gone):
		log.Warn("connection gone; removing its stale row")
		a.abandon(log, box, id, "the charge box's connection was gone")
		if _, err := a.store.Disconnect(ctx, box, conn.ConnectionID, store.ConnectionEvent{
			ChargeBoxID: box, TenantID: conn.TenantID, ConnectionID: conn.ConnectionID, EventType: store.EventDisconnected,
			Status: store.StatusDisconnected, OccurredAt: a.now(), Retention: a.opts.MessageRetention,
		}); err != nil {
			log.Error("remove stale connection", "error", err)
		}
		writeError(w, http.StatusConflict, fmt.Sprintf("charge box %s is not connected (its connection was gone)", box), "")
		return
	case err != nil:
		log.Error("post to connection", "error", err)
		a.abandon(log, box, id, "the call could not be posted")
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": "the call could not be delivered to the charge box", "commandId": id})
		return
	}
	log.Info("call sent", "wait", wait.String())
	a.awaitOutcome(w, r, id, wait)
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

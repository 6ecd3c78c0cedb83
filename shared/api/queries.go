package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/serverless-ocpp/csms/shared/store"
)

// view renders a stored item as JSON with its stored attribute names (camelCase, as
// docs/storage.md describes them), leaving out secrets and bookkeeping.
func view(v any, drop ...string) map[string]any {
	av, err := attributevalue.MarshalMap(v)
	if err != nil {
		return map[string]any{}
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(av, &m); err != nil {
		return map[string]any{}
	}
	for _, k := range append(drop, "passwordHash", "previousPasswordHash", "newPasswordHash", "listShard") {
		delete(m, k)
	}
	return m
}

func views[T any](items []T, drop ...string) []map[string]any {
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		out = append(out, view(it, drop...))
	}
	return out
}

// list is the body of a paginated list: next is absent on the last page.
func list(items []map[string]any, next string) map[string]any {
	m := map[string]any{"items": items}
	if next != "" {
		m["next"] = next
	}
	return m
}

// page reads limit (1 to 1000, default 100) and next.
func page(r *http.Request) (store.Page, error) {
	p := store.Page{Limit: 100, Next: r.URL.Query().Get("next")}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return p, invalid("limit", "limit must be a whole number from 1 to 1000")
		}
		p.Limit = int32(n)
	}
	return p, nil
}

// timeParam reads an RFC 3339 query parameter in the stored timestamp form.
func timeParam(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return "", nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return "", invalid(name, "%s must be an RFC 3339 date-time such as 2026-11-23T10:00:00Z", name)
	}
	return store.FormatTime(t), nil
}

func health(_ *API, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// summary reads the maintained aggregates (store.ReadAggregates): two BatchGetItems and a count
// of the expired connection rows not yet swept, whatever the size of the fleet.
func summary(a *API, w http.ResponseWriter, r *http.Request) {
	agg, err := a.store.ReadAggregates(r.Context(), a.now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	byStatus := map[string]int64{}
	for status, n := range agg.ConnectorsByStatus {
		if n > 0 {
			byStatus[status] = n
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"connectedChargeBoxes": max(agg.Online, 0), "connectorsByStatus": byStatus, "runningSessions": max(agg.RunningSessions, 0)})
}

// sessionFilter reads status, from and to (and chargeBoxId when the path does not fix it).
func sessionFilter(r *http.Request) (store.SessionFilter, error) {
	f := store.SessionFilter{ChargeBoxID: r.URL.Query().Get("chargeBoxId"), Status: r.URL.Query().Get("status")}
	switch f.Status {
	case "", store.SessionRunning, store.SessionFinished, store.SessionAbandoned:
	default:
		return f, invalid("status", "status must be running, finished or abandoned")
	}
	var err error
	if f.From, err = timeParam(r, "from"); err != nil {
		return f, err
	}
	if f.To, err = timeParam(r, "to"); err != nil {
		return f, err
	}
	return f, nil
}

func (a *API) writeSessions(w http.ResponseWriter, r *http.Request, f store.SessionFilter) {
	p, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	items, next, err := a.store.ListSessions(r.Context(), f, p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(items))
	for _, sess := range items {
		out = append(out, sessionView(sess))
	}
	writeJSON(w, http.StatusOK, list(out, next))
}

// sessionView is a session as the API shows it, with every flag (store.SessionFlags).
func sessionView(sess store.Session) map[string]any {
	out := view(sess, store.RunningAttributes...)
	var start, stop *int64
	if !sess.UnknownStart {
		v := int64(sess.MeterStart)
		start = &v
	}
	if sess.MeterStop != nil {
		v := int64(*sess.MeterStop)
		stop = &v
	}
	out["flags"] = store.SessionFlags(append(slices.Clone(sess.Flags), sess.StartFlags...), sess.StartedAt, sess.StoppedAt, start, stop)
	return out
}

func listSessions(a *API, w http.ResponseWriter, r *http.Request) {
	f, err := sessionFilter(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeSessions(w, r, f)
}

func chargeBoxSessions(a *API, w http.ResponseWriter, r *http.Request) {
	f, err := sessionFilter(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f.ChargeBoxID = r.PathValue("id")
	a.writeSessions(w, r, f)
}

func evseSessions(a *API, w http.ResponseWriter, r *http.Request) {
	box, connector, err := a.resolveEVSE(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f, err := sessionFilter(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f.ChargeBoxID, f.ConnectorID = box, &connector
	a.writeSessions(w, r, f)
}

func getSession(a *API, w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("transactionId"))
	if err != nil || id <= 0 {
		a.fail(w, r, invalid("transactionId", "transactionId must be a positive integer"))
		return
	}
	sess, err := a.store.GetSession(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		err = notFound("no session %d", id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	readings, err := a.store.ListReadings(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := sessionView(sess)
	out["meterValues"] = views(readings)
	writeJSON(w, http.StatusOK, out)
}

func listConnections(a *API, w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	conns, next, err := a.store.ListConnectionsPage(r.Context(), p, a.now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(views(conns), next))
}

func (a *API) resolveEVSE(r *http.Request) (string, int, error) {
	id := r.PathValue("evseId")
	box, connector, err := a.store.ResolveEVSE(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return "", 0, notFound("EVSE %s is neither registered nor of the form <chargeBoxId>*<connectorId>", id)
	}
	return box, connector, err
}

func getEVSE(a *API, w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	box, connector, err := a.resolveEVSE(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if _, err := a.store.GetChargeBox(ctx, box); errors.Is(err, store.ErrNotFound) {
		a.fail(w, r, notFound("charge box %s of EVSE %s is not registered", box, r.PathValue("evseId")))
		return
	} else if err != nil {
		a.fail(w, r, err)
		return
	}
	out := map[string]any{"evseId": r.PathValue("evseId"), "chargeBoxId": box, "connectorId": connector}
	conn, err := a.store.GetConnection(ctx, box, a.now())
	switch {
	case err == nil:
		out["connected"] = true
		out["connection"] = view(conn)
	case errors.Is(err, store.ErrNotFound):
		out["connected"] = false
	default:
		a.fail(w, r, err)
		return
	}
	c, err := a.store.GetConnector(ctx, box, connector)
	switch {
	case err == nil:
		out["connector"] = view(c)
	case errors.Is(err, store.ErrNotFound):
		out["connector"] = nil
	default:
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func listChargeBoxes(a *API, w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	read := a.store.ListChargeBoxes
	switch r.URL.Query().Get("unsecured") {
	case "", "false":
	case "true":
		read = a.store.ListUnsecuredChargeBoxes
	default:
		a.fail(w, r, invalid("unsecured", "unsecured must be true or false"))
		return
	}
	boxes, next, err := read(r.Context(), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	items := make([]map[string]any, len(boxes))
	for i, b := range boxes {
		items[i] = boxView(b, "configuration")
	}
	if err := a.addBoxState(r, boxes, items); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(items, next))
}

func getChargeBox(a *API, w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	b, err := a.store.GetChargeBox(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		err = notFound("charge box %s is not registered", id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := boxView(b)
	connectors, err := a.store.ListConnectors(ctx, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	cs := views(connectors)
	for i, c := range connectors {
		if c.ConnectorID > 0 {
			cs[i]["evseId"] = evseID(b, c.ConnectorID)
		}
	}
	out["connectors"] = cs
	seen, err := a.store.LastSeen(ctx, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !seen.IsZero() {
		out["lastSeen"] = store.FormatTime(seen)
	}
	conn, err := a.store.GetConnection(ctx, id, a.now())
	switch {
	case err == nil:
		out["connected"], out["connection"] = true, view(conn)
	case errors.Is(err, store.ErrNotFound):
		out["connected"] = false
	default:
		a.fail(w, r, err)
		return
	}
	profiles, err := a.store.ListChargingProfiles(ctx, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out["chargingProfiles"] = views(profiles)
	writeJSON(w, http.StatusOK, out)
}

// evseID is a connector's registered EVSE id or the default one.
func evseID(b store.ChargeBox, connector int) string {
	if id, ok := b.EVSEs[strconv.Itoa(connector)]; ok {
		return id
	}
	return store.DefaultEVSEID(b.ChargeBoxID, connector)
}

func listMessages(a *API, w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rows, next, err := a.store.ListMessages(r.Context(), r.PathValue("id"), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(views(rows, "expiresAt"), next))
}

func listReservations(a *API, w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := r.URL.Query().Get("status")
	switch status {
	case "", store.ReservationActive, store.ReservationConsumed, store.ReservationCancelled, store.ReservationExpired:
	default:
		a.fail(w, r, invalid("status", "status must be active, consumed, cancelled or expired"))
		return
	}
	items, next, err := a.store.ListReservations(r.Context(), r.URL.Query().Get("chargeBoxId"), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	now := a.now()
	out := []map[string]any{}
	for _, res := range items {
		res = res.Current(now)
		if status == "" || res.Status == status {
			out = append(out, view(res, "expiresAt"))
		}
	}
	writeJSON(w, http.StatusOK, list(out, next))
}

func getCommand(a *API, w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("commandId")
	cmd, err := a.store.GetCommand(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		err = notFound("no command %s", id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, commandView(cmd))
}

// rawJSON embeds stored JSON as is; a stored value that is not JSON is embedded as a string.
func rawJSON(s string) any {
	if s == "" {
		return nil
	}
	if !json.Valid([]byte(s)) {
		return s
	}
	return json.RawMessage(s)
}

package api

import (
	"net/http"
	"time"

	"github.com/serverless-ocpp/csms/shared/store"
)

// commandWindow is the default window of GET /commands: the last 24 hours.
const commandWindow = 24 * time.Hour

// commandView renders a command as GET /commands/{commandId} does: the stored request and
// response (AuthorizationKey already redacted when stored) embedded as JSON, bookkeeping left out.
func commandView(cmd store.Command) map[string]any {
	out := view(cmd, "expiresAt", "request", "response", "day")
	out["request"] = rawJSON(cmd.Request)
	if cmd.Response != "" {
		out["response"] = rawJSON(cmd.Response)
	}
	return out
}

func commandViews(cmds []store.Command) []map[string]any {
	out := make([]map[string]any, len(cmds))
	for i, c := range cmds {
		out[i] = commandView(c)
	}
	return out
}

// commandWindowOf reads from and to (RFC 3339); to defaults to now, from to 24 hours before to.
func (a *API) commandWindowOf(r *http.Request) (time.Time, time.Time, error) {
	to, from := a.now(), time.Time{}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"to", &to}, {"from", &from}} {
		v := r.URL.Query().Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return from, to, invalid(p.name, "%s must be an RFC 3339 date-time such as 2026-11-23T10:00:00Z", p.name)
		}
		*p.t = t
	}
	if from.IsZero() {
		from = to.Add(-commandWindow)
	}
	if to.Before(from) {
		return from, to, invalid("from", "from must not be after to")
	}
	if to.Sub(from) > store.MaxCommandWindow {
		return from, to, invalid("from", "the window from from to to must be at most %d days", int(store.MaxCommandWindow/(24*time.Hour)))
	}
	return from, to, nil
}

// listCommands is GET /commands: the fleet's commands of a window, newest first. The answer
// names the window (from, to) so that the pages after the first ask for the same one.
func listCommands(a *API, w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	from, to, err := a.commandWindowOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	cmds, next, err := a.store.ListCommands(r.Context(), from, to, p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := list(commandViews(cmds), next)
	out["from"], out["to"] = from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano)
	writeJSON(w, http.StatusOK, out)
}

// chargeBoxCommands is GET /charge-boxes/{id}/commands: one box's commands, newest first.
func chargeBoxCommands(a *API, w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	cmds, next, err := a.store.ListChargeBoxCommands(r.Context(), r.PathValue("id"), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(commandViews(cmds), next))
}

// addBoxState adds to each registry item connected (the boxes' connection rows, read in
// BatchGetItems of up to 100 keys) and, for a box that is offline, lastSeen: when its last
// connection ended (disconnectedAt, written on the box's item by $disconnect), so a page costs
// no read per box. GET /charge-boxes/{id} gives the exact lastSeen from the frame log.
func (a *API) addBoxState(r *http.Request, boxes []store.ChargeBox, items []map[string]any) error {
	ids := make([]string, len(boxes))
	for i, b := range boxes {
		ids[i] = b.ChargeBoxID
	}
	conns, err := a.store.LiveConnections(r.Context(), ids, a.now())
	if err != nil {
		return err
	}
	for i, b := range boxes {
		c, live := conns[b.ChargeBoxID]
		items[i]["connected"] = live
		switch {
		case live:
			items[i]["connectedAt"] = c.ConnectedAt
		case b.DisconnectedAt != "":
			items[i]["lastSeen"] = b.DisconnectedAt
		}
	}
	return nil
}

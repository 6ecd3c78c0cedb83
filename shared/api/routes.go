package api

import (
	"net/http"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// Route is one operation of the API. The mux is built from Routes(), and so is the OpenAPI
// document (docs/openapi.json), so neither can have a route the other lacks.
type Route struct {
	Method string
	// Path is a net/http ServeMux pattern path with {wildcards}; OpenAPI uses the same form.
	Path    string
	Summary string
	Tag     string
	// Body is a value of the request body's type (nil for none); Action, when set, says the
	// body is that OCPP action's request.
	Body   any
	Action ocpp.Action
	// Aliases are the snake_case body fields accepted besides OCPP's.
	Aliases map[string]string
	// Query names the query parameters (see queryParams).
	Query []string
	// Status is the success status; Errors the error statuses it may answer.
	Status int
	Errors []int
	handle func(*API, http.ResponseWriter, *http.Request)
}

var (
	listQuery    = []string{"limit", "next"}
	sessionQuery = []string{"status", "from", "to", "limit", "next"}
	remoteErrors = []int{400, 404, 409, 502}
)

// Routes returns every route of the API.
func Routes() []Route {
	routes := []Route{
		{Method: "GET", Path: "/health", Summary: "Liveness; needs no credentials", Tag: "meta", Status: 200, handle: health},
		{Method: "GET", Path: "/summary", Summary: "Connected boxes, connectors by status, running sessions", Tag: "queries", Status: 200, handle: summary},
		{Method: "GET", Path: "/sessions", Summary: "Charging sessions, filtered and paginated", Tag: "queries", Query: append([]string{"chargeBoxId"}, sessionQuery...), Status: 200, Errors: []int{400}, handle: listSessions},
		{Method: "GET", Path: "/sessions/{transactionId}", Summary: "One session with its meter values", Tag: "queries", Status: 200, Errors: []int{400, 404}, handle: getSession},
		{Method: "GET", Path: "/connections", Summary: "Live WebSocket connections, paginated", Tag: "queries", Query: listQuery, Status: 200, Errors: []int{400}, handle: listConnections},
		{Method: "GET", Path: "/evses/{evseId}", Summary: "Connection state and connector status of an EVSE", Tag: "queries", Status: 200, Errors: []int{404}, handle: getEVSE},
		{Method: "GET", Path: "/evses/{evseId}/sessions", Summary: "Sessions of an EVSE", Tag: "queries", Query: sessionQuery, Status: 200, Errors: []int{400, 404}, handle: evseSessions},
		{Method: "POST", Path: "/evses/{evseId}/remote/" + startSessionRoute, Summary: "RemoteStartTransaction on an EVSE (original system's route)", Tag: "remote",
			Body: map[string]any{}, Action: ocpp.RemoteStartTransaction, Aliases: originalFields[startSessionRoute],
			Query: []string{"wait"}, Status: 200, Errors: remoteErrors, handle: startSession},
		{Method: "POST", Path: "/evses/{evseId}/remote/" + stopSessionRoute, Summary: "RemoteStopTransaction through an EVSE (original system's route)", Tag: "remote",
			Body: map[string]any{}, Action: ocpp.RemoteStopTransaction, Aliases: originalFields[stopSessionRoute],
			Query: []string{"wait"}, Status: 200, Errors: remoteErrors, handle: stopSession},
		{Method: "GET", Path: "/charge-boxes", Summary: "The charge-box registry with each box's connected and lastSeen (unsecured=true: only boxes that connect without a password)", Tag: "registry", Query: []string{"unsecured", "limit", "next"}, Status: 200, Errors: []int{400}, handle: listChargeBoxes},
		{Method: "GET", Path: "/charge-boxes/{id}", Summary: "A charge box: registration, boot info, last seen, connectors, statuses, configuration cache", Tag: "registry", Status: 200, Errors: []int{404}, handle: getChargeBox},
		{Method: "PUT", Path: "/charge-boxes/{id}", Summary: "Register or update a charge box (a password, or unsecured: true); a new password, unsecured or Rejected closes its live connection", Tag: "registry", Body: ChargeBoxBody{}, Status: 200, Errors: []int{400, 409}, handle: putChargeBox},
		{Method: "DELETE", Path: "/charge-boxes/{id}", Summary: "Remove a charge box from the registry and close its live connection", Tag: "registry", Status: 204, Errors: []int{404}, handle: deleteChargeBox},
		{Method: "GET", Path: "/charge-boxes/{id}/sessions", Summary: "Sessions of a charge box, newest first", Tag: "queries", Query: sessionQuery, Status: 200, Errors: []int{400}, handle: chargeBoxSessions},
		{Method: "GET", Path: "/charge-boxes/{id}/messages", Summary: "Frame log of a charge box, newest first", Tag: "queries", Query: listQuery, Status: 200, Errors: []int{400}, handle: listMessages},
		{Method: "GET", Path: "/anomalies", Summary: "Frames that named a transaction their box does not own, and orphan stops (stops of ids never issued), fleet-wide", Tag: "queries", Query: []string{"chargeBoxId", "kind", "limit", "next"}, Status: 200, Errors: []int{400}, handle: listAnomalies},
		{Method: "GET", Path: "/charge-boxes/{id}/anomalies", Summary: "Anomalies of a charge box: its frames that named a transaction it does not own, its orphan stops", Tag: "queries", Query: []string{"kind", "limit", "next"}, Status: 200, Errors: []int{400}, handle: listAnomalies},
		{Method: "GET", Path: "/reservations", Summary: "Reservations (status computed now: active, consumed, cancelled, expired)", Tag: "queries", Query: []string{"chargeBoxId", "status", "limit", "next"}, Status: 200, Errors: []int{400}, handle: listReservations},
		{Method: "GET", Path: "/commands", Summary: "The fleet's remote commands and their outcomes, newest first, in a window (from/to, default the last 24 hours)", Tag: "remote", Query: []string{"from", "to", "limit", "next"}, Status: 200, Errors: []int{400}, handle: listCommands},
		{Method: "GET", Path: "/charge-boxes/{id}/commands", Summary: "Remote commands of a charge box and their outcomes, newest first", Tag: "remote", Query: listQuery, Status: 200, Errors: []int{400}, handle: chargeBoxCommands},
		{Method: "GET", Path: "/commands/{commandId}", Summary: "Outcome of a remote command", Tag: "remote", Status: 200, Errors: []int{404}, handle: getCommand},
		{Method: "GET", Path: "/id-tags", Summary: "The authorization list", Tag: "registry", Query: listQuery, Status: 200, Errors: []int{400}, handle: listIDTags},
		{Method: "GET", Path: "/id-tags/{idTag}", Summary: "An id tag with its running transactions", Tag: "registry", Status: 200, Errors: []int{404}, handle: getIDTag},
		{Method: "PUT", Path: "/id-tags/{idTag}", Summary: "Add or update an id tag", Tag: "registry", Body: IDTagBody{}, Status: 200, Errors: []int{400}, handle: putIDTag},
		{Method: "DELETE", Path: "/id-tags/{idTag}", Summary: "Remove an id tag", Tag: "registry", Status: 204, Errors: []int{404}, handle: deleteIDTag},
	}
	routes = append(routes, securityEventRoutes()...)
	routes = append(routes, securityRoutes()...)
	for _, op := range operations {
		routes = append(routes, Route{
			Method: "POST", Path: "/charge-boxes/{id}/remote/" + op.Name, Summary: "Send " + string(op.Action) + " and return the box's answer",
			Tag: "remote", Action: op.Action, Aliases: op.Aliases, Query: []string{"wait"}, Status: 200, Errors: remoteErrors, handle: remote(op),
		})
	}
	return routes
}

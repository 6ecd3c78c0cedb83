package apigw

import (
	"io"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// isoLayout is the timestamp format of GetConnection (ISO 8601, milliseconds, UTC).
const isoLayout = "2006-01-02T15:04:05.000Z"

// connectionInfo is the GetConnection response. The JSON names are the service model's
// (restJson1 jsonName traits), which the SDK decodes.
type connectionInfo struct {
	ConnectedAt  string   `json:"connectedAt"`
	Identity     identity `json:"identity"`
	LastActiveAt string   `json:"lastActiveAt"`
}

type identity struct {
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// serveManagement answers POST, GET and DELETE /@connections/{id}. Requests are not
// authenticated: the SDK's SigV4 signature made with dummy credentials is ignored.
func (s *Server) serveManagement(w http.ResponseWriter, r *http.Request, id string) {
	log := s.log.With("connectionId", id)
	w.Header().Set("X-Amzn-Requestid", newID())
	c := s.lookup(id)
	if c == nil || c.isClosing() {
		log.Debug("management call for a gone connection", "method", r.Method)
		writeError(w, http.StatusGone, "GoneException", "")
		return
	}
	log = c.log
	switch r.Method {
	case http.MethodPost:
		limit := s.opts.MaxMessageBytes
		data, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
		if err != nil {
			writeError(w, http.StatusBadRequest, "BadRequestException", "could not read the request body")
			return
		}
		if len(data) > limit {
			writeError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Message too long")
			return
		}
		if err := c.send(websocket.TextMessage, data); err != nil {
			log.Info("post to a closing connection", "error", err)
			writeError(w, http.StatusGone, "GoneException", "")
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		writeJSON(w, http.StatusOK, connectionInfo{
			ConnectedAt:  c.connectedAt.UTC().Format(isoLayout),
			Identity:     identity{SourceIP: c.sourceIP, UserAgent: c.userAgent},
			LastActiveAt: time.Unix(0, c.lastActive.Load()).UTC().Format(isoLayout),
		})
	case http.MethodDelete:
		// DeleteConnection as API Gateway does it: the socket is closed with 1000 and the
		// $disconnect route follows ("disconnectStatusCode": 1000, "Connection Closed Normally"
		// in API Gateway's own $disconnect events, github.com/boto/boto3/issues/3789); the call
		// answers 204 with no body (the service model's responseCode), and an id that is not
		// (or no longer) connected is 410 GoneException, "The connection with the provided id no
		// longer exists" (the DeleteConnection reference lists GoneException, LimitExceeded and
		// Forbidden; docs.aws.amazon.com/apigateway/latest/developerguide/
		// apigateway-how-to-call-websocket-api-connections.html).
		log.Info("closing connection on request of the Management API")
		c.closeWith(closeNormal, closeDescription(closeNormal))
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
	}
}

// writeError writes a restJson1 error: the type in X-Amzn-Errortype, which the SDK maps to its
// error types (types.GoneException and friends), and {"message": ...} in the body.
func writeError(w http.ResponseWriter, status int, errorType, message string) {
	w.Header().Set("X-Amzn-Errortype", errorType)
	var msg any
	if message != "" {
		msg = message
	}
	writeJSON(w, status, map[string]any{"message": msg})
}

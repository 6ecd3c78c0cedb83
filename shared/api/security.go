package api

import (
	"encoding/pem"
	"net/http"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// The security extension's routes: its security events, and the checks its remote operations
// need beyond the OCPP schema.

// securityEventRoutes list security events fleet-wide and per box.
func securityEventRoutes() []Route {
	q := []string{"type", "from", "to", "limit", "next"}
	return []Route{
		{Method: "GET", Path: "/security-events", Summary: "Security events (SecurityEventNotification) of the fleet, newest first", Tag: "queries",
			Query: append([]string{"chargeBoxId"}, q...), Status: 200, Errors: []int{400}, handle: listSecurityEvents},
		{Method: "GET", Path: "/charge-boxes/{id}/security-events", Summary: "Security events of a charge box, newest first", Tag: "queries",
			Query: q, Status: 200, Errors: []int{400}, handle: listSecurityEvents},
	}
}

// listSecurityEvents lists security events, of one box (path or ?chargeBoxId=), of one type,
// in a window of the events' timestamps.
func listSecurityEvents(a *API, w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.SecurityEventFilter{ChargeBoxID: r.PathValue("id"), Type: q.Get("type")}
	if f.ChargeBoxID == "" {
		f.ChargeBoxID = q.Get("chargeBoxId")
	}
	if len(f.Type) > 50 {
		a.fail(w, r, invalid("type", "type is at most 50 characters, as in SecurityEventNotification"))
		return
	}
	if f.From, err = timeParam(r, "from"); err == nil {
		f.To, err = timeParam(r, "to")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	items, next, err := a.store.ListSecurityEvents(r.Context(), f, p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(views(items, "fleet", "eventKey"), next))
}

// operationChecks validate remote operations beyond the OCPP schema, and may rewrite the
// request into what the box needs.
var operationChecks = map[ocpp.Action]func(req any) error{
	ocpp.InstallCertificate: checkInstallCertificate,
}

// checkInstallCertificate requires one PEM X.509 certificate and sends it re-encoded from its
// DER, so the box gets a clean PEM whatever whitespace or line length the operator used.
func checkInstallCertificate(req any) error {
	r, ok := req.(*ocpp.InstallCertificateRequest)
	if !ok {
		return invalid("", "not an InstallCertificate request")
	}
	cert, err := ocpp.ParseCertificatePEM(r.Certificate)
	if err != nil {
		return invalid("certificate", "certificate must be one PEM-encoded X.509 certificate: %v", err)
	}
	r.Certificate = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	if n := len(r.Certificate); n > 5500 {
		return invalid("certificate", "certificate: length %d of its PEM exceeds 5500", n)
	}
	return nil
}

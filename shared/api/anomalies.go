package api

import (
	"net/http"
	"slices"

	"github.com/serverless-ocpp/csms/shared/store"
)

// listAnomalies lists what charge boxes tried and were not allowed to change (stops and meter
// values naming transactions they do not own, orphan stops), fleet-wide or of one box
// (/charge-boxes/{id}/anomalies, or ?chargeBoxId=), optionally of one kind.
func listAnomalies(a *API, w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f := store.AnomalyFilter{ChargeBoxID: r.PathValue("id"), Kind: store.AnomalyKind(r.URL.Query().Get("kind"))}
	if f.ChargeBoxID == "" {
		f.ChargeBoxID = r.URL.Query().Get("chargeBoxId")
	}
	if f.Kind != "" && !slices.Contains(store.AnomalyKinds, f.Kind) {
		a.fail(w, r, invalid("kind", "kind must be foreign-stop, orphan-stop, foreign-meter-values or unknown-meter-values"))
		return
	}
	items, next, err := a.store.ListAnomalies(r.Context(), f, p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := views(items)
	for i, it := range items {
		if it.TransactionData != "" {
			out[i]["transactionData"] = rawJSON(it.TransactionData)
		}
	}
	writeJSON(w, http.StatusOK, list(out, next))
}

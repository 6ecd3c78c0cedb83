package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/serverless-ocpp/csms/shared/auth"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// ChargeBoxBody is the body of PUT /charge-boxes/{id}.
type ChargeBoxBody struct {
	// RegistrationStatus is what BootNotification answers: Accepted, Pending or Rejected.
	RegistrationStatus string `json:"registrationStatus"`
	// Password sets the HTTP Basic auth password (16 to 40 characters); "" removes it,
	// absent keeps it. Only its bcrypt hash is stored and it is never returned.
	Password *string `json:"password,omitempty"`
	TenantID string  `json:"tenantId,omitempty"`
	// EVSEs maps connector ids ("1") to EVSE ids; absent keeps the mapping, {} clears it.
	EVSEs map[string]string `json:"evses,omitempty"`
}

func putChargeBox(a *API, w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := auth.ValidID(id); err != nil {
		a.fail(w, r, invalid("id", "%v", err))
		return
	}
	var body ChargeBoxBody
	if err := decodeBody(r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	switch ocpp.RegistrationStatus(body.RegistrationStatus) {
	case ocpp.RegistrationStatusAccepted, ocpp.RegistrationStatusPending, ocpp.RegistrationStatusRejected:
	default:
		a.fail(w, r, invalid("registrationStatus", "registrationStatus must be Accepted, Pending or Rejected"))
		return
	}
	reg := store.Registration{ChargeBoxID: id, RegistrationStatus: body.RegistrationStatus, TenantID: body.TenantID, EVSEs: body.EVSEs}
	if body.Password != nil {
		hash := ""
		if *body.Password != "" {
			var err error
			if hash, err = auth.HashPassword(*body.Password); err != nil {
				a.fail(w, r, invalid("password", "%v", err))
				return
			}
		}
		reg.PasswordHash = &hash
	}
	for connector, evse := range body.EVSEs {
		if n, err := strconv.Atoi(connector); err != nil || n < 1 {
			a.fail(w, r, invalid("evses."+connector, "evses keys are connector ids (1, 2, ...)"))
			return
		}
		if evse == "" || len(evse) > 255 {
			a.fail(w, r, invalid("evses."+connector, "an EVSE id is 1 to 255 characters"))
			return
		}
	}
	b, created, err := a.store.SaveChargeBox(r.Context(), reg, a.now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	out := view(b)
	out["hasPassword"] = b.PasswordHash != ""
	writeJSON(w, status, out)
}

func deleteChargeBox(a *API, w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := a.store.DeleteChargeBox(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		err = notFound("charge box %s is not registered", id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// IDTagBody is the body of PUT /id-tags/{idTag}.
type IDTagBody struct {
	// Status is an OCPP AuthorizationStatus: Accepted, Blocked, Expired, Invalid.
	Status string `json:"status"`
	// ExpiryDate (RFC 3339) makes the tag Expired from then on.
	ExpiryDate  string `json:"expiryDate,omitempty"`
	ParentIDTag string `json:"parentIdTag,omitempty"`
	// MaxActiveTransactions > 0 limits the tag's concurrent transactions; more are ConcurrentTx.
	MaxActiveTransactions int `json:"maxActiveTransactions,omitempty"`
}

func putIDTag(a *API, w http.ResponseWriter, r *http.Request) {
	tag := r.PathValue("idTag")
	if tag == "" || len(tag) > 20 {
		a.fail(w, r, invalid("idTag", "an id tag is 1 to 20 characters (OCPP IdToken)"))
		return
	}
	var body IDTagBody
	if err := decodeBody(r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	switch ocpp.AuthorizationStatus(body.Status) {
	case ocpp.AuthorizationStatusAccepted, ocpp.AuthorizationStatusBlocked, ocpp.AuthorizationStatusExpired, ocpp.AuthorizationStatusInvalid:
	default:
		a.fail(w, r, invalid("status", "status must be Accepted, Blocked, Expired or Invalid"))
		return
	}
	if body.ExpiryDate != "" {
		t, err := time.Parse(time.RFC3339Nano, body.ExpiryDate)
		if err != nil {
			a.fail(w, r, invalid("expiryDate", "expiryDate must be an RFC 3339 date-time"))
			return
		}
		body.ExpiryDate = t.UTC().Format(time.RFC3339Nano)
	}
	if len(body.ParentIDTag) > 20 {
		a.fail(w, r, invalid("parentIdTag", "parentIdTag is at most 20 characters"))
		return
	}
	if body.MaxActiveTransactions < 0 {
		a.fail(w, r, invalid("maxActiveTransactions", "maxActiveTransactions must not be negative"))
		return
	}
	_, getErr := a.store.GetIDTag(r.Context(), tag)
	t, err := a.store.SaveIDTag(r.Context(), store.IDTag{IDTag: tag, Status: body.Status, ExpiryDate: body.ExpiryDate,
		ParentIDTag: body.ParentIDTag, MaxActiveTransactions: body.MaxActiveTransactions}, a.now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if errors.Is(getErr, store.ErrNotFound) {
		status = http.StatusCreated
	}
	writeJSON(w, status, view(t))
}

func getIDTag(a *API, w http.ResponseWriter, r *http.Request) {
	tag := r.PathValue("idTag")
	t, err := a.store.GetIDTag(r.Context(), tag)
	if errors.Is(err, store.ErrNotFound) {
		err = notFound("id tag %s is not on the list", tag)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := view(t)
	running, err := a.store.CountRunning(r.Context(), tag)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out["activeTransactions"] = running
	writeJSON(w, http.StatusOK, out)
}

func deleteIDTag(a *API, w http.ResponseWriter, r *http.Request) {
	tag := r.PathValue("idTag")
	err := a.store.DeleteIDTag(r.Context(), tag)
	if errors.Is(err, store.ErrNotFound) {
		err = notFound("id tag %s is not on the list", tag)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func listIDTags(a *API, w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	tags, next, err := a.store.ListIDTags(r.Context(), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(views(tags), next))
}

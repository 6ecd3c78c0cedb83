package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/serverless-ocpp/csms/shared/auth"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// ChargeBoxBody is the body of PUT /charge-boxes/{id}.
type ChargeBoxBody struct {
	// RegistrationStatus is what BootNotification answers: Accepted, Pending or Rejected.
	RegistrationStatus string `json:"registrationStatus"`
	// Password sets the HTTP Basic auth password (16 to 40 characters, OCPP security profile 1
	// or 2); absent keeps it. A new box needs one unless Unsecured is true. Only its bcrypt
	// hash is stored and it is never returned.
	Password *string `json:"password,omitempty"`
	// Unsecured true registers the box without a password (security profile 0: anyone who
	// knows its id can connect as it) and removes a stored one; false needs a password. Absent
	// keeps what is stored.
	Unsecured *bool  `json:"unsecured,omitempty"`
	TenantID  string `json:"tenantId,omitempty"`
	// EVSEs maps connector ids ("1") to EVSE ids; absent keeps the mapping, {} clears it.
	EVSEs map[string]string `json:"evses,omitempty"`
}

// Password lengths of OCPP 1.6 security profiles 1 and 2 (AuthorizationKey).
const (
	minPassword = 16
	maxPassword = 40
)

// registration turns a PUT body into the store's registration, checking what needs no stored
// state; the store refuses a new box with neither a password nor unsecured true.
func registration(id string, body ChargeBoxBody) (store.Registration, error) {
	switch ocpp.RegistrationStatus(body.RegistrationStatus) {
	case ocpp.RegistrationStatusAccepted, ocpp.RegistrationStatusPending, ocpp.RegistrationStatusRejected:
	default:
		return store.Registration{}, invalid("registrationStatus", "registrationStatus must be Accepted, Pending or Rejected")
	}
	reg := store.Registration{ChargeBoxID: id, RegistrationStatus: body.RegistrationStatus, TenantID: body.TenantID, EVSEs: body.EVSEs, Unsecured: body.Unsecured}
	if body.Password != nil {
		hash, err := hashPassword(*body.Password)
		if err != nil {
			return store.Registration{}, err
		}
		reg.PasswordHash = &hash
	}
	for connector, evse := range body.EVSEs {
		if n, err := strconv.Atoi(connector); err != nil || n < 1 {
			return store.Registration{}, invalid("evses."+connector, "evses keys are connector ids (1, 2, ...)")
		}
		if evse == "" || len(evse) > 255 {
			return store.Registration{}, invalid("evses."+connector, "an EVSE id is 1 to 255 characters")
		}
	}
	return reg, nil
}

// hashPassword checks a password's length and hashes it; "" (remove the password) stays "".
func hashPassword(password string) (string, error) {
	if password == "" {
		return "", nil
	}
	if n := len(password); n < minPassword || n > maxPassword {
		return "", invalid("password", "password must have %d to %d characters (OCPP security profile 1/2)", minPassword, maxPassword)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", invalid("password", "%v", err)
	}
	return hash, nil
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
	reg, err := registration(id, body)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	b, created, err := a.store.SaveChargeBox(r.Context(), reg, a.now())
	switch {
	case errors.Is(err, store.ErrPasswordRequired):
		err = invalid("password", "a charge box needs a password of %d to %d characters unless the body says \"unsecured\": true (security profile 0; see docs/security.md); removing a password needs \"unsecured\": true too", minPassword, maxPassword)
	case errors.Is(err, store.ErrUnsecuredWithPassword):
		err = invalid("unsecured", "an unsecured charge box has no password: give password or \"unsecured\": true, not both")
	}
	if err == nil && !created && (reg.PasswordHash != nil || body.Unsecured != nil || body.RegistrationStatus == string(ocpp.RegistrationStatusRejected)) {
		// The authorizer's answer (credentials, registration status) holds for the life of a
		// connection: the box must reconnect to be judged by the new registration.
		err = a.closeConnection(r.Context(), id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, boxView(b))
}

// boxView renders a charge box without its password hash: hasPassword tells whether it has
// one, unsecured whether it connects without (flagged, or stored before the flag existed).
func boxView(b store.ChargeBox, drop ...string) map[string]any {
	out := view(b, drop...)
	out["hasPassword"] = b.Secured()
	out["unsecured"] = !b.Secured()
	return out
}

func deleteChargeBox(a *API, w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := a.store.DeleteChargeBox(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		err = notFound("charge box %s is not registered", id)
	}
	if err == nil {
		// A deleted box must not stay connected and served on its old authorization.
		err = a.closeConnection(r.Context(), id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// closeConnection closes a box's live connection through the Management API (DELETE
// /@connections/{id}). API Gateway closes the socket and delivers $disconnect, whose handler
// removes the row; a connection already gone (GoneException) has its row removed here.
func (a *API) closeConnection(ctx context.Context, box string) error {
	conn, err := a.store.GetConnection(ctx, box, a.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	log := a.log.With("chargeBoxId", box, "connectionId", conn.ConnectionID)
	_, err = a.post.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: &conn.ConnectionID})
	var gone *types.GoneException
	switch {
	case errors.As(err, &gone):
		log.Warn("connection gone; removing its stale row")
		a.forget(ctx, box, conn, log)
	case err != nil:
		return fmt.Errorf("close connection %s of %s: %w", conn.ConnectionID, box, err)
	default:
		log.Info("connection closed after a registry change")
	}
	return nil
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

package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/serverless-ocpp/csms/shared/auth"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// AuthorizationKeyBody is the body of POST /charge-boxes/{id}/authorization-key.
type AuthorizationKeyBody struct {
	// Key is the new AuthorizationKey: 16 to 40 printable ASCII characters. Absent: the central
	// system generates 40 hex characters (160 random bits). Either way the key is sent to the
	// box once and never stored or returned: only its bcrypt hash is kept.
	Key *string `json:"key,omitempty"`
}

// securityRoutes are the routes of the security extension's certificates and key rotation.
func securityRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/certificates", Summary: "Certificates the charging-station CA issued (SignCertificate), fleet-wide, newest first", Tag: "queries", Query: listQuery, Status: 200, Errors: []int{400}, handle: listCertificates},
		{Method: "GET", Path: "/charge-boxes/{id}/certificates", Summary: "Certificates issued to a charge box, newest first", Tag: "queries", Query: listQuery, Status: 200, Errors: []int{400}, handle: listCertificates},
		{Method: "POST", Path: "/charge-boxes/{id}/authorization-key", Summary: "Rotate the box's AuthorizationKey (security profile 2): ChangeConfiguration, and the new key's hash stored once the box accepts; the old key stays valid for the grace period", Tag: "remote",
			Body: AuthorizationKeyBody{}, Query: []string{"wait"}, Status: 200, Errors: remoteErrors, handle: rotateAuthorizationKey},
	}
}

func listCertificates(a *API, w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	items, next, err := a.store.ListCertificates(r.Context(), r.PathValue("id"), p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]map[string]any, len(items))
	for i, c := range items {
		out[i] = view(c, "certKey", "fleet", "issuedKey")
	}
	writeJSON(w, http.StatusOK, list(out, next))
}

// rotateAuthorizationKey sends ChangeConfiguration AuthorizationKey with a new key and answers
// as any remote command does. The hash travels with the pending command; the message function
// makes it the box's password when the box answers Accepted (or RebootRequired), so an answer
// that comes after the caller stopped waiting still rotates, and Rejected, a CALLERROR or no
// answer changes nothing.
func rotateAuthorizationKey(a *API, w http.ResponseWriter, r *http.Request) {
	box := r.PathValue("id")
	key, err := authorizationKey(r)
	if err == nil {
		_, err = a.store.GetChargeBox(r.Context(), box)
		if errors.Is(err, store.ErrNotFound) {
			err = notFound("charge box %s is not registered", box)
		}
	}
	var hash string
	if err == nil {
		hash, err = auth.HashPassword(key)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	req := &ocpp.ChangeConfigurationRequest{Key: ocpp.AuthorizationKey, Value: key}
	a.commandWith(w, r, box, ocpp.ChangeConfiguration, req, hash)
}

// authorizationKey reads the body's key or generates one.
func authorizationKey(r *http.Request) (string, error) {
	raw, err := readBody(r)
	if err != nil {
		return "", err
	}
	body, err := jsonObject(raw)
	if err != nil {
		return "", err
	}
	for k := range body {
		if k != "key" {
			return "", invalid(k, "%s: field is not allowed here (only key)", k)
		}
	}
	v, given := body["key"]
	if !given || v == nil {
		b := make([]byte, 20)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		return hex.EncodeToString(b), nil
	}
	key, ok := v.(string)
	if !ok {
		return "", invalid("key", "key must be a string")
	}
	if n := len(key); n < minPassword || n > maxPassword {
		return "", invalid("key", "key must have %d to %d characters (OCPP AuthorizationKey)", minPassword, maxPassword)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return "", invalid("key", "key must be printable ASCII without spaces")
		}
	}
	return key, nil
}

// refuseSecretChange refuses a ChangeConfiguration of AuthorizationKey through the generic
// route: it would change the box's password without the central system knowing the new one.
func refuseSecretChange(action ocpp.Action, req any) error {
	cc, ok := req.(*ocpp.ChangeConfigurationRequest)
	if action != ocpp.ChangeConfiguration || !ok || !ocpp.IsSecretKey(cc.Key) {
		return nil
	}
	return invalid("key", "AuthorizationKey is changed only with POST /charge-boxes/{id}/authorization-key, which keeps the box's password in step")
}

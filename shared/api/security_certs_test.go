package api

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

func TestAuthorizationKeyBody(t *testing.T) {
	for body, want := range map[string]string{
		``:                           "",
		`{}`:                         "",
		`{"key":null}`:               "",
		`{"key":"0123456789abcdef"}`: "",
		`{"key":"` + strings.Repeat("k", 40) + `"}`: "",
		`{"key":"short"}`: "key",
		`{"key":"` + strings.Repeat("k", 41) + `"}`: "key",
		`{"key":"with a space 0123456"}`:            "key",
		`{"key":16}`:                                "key",
		`{"password":"0123456789abcdef"}`:           "password",
		`[]`:                                        "",
	} {
		r := httptest.NewRequest("POST", "/charge-boxes/CP1/authorization-key", strings.NewReader(body))
		key, err := authorizationKey(r)
		var bad *badRequest
		switch {
		case want == "" && body == `[]`:
			if !errors.As(err, &bad) {
				t.Errorf("%s: %v, want a 400", body, err)
			}
		case want == "":
			if err != nil || len(key) < 16 || len(key) > 40 {
				t.Errorf("%s: key %q, %v", body, key, err)
			}
		default:
			if !errors.As(err, &bad) || bad.Field != want {
				t.Errorf("%s: %v, want a 400 naming %s", body, err, want)
			}
		}
	}
	a, _ := authorizationKey(httptest.NewRequest("POST", "/", strings.NewReader(`{}`)))
	b, _ := authorizationKey(httptest.NewRequest("POST", "/", strings.NewReader(`{}`)))
	if a == b || len(a) != 40 {
		t.Errorf("generated keys %q and %q: want 40 random hex characters each", a, b)
	}
}

func TestGenericChangeConfigurationOfTheKeyRefused(t *testing.T) {
	for key, refused := range map[string]bool{"AuthorizationKey": true, "authorizationkey": true, "HeartbeatInterval": false} {
		err := refuseSecretChange(ocpp.ChangeConfiguration, &ocpp.ChangeConfigurationRequest{Key: key, Value: "0123456789abcdef"})
		var bad *badRequest
		if refused != (errors.As(err, &bad) && bad.Field == "key") {
			t.Errorf("%s: %v", key, err)
		}
	}
}

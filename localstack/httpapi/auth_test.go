package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestBearerMirrorsIAMGroups: the operator token may call every route, the viewer token only
// GET and HEAD routes (403 as IAM answers), anything else is 401; GET /health needs nothing.
func TestBearerMirrorsIAMGroups(t *testing.T) {
	reached := 0
	h := Bearer(Tokens{Operator: "op-token", Viewer: "view-token"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		w.WriteHeader(http.StatusOK)
	}))
	for _, tc := range []struct {
		method, path, token string
		status              int
		role                string
	}{
		{"GET", "/health", "", 200, ""},
		{"GET", "/summary", "", 401, ""},
		{"GET", "/summary", "wrong", 401, ""},
		{"GET", "/summary", "op-token", 200, "operator"},
		{"POST", "/charge-boxes/CP1/remote/reset", "op-token", 200, "operator"},
		{"GET", "/charge-boxes/CP1", "view-token", 200, "viewer"},
		{"HEAD", "/charge-boxes/CP1", "view-token", 200, "viewer"},
		{"POST", "/charge-boxes/CP1/remote/reset", "view-token", 403, ""},
		{"PUT", "/id-tags/T1", "view-token", 403, ""},
		{"DELETE", "/charge-boxes/CP1", "view-token", 403, ""},
	} {
		before := reached
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s %s with %q: %d, want %d", tc.method, tc.path, tc.token, rec.Code, tc.status)
		}
		if got := rec.Header().Get(RoleHeader); got != tc.role {
			t.Errorf("%s %s with %q: role %q, want %q", tc.method, tc.path, tc.token, got, tc.role)
		}
		if passed := reached > before; passed != (tc.status == 200) {
			t.Errorf("%s %s with %q: reached the API %v", tc.method, tc.path, tc.token, passed)
		}
		var body map[string]string
		switch tc.status {
		case 401:
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			if body["error"] != "missing or invalid bearer token" {
				t.Errorf("401 body %q", rec.Body.String())
			}
		case 403:
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			want := "User: viewer is not authorized to perform: execute-api:Invoke on resource: " + tc.method + " " + tc.path
			if body["message"] != want || rec.Header().Get("X-Amzn-Errortype") != "AccessDeniedException" {
				t.Errorf("403 body %q, header %q", rec.Body.String(), rec.Header().Get("X-Amzn-Errortype"))
			}
		}
	}
}

// TestBearerWithoutViewerTokenAcceptsNone: an empty viewer token matches no header.
func TestBearerWithoutViewerTokenAcceptsNone(t *testing.T) {
	h := Bearer(Tokens{Operator: "op-token"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest("GET", "/summary", nil)
	req.Header.Set("Authorization", "Bearer ")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("empty token: %d, want 401", rec.Code)
	}
}

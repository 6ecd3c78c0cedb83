package httpapi

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
)

// Tokens stand in for the IAM identities that may call the API on AWS: Operator may call every
// route (the console's operators group), Viewer only GET and HEAD routes (the viewers group,
// whose role allows execute-api:Invoke on GET/* alone).
type Tokens struct {
	Operator string
	Viewer   string
}

// RoleHeader tells the local console which identity its token is (on AWS the console reads
// the cognito:groups claim instead).
const RoleHeader = "X-Local-Role"

// Bearer stands in for the HTTP API's IAM authorization: every route but GET /health needs
// "Authorization: Bearer <token>" (compared in constant time); a missing or unknown token is
// 401, the viewer token on a route that is not GET or HEAD is 403 as IAM answers it
// (AccessDeniedException; https://aws.amazon.com/premiumsupport/knowledge-center/api-gateway-troubleshoot-403-forbidden/).
// On AWS the gateway checks SigV4 and the function never sees unauthenticated requests.
func Bearer(t Tokens, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/health" {
			next.ServeHTTP(w, r)
			return
		}
		got := []byte(r.Header.Get("Authorization"))
		switch {
		case matches(got, t.Operator):
			w.Header().Set(RoleHeader, "operator")
		case matches(got, t.Viewer) && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			w.Header().Set(RoleHeader, "viewer")
		case matches(got, t.Viewer):
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": "User: viewer is not authorized to perform: execute-api:Invoke on resource: " + r.Method + " " + r.URL.Path})
			return
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("WWW-Authenticate", "Bearer")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"missing or invalid bearer token"}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// matches compares an Authorization header with "Bearer <token>" in constant time; an empty
// token matches nothing.
func matches(header []byte, token string) bool {
	return token != "" && subtle.ConstantTimeCompare(header, []byte("Bearer "+token)) == 1
}

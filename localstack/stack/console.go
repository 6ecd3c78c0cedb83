package stack

import (
	"net/http"
	"strings"

	"github.com/serverless-ocpp/csms/shared/console"
)

// consolePath is where the operator console is served on the HTTP API's address.
const consolePath = "/console/"

// withConsole serves the operator console under consolePath, beside the API: same origin, so
// the page calls the API without CORS, as CloudFront serves both on one address on AWS. The
// console's files need no token; every API call it makes does.
// Any other path goes to the API untouched (no ServeMux: it would clean and redirect paths the
// API answers itself).
func withConsole(api http.Handler) http.Handler {
	files := console.Local(consolePath)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, consolePath):
			files.ServeHTTP(w, r)
		case r.URL.Path == strings.TrimSuffix(consolePath, "/") && r.Method == http.MethodGet:
			http.Redirect(w, r, consolePath, http.StatusMovedPermanently)
		default:
			api.ServeHTTP(w, r)
		}
	})
}

// Package console serves the operator console: the static files `make console` builds into
// dist/ (embedded here) and the runtime configuration config.json, which tells the page where
// the HTTP API is and how to sign in. The local stack mounts it at /console/ on the HTTP API's
// address; on AWS the CDK stack deploys dist/ to S3 behind CloudFront and writes its own
// config.json (docs/console.md).
package console

import (
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"strings"
)

// dist holds the built console; a clean clone has only dist/README.md until `make console`.
//
//go:embed dist
var dist embed.FS

// ErrNotBuilt says the embedded files lack the built console.
var ErrNotBuilt = errors.New("the operator console is not built: run `make console` (make build, make local and make test do)")

// Files returns the built console, or ErrNotBuilt.
func Files() (fs.FS, error) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"index.html", "app.js", "app.css"} {
		if _, err := fs.Stat(sub, name); err != nil {
			return nil, ErrNotBuilt
		}
	}
	return sub, nil
}

// Config is config.json: Mode "local" signs in with a bearer token pasted into the page;
// "cognito" with Amazon Cognito (the CDK stack writes that one).
type Config struct {
	Mode string `json:"mode"`
	API  string `json:"api"`
}

// CSP is the content security policy of the local console: everything from its own origin,
// no inline script or style, as the CloudFront behaviour enforces on AWS.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// Local serves the console under prefix (e.g. "/console/") for the HTTP API on the same
// origin: config.json names that origin as the API. Without a build every page says what
// to run.
func Local(prefix string) http.Handler {
	files, err := Files()
	return local(prefix, files, err)
}

// local serves files, or err on every page when the console is not built.
func local(prefix string, files fs.FS, err error) http.Handler {
	return http.StripPrefix(prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		switch r.URL.Path {
		case "config.json":
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "no-store")
			_ = json.NewEncoder(w).Encode(Config{Mode: "local", API: "http://" + r.Host})
			return
		case "", "index.html":
			h.Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, files, "index.html")
			return
		}
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "README.md" {
			http.NotFound(w, r)
			return
		}
		h.Set("Cache-Control", "no-cache")
		http.FileServerFS(files).ServeHTTP(w, r)
	}))
}

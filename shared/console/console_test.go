package console

import (
	"encoding/json"
	"io"
	iofs "io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// TestBuilt fails on a checkout where the console was not built: `make test` builds it first.
func TestBuilt(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	b, err := iofs.ReadFile(files, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	index := string(b)
	for _, ref := range []string{`src="app.js"`, `href="app.css"`} {
		if !strings.Contains(index, ref) {
			t.Errorf("index.html lacks %s", ref)
		}
	}
	if strings.Contains(index, "http://") || strings.Contains(index, "https://") {
		t.Error("index.html refers to another origin; every asset must be served with the console")
	}
}

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8081"+path, nil)
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestLocalServesFilesConfigAndCSP(t *testing.T) {
	files := fstest.MapFS{
		"index.html": {Data: []byte("<html>console</html>")},
		"app.js":     {Data: []byte("console.log(1)")},
		"app.css":    {Data: []byte("body{}")},
		"README.md":  {Data: []byte("built here")},
	}
	h := local("/console/", files, nil)

	res := get(t, h, "/console/")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(body) != "<html>console</html>" {
		t.Fatalf("GET /console/: %d %q", res.StatusCode, body)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}

	res = get(t, h, "/console/config.json")
	var cfg Config
	if err := json.NewDecoder(res.Body).Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg != (Config{Mode: "local", API: "http://127.0.0.1:8081"}) {
		t.Errorf("config.json = %+v", cfg)
	}

	if res := get(t, h, "/console/app.js"); res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
		t.Errorf("app.js: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res := get(t, h, "/console/README.md"); res.StatusCode != http.StatusNotFound {
		t.Errorf("README.md: %d, want 404", res.StatusCode)
	}
}

func TestLocalSaysWhatToRunWhenNotBuilt(t *testing.T) {
	res := get(t, local("/console/", nil, ErrNotBuilt), "/console/")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "make console") {
		t.Fatalf("%d %q", res.StatusCode, body)
	}
}

package browser

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/chromedp/chromedp"

	"github.com/serverless-ocpp/csms/shared/console"
	"github.com/serverless-ocpp/csms/shared/testenv"
)

// The stand-ins for Cognito and the HTTP API answer on these names (chromium maps them to a
// local TLS server), so the console runs exactly the code it runs on AWS.
const (
	region       = "eu-west-1"
	userPool     = region + "_UiTest"
	clientID     = "ui-test-client"
	identityPool = region + ":11111111-2222-3333-4444-555555555555"
	authHost     = "ui-test.auth." + region + ".amazoncognito.com"
	identityHost = "cognito-identity." + region + ".amazonaws.com"
	apiHost      = "abc123.execute-api." + region + ".amazonaws.com"
	accessKey    = "ASIAUITEST"
	secretKey    = "ui-test-secret"
	sessionToken = "ui-test-session-token"
)

// fakeAWS is the managed login (authorize and token endpoints), the identity pool and the
// HTTP API with IAM authorization: it checks the PKCE proof and recomputes every SigV4
// signature with the AWS SDK's signer.
type fakeAWS struct {
	t      *testing.T
	groups []string
	mu     sync.Mutex
	// challenge is the PKCE code challenge of the authorization request.
	challenge, state string
	signed, refused  []string
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := strings.Cut(r.Host, ":")
	if origin := r.Header.Get("Origin"); origin != "" {
		// What the HTTP API's and Cognito's CORS answers allow the console's origin.
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Headers", "authorization,content-type,x-amz-date,x-amz-security-token,x-amz-target,x-amz-content-sha256")
		w.Header().Set("Access-Control-Allow-Methods", "GET,POST,PUT,DELETE")
		w.Header().Set("Access-Control-Expose-Headers", "*")
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch host {
	case authHost:
		f.login(w, r)
	case identityHost:
		f.identity(w, r)
	case apiHost:
		f.api(w, r)
	default:
		http.Error(w, "unexpected host "+host, http.StatusMisdirectedRequest)
	}
}

func (f *fakeAWS) login(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	switch r.URL.Path {
	case "/oauth2/authorize":
		if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("client_id") != clientID {
			f.t.Errorf("authorization request without code flow and PKCE S256: %s", r.URL.RawQuery)
		}
		f.challenge, f.state = q.Get("code_challenge"), q.Get("state")
		// The managed login page would ask for the operator's name and password here.
		http.Redirect(w, r, q.Get("redirect_uri")+"?code=ui-test-code&state="+url.QueryEscape(f.state), http.StatusFound)
	case "/oauth2/token":
		_ = r.ParseForm()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if r.PostForm.Get("code") != "ui-test-code" || base64.RawURLEncoding.EncodeToString(sum[:]) != f.challenge {
			f.t.Errorf("token request does not prove the PKCE challenge: %v", r.PostForm)
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		now := time.Now().Unix()
		claims := map[string]any{"sub": "op-1", "iss": "https://cognito-idp." + region + ".amazonaws.com/" + userPool, "aud": clientID,
			"exp": now + 3600, "iat": now, "email": "operator@example.com", "cognito:groups": f.groups, "token_use": "id"}
		writeJSON(w, map[string]any{"id_token": jwt(claims), "access_token": jwt(map[string]any{"sub": "op-1"}), "token_type": "Bearer", "expires_in": 3600})
	default:
		http.NotFound(w, r)
	}
}

// jwt encodes claims as an unsigned JWT (the console does not verify the ID token: the
// identity pool does, and this stand-in trusts it).
func jwt(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","kid":"ui-test"}`)) + "." + enc(b) + ".c2ln"
}

func (f *fakeAWS) identity(w http.ResponseWriter, r *http.Request) {
	var body struct {
		IdentityPoolID string            `json:"IdentityPoolId"`
		IdentityID     string            `json:"IdentityId"`
		Logins         map[string]string `json:"Logins"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	if r.Header.Get("Content-Type") != "application/x-amz-json-1.1" || body.Logins["cognito-idp."+region+".amazonaws.com/"+userPool] == "" {
		f.t.Errorf("identity call %s without the user pool's ID token: %+v", r.Header.Get("X-Amz-Target"), body)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch r.Header.Get("X-Amz-Target") {
	case "AWSCognitoIdentityService.GetId":
		if body.IdentityPoolID != identityPool {
			f.t.Errorf("GetId for pool %q", body.IdentityPoolID)
		}
		writeJSON(w, map[string]any{"IdentityId": region + ":ui-test-identity"})
	case "AWSCognitoIdentityService.GetCredentialsForIdentity":
		writeJSON(w, map[string]any{"IdentityId": body.IdentityID, "Credentials": map[string]any{
			"AccessKeyId": accessKey, "SecretKey": secretKey, "SessionToken": sessionToken, "Expiration": time.Now().Add(time.Hour).Unix()}})
	default:
		http.Error(w, "unknown target", http.StatusBadRequest)
	}
}

var signatureRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$`)

// api answers as IAM authorization does: a request whose signature the SDK's signer does not
// reproduce is 403.
func (f *fakeAWS) api(w http.ResponseWriter, r *http.Request) {
	what := r.Method + " " + r.URL.RequestURI()
	if err := verify(r); err != nil {
		f.mu.Lock()
		f.refused = append(f.refused, what+": "+err.Error())
		f.mu.Unlock()
		w.WriteHeader(http.StatusForbidden)
		writeJSON(w, map[string]string{"message": err.Error()})
		return
	}
	f.mu.Lock()
	f.signed = append(f.signed, what)
	f.mu.Unlock()
	now := time.Now().UTC().Format(time.RFC3339)
	switch r.URL.Path {
	case "/summary":
		writeJSON(w, map[string]any{"connectedChargeBoxes": 1, "connectorsByStatus": map[string]int{"Charging": 1}, "runningSessions": 1})
	case "/charge-boxes":
		writeJSON(w, map[string]any{"items": []any{map[string]any{"chargeBoxId": "AWS-BOX-1", "registrationStatus": "Accepted"}}})
	case "/connections":
		writeJSON(w, map[string]any{"items": []any{map[string]any{"chargeBoxId": "AWS-BOX-1", "connectedAt": now}}})
	default:
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]string{"error": "no route " + what})
	}
}

// verify recomputes the request's SigV4 signature from the headers it signed.
func verify(r *http.Request) error {
	m := signatureRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return fmt.Errorf("no SigV4 Authorization header: %q", r.Header.Get("Authorization"))
	}
	if m[1] != accessKey || m[3] != region || m[4] != "execute-api" {
		return fmt.Errorf("credential scope %s/%s/%s/%s", m[1], m[2], m[3], m[4])
	}
	signed := strings.Split(m[5], ";")
	if r.Header.Get("X-Amz-Security-Token") != sessionToken {
		return fmt.Errorf("the temporary credentials' session token is missing")
	}
	body, _ := io.ReadAll(r.Body)
	sum := sha256.Sum256(body)
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date: %w", err)
	}
	again, _ := http.NewRequest(r.Method, "https://"+apiHost+r.URL.RequestURI(), nil)
	for _, h := range signed {
		if h != "host" && h != "x-amz-date" && h != "x-amz-security-token" {
			again.Header.Set(h, r.Header.Get(h))
		}
	}
	creds := aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey, SessionToken: sessionToken}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hex.EncodeToString(sum[:]), "execute-api", region, when); err != nil {
		return err
	}
	if want := signatureRE.FindStringSubmatch(again.Header.Get("Authorization")); want == nil || want[6] != m[6] || want[5] != m[5] {
		return fmt.Errorf("signature does not match (signed headers %s; the SDK signs %v)", m[5], want)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	_ = json.NewEncoder(w).Encode(v)
}

// TestConsoleSignsInWithCognito runs the console in cognito mode against stand-ins for the
// managed login, the identity pool and the IAM-authorized HTTP API: authorization code with
// PKCE, temporary credentials for the ID token, SigV4 on every API call, the role from
// cognito:groups, and no token in the address or in localStorage.
func TestConsoleSignsInWithCognito(t *testing.T) {
	chromium := testenv.Tool(t, "chromium", "install Debian's chromium package: `sudo apt-get install -y chromium` (.ci/run does)")
	files, err := console.Files()
	if err != nil {
		t.Fatal(err)
	}
	aws := &fakeAWS{t: t, groups: []string{"operators"}}
	fake := httptest.NewTLSServer(aws)
	t.Cleanup(fake.Close)
	fakeAddr := strings.TrimPrefix(fake.URL, "https://")

	var site *httptest.Server
	site = httptest.NewServer(http.StripPrefix("/console/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The policy CloudFront sets on AWS must let the console reach these three origins.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https://"+apiHost+" https://"+identityHost+" https://"+authHost)
		if r.URL.Path == "config.json" {
			writeJSON(w, map[string]string{"mode": "cognito", "api": "https://" + apiHost, "region": region, "userPoolId": userPool, "clientId": clientID,
				"domain": "https://" + authHost, "identityPoolId": identityPool, "redirectUri": site.URL + "/console/"})
			return
		}
		http.FileServerFS(files).ServeHTTP(w, r)
	})))
	t.Cleanup(site.Close)

	rules := fmt.Sprintf("MAP %s %s, MAP %s %s, MAP %s %s", authHost, fakeAddr, identityHost, fakeAddr, apiHost, fakeAddr)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.IgnoreCertErrors,
		chromedp.Flag("host-resolver-rules", rules), chromedp.Flag("disable-dev-shm-usage", true))...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancelTab)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTime)
	e := &env{t: t, ctx: ctx}

	e.run("sign in through the managed login",
		chromedp.Navigate(site.URL+"/console/"),
		chromedp.Click(chromedp.Search(`//button[text()="Sign in"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label="Pages"]`)),
	)
	e.until("the fleet page shows what the signed calls read", `[...document.querySelectorAll('.online-list a')].some(a => a.textContent === 'AWS-BOX-1')`, 20*time.Second)
	if role := e.eval(text(".role")); role != "operator" {
		t.Errorf("role %q, want operator (cognito:groups operators)", role)
	}
	if where := e.eval(`location.href`); strings.Contains(where, "code=") || strings.Contains(where, "token") {
		t.Errorf("the address still holds the code or a token: %s", where)
	}
	if n := e.eval(`String(localStorage.length)`); n != "0" {
		t.Errorf("localStorage holds %s items; tokens belong in sessionStorage", n)
	}

	// A member of viewers only: the same sign-in, no control that changes anything.
	aws.mu.Lock()
	aws.groups = []string{"viewers"}
	aws.mu.Unlock()
	e.run("sign in as a viewer",
		chromedp.Evaluate[chromedp.Void](`sessionStorage.clear()`),
		chromedp.Reload(),
		chromedp.Click(chromedp.Search(`//button[text()="Sign in"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label="Pages"]`)),
	)
	e.open("#/boxes")
	e.until("the viewer's box list has loaded", `[...document.querySelectorAll('td a')].some(a => a.textContent === 'AWS-BOX-1')`, 20*time.Second)
	if role, add := e.eval(text(".role")), e.eval(`String(!!document.evaluate('//button[text()="Add a charge box"]', document).iterateNext())`); role != "viewer" || add != "false" {
		t.Errorf("a member of viewers: role %q, add button shown %s", role, add)
	}

	aws.mu.Lock()
	defer aws.mu.Unlock()
	if len(aws.refused) > 0 {
		t.Errorf("calls the IAM stand-in refused: %v", aws.refused)
	}
	if len(aws.signed) < 3 {
		t.Errorf("signed calls %v, want at least summary, charge-boxes and connections", aws.signed)
	}
}

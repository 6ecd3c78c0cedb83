package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/api"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// sentFrames returns the raw frames the central system sent to box, newest first, and the raw
// frames the box sent, from the frame log.
func loggedFrames(t *testing.T, st *store.Store, box string) (sent, received []string) {
	t.Helper()
	rows, _, err := st.ListMessages(context.Background(), box, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for _, f := range r.Frames {
			if f.Direction == store.ToBox {
				sent = append(sent, f.Raw)
			} else {
				received = append(received, f.Raw)
			}
		}
	}
	return sent, received
}

// TestHugeValueGetsABoundedCallError: a 30 KB status once got a 42 KB CALLERROR, past API
// Gateway's 32 KB frame limit. The answer is now small and quotes the value only in part; the
// frame log keeps the original frame, and another box is served as before.
func TestHugeValueGetsABoundedCallError(t *testing.T) {
	st := startStack(t, nil)
	a, b := mustDial(t, st, "BIG-A"), mustDial(t, st, "BIG-B")
	huge := strings.Repeat("<Faulted&>", 3*1024)
	fr := a.send("StatusNotification", obj("connectorId", 1, "errorCode", "NoError", "status", huge))
	if fr.Type != ocpp.TypeCallError || fr.ErrorCode != ocpp.PropertyConstraintViolation {
		t.Fatalf("answer %+v", fr)
	}
	if len(fr.ErrorDescription) > ocpp.MaxDescriptionBytes || len(fr.ErrorDetails) > ocpp.MaxDetailsBytes || strings.Contains(fr.ErrorDescription, huge) {
		t.Fatalf("description of %d bytes, details %s", len(fr.ErrorDescription), fr.ErrorDetails)
	}
	sent, received := loggedFrames(t, st.Store, "BIG-A")
	if len(sent) != 1 || len(sent[0]) > ocpp.MaxErrorFrameBytes {
		t.Fatalf("sent %d frames, the CALLERROR of %d bytes", len(sent), len(sent[0]))
	}
	if len(received) != 1 || len(received[0]) < len(huge) || !strings.Contains(received[0], "Faulted") {
		t.Fatal("the frame log lost the original frame")
	}
	t.Logf("a %d-byte StatusNotification got a %d-byte CALLERROR", len(received[0]), len(sent[0]))
	var resp ocpp.StatusNotificationResponse
	b.call("StatusNotification", obj("connectorId", 1, "errorCode", "NoError", "status", "Available"), &resp)
	a.call("StatusNotification", obj("connectorId", 1, "errorCode", "NoError", "status", "Available"), &resp)
}

func connectorStatus(t *testing.T, op *operator, box string, connector int) map[string]any {
	t.Helper()
	body := op.must(200, "GET", "/charge-boxes/"+box, nil)
	cs, _ := body["connectors"].([]any)
	for _, c := range cs {
		m, _ := c.(map[string]any)
		if n, _ := m["connectorId"].(float64); int(n) == connector {
			return m
		}
	}
	t.Fatalf("%s has no connector %d: %v", box, connector, body["connectors"])
	return nil
}

// TestBoxClocksAreDataNotAuthority: a status timestamped 2099 is stored as sent and flagged,
// and the box's next status, timestamped now, replaces it; another box's clock changes
// nothing for the first; lastSeen follows receipt. A session whose stop went back in time and
// whose meter ran backwards is flagged.
func TestBoxClocksAreDataNotAuthority(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	a, b := mustDial(t, st, "CLOCK-A"), mustDial(t, st, "CLOCK-B")
	var sn ocpp.StatusNotificationResponse
	a.call("StatusNotification", obj("connectorId", 3, "errorCode", "OtherError", "status", "Faulted", "timestamp", "2099-01-01T00:00:00Z"), &sn)
	c := connectorStatus(t, op, "CLOCK-A", 3)
	if c["status"] != "Faulted" || c["timestampAhead"] != true || !strings.HasPrefix(c["statusAt"].(string), "2099-01-01") {
		t.Fatalf("after the 2099 status: %v", c)
	}
	b.call("StatusNotification", obj("connectorId", 3, "errorCode", "NoError", "status", "Charging", "timestamp", time.Now().UTC().Format(time.RFC3339)), &sn)
	a.call("StatusNotification", obj("connectorId", 3, "errorCode", "NoError", "status", "Available", "timestamp", time.Now().UTC().Format(time.RFC3339)), &sn)
	if c := connectorStatus(t, op, "CLOCK-A", 3); c["status"] != "Available" || c["timestampAhead"] != nil {
		t.Fatalf("the later Available was not taken: %v", c)
	}
	if c := connectorStatus(t, op, "CLOCK-B", 3); c["status"] != "Charging" {
		t.Fatalf("box B: %v", c)
	}
	if seen, _ := op.must(200, "GET", "/charge-boxes/CLOCK-A", nil)["lastSeen"].(string); seen == "" || seen > time.Now().UTC().Add(time.Minute).Format(time.RFC3339) {
		t.Fatalf("lastSeen %q follows the box's clock", seen)
	}

	now := time.Now().UTC()
	var start ocpp.StartTransactionResponse
	b.call("StartTransaction", obj("connectorId", 1, "idTag", "T1", "meterStart", 5000, "timestamp", now.Format(time.RFC3339)), &start)
	var stop ocpp.StopTransactionResponse
	b.call("StopTransaction", obj("transactionId", start.TransactionID, "meterStop", 4000, "timestamp", now.Add(-time.Hour).Format(time.RFC3339),
		"transactionData", []any{
			obj("timestamp", now.Add(-2*time.Hour).Format(time.RFC3339), "sampledValue", []any{obj("value", "6000")}),
			obj("timestamp", now.Add(-time.Hour).Format(time.RFC3339), "sampledValue", []any{obj("value", "5.5", "unit", "kWh")}),
		}), &stop)
	sess := op.must(200, "GET", fmt.Sprintf("/sessions/%d", start.TransactionID), nil)
	want := []any{store.FlagMeterBackwards, store.FlagNegativeDuration, store.FlagReadingsBackwards}
	if got, _ := sess["flags"].([]any); !slices.Equal(got, want) {
		t.Fatalf("flags %v, want %v", sess["flags"], want)
	}
	b.call("StartTransaction", obj("connectorId", 2, "idTag", "T1", "meterStart", 0, "timestamp", now.Format(time.RFC3339)), &start)
	b.call("StopTransaction", obj("transactionId", start.TransactionID, "meterStop", 100, "timestamp", "2099-01-01T00:00:00Z"), &stop)
	sess = op.must(200, "GET", fmt.Sprintf("/sessions/%d", start.TransactionID), nil)
	if got, _ := sess["flags"].([]any); !slices.Equal(got, []any{store.FlagStopTimestampAhead}) || !strings.HasPrefix(sess["stoppedAt"].(string), "2099") {
		t.Fatalf("session %v", sess)
	}
	// A start from the future is stored as sent and flagged; the stop's flags keep it.
	b.call("StartTransaction", obj("connectorId", 2, "idTag", "T1", "meterStart", 0, "timestamp", "2099-01-01T00:00:00Z"), &start)
	b.call("StopTransaction", obj("transactionId", start.TransactionID, "meterStop", 100, "timestamp", "2099-01-01T01:00:00Z"), &stop)
	sess = op.must(200, "GET", fmt.Sprintf("/sessions/%d", start.TransactionID), nil)
	want = []any{store.FlagStartTimestampAhead, store.FlagStopTimestampAhead}
	if got, _ := sess["flags"].([]any); !slices.Equal(got, want) || !strings.HasPrefix(sess["startedAt"].(string), "2099") {
		t.Fatalf("session from the future %v, want flags %v", sess, want)
	}
}

// TestCursorsAndPagination: every list answers a forged, truncated or foreign next with 400
// naming next; /connections pages like the other lists; a body over the limit is 413.
func TestCursorsAndPagination(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	boxes := []*box{mustDial(t, st, "PAGE-A"), mustDial(t, st, "PAGE-B"), mustDial(t, st, "PAGE-C")}
	var sn ocpp.StatusNotificationResponse
	for _, b := range boxes {
		for range 3 {
			b.call("Heartbeat", obj(), &ocpp.HeartbeatResponse{})
		}
		var start ocpp.StartTransactionResponse
		for c := 1; c <= 2; c++ {
			b.call("StartTransaction", obj("connectorId", c, "idTag", "T1", "meterStart", 0, "timestamp", time.Now().UTC().Format(time.RFC3339)), &start)
		}
		b.call("StatusNotification", obj("connectorId", 1, "errorCode", "NoError", "status", "Charging"), &sn)
	}

	// /connections pages like every list.
	seen := map[any]bool{}
	next := ""
	for pages := 0; ; pages++ {
		body := op.must(200, "GET", "/connections?limit=1"+nextParam(next), nil)
		for _, it := range body["items"].([]any) {
			seen[it.(map[string]any)["chargeBoxId"]] = true
		}
		next, _ = body["next"].(string)
		if next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("/connections pagination does not end")
		}
	}
	if len(seen) != 3 {
		t.Fatalf("connections seen %v", seen)
	}

	// A real token of each list, for use on the others.
	lists := []string{"/sessions", "/sessions?status=running", "/charge-boxes/PAGE-A/sessions", "/charge-boxes/PAGE-A/sessions?status=running",
		"/charge-boxes/PAGE-A/messages", "/charge-boxes", "/connections", "/id-tags", "/reservations", "/reservations?chargeBoxId=PAGE-A",
		"/evses/PAGE-A*1/sessions", "/charge-boxes/PAGE-A/sessions?from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z"}
	tokens := map[string]string{}
	for _, l := range lists {
		if n, ok := op.must(200, "GET", withQuery(l, "limit=1"), nil)["next"].(string); ok {
			tokens[l] = n
		}
	}
	for _, l := range []string{"/sessions", "/charge-boxes/PAGE-A/sessions", "/charge-boxes/PAGE-A/messages", "/charge-boxes", "/connections"} {
		if tokens[l] == "" {
			t.Fatalf("%s gave no next token", l)
		}
	}
	forged := []string{
		"eyJmb28iOiJiYXIifQ", // {"foo":"bar"}, the example
		"!!", "e30", "W10", "bnVsbA", token(`{"transactionId":1}`), token(`{"k":{"a":1},"s":"x"}{}`),
	}
	for _, l := range lists {
		bad := slices.Clone(forged)
		for other, tok := range tokens {
			if !sameScope(l, other) {
				bad = append(bad, tok)
			}
		}
		if tok := tokens[l]; tok != "" {
			bad = append(bad, tok[:len(tok)/2])
			bad = append(bad, tampered(t, tok)...)
		}
		for _, tok := range bad {
			r := op.do("GET", withQuery(l, "next="+url.QueryEscape(tok)), nil)
			if r.Status != 400 || r.Body["field"] != "next" {
				t.Errorf("GET %s with next %.40q: %d %s", l, tok, r.Status, r.Raw)
			}
		}
	}

	// A position outside what the listing reads: another box's partition, another range.
	outside := map[string]string{
		"/charge-boxes/PAGE-A/messages": retarget(t, tokens["/charge-boxes/PAGE-A/messages"], "chargeBoxId", "PAGE-B"),
		"/charge-boxes/PAGE-A/sessions": retarget(t, tokens["/charge-boxes/PAGE-A/sessions"], "chargeBoxId", "PAGE-B"),
		"/charge-boxes/PAGE-A/sessions?from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z": tokens["/charge-boxes/PAGE-A/sessions"],
	}
	for l, tok := range outside {
		if r := op.do("GET", withQuery(l, "next="+url.QueryEscape(tok)), nil); r.Status != 400 || r.Body["field"] != "next" {
			t.Errorf("GET %s with a position outside it: %d %.300s", l, r.Status, r.Raw)
		}
	}

	// A body over the limit.
	big := `{"registrationStatus":"Accepted","tenantId":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}`
	for _, path := range []string{"/charge-boxes/PAGE-A", "/id-tags/T9"} {
		r := op.do("PUT", path, big)
		if r.Status != 413 || r.Body["error"] == nil {
			t.Errorf("PUT %s with a %d-byte body: %d %.200s", path, len(big), r.Status, r.Raw)
		}
	}
	if r := op.do("POST", "/charge-boxes/PAGE-A/remote/data-transfer", `{"vendorId":"v","data":"`+strings.Repeat("x", api.MaxBodyBytes)+`"}`); r.Status != 413 {
		t.Errorf("remote command with a huge body: %d %.200s", r.Status, r.Raw)
	}
	if r := op.do("POST", "/charge-boxes/PAGE-A/remote/data-transfer?wait=0", `{"vendorId":"v","data":"`+strings.Repeat("x", ocpp.MaxFrameBytes)+`"}`); r.Status != 400 {
		t.Errorf("a command whose CALL exceeds 32 KB: %d %.200s", r.Status, r.Raw)
	}
}

// sameScope tells lists whose tokens are interchangeable: the same table, index and queried
// partition, read with other filters.
func sameScope(a, b string) bool {
	scope := map[string]string{
		"/charge-boxes/PAGE-A/sessions": "byChargeBox A", "/evses/PAGE-A*1/sessions": "byChargeBox A",
		"/charge-boxes/PAGE-A/sessions?from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z": "byChargeBox A",
	}
	return a == b || (scope[a] != "" && scope[a] == scope[b])
}

// retarget returns tok with attribute name set to value, its scope kept.
func retarget(t *testing.T, tok, name, value string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["k"].(map[string]any)[name] = value
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// tampered returns variants of a real token with its scope kept and its key broken: a value
// of the wrong type, too long, empty, a huge or fractional number, an attribute more or less,
// another partition.
func tampered(t *testing.T, tok string) []string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	var orig struct {
		K map[string]any `json:"k"`
		S string         `json:"s"`
	}
	if err := json.Unmarshal(raw, &orig); err != nil || len(orig.K) == 0 {
		t.Fatalf("token %s: %v", raw, err)
	}
	edits := []func(map[string]any){
		func(k map[string]any) { k["extra"] = "x" },
		func(k map[string]any) {
			for n := range k {
				delete(k, n)
				return
			}
		},
	}
	for name, v := range orig.K {
		var wrong []any
		switch v.(type) {
		case string:
			wrong = []any{1, "", strings.Repeat("x", 3000), true}
		default:
			wrong = []any{"1", 1.5, 1e300, -1e300, nil, []any{1}}
		}
		for _, w := range wrong {
			edits = append(edits, func(k map[string]any) { k[name] = w })
		}
	}
	var out []string
	for _, edit := range edits {
		k := map[string]any{}
		for n, v := range orig.K {
			k[n] = v
		}
		edit(k)
		b, err := json.Marshal(map[string]any{"k": k, "s": orig.S})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, base64.RawURLEncoding.EncodeToString(b))
	}
	return out
}

func token(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func nextParam(next string) string {
	if next == "" {
		return ""
	}
	return "&next=" + url.QueryEscape(next)
}

func withQuery(path, q string) string {
	if strings.Contains(path, "?") {
		return path + "&" + q
	}
	return path + "?" + q
}

// TestNoOperatorInputIs5xx sends hostile input to every route: bad ids, bad JSON, wrong types,
// huge numbers, bad cursors and limits. Every answer is below 500 with a JSON error body.
func TestNoOperatorInputIs5xx(t *testing.T) {
	st := startStack(t, nil)
	op := newOperator(t, st)
	mustDial(t, st, "HOSTILE-A")
	mustDial(t, st, "HOSTILE-B")
	ids := []string{"HOSTILE-A", "nobody", strings.Repeat("x", 300), strings.Repeat("é", 1100), "a b", "%00", "0", "-1", "99999999999999999999", "HOSTILE-A*1", "HOSTILE-A*x", "*"}
	queries := []string{"", "limit=0", "limit=99999999999999999999", "limit=x", "next=eyJmb28iOiJiYXIifQ", "next=" + strings.Repeat("A", 5000),
		"status=nope", "from=yesterday", "to=2026-13-45T00:00:00Z", "wait=-1", "wait=1e9", "chargeBoxId=" + strings.Repeat("y", 3000)}
	bodies := []string{"", "{", "[]", "null", `"x"`, "{}{}", `{"registrationStatus":1}`, `{"registrationStatus":"Accepted","password":12}`,
		`{"connectorId":1e999}`, `{"connectorId":99999999999999999999}`, `{"connectorId":-5,"idTag":"` + strings.Repeat("z", 500) + `"}`,
		`{"status":"Accepted","expiryDate":"never"}`, `{"registrationStatus":"Accepted","evses":{"x":"y"}}`, `{"idTag":{"a":[1,2,{}]}}`}
	wildcard := regexp.MustCompile(`\{[^}]+\}`)
	n := 0
	for _, rt := range api.Routes() {
		for _, id := range ids {
			path := wildcard.ReplaceAllStringFunc(rt.Path, func(string) string { return url.PathEscape(id) })
			for _, q := range queriesFor(rt, queries) {
				p := path
				if q != "" {
					p = withQuery(p, q)
				}
				if strings.Contains(rt.Path, "/remote/") {
					p = withQuery(p, "wait=0") // a command may be sent for real: never wait for the box
				}
				for _, body := range bodiesFor(rt, bodies) {
					r := op.do(rt.Method, p, body)
					n++
					if r.Status >= 500 || (r.Status >= 400 && r.Body["error"] == nil) {
						t.Errorf("%s %.120s body %.60q: %d %.300s", rt.Method, p, body, r.Status, r.Raw)
					}
				}
			}
		}
	}
	t.Logf("%d hostile requests over %d routes, none answered 5xx", n, len(api.Routes()))
}

// queriesFor: hostile queries go to the routes that read the query (lists, filters, wait);
// routes taking a body get the bodies with no query and with a bad wait.
func queriesFor(rt api.Route, queries []string) []string {
	switch {
	case len(rt.Query) == 0:
		return []string{""}
	case rt.Method == "POST" || rt.Method == "PUT":
		return []string{"", "wait=-1"}
	}
	return queries
}

// bodiesFor: hostile bodies go to the routes that take a body, with every hostile query.
func bodiesFor(rt api.Route, bodies []string) []any {
	if rt.Method == "GET" || rt.Method == "DELETE" {
		return []any{nil}
	}
	out := make([]any, len(bodies))
	for i, b := range bodies {
		out[i] = b
	}
	return out
}

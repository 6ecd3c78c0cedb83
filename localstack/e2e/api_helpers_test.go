package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// operator calls the local stack's HTTP API with the stack's bearer token.
type operator struct {
	t     *testing.T
	base  string
	token string
}

func newOperator(t *testing.T, st *stack.Stack) *operator {
	t.Helper()
	if st.Config.APIToken == "" {
		t.Fatal("the local stack has no API token")
	}
	return &operator{t: t, base: st.HTTPURL, token: st.Config.APIToken}
}

// reply is an HTTP answer with its JSON body decoded.
type reply struct {
	Status int
	Body   map[string]any
	Raw    string
}

// do sends a request; body is sent as is when it is a string, JSON-encoded otherwise.
func (o *operator) do(method, path string, body any) reply {
	o.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			o.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, o.base+path, rd)
	if err != nil {
		o.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if o.token != "" {
		req.Header.Set("Authorization", "Bearer "+o.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		o.t.Fatal(err)
	}
	r := reply{Status: resp.StatusCode, Raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			o.t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, raw, err)
		}
	}
	return r
}

// must requires status and returns the body.
func (o *operator) must(status int, method, path string, body any) map[string]any {
	o.t.Helper()
	r := o.do(method, path, body)
	if r.Status != status {
		o.t.Fatalf("%s %s: status %d %s, want %d", method, path, r.Status, r.Raw, status)
	}
	return r.Body
}

// async sends a request in the background; the reply arrives on the channel.
func (o *operator) async(method, path string, body any) <-chan reply {
	ch := make(chan reply, 1)
	enc, err := json.Marshal(body)
	if err != nil {
		o.t.Fatal(err)
	}
	go func() {
		req, err := http.NewRequest(method, o.base+path, bytes.NewReader(enc))
		if err != nil {
			ch <- reply{Status: -1, Raw: err.Error()}
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+o.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			ch <- reply{Status: -1, Raw: err.Error()}
			return
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		r := reply{Status: resp.StatusCode, Raw: string(raw)}
		_ = json.Unmarshal(raw, &r.Body)
		ch <- r
	}()
	return ch
}

func await(t *testing.T, ch <-chan reply) reply {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("no HTTP answer")
		return reply{}
	}
}

// nextCall waits for the central system's next CALL to the box and checks its action.
func (b *box) nextCall(action ocpp.Action) ocpp.Frame {
	b.t.Helper()
	select {
	case fr := <-b.calls:
		if fr.Action != string(action) {
			b.t.Fatalf("%s received %s %s, want %s", b.id, fr.Action, fr.Payload, action)
		}
		return fr
	case <-time.After(15 * time.Second):
		b.t.Fatalf("%s received no %s", b.id, action)
		return ocpp.Frame{}
	}
}

// noCall checks that no CALL is waiting for the box.
func (b *box) noCall() {
	b.t.Helper()
	select {
	case fr := <-b.calls:
		b.t.Fatalf("%s received an unexpected %s %s", b.id, fr.Action, fr.Payload)
	default:
	}
}

// answer sends a CALLRESULT to a CALL.
func (b *box) answer(fr ocpp.Frame, payload any) {
	b.t.Helper()
	raw, err := json.Marshal([]any{3, fr.UniqueID, payload})
	if err != nil {
		b.t.Fatal(err)
	}
	b.write(raw)
}

// fail sends a CALLERROR to a CALL.
func (b *box) fail(fr ocpp.Frame, code ocpp.ErrorCode, description string) {
	b.t.Helper()
	b.write(ocpp.ErrorFrame(fr.UniqueID, code, description, nil))
}

// sameJSON reports whether two JSON documents are equal as values.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// remoteAnswered sends a remote operation for box through the API, checks that the box receives
// sent (the body itself when nil) as the action's CALL, answers it with answer and checks that
// the API returns that answer synchronously, with the command id and the action.
func remoteAnswered(t *testing.T, op *operator, b *box, box, name string, action ocpp.Action, body, sent, answer any) {
	t.Helper()
	pending := op.async("POST", "/charge-boxes/"+box+"/remote/"+name, body)
	fr := b.nextCall(action)
	if sent == nil {
		sent = body
	}
	if !sameJSON(t, fr.Payload, mustJSON(t, sent)) {
		t.Fatalf("box received %s, want %s", fr.Payload, mustJSON(t, sent))
	}
	b.answer(fr, answer)
	r := await(t, pending)
	if r.Status != http.StatusOK || r.Body["status"] != "answered" || r.Body["commandId"] != fr.UniqueID || r.Body["action"] != string(action) {
		t.Fatalf("status %d %s", r.Status, r.Raw)
	}
	if !sameJSON(t, mustJSON(t, r.Body["response"]), mustJSON(t, answer)) {
		t.Fatalf("response %v, want %v", r.Body["response"], answer)
	}
}

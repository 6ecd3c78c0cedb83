package lambdaperf

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRuntimeServesTheRuntimeAPI drives the Runtime as a Lambda runtime client does: ask for
// the next invocation, answer it (or fail it), and checks what the invoker gets.
func TestRuntimeServesTheRuntimeAPI(t *testing.T) {
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	base := "http://" + rt.Addr + "/2018-06-01/runtime/"
	client := func(answer func(id string, event []byte) (path, body string)) {
		for range 2 {
			resp, err := http.Get(base + "invocation/next")
			if err != nil {
				t.Error(err)
				return
			}
			event, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
			if resp.Header.Get("Lambda-Runtime-Deadline-Ms") == "" || id == "" {
				t.Errorf("next: headers %v", resp.Header)
			}
			path, body := answer(id, event)
			r, err := http.Post(base+"invocation/"+id+"/"+path, "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			r.Body.Close()
			if r.StatusCode != http.StatusAccepted {
				t.Errorf("%s: status %d", path, r.StatusCode)
			}
		}
	}
	exited := make(chan error)
	go client(func(id string, event []byte) (string, string) {
		if string(event) == `{"fail":true}` {
			return "error", `{"errorMessage":"boom"}`
		}
		return "response", `{"echo":` + string(event) + `}`
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := rt.WaitInit(ctx, exited); err != nil {
		t.Fatal(err)
	}
	inv, err := rt.Invoke(ctx, "r1", []byte(`{"a":1}`))
	if err != nil || string(inv.Response) != `{"echo":{"a":1}}` || inv.Error != "" || inv.Duration <= 0 {
		t.Fatalf("invoke: %+v, %v", inv, err)
	}
	inv, err = rt.Invoke(ctx, "r2", []byte(`{"fail":true}`))
	if err != nil || inv.Error != `{"errorMessage":"boom"}` || inv.Response != nil {
		t.Fatalf("failing invoke: %+v, %v", inv, err)
	}
}

func TestRuntimeReportsInitError(t *testing.T) {
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	r, err := http.Post("http://"+rt.Addr+"/2018-06-01/runtime/init/error", "application/json", strings.NewReader(`{"errorMessage":"no config"}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := rt.WaitInit(ctx, make(chan error)); err == nil || !strings.Contains(err.Error(), "no config") {
		t.Fatalf("WaitInit = %v, want the init error", err)
	}
}

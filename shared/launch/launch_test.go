package launch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
)

type number struct{ N int }

func double(_ context.Context, in number) (number, error) { return number{2 * in.N}, nil }

// The handler is built on the first event, once; a failure to build fails that event and is
// tried again on the next, with the settings read again.
func TestLazyBuildsOnFirstEventAndRetries(t *testing.T) {
	env := map[string]string{"DYNAMODB_ENDPOINT": "http://127.0.0.1:9", "HEARTBEAT_INTERVAL": "soon"}
	builds, failBuild := 0, false
	l := newLazy(slog.New(slog.NewTextHandler(io.Discard, nil)), func(k string) string { return env[k] }, func(e Env) (any, error) {
		builds++
		if failBuild {
			return nil, errors.New("broker unreachable")
		}
		if e.Store == nil || e.Config.DynamoDBEndpoint != env["DYNAMODB_ENDPOINT"] {
			t.Errorf("Env %+v: want the store on the configured endpoint", e)
		}
		return double, nil
	})
	ctx := context.Background()
	if builds != 0 {
		t.Fatal("built before the first event")
	}
	if _, err := l.Invoke(ctx, []byte(`{"N":1}`)); err == nil || !strings.Contains(err.Error(), "HEARTBEAT_INTERVAL") {
		t.Fatalf("Invoke with a malformed setting: %v, want an error naming it", err)
	}
	env["HEARTBEAT_INTERVAL"] = "60"
	failBuild = true
	if _, err := l.Invoke(ctx, []byte(`{"N":1}`)); err == nil || !strings.Contains(err.Error(), "broker unreachable") {
		t.Fatalf("Invoke with a failing build: %v", err)
	}
	failBuild = false
	for i := 1; i <= 3; i++ {
		out, err := l.Invoke(ctx, []byte(`{"N":21}`))
		if err != nil || strings.TrimSpace(string(out)) != `{"N":42}` {
			t.Fatalf("Invoke %d = %s, %v", i, out, err)
		}
	}
	if builds != 2 {
		t.Errorf("built %d times, want 2 (one failed, one kept)", builds)
	}
}

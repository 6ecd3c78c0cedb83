package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/replay"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// TestSampleEvents runs every sample event under events/ through its handler and checks the
// outcome each sample is meant to show.
func TestSampleEvents(t *testing.T) {
	cfg := storetest.Config(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	files, err := filepath.Glob("../../events/*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample events: %v", err)
	}
	ran := 0
	for _, path := range files {
		fn := filepath.Base(filepath.Dir(path))
		if _, ok := functions[fn]; !ok {
			continue // events of functions this tool does not run (tested beside them)
		}
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(fn+"/"+name, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			register := ""
			if fn == "authorizer" && name == "connect" {
				register = "CP001" // a registered box without a password is let in
			}
			out, err := invoke(context.Background(), cfg, log, fn, raw, register)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			check(t, fn, name, out)
		})
		ran++
	}
	if ran < 15 {
		t.Fatalf("only %d sample events ran", ran)
	}
}

func check(t *testing.T, fn, name string, out any) {
	t.Helper()
	switch fn {
	case "authorizer":
		resp := out.(events.APIGatewayCustomAuthorizerResponse)
		want := map[string]string{"connect": "Allow", "unknown-box": "Deny"}[name]
		if got := resp.PolicyDocument.Statement[0].Effect; got != want {
			t.Fatalf("effect %s, want %s", got, want)
		}
	case "connect":
		resp := out.(events.APIGatewayProxyResponse)
		want := map[string]int{"connect": 200, "connect-without-ocpp16": 400}[name]
		if resp.StatusCode != want {
			t.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
	case "disconnect":
		if resp := out.(events.APIGatewayProxyResponse); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	case "message":
		body := out.(events.APIGatewayProxyResponse).Body
		if name == "call-result" || name == "call-error" {
			if body != "" {
				t.Fatalf("an answer frame was answered: %s", body)
			}
			return
		}
		fr, err := ocpp.ParseFrame([]byte(body))
		if err != nil {
			t.Fatalf("answer %q: %v", body, err)
		}
		wantErr := map[string]ocpp.ErrorCode{"unknown-action": ocpp.NotImplemented, "malformed-frame": ocpp.FormationViolation}[name]
		if wantErr != "" {
			if fr.Type != ocpp.TypeCallError || fr.ErrorCode != wantErr {
				t.Fatalf("answer %s, want %s", body, wantErr)
			}
			return
		}
		if fr.Type != ocpp.TypeCallResult {
			t.Fatalf("answer %s, want CALLRESULT", body)
		}
	}
}

// The publisher runs a replay event through its Lambda handler: one step on the local tables
// (no frame-log rows of CP001; the token of the next step, the sessions), and a malformed window
// refused naming the field.
func TestPublisherReplayEvent(t *testing.T) {
	cfg := storetest.Config(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	raw, err := os.ReadFile("../../events/publisher/replay.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := invoke(context.Background(), cfg, log, "publisher", raw, "")
	if err != nil {
		t.Fatalf("replay step: %v", err)
	}
	if res, ok := out.(replay.Result); !ok || res.Read != 0 || res.Replayed != 0 || res.Next == "" {
		t.Fatalf("answer %#v", out)
	}
	bad := []byte(`{"replay":{"from":"2025-06-02T00:00:00Z","to":"2025-06-01T00:00:00Z"}}`)
	if _, err := invoke(context.Background(), cfg, log, "publisher", bad, ""); err == nil || !strings.Contains(err.Error(), "replay.to") {
		t.Fatalf("reversed window: %v", err)
	}
}

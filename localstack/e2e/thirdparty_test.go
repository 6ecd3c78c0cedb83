package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/testenv"
)

// conformanceDir installs the third-party client's npm package when missing.
func conformanceDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../tools/conformance")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ocpp-rpc")); err == nil {
		return dir
	}
	npm := testenv.Tool(t, "npm", "install Node.js 20 and npm")
	cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install in %s: %v\n%s", dir, err, out)
	}
	return dir
}

// TestThirdPartyClientStrict runs a charge box built on the ocpp-rpc library in strict mode:
// each message both ways is validated against the OCA's OCPP 1.6 JSON schemas by that library.
func TestThirdPartyClientStrict(t *testing.T) {
	node := testenv.Tool(t, "node", "install Node.js 20")
	dir := conformanceDir(t)
	st := startStack(t, func(c *config.Config) {
		c.AcceptUnknownTags = true
		c.KnownVendorIDs = []string{"com.example"}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "chargebox.js"), strings.TrimSuffix(st.WSURL, "/"), "OCPP-RPC-1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ocpp-rpc charge box: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	var summary struct {
		TransactionID int                        `json:"transactionId"`
		Results       map[string]json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &summary); err != nil {
		t.Fatalf("summary %q: %v", stdout.String(), err)
	}
	if len(summary.Results) != 10+3 {
		t.Fatalf("answered %d of 13 charge-box actions (10 core, 3 security): %s", len(summary.Results), stdout.String())
	}
	sess, err := st.Store.GetSession(context.Background(), summary.TransactionID)
	if err != nil || sess.Status != store.SessionFinished || sess.MeterStop == nil || *sess.MeterStop != 2500 {
		t.Fatalf("session %+v, %v", sess, err)
	}
	t.Logf("ocpp-rpc 2.2.1 strict: %s", stdout.String())
}

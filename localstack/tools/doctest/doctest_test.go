package doctest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/serverless-ocpp/csms/localstack/stack"
	"github.com/serverless-ocpp/csms/localstack/tools/simulator"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
	"github.com/serverless-ocpp/csms/shared/testenv"
)

// root is the repository, where the examples run (they use repository paths).
const root = "../../.."

// documents holds the examples a newcomer follows; each must be tested or marked for AWS.
var documents = []string{"README.md", "docs/api.md", "docs/messages.md", "docs/deploy.md"}

// exampleQueue is the durable queue docs/messages.md declares; the test deletes it afterwards.
const exampleQueue = "my-app"

// TestDocExamples runs every marked shell example of the documents against a local stack with
// charge box CP001 connected (the simulator `make box` runs), in document order, and fails
// when a command fails or its answer lost the documented shape. AWS examples are parsed only.
func TestDocExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the documents' examples against the local stack")
	}
	amqpURL := testenv.Env(t, "AMQP_URL", "RabbitMQ", "run the tests with `make test`, which starts it")
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatalf("the examples use curl: %v", err)
	}
	cfg := storetest.Config(t)
	cfg.AutoRegister, cfg.AMQPURL, cfg.APIToken = true, amqpURL, "doc-test-token"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := stack.Start(context.Background(), cfg, stack.Options{WSAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Publish: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	t.Cleanup(func() { deleteQueue(t, amqpURL, exampleQueue) })
	b := startBox(t, st.WSURL)
	b.awaitBoots(t, 1)
	env := append(os.Environ(), "API="+st.HTTPURL, "API_TOKEN="+st.Config.APIToken, "AMQP_URL="+amqpURL)
	dir := t.TempDir()
	for _, doc := range documents {
		blocks, err := Blocks(filepath.Join(root, doc))
		if err != nil {
			t.Fatal(err)
		}
		if len(blocks) == 0 {
			t.Errorf("%s has no marked example", doc)
		}
		for _, bl := range blocks {
			where := fmt.Sprintf("%s:%d", doc, bl.Line)
			if bl.Mode == AWS {
				if out, err := exec.Command("bash", "-n", "-c", bl.Text).CombinedOutput(); err != nil {
					t.Errorf("%s (AWS example): bash -n: %v\n%s", where, err, out)
				}
				continue
			}
			for _, s := range bl.Steps {
				runStep(t, dir, env, fmt.Sprintf("%s:%d", doc, s.Line), s, b)
			}
		}
	}
}

// runStep runs one command in bash, with the aliases, variables and functions of the steps before it.
func runStep(t *testing.T, dir string, env []string, where string, s Step, b *traceBox) {
	t.Helper()
	state := filepath.Join(dir, "state")
	script := "shopt -s expand_aliases\n[ -f " + state + " ] && source " + state + " 2>/dev/null\n" +
		s.Command + "\nrc=$?\n{ alias -p; declare -p | grep -Ev '^declare -[a-zA-Z]*r|^declare -[-a-zA-Z]* (BASH_[A-Z]+|FUNCNAME|PIPESTATUS|GROUPS|DIRSTACK)='; declare -f; } > " + state + "\nexit $rc\n"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir, cmd.Env = root, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	boots := b.boots()
	err := cmd.Run()
	documentedError := strings.Contains(s.Want, `"error"`)
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 22 && documentedError) {
		t.Fatalf("%s: %s\nfailed: %v\nstdout: %s\nstderr: %s", where, s.Command, err, stdout.String(), stderr.String())
	}
	if s.Want != "" {
		if err := Match(s.Want, lastLine(stdout.String())); err != nil {
			t.Errorf("%s: %s\nanswer no longer as documented: %v\ndocumented: %s\nanswer:     %s", where, s.Command, err, s.Want, lastLine(stdout.String()))
		}
	}
	if strings.Contains(s.Command, "/remote/reset") && err == nil {
		b.awaitBoots(t, boots+1) // the box reboots: the next example needs it back
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// traceBox is `make box`: the simulator's charge box CP001, counting its completed boots (its
// trace shows the last connector's StatusNotification answered).
type traceBox struct {
	mu      sync.Mutex
	booted  int
	expired bool
	cond    *sync.Cond
}

// bootDone is the trace of the last StatusNotification of a boot (connector 2 of 2).
var bootDone = []byte(`"StatusNotification",{"connectorId":2,`)

func (b *traceBox) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if bytes.Contains(p, []byte(" sent ")) {
		b.booted += bytes.Count(p, bootDone)
	}
	b.cond.Broadcast()
	return len(p), nil
}

func (b *traceBox) boots() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.booted
}

// awaitBoots waits until the box has booted and reported its connectors n times in all.
func (b *traceBox) awaitBoots(t *testing.T, n int) {
	t.Helper()
	timer := time.AfterFunc(time.Minute, func() { b.mu.Lock(); b.expired = true; b.cond.Broadcast(); b.mu.Unlock() })
	defer timer.Stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for !b.expired && b.booted < n {
		b.cond.Wait()
	}
	if b.booted < n {
		t.Fatalf("charge box CP001 did not boot (%d times) within a minute", n)
	}
}

func startBox(t *testing.T, wsURL string) *traceBox {
	t.Helper()
	b := &traceBox{}
	b.cond = sync.NewCond(&b.mu)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = simulator.Run(ctx, simulator.Config{URL: wsURL, IDs: []string{"CP001"}, Manual: true, Trace: b, RampUp: time.Millisecond})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return b
}

func deleteQueue(t *testing.T, url, name string) {
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Errorf("delete queue %s: %v", name, err)
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err == nil {
		_, err = ch.QueueDelete(name, false, false, false)
	}
	if err != nil {
		t.Errorf("delete queue %s: %v", name, err)
	}
}

func TestMatch(t *testing.T) {
	const doc = `{"action":"Reset","commandId":"…","response":{"status":"Accepted"},"status":"answered","n":1,"items":[{"id":"CP001/…"}]}`
	tests := []struct {
		got string
		ok  bool
	}{
		{`{"action":"Reset","commandId":"5f0c","response":{"status":"Accepted"},"status":"answered","n":7,"items":[{"id":"CP001/x"},{}],"more":1}`, true},
		{`{"action":"Reset","commandId":"5f0c","response":{"status":"Rejected"},"status":"answered","n":7,"items":[{"id":"CP001/x"}]}`, false},
		{`{"action":"Reset","commandId":"5f0c","status":"answered","n":7,"items":[{"id":"CP001/x"}]}`, false},
		{`{"action":"Reset","commandId":"5f0c","response":{"status":"Accepted"},"status":"answered","n":"7","items":[{"id":"CP001/x"}]}`, false},
		{`{"action":"Reset","commandId":"5f0c","response":{"status":"Accepted"},"status":"answered","n":7,"items":[]}`, false},
		{`{"action":"Reset","commandId":"5f0c","response":{"status":"Accepted"},"status":"answered","n":7,"items":[{"id":"CP002/x"}]}`, false},
		{`not json`, false},
	}
	for _, tt := range tests {
		if err := Match(doc, tt.got); (err == nil) != tt.ok {
			t.Errorf("Match(%s): %v, want ok %v", tt.got, err, tt.ok)
		}
	}
}

func TestSteps(t *testing.T) {
	text := "# a comment\nocpp -X POST \"$API/x\" \\\n  -d '{\"a\":\n  1}'\n# {\"ok\":true}\n# not an answer\nexport X=1\n"
	got := steps(text, 10)
	if len(got) != 2 || got[0].Line != 11 || got[0].Want != `{"ok":true}` || !strings.HasSuffix(got[0].Command, "1}'") || got[1].Command != "export X=1" || got[1].Want != "" {
		t.Fatalf("steps: %+v", got)
	}
}

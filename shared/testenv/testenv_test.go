package testenv

import (
	"testing"
)

// recorder is a testing.TB that records how the test ended instead of ending it.
type recorder struct {
	testing.TB
	failed, skipped, logged string
}

func (r *recorder) Helper()           {}
func (r *recorder) Fatal(args ...any) { r.failed = args[0].(string) }
func (r *recorder) Skip(args ...any)  { r.skipped = args[0].(string) }
func (r *recorder) Log(args ...any)   { r.logged = args[0].(string) }

func TestMissingFailsUnderCIAndSkipsOtherwise(t *testing.T) {
	const want = "RabbitMQ is not available: run `make test`"
	for _, tc := range []struct {
		ci              string
		failed, skipped string
	}{
		{ci: "true", failed: want},
		{ci: "", skipped: want},
		{ci: "false", skipped: want},
	} {
		t.Setenv("CI", tc.ci)
		r := &recorder{}
		Missing(r, "RabbitMQ", "run `make test`")
		if r.failed != tc.failed || r.skipped != tc.skipped {
			t.Errorf("CI=%q: failed %q, skipped %q; want failed %q, skipped %q", tc.ci, r.failed, r.skipped, tc.failed, tc.skipped)
		}
	}
}

func TestOptionalFailsUnderCIAndLogsOtherwise(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{}
	Optional(r, "RabbitMQ", "run `make test`")
	if r.failed == "" || r.logged != "" {
		t.Errorf("CI=true: failed %q, logged %q; want a failure", r.failed, r.logged)
	}
	t.Setenv("CI", "")
	r = &recorder{}
	Optional(r, "RabbitMQ", "run `make test`")
	if r.failed != "" || r.logged == "" {
		t.Errorf("CI unset: failed %q, logged %q; want a log line", r.failed, r.logged)
	}
}

func TestEnvAndTool(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("TESTENV_SET", "value")
	r := &recorder{}
	if got := Env(r, "TESTENV_SET", "Service", "start it"); got != "value" || r.skipped != "" {
		t.Errorf("Env of a set variable = %q, skipped %q", got, r.skipped)
	}
	t.Setenv("TESTENV_UNSET", "")
	Env(r, "TESTENV_UNSET", "Service", "start it")
	if want := "Service (TESTENV_UNSET) is not available: start it"; r.skipped != want {
		t.Errorf("Env of an unset variable skipped %q, want %q", r.skipped, want)
	}
	r = &recorder{}
	Tool(r, "no-such-program-testenv", "install it")
	if want := "no-such-program-testenv is not available: install it"; r.skipped != want {
		t.Errorf("Tool of a missing program skipped %q, want %q", r.skipped, want)
	}
}

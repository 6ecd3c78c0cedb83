// Package testenv decides, in one place, what a test does when a service or tool it needs is
// missing: under CI=true it fails, because CI must run every test; elsewhere it skips, naming
// what is missing and the command that provides it. Tests never pass silently without their
// services.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// CI reports whether this runs under CI (CI=true), where a missing service is an error.
func CI() bool { return os.Getenv("CI") == "true" }

// Missing ends the test because service is not available: it fails under CI=true and skips
// otherwise. start says how to get the service, e.g. "run the tests with `make test`".
func Missing(t testing.TB, service, start string) {
	t.Helper()
	msg := service + " is not available: " + start
	if CI() {
		t.Fatal(msg)
		return
	}
	t.Skip(msg)
}

// Optional is for a test that runs with less without service: it fails under CI=true, where
// the test must run in full, and otherwise logs what the run leaves out.
func Optional(t testing.TB, service, start string) {
	t.Helper()
	msg := service + " is not available: " + start
	if CI() {
		t.Fatal(msg)
		return
	}
	t.Log(msg + " (running without it)")
}

// Env returns the environment variable name, naming the service it points at; when it is
// unset the test ends as Missing says.
func Env(t testing.TB, name, service, start string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		Missing(t, service+" ("+name+")", start)
	}
	return v
}

// Tool returns the path of the program name; when it is not installed the test ends as
// Missing says, with install as the way to get it.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, install)
	}
	return p
}

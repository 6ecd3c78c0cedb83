package main

import (
	"strings"
	"testing"
)

func TestDropLostReapKeepsEverythingElse(t *testing.T) {
	in := "warning: one\n" + lostReap + "83 feature flags are not configured.\n" + lostReap + "\nRuntime process exited abnormally: exit status 1\n"
	var out strings.Builder
	dropLostReap(strings.NewReader(in), &out)
	want := "warning: one\n83 feature flags are not configured.\nRuntime process exited abnormally: exit status 1\n"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

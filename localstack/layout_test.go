package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const (
	localstackPath = "github.com/serverless-ocpp/csms/localstack"
	toolsPath      = localstackPath + "/tools"
)

// TestEmulatorImportsNoTool keeps the two products of localstack/ apart: the emulator (every
// package outside localstack/tools, tests included) must not depend on a measuring tool, so the
// tools can change without touching what `make local` and `make test` run.
func TestEmulatorImportsNoTool(t *testing.T) {
	pkgs := goList(t, "-test", "./...")
	var emulator []string
	for _, p := range pkgs {
		if !isTool(p.ImportPath) && p.ForTest == "" && !strings.HasSuffix(p.ImportPath, ".test") {
			emulator = append(emulator, p.ImportPath)
		}
	}
	if len(emulator) < 5 {
		t.Fatalf("found only %d emulator packages (%v): is the test running in localstack/?", len(emulator), emulator)
	}
	for _, p := range goList(t, append([]string{"-deps", "-test"}, emulator...)...) {
		if isTool(p.ImportPath) {
			t.Errorf("the emulator depends on tool package %s (through %v)", p.ImportPath, importersOf(pkgs, p.ImportPath))
		}
	}
}

// isTool reports whether an import path (possibly a test variant "p [q.test]") is a tool package.
func isTool(importPath string) bool {
	path, _, _ := strings.Cut(importPath, " ")
	return path == toolsPath || strings.HasPrefix(path, toolsPath+"/")
}

// importersOf names the listed packages that import path, to point at the offending import.
func importersOf(pkgs []listedPackage, path string) []string {
	var out []string
	for _, p := range pkgs {
		for _, imp := range p.Imports {
			if imp == path && !isTool(p.ImportPath) {
				out = append(out, p.ImportPath)
			}
		}
	}
	return out
}

type listedPackage struct {
	ImportPath string
	ForTest    string
	Imports    []string
}

// goList runs `go list -json` with args in this directory.
func goList(t *testing.T, args ...string) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json=ImportPath,ForTest,Imports"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, stderr.String())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list %v: decode: %v", args, err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

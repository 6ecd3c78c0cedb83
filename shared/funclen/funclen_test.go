package funclen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepository fails for every function in shared/, functions/ and infra/ longer than
// MaxLines.
func TestRepository(t *testing.T) {
	root := filepath.Join("..", "..")
	var dirs []string
	for _, d := range []string{"shared", "functions", "infra"} {
		dirs = append(dirs, filepath.Join(root, d))
	}
	long, err := Long(MaxLines, dirs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range long {
		t.Errorf("%s: longer than %d lines, split it into named steps", strings.TrimPrefix(l, "../../"), MaxLines)
	}
}

// TestLong shows the check finds a long function, method and literal and passes short ones.
func TestLong(t *testing.T) {
	body := strings.Repeat("\t_ = 0\n", 79)
	src := "package p\n\n" +
		"func short() {\n" + strings.Repeat("\t_ = 0\n", 78) + "}\n\n" + // 80 lines
		"func long() {\n" + body + "}\n\n" + // 81 lines
		"type T struct{}\n\nfunc (*T) method() {\n" + body + "}\n\n" +
		"var v = func() {\n" + body + "}\n"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	long, err := Long(80, dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range long {
		got = append(got, l[strings.Index(l, " ")+1:])
	}
	want := []string{"long (81 lines)", "T.method (81 lines)", "func literal (81 lines)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Long = %q, want %q", got, want)
	}
}

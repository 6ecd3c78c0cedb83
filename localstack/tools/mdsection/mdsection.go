// Package mdsection replaces generated sections of Markdown documents: the text between
// `<!-- begin NAME -->` and `<!-- end NAME -->`. The measuring commands (load, bench, budget,
// cost, lambda-perf) write their figures into docs/performance.md and docs/cost.md with it, so
// the prose around the figures stays hand-written.
package mdsection

import (
	"fmt"
	"os"
	"strings"
)

// Replace puts body between the markers of section name in the file at path. A missing
// section is appended at the end with its markers; a missing file is created.
func Replace(path, name, body string) error {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("update %s: %w", path, err)
	}
	out, err := ReplaceIn(string(data), name, body)
	if err != nil {
		return fmt.Errorf("update %s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

// ReplaceIn is Replace on a string.
func ReplaceIn(doc, name, body string) (string, error) {
	begin, end := "<!-- begin "+name+" -->", "<!-- end "+name+" -->"
	body = strings.TrimRight(body, "\n") + "\n"
	i := strings.Index(doc, begin)
	if i < 0 {
		if doc != "" && !strings.HasSuffix(doc, "\n") {
			doc += "\n"
		}
		return doc + "\n" + begin + "\n" + body + end + "\n", nil
	}
	j := strings.Index(doc[i:], end)
	if j < 0 {
		return "", fmt.Errorf("section %q has no end marker", name)
	}
	return doc[:i+len(begin)] + "\n" + body + doc[i+j:], nil
}

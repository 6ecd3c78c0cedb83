// Package doctest reads the shell examples of the project's Markdown documents so a test can run
// them against the local stack. A fenced ```sh block preceded by the line
// `<!-- doc-test -->` runs locally; `<!-- doc-test: aws -->` needs an AWS account and is only
// parsed (bash -n). In a block, a comment line starting with `# {` or `# [` right after a command
// is that command's documented answer: the answer must keep its shape (Match).
package doctest

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Marker modes.
const (
	Local = "local"
	AWS   = "aws"
)

// Block is one marked example.
type Block struct {
	File  string
	Line  int // of the opening fence
	Mode  string
	Text  string
	Steps []Step
}

// Step is one command of a block and the answer documented under it ("" when none).
type Step struct {
	Line    int
	Command string
	Want    string
}

// Blocks reads the marked blocks of a Markdown file.
func Blocks(path string) ([]Block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("doc examples: %w", err)
	}
	defer f.Close()
	var blocks []Block
	var cur *Block
	mode := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur != nil && trimmed == "```":
			cur.Steps = steps(cur.Text, cur.Line+1)
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.Text += line + "\n"
		case trimmed == "<!-- doc-test -->":
			mode = Local
		case trimmed == "<!-- doc-test: aws -->":
			mode = AWS
		case mode != "" && trimmed == "```sh":
			cur = &Block{File: path, Line: n, Mode: mode}
			mode = ""
		case mode != "" && trimmed != "":
			return nil, fmt.Errorf("%s:%d: a doc-test marker must be followed by a ```sh block", path, n)
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: unterminated block", path, cur.Line)
	}
	return blocks, sc.Err()
}

// steps splits a block into commands (a command continues while a line ends with a backslash
// or a single quote is open) and the answers documented under them.
func steps(text string, first int) []Step {
	var out []Step
	var cmd strings.Builder
	start := 0
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cmd.Len() == 0 {
			switch {
			case strings.HasPrefix(trimmed, "# {") || strings.HasPrefix(trimmed, "# ["):
				if len(out) > 0 && out[len(out)-1].Want == "" {
					out[len(out)-1].Want = strings.TrimPrefix(trimmed, "# ")
				}
				continue
			case trimmed == "" || strings.HasPrefix(trimmed, "#"):
				continue
			}
			start = first + i
		}
		cmd.WriteString(line + "\n")
		if strings.HasSuffix(trimmed, "\\") || strings.Count(cmd.String(), "'")%2 == 1 {
			continue
		}
		out = append(out, Step{Line: start, Command: strings.TrimSuffix(cmd.String(), "\n")})
		cmd.Reset()
	}
	return out
}

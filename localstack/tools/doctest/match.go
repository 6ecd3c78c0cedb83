package doctest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Match reports how got (a command's output, JSON) differs from the documented answer want:
// every key documented must be there with a value of the same shape (more keys are fine); a
// documented array's elements must match the first elements of got's; numbers match any number;
// strings must be equal, except that "…" stands for any text ("CP001/…" is any string starting
// CP001/); true, false and null must be equal.
func Match(want, got string) error {
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return fmt.Errorf("documented answer is not JSON: %w", err)
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(got)), &g); err != nil {
		return fmt.Errorf("answer %q is not JSON: %w", got, err)
	}
	return match("$", w, g)
}

func match(path string, want, got any) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %v", path, got)
		}
		for k, v := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s.%s: documented, missing from the answer", path, k)
			}
			if err := match(path+"."+k, v, gv); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) < len(w) {
			return fmt.Errorf("%s: want an array of at least %d, got %v", path, len(w), got)
		}
		for i := range w {
			if err := match(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); err != nil {
				return err
			}
		}
	case float64:
		if _, ok := got.(float64); !ok {
			return fmt.Errorf("%s: want a number, got %v", path, got)
		}
	case string:
		g, ok := got.(string)
		if !ok || !pattern(w, g) {
			return fmt.Errorf("%s: want %q, got %v", path, w, got)
		}
	default:
		if want != got {
			return fmt.Errorf("%s: want %v, got %v", path, want, got)
		}
	}
	return nil
}

// pattern matches s against p, where each "…" in p stands for any text.
func pattern(p, s string) bool {
	parts := strings.Split(p, "…")
	if len(parts) == 1 {
		return p == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

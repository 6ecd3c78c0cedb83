package api

import (
	"strings"
)

// suggest names the route a mistyped request most likely meant ("POST
// /charge-boxes/{id}/remote/reset" for POST .../remote/Reset), or "" when none is near: same
// number of segments, every fixed segment equal up to case, '-' and '_' or within two edits,
// wildcards matching anything. An exact path with another method counts as near.
func suggest(method, path string) string {
	got := strings.Split(strings.Trim(path, "/"), "/")
	best, bestCost := "", 3*len(got)+1
	for _, rt := range Routes() {
		want := strings.Split(strings.Trim(rt.Path, "/"), "/")
		if len(want) != len(got) {
			continue
		}
		cost := 0
		if rt.Method != method {
			cost++
		}
		for i := range want {
			c, ok := segmentCost(want[i], got[i])
			if !ok {
				cost = -1
				break
			}
			cost += c
		}
		if cost > 0 && cost < bestCost {
			best, bestCost = rt.Method+" "+rt.Path, cost
		}
	}
	return best
}

// segmentCost compares one fixed or wildcard segment of a route with the request's.
func segmentCost(want, got string) (int, bool) {
	switch {
	case strings.HasPrefix(want, "{") || want == got:
		return 0, true
	case fold(want) == fold(got):
		return 1, true
	}
	if d := edits(want, strings.ToLower(got)); d <= 2 {
		return 1 + d, true
	}
	return 0, false
}

// fold drops case and word separators: Reset, reset; RemoteStartTransaction, remote-start-transaction.
func fold(s string) string {
	return strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(s))
}

// edits is the Levenshtein distance of a and b.
func edits(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev = cur
	}
	return prev[len(b)]
}

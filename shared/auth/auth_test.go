package auth

import (
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestCheckBasic(t *testing.T) {
	const pw = "0123456789abcdef-secret"
	hash, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, pw) || !strings.HasPrefix(hash, "$2a$10$") {
		t.Fatalf("hash %q is not a bcrypt cost-10 hash", hash)
	}
	cases := []struct {
		name, header string
		want         bool
	}{
		{"right", basic("CP1", pw), true},
		{"scheme in any case", "basic " + base64.StdEncoding.EncodeToString([]byte("CP1:"+pw)), true},
		{"wrong password", basic("CP1", pw+"x"), false},
		{"wrong user", basic("CP2", pw), false},
		{"empty", "", false},
		{"bearer", "Bearer " + pw, false},
		{"not base64", "Basic !!!", false},
		{"no colon", "Basic " + base64.StdEncoding.EncodeToString([]byte("CP1"+pw)), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := CheckBasic(c.header, "CP1", hash); got != c.want {
				t.Fatalf("CheckBasic = %v, want %v", got, c.want)
			}
		})
	}
	if CheckBasic(basic("CP1", pw), "CP1", "") {
		t.Fatal("accepted against an empty hash")
	}
}

// TestCheckBasicTimingIsUniform shows that a wrong user name, a missing hash or a header that
// does not parse costs what a wrong password costs: exactly one bcrypt comparison against a
// well-formed hash of the stored hashes' cost (a malformed hash would be rejected at once).
func TestCheckBasicTimingIsUniform(t *testing.T) {
	const pw = "0123456789abcdef-secret"
	hash, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	var costs []int
	real := compare
	t.Cleanup(func() { compare = real })
	compare = func(h, p []byte) error {
		c, err := bcrypt.Cost(h)
		if err != nil {
			t.Errorf("compared against a malformed hash %q: %v", h, err)
		}
		costs = append(costs, c)
		return real(h, p)
	}
	cases := []struct{ name, header, hash string }{
		{"right", basic("CP1", pw), hash},
		{"wrong password", basic("CP1", pw+"x"), hash},
		{"wrong user", basic("CP2", pw), hash},
		{"no stored hash", basic("CP1", pw), ""},
		{"empty header", "", hash},
		{"bearer", "Bearer " + pw, hash},
		{"not base64", "Basic !!!", hash},
	}
	for _, c := range cases {
		costs = nil
		CheckBasic(c.header, "CP1", c.hash)
		if len(costs) != 1 || costs[0] != Cost {
			t.Errorf("%s: bcrypt comparisons at costs %v, want exactly one at cost %d", c.name, costs, Cost)
		}
	}
}

// TestDummyHash checks the constant is a real bcrypt hash of its password at the stored cost:
// after a change of Cost it must be regenerated.
func TestDummyHash(t *testing.T) {
	if c, err := bcrypt.Cost([]byte(dummyHash)); err != nil || c != Cost {
		t.Fatalf("dummy hash cost %d (%v), want %d: regenerate it with bcrypt.GenerateFromPassword", c, err, Cost)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte(dummyPassword)); err != nil {
		t.Fatalf("dummy hash does not match its password: %v", err)
	}
}

func TestHashPasswordLength(t *testing.T) {
	for _, pw := range []string{"short", strings.Repeat("x", 73)} {
		if _, err := HashPassword(pw); err == nil {
			t.Fatalf("password of %d characters accepted", len(pw))
		}
	}
}

func TestValidID(t *testing.T) {
	for id, ok := range map[string]bool{
		"CP001": true, "ACME-22.kW_7*": true, strings.Repeat("a", 48): true,
		"": false, strings.Repeat("a", 49): false, "a:b": false, "a/b": false, "a b": false, "é": false, "a\x00": false,
	} {
		if got := ValidID(id) == nil; got != ok {
			t.Errorf("ValidID(%q) ok=%v, want %v", id, got, ok)
		}
	}
}

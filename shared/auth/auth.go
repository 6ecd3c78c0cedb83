// Package auth checks charge-box identities and the HTTP Basic credentials of OCPP security
// profiles 1 and 2. Passwords are stored only as bcrypt hashes (slow, salted); comparison is
// constant time, and a wrong user name costs as much as a wrong password.
package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Cost is the bcrypt cost of stored password hashes.
const Cost = 10

// MaxIDLength bounds a charge box identity (OCPP 2.0.1 fixes 48; 1.6 is silent).
const MaxIDLength = 48

// ValidID reports whether id can be a charge box identity: 1 to 48 printable ASCII characters,
// without ':' (it separates the Basic auth user name) or '/' (it separates URL segments).
func ValidID(id string) error {
	if id == "" || len(id) > MaxIDLength {
		return fmt.Errorf("charge box id must have 1 to %d characters", MaxIDLength)
	}
	for _, r := range id {
		if r <= 0x20 || r >= 0x7f || r == ':' || r == '/' {
			return fmt.Errorf("charge box id may hold only printable ASCII without ':' or '/'")
		}
	}
	return nil
}

// HashPassword returns the bcrypt hash to store for a charge box password. OCPP 1.6 security
// profile passwords (AuthorizationKey) are 16 to 40 characters; bcrypt reads at most 72 bytes.
func HashPassword(password string) (string, error) {
	if len(password) < 16 || len(password) > 72 {
		return "", errors.New("password must have 16 to 72 characters")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), Cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// dummyHash is compared against when there is nothing to compare, so that a header that does
// not parse or a box without a hash costs one bcrypt comparison, as a wrong password does. It is
// a constant (the cost-Cost hash of dummyPassword), not computed: hashing at package init would
// add some 60 ms to every cold start of every function that links this package.
const (
	dummyHash     = "$2a$10$CwIyo9kzGrSMmD55qELj1upwubaH0xYtktEGzOufDZvwsy3Eznqly"
	dummyPassword = "timing-equaliser-password"
)

// compare is bcrypt's constant-time comparison; a variable so that tests can see it run.
var compare = bcrypt.CompareHashAndPassword

// CheckBasic verifies an Authorization header against the box's stored hash: the scheme must be
// Basic, the user name the box's identity and the password match the hash. Every path costs
// exactly one bcrypt comparison, so the answer's timing tells nothing about which part failed.
func CheckBasic(header, chargeBoxID, hash string) bool {
	user, pass, ok := parseBasic(header)
	if !ok || hash == "" {
		_ = compare([]byte(dummyHash), []byte(pass))
		return false
	}
	passOK := compare([]byte(hash), []byte(pass)) == nil
	return passOK && user == chargeBoxID
}

func parseBasic(header string) (user, pass string, ok bool) {
	scheme, cred, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(raw), ":")
	return user, pass, ok
}

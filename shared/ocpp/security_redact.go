package ocpp

import (
	"bytes"
	"encoding/json"
	"strings"
)

// AuthorizationKey is the security extension's write-only configuration key holding a box's
// HTTP Basic password (security profiles 1 and 2).
const AuthorizationKey = "AuthorizationKey"

// Redacted replaces a secret's value wherever the system stores or publishes a frame.
const Redacted = "[redacted]"

// IsSecretKey reports whether a configuration key's value must never be stored or shown. OCPP
// configuration keys are CiString, compared without regard to case.
func IsSecretKey(key string) bool { return strings.EqualFold(key, AuthorizationKey) }

// Redact returns an OCPP-J frame (or payload) with the value of every {"key": "AuthorizationKey",
// "value": ...} object replaced by Redacted: ChangeConfiguration.req, GetConfiguration.conf's
// configurationKey items, and any other action that carries the key the same way. Frames that do
// not mention the key come back unchanged (the same slice, no copy). A frame that mentions it but
// is not JSON cannot be redacted field by field and is replaced whole.
func Redact(raw []byte) []byte {
	if !containsFold(raw, AuthorizationKey) {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return []byte(`"` + Redacted + ` (a frame mentioning AuthorizationKey that is not JSON)"`)
	}
	if !redactValue(v) {
		return raw
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <, > and & as the frame had them
	if err := enc.Encode(v); err != nil {
		return []byte(`"` + Redacted + `"`)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// RedactString is Redact for text.
func RedactString(raw string) string {
	if !containsFold([]byte(raw), AuthorizationKey) {
		return raw
	}
	return string(Redact([]byte(raw)))
}

// redactValue redacts v in place and reports whether it changed anything.
func redactValue(v any) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		if k, ok := x["key"].(string); ok && IsSecretKey(k) {
			if val, has := x["value"]; has && val != Redacted {
				x["value"] = Redacted
				changed = true
			}
		}
		for _, e := range x {
			changed = redactValue(e) || changed
		}
	case []any:
		for _, e := range x {
			changed = redactValue(e) || changed
		}
	}
	return changed
}

// containsFold reports whether s holds sub (ASCII) in any case, without allocating.
func containsFold(s []byte, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if (s[i] | 0x20) != (sub[0] | 0x20) {
			continue
		}
		if strings.EqualFold(string(s[i:i+n]), sub) {
			return true
		}
	}
	return false
}

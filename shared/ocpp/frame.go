package ocpp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"unicode/utf8"
)

// MessageType is the first element of an OCPP-J frame.
type MessageType int

// The three OCPP-J message types.
const (
	TypeCall       MessageType = 2
	TypeCallResult MessageType = 3
	TypeCallError  MessageType = 4
)

// MaxUniqueIDLength is the longest uniqueId OCPP-J allows, in characters.
const MaxUniqueIDLength = 36

// MaxFrameBytes is the largest frame the central system sends: API Gateway's WebSocket frame
// size quota (32 KB, not adjustable; a larger message closes the connection with code 1009).
// CallFrame and ResultFrame refuse to build a larger frame; ErrorFrame cannot build one.
const MaxFrameBytes = 32 * 1024

// Bounds of a CALLERROR the central system sends: its errorDescription is at most
// MaxDescriptionBytes of text (at most 6 bytes each once escaped for JSON), its errorDetails
// at most MaxDetailsBytes, so the whole frame is at most MaxErrorFrameBytes (about 2 KB).
const (
	MaxDetailsBytes = 256
	// MaxErrorFrameBytes: "[4," uniqueId (36 runes, each at most 6 bytes escaped), the
	// longest error code, the description and the details, with quotes, commas and "]".
	MaxErrorFrameBytes = 3 + (2 + 6*MaxUniqueIDLength) + 1 + (2 + len(OccurenceConstraintViolation)) + 1 +
		(2 + 6*MaxDescriptionBytes) + 1 + MaxDetailsBytes + 1
)

// Frame is one OCPP-J message. A CALL has UniqueID, Action and Payload; a CALLRESULT has
// UniqueID and Payload; a CALLERROR has UniqueID, ErrorCode, ErrorDescription and ErrorDetails.
// Payload and ErrorDetails returned by ParseFrame share memory with the parsed bytes.
type Frame struct {
	Type             MessageType
	UniqueID         string
	Action           string
	Payload          json.RawMessage
	ErrorCode        ErrorCode
	ErrorDescription string
	ErrorDetails     json.RawMessage
}

// span is one element of the frame array.
type span struct{ start, end int }

// maxElements is one more than the longest frame, enough to tell "too many".
const maxElements = 6

// elements are the top-level elements of a frame array: n of them, the first maxElements kept.
type elements struct {
	data []byte
	el   [maxElements]span
	n    int
}

// elem returns the bytes of element k (k < min(n, maxElements)).
func (e *elements) elem(k int) []byte { return e.data[e.el[k].start:e.el[k].end] }

// ParseFrame reads one OCPP-J frame. On failure it returns an *Error and, in the Frame, the
// Type and UniqueID as far as they could be read, so that a CALLERROR can echo the uniqueId.
// Only the frame is checked here; the payload is checked by DecodeRequest / DecodeResponse.
func ParseFrame(data []byte) (Frame, error) {
	var f Frame
	var e elements
	if err := splitArray(data, &e); err != nil {
		return f, err
	}
	if err := parseHeader(&e, &f); err != nil {
		return f, err
	}
	switch f.Type {
	case TypeCall:
		return f, parseCall(&e, &f)
	case TypeCallResult:
		return f, parseCallResult(&e, &f)
	default:
		return f, parseCallError(&e, &f)
	}
}

// splitArray finds the top-level elements of a frame, which must be a non-empty JSON array.
func splitArray(data []byte, e *elements) *Error {
	if !json.Valid(data) {
		return Errorf(FormationViolation, "", "frame is not valid JSON")
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return Errorf(FormationViolation, "", "frame is not a JSON array")
	}
	e.data = data
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] != ']' {
		end := skipValue(data, i)
		if end <= i { // cannot happen on valid JSON; guarantees progress
			return Errorf(FormationViolation, "", "frame is not valid JSON")
		}
		if e.n < maxElements {
			e.el[e.n] = span{i, end}
		}
		e.n++
		i = skipSpace(data, end)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	if e.n == 0 {
		return Errorf(FormationViolation, "", "frame is an empty array")
	}
	return nil
}

// parseHeader reads the message type and the uniqueId, the two elements every frame has.
func parseHeader(e *elements, f *Frame) *Error {
	switch string(e.elem(0)) {
	case "2":
		f.Type = TypeCall
	case "3":
		f.Type = TypeCallResult
	case "4":
		f.Type = TypeCallError
	default:
		// Echo the uniqueId when it is readable, so the sender can match the CALLERROR.
		if e.n >= 2 {
			if id, ok := frameString(e.elem(1)); ok && checkUniqueID(id) == nil {
				f.UniqueID = id
			}
		}
		return Errorf(FormationViolation, "", "message type must be 2, 3 or 4, got %.20s", e.elem(0))
	}
	if e.n < 2 {
		return Errorf(FormationViolation, "", "uniqueId is missing")
	}
	id, ok := frameString(e.elem(1))
	if !ok {
		return Errorf(FormationViolation, "", "uniqueId must be a string")
	}
	if err := checkUniqueID(id); err != nil {
		return err
	}
	f.UniqueID = id
	return nil
}

// parseCall reads [2, uniqueId, action, payload].
func parseCall(e *elements, f *Frame) error {
	if e.n < 3 {
		return Errorf(FormationViolation, "", "CALL has %d elements, want 4", e.n)
	}
	action, ok := frameString(e.elem(2))
	if !ok {
		return Errorf(FormationViolation, "", "action must be a string")
	}
	f.Action = action
	if e.n == 3 {
		return Errorf(ProtocolError, "", "payload is incomplete")
	}
	if e.n > 4 {
		return Errorf(FormationViolation, "", "CALL has %d elements, want 4", e.n)
	}
	p := e.elem(3)
	if p[0] == 'n' {
		return Errorf(ProtocolError, "", "payload is incomplete")
	}
	if p[0] != '{' {
		return Errorf(FormationViolation, "", "payload must be a JSON object")
	}
	f.Payload = p
	return nil
}

// parseCallResult reads [3, uniqueId, payload].
func parseCallResult(e *elements, f *Frame) error {
	if e.n != 3 {
		return Errorf(FormationViolation, "", "CALLRESULT has %d elements, want 3", e.n)
	}
	p := e.elem(2)
	if p[0] != '{' {
		return Errorf(FormationViolation, "", "payload must be a JSON object")
	}
	f.Payload = p
	return nil
}

// parseCallError reads [4, uniqueId, errorCode, errorDescription, errorDetails].
func parseCallError(e *elements, f *Frame) error {
	if e.n != 5 {
		return Errorf(FormationViolation, "", "CALLERROR has %d elements, want 5", e.n)
	}
	code, ok := frameString(e.elem(2))
	if !ok {
		return Errorf(FormationViolation, "", "errorCode must be a string")
	}
	desc, ok := frameString(e.elem(3))
	if !ok {
		return Errorf(FormationViolation, "", "errorDescription must be a string")
	}
	details := e.elem(4)
	if details[0] != '{' {
		return Errorf(FormationViolation, "", "errorDetails must be a JSON object")
	}
	// Any errorCode is kept: a charge box using a code outside the ten still reports an error.
	f.ErrorCode, f.ErrorDescription, f.ErrorDetails = ErrorCode(code), desc, details
	return nil
}

// frameString returns the content of a JSON string element.
func frameString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' {
		return "", false
	}
	s, e, esc := stringSpan(b, 0)
	return unquote(b[s:e], esc), true
}

// CallFrame builds a CALL. payload must be the request type of action (value or pointer) and
// valid by Validate; the error is an *Error.
func CallFrame(uniqueID string, action Action, payload any) ([]byte, error) {
	s, ok := Lookup(string(action))
	if !ok {
		return nil, Errorf(NotImplemented, "", "unknown action %q", Excerpt(action))
	}
	if err := checkUniqueID(uniqueID); err != nil {
		return nil, err
	}
	want := reflect.TypeOf(s.NewRequest()).Elem()
	got := reflect.TypeOf(payload)
	if got != nil && got.Kind() == reflect.Pointer {
		got = got.Elem()
	}
	if got != want {
		return nil, Errorf(InternalError, "", "payload %T is not a %s", payload, want.Name())
	}
	p, err := marshalValid(payload)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(p)+len(uniqueID)+len(action)+16)
	b = append(b, "[2,"...)
	b = appendJSONString(b, uniqueID)
	b = append(b, ',')
	b = appendJSONString(b, string(action))
	b = append(b, ',')
	b = append(b, p...)
	return bounded(append(b, ']'))
}

// bounded refuses a frame over MaxFrameBytes: API Gateway could not deliver it.
func bounded(b []byte) ([]byte, error) {
	if len(b) > MaxFrameBytes {
		return nil, Errorf(GenericError, "", "the frame would be %d bytes; a frame is at most %d", len(b), MaxFrameBytes)
	}
	return b, nil
}

// ResultFrame builds a CALLRESULT; payload must be valid by Validate. The error is an *Error.
func ResultFrame(uniqueID string, payload any) ([]byte, error) {
	if err := checkUniqueID(uniqueID); err != nil {
		return nil, err
	}
	p, err := marshalValid(payload)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(p)+len(uniqueID)+8)
	b = append(b, "[3,"...)
	b = appendJSONString(b, uniqueID)
	b = append(b, ',')
	b = append(b, p...)
	return bounded(append(b, ']'))
}

// ErrorFrame builds a CALLERROR of at most MaxErrorFrameBytes; it never fails. A uniqueID
// that is empty (the CALL's could not be read) or not a valid uniqueId becomes "-1", a code
// that is not one of the ten GenericError. The description is cut to MaxDescriptionBytes
// (ending "..."); details that are nil, do not marshal, are not a JSON object or are longer
// than MaxDetailsBytes become {}.
func ErrorFrame(uniqueID string, code ErrorCode, description string, details any) []byte {
	if checkUniqueID(uniqueID) != nil {
		uniqueID = "-1"
	}
	if !code.Valid() {
		code = GenericError
	}
	d := []byte("{}")
	if details != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(details); err == nil {
			if m := bytes.TrimSpace(buf.Bytes()); len(m) > 0 && m[0] == '{' && len(m) <= MaxDetailsBytes {
				d = m
			}
		}
	}
	description = truncate(description, MaxDescriptionBytes)
	b := make([]byte, 0, len(uniqueID)+len(code)+len(description)+len(d)+16)
	b = append(b, "[4,"...)
	b = appendJSONString(b, uniqueID)
	b = append(b, ',')
	b = appendJSONString(b, string(code))
	b = append(b, ',')
	b = appendJSONString(b, description)
	b = append(b, ',')
	b = append(b, d...)
	return append(b, ']')
}

func checkUniqueID(id string) *Error {
	if id == "" || utf8.RuneCountInString(id) > MaxUniqueIDLength {
		return Errorf(FormationViolation, "", "uniqueId must be 1 to %d characters", MaxUniqueIDLength)
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as encoding/json
// does, so the output is always valid JSON.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// NewUniqueID returns a random UUID version 4 (36 characters), usable as a CALL uniqueId.
func NewUniqueID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails; it crashes the program if it would
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:])
}

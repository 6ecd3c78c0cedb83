package ocpp

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrorCode is the errorCode of an OCPP-J CALLERROR (OCPP-J 1.6, section 4.2.3).
type ErrorCode string

// The ten error codes OCPP-J 1.6 defines. OccurenceConstraintViolation keeps the
// specification's spelling because it goes on the wire.
const (
	NotImplemented               ErrorCode = "NotImplemented"
	NotSupported                 ErrorCode = "NotSupported"
	InternalError                ErrorCode = "InternalError"
	ProtocolError                ErrorCode = "ProtocolError"
	SecurityError                ErrorCode = "SecurityError"
	FormationViolation           ErrorCode = "FormationViolation"
	PropertyConstraintViolation  ErrorCode = "PropertyConstraintViolation"
	OccurenceConstraintViolation ErrorCode = "OccurenceConstraintViolation"
	TypeConstraintViolation      ErrorCode = "TypeConstraintViolation"
	GenericError                 ErrorCode = "GenericError"
)

// Valid reports whether c is one of the ten codes OCPP-J 1.6 defines.
func (c ErrorCode) Valid() bool {
	switch c {
	case NotImplemented, NotSupported, InternalError, ProtocolError, SecurityError,
		FormationViolation, PropertyConstraintViolation, OccurenceConstraintViolation,
		TypeConstraintViolation, GenericError:
		return true
	}
	return false
}

// Error is a protocol error that maps one to one onto a CALLERROR: Code is its errorCode and
// Description its errorDescription. Field is the JSON path of the offending field
// ("idTagInfo.status", "meterValue[0].sampledValue[1].value"), empty when the error is not
// about one field.
type Error struct {
	Code        ErrorCode
	Description string
	Field       string
}

// Error implements error.
func (e *Error) Error() string {
	return string(e.Code) + ": " + e.Description
}

// Bounds of an *Error, so that the CALLERROR built from it is small whatever the input: a
// description never carries an offending value whole (the frame log keeps the original frame).
const (
	// MaxDescriptionBytes bounds Error.Description and a CALLERROR's errorDescription.
	MaxDescriptionBytes = 255
	// MaxFieldBytes bounds Error.Field (an unknown key can be as long as the frame).
	MaxFieldBytes = 100
	// ExcerptRunes is how much of an offending value a description quotes (see Excerpt).
	ExcerptRunes = 40
)

// Errorf builds an *Error. When field is not empty the description starts with "field: ", so
// the CALLERROR a charge box receives names the offending field too. Field and description are
// cut to MaxFieldBytes and MaxDescriptionBytes.
func Errorf(code ErrorCode, field, format string, args ...any) *Error {
	field = truncate(field, MaxFieldBytes)
	d := fmt.Sprintf(format, args...)
	if field != "" {
		d = field + ": " + d
	}
	return &Error{Code: code, Description: truncate(d, MaxDescriptionBytes), Field: field}
}

// ellipsis marks a cut string.
const ellipsis = "..."

// truncate cuts s to at most max bytes on a rune boundary, ending a cut string with "...".
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// Excerpt is the start of an offending value for a description: at most ExcerptRunes runes,
// followed by "..." when the value is longer.
func Excerpt[T ~string | ~[]byte](v T) string {
	s := string(v)
	n := 0
	for i := range s {
		if n == ExcerptRunes {
			return s[:i] + ellipsis
		}
		n++
	}
	return s
}

// internalDescription is what a charge box is told about a failure inside the central system:
// internal messages may carry table names or endpoints and stay in the logs.
const internalDescription = "internal error in the central system"

// AsError returns err as an *Error. A non-nil error that is not (and does not wrap) an *Error
// becomes an InternalError with a generic description; nil stays nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) && e != nil {
		return e
	}
	return &Error{Code: InternalError, Description: internalDescription}
}

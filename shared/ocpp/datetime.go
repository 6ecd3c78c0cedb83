package ocpp

import (
	"time"
)

// dateTimeLayout is how the central system writes every dateTime: UTC with milliseconds,
// which every charge box firmware seen in the field parses.
const dateTimeLayout = "2006-01-02T15:04:05.000Z"

// DateTime is an OCPP dateTime. It marshals as UTC "2006-01-02T15:04:05.000Z" and unmarshals
// any RFC 3339 date-time (with or without fraction, "Z" or a numeric offset); anything else is
// a TypeConstraintViolation.
type DateTime struct{ time.Time }

// NewDateTime returns t as a DateTime.
func NewDateTime(t time.Time) DateTime { return DateTime{Time: t} }

// MarshalJSON implements json.Marshaler.
func (d DateTime) MarshalJSON() ([]byte, error) {
	u := d.UTC()
	if y := u.Year(); y < 0 || y > 9999 {
		return nil, Errorf(TypeConstraintViolation, "", "date-time year %d outside 0000-9999", y)
	}
	b := make([]byte, 0, len(dateTimeLayout)+2)
	b = append(b, '"')
	b = u.AppendFormat(b, dateTimeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return Errorf(TypeConstraintViolation, "", "date-time must be a string")
	}
	t, ok := parseDateTime(string(b[1 : len(b)-1]))
	if !ok {
		return Errorf(TypeConstraintViolation, "", "%q is not an RFC 3339 date-time", Excerpt(b[1:len(b)-1]))
	}
	d.Time = t
	return nil
}

// parseDateTime accepts RFC 3339 date-times whose UTC instant can be written back in the
// central system's own format (year 0000-9999), so what decodes always re-marshals.
func parseDateTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return time.Time{}, false
	}
	return t, true
}

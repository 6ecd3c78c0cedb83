package ocpp_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

func mustTime(t *testing.T, s string) ocpp.DateTime {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return ocpp.NewDateTime(tm)
}

func TestDateTimeUnmarshal(t *testing.T) {
	tests := []struct {
		in   string
		want string // UTC, RFC 3339 with nanoseconds; "" means TypeConstraintViolation
	}{
		{`"2026-11-23T10:00:00Z"`, "2026-11-23T10:00:00Z"},
		{`"2026-11-23T10:00:00.123Z"`, "2026-11-23T10:00:00.123Z"},
		{`"2026-11-23T10:00:00.123456789Z"`, "2026-11-23T10:00:00.123456789Z"},
		{`"2026-11-23T10:00:00+02:00"`, "2026-11-23T08:00:00Z"},
		{`"2026-11-23T10:00:00.5-05:30"`, "2026-11-23T15:30:00.5Z"},
		{`"2026-11-23T10:00:00"`, ""},
		{`"2026-11-23 10:00:00Z"`, ""},
		{`"2026-11-23"`, ""},
		{`"2026-02-30T10:00:00Z"`, ""},
		{`"0000-01-01T00:00:00+01:00"`, ""}, // would be year -1 in UTC
		{`""`, ""},
		{`1700000000`, ""},
		{`null`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d ocpp.DateTime
			err := json.Unmarshal([]byte(tt.in), &d)
			if tt.want == "" {
				if e := ocpp.AsError(err); e == nil || e.Code != ocpp.TypeConstraintViolation {
					t.Fatalf("error = %v, want TypeConstraintViolation", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := d.UTC().Format(time.RFC3339Nano); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDateTimeRoundTrip(t *testing.T) {
	loc := time.FixedZone("X", -(5*3600 + 1800))
	in := ocpp.NewDateTime(time.Date(2026, 11, 23, 10, 0, 0, 123456789, loc))
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"2026-11-23T15:30:00.123Z"`; string(b) != want {
		t.Errorf("marshal = %s, want %s", b, want)
	}
	var out ocpp.DateTime
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !out.Equal(in.Truncate(time.Millisecond)) {
		t.Errorf("round trip = %v, want %v", out, in.Truncate(time.Millisecond))
	}
	if _, err := json.Marshal(ocpp.NewDateTime(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))); err == nil {
		t.Error("year 10000 marshalled")
	}
}

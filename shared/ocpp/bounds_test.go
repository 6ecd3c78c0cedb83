package ocpp_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// checkAnswer checks that the CALLERROR answering err is bounded, parses, and does not carry
// the offending value whole.
func checkAnswer(t *testing.T, err error, offending string) {
	t.Helper()
	e := assertProtocolError(t, err)
	b := ocpp.ErrorFrame("id-1", e.Code, e.Description, map[string]string{"field": e.Field})
	if len(b) > ocpp.MaxErrorFrameBytes {
		t.Fatalf("CALLERROR is %d bytes, more than %d", len(b), ocpp.MaxErrorFrameBytes)
	}
	if len(e.Description) > ocpp.MaxDescriptionBytes || len(e.Field) > ocpp.MaxFieldBytes {
		t.Fatalf("description %d bytes, field %d bytes", len(e.Description), len(e.Field))
	}
	if strings.Contains(string(b), offending) || strings.Contains(e.Description, offending) {
		t.Fatalf("the answer echoes the %d-byte offending value whole", len(offending))
	}
	f, perr := ocpp.ParseFrame(b)
	if perr != nil || f.ErrorCode != e.Code || !utf8.ValidString(f.ErrorDescription) {
		t.Fatalf("CALLERROR %s does not read back: %v", b, perr)
	}
}

// TestHostileValuesGetBoundedAnswers: whatever the size of an offending value, the CALLERROR
// stays small (a 30 KB status once produced a 42 KB answer API Gateway cannot deliver).
func TestHostileValuesGetBoundedAnswers(t *testing.T) {
	big := strings.Repeat("<Fault&ed>", 3*1024) // 30 KB, with characters HTML escaping grows
	digits := strings.Repeat("9", 30*1024)
	ctl := strings.Repeat("\x01", 30*1024)
	tests := []struct {
		name, action, payload, offending string
	}{
		{"30 KB status", "StatusNotification", `{"connectorId":1,"errorCode":"NoError","status":"` + big + `"}`, big},
		{"30 KB unknown field", "Heartbeat", `{"` + big + `":1}`, big},
		{"30 KB integer", "StatusNotification", `{"connectorId":` + digits + `,"errorCode":"NoError","status":"Available"}`, digits},
		{"30 KB of control characters", "StatusNotification", `{"connectorId":1,"errorCode":"NoError","status":"` + strings.ReplaceAll(ctl, "\x01", `\u0001`) + `"}`, ctl},
		{"30 KB date-time", "StatusNotification", `{"connectorId":1,"errorCode":"NoError","status":"Available","timestamp":"` + big + `"}`, big},
		{"30 KB action", big, `{}`, big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ocpp.DecodeRequest(tt.action, []byte(tt.payload))
			checkAnswer(t, err, tt.offending)
		})
	}
}

func TestErrorFrameIsBounded(t *testing.T) {
	long := strings.Repeat("é\x01\"", 20*1024)
	b := ocpp.ErrorFrame(strings.Repeat("x", 100), "NoSuchCode", long, map[string]string{"field": long})
	if len(b) > ocpp.MaxErrorFrameBytes {
		t.Fatalf("CALLERROR is %d bytes, more than %d", len(b), ocpp.MaxErrorFrameBytes)
	}
	f, err := ocpp.ParseFrame(b)
	if err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if f.UniqueID != "-1" || f.ErrorCode != ocpp.GenericError || string(f.ErrorDetails) != "{}" ||
		!strings.HasSuffix(f.ErrorDescription, "...") || len(f.ErrorDescription) > ocpp.MaxDescriptionBytes {
		t.Fatalf("uniqueId %q, code %s, details %s, description of %d bytes", f.UniqueID, f.ErrorCode, f.ErrorDetails, len(f.ErrorDescription))
	}
	// Details are not HTML-escaped: what the box reads is what was meant, in fewer bytes.
	b = ocpp.ErrorFrame("a", ocpp.FormationViolation, "d", map[string]string{"field": "<a&b>"})
	if want := `[4,"a","FormationViolation","d",{"field":"<a&b>"}]`; string(b) != want {
		t.Fatalf("ErrorFrame = %s, want %s", b, want)
	}
}

func TestFramesOverTheLimitAreRefused(t *testing.T) {
	data := strings.Repeat("a", ocpp.MaxFrameBytes)
	_, err := ocpp.ResultFrame("a", &ocpp.DataTransferResponse{Status: ocpp.DataTransferStatusAccepted, Data: data})
	if e := assertFrameError(t, err); !strings.Contains(e.Description, "32768") {
		t.Fatalf("description %q", e.Description)
	}
	_, err = ocpp.CallFrame("a", ocpp.DataTransfer, &ocpp.DataTransferRequest{VendorID: "v", Data: data})
	assertFrameError(t, err)
	// Just under the limit still goes.
	fit := strings.Repeat("a", ocpp.MaxFrameBytes-64)
	b, err := ocpp.ResultFrame("a", &ocpp.DataTransferResponse{Status: ocpp.DataTransferStatusAccepted, Data: fit})
	if err != nil || len(b) > ocpp.MaxFrameBytes || !json.Valid(b) {
		t.Fatalf("%d bytes: %v", len(b), err)
	}
}

func assertFrameError(t *testing.T, err error) *ocpp.Error {
	t.Helper()
	e, ok := err.(*ocpp.Error)
	if !ok || e.Code != ocpp.GenericError {
		t.Fatalf("error %v, want a GenericError *ocpp.Error", err)
	}
	return e
}

func TestExcerpt(t *testing.T) {
	if got := ocpp.Excerpt("short"); got != "short" {
		t.Errorf("Excerpt(short) = %q", got)
	}
	long := strings.Repeat("é", ocpp.ExcerptRunes+1)
	if got := ocpp.Excerpt(long); got != strings.Repeat("é", ocpp.ExcerptRunes)+"..." {
		t.Errorf("Excerpt(long) = %q", got)
	}
}

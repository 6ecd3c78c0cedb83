package ocpp_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

var malformedPayloads = []string{
	``, `null`, `[]`, `"x"`, `{`, `{"a":}`, `{"idTag":"\ud800"}`, `{"connectorId":1e309}`,
	`{"connectorId":-2147483649}`, `{"meterValue":[null]}`, `{"meterValue":[{"sampledValue":[{"value":1}]}]}`,
	`{"currentTime":"9999-12-31T23:59:59-01:00"}`, `{"limit":1e-400}`, `{"\u0000":0}`, "{\"idTag\":\"\xff\xed\"}", `{"idTagInfo":{"status":"Accepted","status":"Blocked"}}`,
}

// hugePayloads are seeds whose offending value is larger than a frame the central system may
// send: the answer must stay small anyway.
func hugePayloads() []string {
	big := strings.Repeat("<&>\u0001é", 6*1024)
	return []string{
		`{"connectorId":1,"errorCode":"NoError","status":"` + big + `"}`,
		`{"` + big + `":1}`,
		`{"connectorId":` + strings.Repeat("9", 30*1024) + `}`,
		`{"data":"` + strings.Repeat("a", 40*1024) + `","status":"Accepted"}`,
	}
}

// assertProtocolError checks that err is an *Error carrying one of the ten codes, and that
// decoding failures are never blamed on the central system.
func assertProtocolError(t *testing.T, err error) *ocpp.Error {
	t.Helper()
	var e *ocpp.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *ocpp.Error", err, err)
	}
	if !e.Code.Valid() || e.Code == ocpp.InternalError || e.Description == "" {
		t.Fatalf("bad error %+v", e)
	}
	return e
}

// assertBoundedAnswer checks the CALLERROR the central system would answer err with: at most
// MaxErrorFrameBytes, a description and field within their bounds, and readable back.
func assertBoundedAnswer(t *testing.T, uniqueID string, err error) {
	t.Helper()
	e := ocpp.AsError(err)
	if len(e.Description) > ocpp.MaxDescriptionBytes || len(e.Field) > ocpp.MaxFieldBytes {
		t.Fatalf("description of %d bytes, field of %d bytes", len(e.Description), len(e.Field))
	}
	b := ocpp.ErrorFrame(uniqueID, e.Code, e.Description, map[string]string{"field": e.Field})
	if len(b) > ocpp.MaxErrorFrameBytes {
		t.Fatalf("CALLERROR of %d bytes, more than %d", len(b), ocpp.MaxErrorFrameBytes)
	}
	if _, perr := ocpp.ParseFrame(b); perr != nil {
		t.Fatalf("CALLERROR %s does not parse: %v", b, perr)
	}
}

// assertBoundedFrame checks a frame the central system built: at most MaxFrameBytes, or
// refused because it would be larger.
func assertBoundedFrame(t *testing.T, b []byte, err error) bool {
	t.Helper()
	if err != nil {
		var e *ocpp.Error
		if !errors.As(err, &e) || e.Code != ocpp.GenericError {
			t.Fatalf("frame not built: %v", err)
		}
		return false
	}
	if len(b) > ocpp.MaxFrameBytes {
		t.Fatalf("built a frame of %d bytes, more than %d", len(b), ocpp.MaxFrameBytes)
	}
	return true
}

func FuzzParseFrame(f *testing.F) {
	for _, s := range ocpp.Actions() {
		f.Add([]byte(`[2,"` + ocpp.NewUniqueID() + `","` + string(s.Action) + `",` + string(example(f, s.Action, "req")) + `]`))
		f.Add([]byte(`[3,"1",` + string(example(f, s.Action, "conf")) + `]`))
	}
	for _, p := range malformedPayloads {
		f.Add([]byte(`[2,"1","BootNotification",` + p + `]`))
	}
	for _, p := range hugePayloads() {
		f.Add([]byte(`[2,"1","StatusNotification",` + p + `]`))
	}
	for _, s := range []string{``, `[`, `[]`, `[2]`, `[2,"a"]`, `[2,"a","Heartbeat"]`, `[2,"a","Heartbeat",null]`,
		`[4,"a","GenericError","",{}]`, `[4,"","x","",{}]`, `[3,"a",{}]`, `[2,"a\u0000","Heartbeat",{}]`, `[5]`, `{}`, `[2,"a","Heartbeat",{},1,2,3]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := ocpp.ParseFrame(data)
		if fr.UniqueID != "" && utf8.RuneCountInString(fr.UniqueID) > ocpp.MaxUniqueIDLength {
			t.Fatalf("uniqueId %q longer than allowed", fr.UniqueID)
		}
		// Whatever was read, the answer must be a well-formed CALLERROR echoing the uniqueId.
		echo, perr := ocpp.ParseFrame(ocpp.ErrorFrame(fr.UniqueID, ocpp.FormationViolation, "x", nil))
		if perr != nil || (fr.UniqueID != "" && echo.UniqueID != fr.UniqueID) {
			t.Fatalf("CALLERROR for %q does not parse: %v", fr.UniqueID, perr)
		}
		if err != nil {
			e := assertProtocolError(t, err)
			assertBoundedAnswer(t, fr.UniqueID, err)
			if e.Code != ocpp.FormationViolation && e.Code != ocpp.ProtocolError {
				t.Fatalf("frame error code %s", e.Code)
			}
			return
		}
		switch fr.Type {
		case ocpp.TypeCall:
			v, err := ocpp.DecodeRequest(fr.Action, fr.Payload)
			if err != nil {
				assertProtocolError(t, err)
				assertBoundedAnswer(t, fr.UniqueID, err)
				return
			}
			b, err := ocpp.CallFrame(fr.UniqueID, ocpp.Action(fr.Action), v)
			if !assertBoundedFrame(t, b, err) {
				if len(data) < ocpp.MaxFrameBytes/2 {
					t.Fatalf("a CALL of %d bytes does not re-encode: %v", len(data), err)
				}
				return
			}
			again, err := ocpp.ParseFrame(b)
			if err != nil || again.UniqueID != fr.UniqueID || again.Action != fr.Action {
				t.Fatalf("re-encoded CALL %s: %+v, %v", b, again, err)
			}
		case ocpp.TypeCallResult, ocpp.TypeCallError:
			if fr.Action != "" {
				t.Fatalf("action %q on type %d", fr.Action, fr.Type)
			}
		default:
			t.Fatalf("type %d accepted", fr.Type)
		}
	})
}

func FuzzDecodeRequest(f *testing.F) {
	specs := ocpp.Actions()
	for i, s := range specs {
		f.Add(uint8(i), false, example(f, s.Action, "req"))
		f.Add(uint8(i), true, example(f, s.Action, "conf"))
	}
	for i, p := range malformedPayloads {
		f.Add(uint8(i), i%2 == 0, []byte(p))
	}
	for _, p := range hugePayloads() {
		f.Add(uint8(0), false, []byte(p))
	}
	f.Fuzz(func(t *testing.T, idx uint8, response bool, payload []byte) {
		s := specs[int(idx)%len(specs)]
		decode := ocpp.DecodeRequest
		if response {
			decode = ocpp.DecodeResponse
		}
		v, err := decode(string(s.Action), payload)
		if err != nil {
			assertProtocolError(t, err)
			assertBoundedAnswer(t, "1", err)
			return
		}
		if response {
			b, err := ocpp.ResultFrame("1", v)
			assertBoundedFrame(t, b, err)
		}
		if err := ocpp.Validate(v); err != nil {
			t.Fatalf("decoded %s does not validate: %v", payload, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decoded value does not marshal: %v", err)
		}
		if _, err := decode(string(s.Action), b); err != nil {
			t.Fatalf("re-marshalled %s does not decode: %v", b, err)
		}
	})
}

package ocpp_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// frameCase is one frame for ParseFrame and what it must return.
type frameCase struct {
	name   string
	frame  string
	code   ocpp.ErrorCode // "" means valid
	typ    ocpp.MessageType
	id     string
	action string
	check  func(t *testing.T, f ocpp.Frame)
}

var frameCases = []frameCase{
	{name: "call", frame: `[2,"19223201","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]`, typ: ocpp.TypeCall, id: "19223201", action: "BootNotification",
		check: func(t *testing.T, f ocpp.Frame) {
			if string(f.Payload) != `{"chargePointVendor":"V","chargePointModel":"M"}` {
				t.Errorf("payload = %s", f.Payload)
			}
		}},
	{name: "call with spaces", frame: " [ 2 , \"a\" ,\n\"Heartbeat\" , { } ] ", typ: ocpp.TypeCall, id: "a", action: "Heartbeat",
		check: func(t *testing.T, f ocpp.Frame) {
			if string(f.Payload) != `{ }` {
				t.Errorf("payload = %q", f.Payload)
			}
		}},
	{name: "call result", frame: `[3,"19223201",{"currentTime":"2026-01-01T00:00:00Z"}]`, typ: ocpp.TypeCallResult, id: "19223201"},
	{name: "call error", frame: `[4,"19223201","NotSupported","nope",{"a":1}]`, typ: ocpp.TypeCallError, id: "19223201",
		check: func(t *testing.T, f ocpp.Frame) {
			if f.ErrorCode != ocpp.NotSupported || f.ErrorDescription != "nope" || string(f.ErrorDetails) != `{"a":1}` {
				t.Errorf("frame = %+v", f)
			}
		}},
	{name: "call error with unknown code is kept", frame: `[4,"x","VendorSpecific","",{}]`, typ: ocpp.TypeCallError, id: "x",
		check: func(t *testing.T, f ocpp.Frame) {
			if f.ErrorCode != "VendorSpecific" {
				t.Errorf("code = %q", f.ErrorCode)
			}
		}},
	{name: "escaped uniqueId", frame: `[3,"a\"b",{}]`, typ: ocpp.TypeCallResult, id: `a"b`},
	{name: "36-character uniqueId", frame: `[3,"` + strings.Repeat("a", 36) + `",{}]`, typ: ocpp.TypeCallResult, id: strings.Repeat("a", 36)},

	{name: "not JSON", frame: `[2,"a","Heartbeat",{}`, code: ocpp.FormationViolation},
	{name: "not an array", frame: `{"a":1}`, code: ocpp.FormationViolation},
	{name: "empty array", frame: `[]`, code: ocpp.FormationViolation},
	{name: "type not a number", frame: `["2","a","Heartbeat",{}]`, code: ocpp.FormationViolation, id: "a"},
	{name: "unknown type", frame: `[5,"a","Heartbeat",{}]`, code: ocpp.FormationViolation, id: "a"},
	{name: "type 2.0", frame: `[2.0,"a","Heartbeat",{}]`, code: ocpp.FormationViolation, id: "a"},
	{name: "only a type", frame: `[2]`, code: ocpp.FormationViolation, typ: ocpp.TypeCall},
	{name: "uniqueId not a string", frame: `[2,1,"Heartbeat",{}]`, code: ocpp.FormationViolation, typ: ocpp.TypeCall},
	{name: "uniqueId empty", frame: `[2,"","Heartbeat",{}]`, code: ocpp.FormationViolation, typ: ocpp.TypeCall},
	{name: "uniqueId too long", frame: `[2,"` + strings.Repeat("a", 37) + `","Heartbeat",{}]`, code: ocpp.FormationViolation, typ: ocpp.TypeCall},
	{name: "action not a string", frame: `[2,"a",7,{}]`, code: ocpp.FormationViolation, typ: ocpp.TypeCall, id: "a"},
	{name: "call without action", frame: `[2,"a"]`, code: ocpp.FormationViolation, typ: ocpp.TypeCall, id: "a"},
	{name: "call without payload", frame: `[2,"a","Heartbeat"]`, code: ocpp.ProtocolError, typ: ocpp.TypeCall, id: "a", action: "Heartbeat"},
	{name: "call with null payload", frame: `[2,"a","Heartbeat",null]`, code: ocpp.ProtocolError, typ: ocpp.TypeCall, id: "a", action: "Heartbeat"},
	{name: "call with array payload", frame: `[2,"a","Heartbeat",[]]`, code: ocpp.FormationViolation, typ: ocpp.TypeCall, id: "a", action: "Heartbeat"},
	{name: "call with string payload", frame: `[2,"a","Heartbeat","{}"]`, code: ocpp.FormationViolation, typ: ocpp.TypeCall, id: "a", action: "Heartbeat"},
	{name: "call with 5 elements", frame: `[2,"a","Heartbeat",{},{}]`, code: ocpp.FormationViolation, typ: ocpp.TypeCall, id: "a", action: "Heartbeat"},
	{name: "result with 4 elements", frame: `[3,"a","Heartbeat",{}]`, code: ocpp.FormationViolation, typ: ocpp.TypeCallResult, id: "a"},
	{name: "result with null payload", frame: `[3,"a",null]`, code: ocpp.FormationViolation, typ: ocpp.TypeCallResult, id: "a"},
	{name: "error with 4 elements", frame: `[4,"a","GenericError",""]`, code: ocpp.FormationViolation, typ: ocpp.TypeCallError, id: "a"},
	{name: "error code not a string", frame: `[4,"a",1,"",{}]`, code: ocpp.FormationViolation, typ: ocpp.TypeCallError, id: "a"},
	{name: "error description not a string", frame: `[4,"a","GenericError",null,{}]`, code: ocpp.FormationViolation, typ: ocpp.TypeCallError, id: "a"},
	{name: "error details not an object", frame: `[4,"a","GenericError","",[]]`, code: ocpp.FormationViolation, typ: ocpp.TypeCallError, id: "a"},
}

func TestParseFrame(t *testing.T) {
	for _, tt := range frameCases {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ocpp.ParseFrame([]byte(tt.frame))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
			} else if e := ocpp.AsError(err); e == nil || e.Code != tt.code {
				t.Fatalf("error = %v, want %s", err, tt.code)
			}
			if f.Type != tt.typ || f.UniqueID != tt.id || f.Action != tt.action {
				t.Errorf("frame type %d id %q action %q, want %d %q %q", f.Type, f.UniqueID, f.Action, tt.typ, tt.id, tt.action)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

func TestCallFrame(t *testing.T) {
	id := ocpp.NewUniqueID()
	req := ocpp.ResetRequest{Type: ocpp.ResetTypeSoft}
	b, err := ocpp.CallFrame(id, ocpp.Reset, req)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[2,"` + id + `","Reset",{"type":"Soft"}]`; string(b) != want {
		t.Errorf("CallFrame = %s, want %s", b, want)
	}
	if _, err := ocpp.CallFrame(id, ocpp.Reset, &req); err != nil {
		t.Errorf("pointer payload: %v", err)
	}
	f, err := ocpp.ParseFrame(b)
	if err != nil || f.Type != ocpp.TypeCall || f.UniqueID != id || f.Action != "Reset" {
		t.Fatalf("parse own CALL: %+v, %v", f, err)
	}
	if _, err := ocpp.DecodeRequest(f.Action, f.Payload); err != nil {
		t.Errorf("decode own CALL: %v", err)
	}

	bad := []struct {
		name    string
		id      string
		action  ocpp.Action
		payload any
		code    ocpp.ErrorCode
	}{
		{"wrong payload type", id, ocpp.Reset, ocpp.UnlockConnectorRequest{ConnectorID: 1}, ocpp.InternalError},
		{"response as payload", id, ocpp.Reset, ocpp.ResetResponse{Status: ocpp.ResetStatusAccepted}, ocpp.InternalError},
		{"nil payload", id, ocpp.Reset, nil, ocpp.InternalError},
		{"invalid payload", id, ocpp.Reset, ocpp.ResetRequest{Type: "Warm"}, ocpp.PropertyConstraintViolation},
		{"unknown action", id, "Foo", req, ocpp.NotImplemented},
		{"empty uniqueId", "", ocpp.Reset, req, ocpp.FormationViolation},
		{"long uniqueId", strings.Repeat("a", 37), ocpp.Reset, req, ocpp.FormationViolation},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ocpp.CallFrame(tt.id, tt.action, tt.payload)
			if e := ocpp.AsError(err); e == nil || e.Code != tt.code || b != nil {
				t.Errorf("CallFrame = %s, %v; want %s", b, err, tt.code)
			}
		})
	}
}

func TestResultFrame(t *testing.T) {
	b, err := ocpp.ResultFrame("abc", &ocpp.HeartbeatResponse{CurrentTime: mustTime(t, "2026-11-23T10:00:00.5+01:00")})
	if err != nil {
		t.Fatal(err)
	}
	if want := `[3,"abc",{"currentTime":"2026-11-23T09:00:00.500Z"}]`; string(b) != want {
		t.Errorf("ResultFrame = %s, want %s", b, want)
	}
	b, err = ocpp.ResultFrame("abc", ocpp.StatusNotificationResponse{})
	if err != nil || string(b) != `[3,"abc",{}]` {
		t.Errorf("empty response = %s, %v", b, err)
	}
	if b, err := ocpp.ResultFrame("abc", ocpp.BootNotificationResponse{Status: "OK"}); err == nil {
		t.Errorf("invalid response accepted: %s", b)
	}
}

func TestErrorFrame(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		code    ocpp.ErrorCode
		desc    string
		details any
		want    string
	}{
		{"plain", "abc", ocpp.NotImplemented, "unknown action", nil, `[4,"abc","NotImplemented","unknown action",{}]`},
		{"unreadable uniqueId", "", ocpp.FormationViolation, "", nil, `[4,"-1","FormationViolation","",{}]`},
		{"empty code", "a", "", "x", nil, `[4,"a","GenericError","x",{}]`},
		{"details", "a", ocpp.TypeConstraintViolation, "t", map[string]string{"field": "idTag"}, `[4,"a","TypeConstraintViolation","t",{"field":"idTag"}]`},
		{"details not an object", "a", ocpp.GenericError, "", []int{1}, `[4,"a","GenericError","",{}]`},
		{"details that do not marshal", "a", ocpp.GenericError, "", func() {}, `[4,"a","GenericError","",{}]`},
		{"escaping", "a", ocpp.GenericError, "quote \" backslash \\ newline \n ctl \x01 bad \xff é", nil, `[4,"a","GenericError","quote \" backslash \\ newline \n ctl \u0001 bad \ufffd é",{}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ocpp.ErrorFrame(tt.id, tt.code, tt.desc, tt.details)
			if string(b) != tt.want {
				t.Errorf("ErrorFrame =\n%s\nwant\n%s", b, tt.want)
			}
			if !json.Valid(b) {
				t.Errorf("not valid JSON: %s", b)
			}
		})
	}
}

// TestEveryErrorCodeTravels produces each of the ten codes as a CALLERROR and reads it back.
func TestEveryErrorCodeTravels(t *testing.T) {
	codes := []ocpp.ErrorCode{ocpp.NotImplemented, ocpp.NotSupported, ocpp.InternalError, ocpp.ProtocolError,
		ocpp.SecurityError, ocpp.FormationViolation, ocpp.PropertyConstraintViolation,
		ocpp.OccurenceConstraintViolation, ocpp.TypeConstraintViolation, ocpp.GenericError}
	for _, c := range codes {
		if !c.Valid() {
			t.Errorf("%s is not Valid", c)
		}
		f, err := ocpp.ParseFrame(ocpp.ErrorFrame("id-1", c, "d", nil))
		if err != nil || f.ErrorCode != c || f.UniqueID != "id-1" || f.ErrorDescription != "d" || string(f.ErrorDetails) != "{}" {
			t.Errorf("%s: %+v, %v", c, f, err)
		}
	}
	if ocpp.ErrorCode("OccurrenceConstraintViolation").Valid() {
		t.Error("corrected spelling must not be a valid code: the wire uses the specification's")
	}
}

func TestNewUniqueID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id := ocpp.NewUniqueID()
		if !uuid.MatchString(id) {
			t.Fatalf("%q is not a UUID v4", id)
		}
		if seen[id] {
			t.Fatalf("%q repeated", id)
		}
		seen[id] = true
	}
}

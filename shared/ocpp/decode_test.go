package ocpp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// example reads the testdata example of one action and direction ("req" or "conf").
func example(t testing.TB, a ocpp.Action, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", string(a)+"."+dir+".json"))
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	return b
}

func TestExamplesDecodeAndRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2*len(ocpp.Actions()) {
		t.Errorf("testdata has %d examples, want one request and one response per action (%d)", len(files), 2*len(ocpp.Actions()))
	}
	for _, s := range ocpp.Actions() {
		for _, dir := range []string{"req", "conf"} {
			t.Run(string(s.Action)+"."+dir, func(t *testing.T) {
				decode, want := ocpp.DecodeRequest, s.NewRequest()
				if dir == "conf" {
					decode, want = ocpp.DecodeResponse, s.NewResponse()
				}
				v, err := decode(string(s.Action), example(t, s.Action, dir))
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				if reflect.TypeOf(v) != reflect.TypeOf(want) {
					t.Fatalf("decoded %T, want %T", v, want)
				}
				if err := ocpp.Validate(v); err != nil {
					t.Fatalf("validate decoded value: %v", err)
				}
				first, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				again, err := decode(string(s.Action), first)
				if err != nil {
					t.Fatalf("decode re-marshalled %s: %v", first, err)
				}
				second, _ := json.Marshal(again)
				if !bytes.Equal(first, second) {
					t.Errorf("round trip changed the payload:\n%s\n%s", first, second)
				}
			})
		}
	}
}

func TestExampleFieldsSurvive(t *testing.T) {
	v, err := ocpp.DecodeRequest("MeterValues", example(t, ocpp.MeterValues, "req"))
	if err != nil {
		t.Fatal(err)
	}
	mv := v.(*ocpp.MeterValuesRequest)
	if mv.ConnectorID != 1 || mv.TransactionID == nil || *mv.TransactionID != 1001 {
		t.Errorf("connectorId/transactionId = %d/%v", mv.ConnectorID, mv.TransactionID)
	}
	sv := mv.MeterValue[0].SampledValue
	if len(sv) != 6 || sv[0].Measurand != ocpp.MeasurandEnergyActiveImportRegister || sv[3].Phase != ocpp.PhaseL1N || sv[0].Value != "15000.5" {
		t.Errorf("sampled values = %+v", sv)
	}
	v, err = ocpp.DecodeRequest("StopTransaction", example(t, ocpp.StopTransaction, "req"))
	if err != nil {
		t.Fatal(err)
	}
	st := v.(*ocpp.StopTransactionRequest)
	if got := st.Timestamp.UTC().Format("2006-01-02T15:04:05Z"); got != "2026-11-23T10:10:00Z" {
		t.Errorf("timestamp with offset = %s", got)
	}
	if st.Reason != ocpp.ReasonEVDisconnected || len(st.TransactionData) != 2 {
		t.Errorf("stop = %+v", st)
	}
}

// decodeCase is one payload for DecodeRequest (or DecodeResponse) and the error it must give.
type decodeCase struct {
	name    string
	action  string
	resp    bool
	payload string
	code    ocpp.ErrorCode // "" means valid
	field   string
	desc    string // substring of the description
}

func long(n int) string { return strings.Repeat("x", n) }

var decodeCases = []decodeCase{
	// Valid edge cases.
	{name: "connectorId 0 on StatusNotification", action: "StatusNotification", payload: `{"connectorId":0,"errorCode":"NoError","status":"Available"}`},
	{name: "optional null counts as absent", action: "StartTransaction", payload: `{"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"2026-01-01T00:00:00Z","reservationId":null}`},
	{name: "escaped key", action: "Authorize", payload: `{"\u0069dTag":"ABC"}`},
	{name: "20 multi-byte characters", action: "Authorize", payload: `{"idTag":"` + strings.Repeat("é", 20) + `"}`},
	{name: "limit with trailing zero", action: "SetChargingProfile", payload: `{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16.50}]}}}`},
	{name: "Celcius spelling of the schema", action: "MeterValues", payload: `{"connectorId":0,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"20","unit":"Celcius"}]}]}`},
	{name: "TriggerMessage for the Charge Point", action: "TriggerMessage", payload: `{"requestedMessage":"StatusNotification","connectorId":0}`},
	{name: "empty optional-only request", action: "GetConfiguration", payload: ` { } `},
	{name: "invalid UTF-8 counts like its replacement", action: "Authorize", payload: `{"idTag":"` + strings.Repeat("\xff", 20) + `"}`},
	{name: "int32 max", action: "RemoteStopTransaction", payload: `{"transactionId":2147483647}`},

	// NotImplemented.
	{name: "unknown action", action: "FooBar", payload: `{}`, code: ocpp.NotImplemented},
	{name: "action is case-sensitive", action: "bootNotification", payload: `{}`, code: ocpp.NotImplemented},

	// FormationViolation.
	{name: "not JSON", action: "Heartbeat", payload: `{`, code: ocpp.FormationViolation},
	{name: "not an object", action: "Heartbeat", payload: `[]`, code: ocpp.FormationViolation},
	{name: "unknown field", action: "Heartbeat", payload: `{"foo":1}`, code: ocpp.FormationViolation, field: "foo", desc: "foo: field is not allowed"},
	{name: "unknown nested field", action: "Authorize", resp: true, payload: `{"idTagInfo":{"status":"Accepted","extra":true}}`, code: ocpp.FormationViolation, field: "idTagInfo.extra"},
	{name: "field case differs", action: "Authorize", payload: `{"IdTag":"A"}`, code: ocpp.FormationViolation, field: "IdTag"},
	{name: "duplicate field", action: "Authorize", payload: `{"idTag":"A","idTag":"B"}`, code: ocpp.FormationViolation, field: "idTag"},

	// TypeConstraintViolation.
	{name: "string for integer", action: "UnlockConnector", payload: `{"connectorId":"1"}`, code: ocpp.TypeConstraintViolation, field: "connectorId"},
	{name: "fraction for integer", action: "StartTransaction", payload: `{"connectorId":1,"idTag":"A","meterStart":1.5,"timestamp":"2026-01-01T00:00:00Z"}`, code: ocpp.TypeConstraintViolation, field: "meterStart"},
	{name: "exponent for integer", action: "UnlockConnector", payload: `{"connectorId":1e0}`, code: ocpp.TypeConstraintViolation, field: "connectorId"},
	{name: "integer beyond 32 bits", action: "RemoteStopTransaction", payload: `{"transactionId":2147483648}`, code: ocpp.TypeConstraintViolation, field: "transactionId"},
	{name: "object for array", action: "MeterValues", payload: `{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":{"value":"1"}}]}`, code: ocpp.TypeConstraintViolation, field: "meterValue[0].sampledValue"},
	{name: "bad dateTime", action: "Heartbeat", resp: true, payload: `{"currentTime":"2026-01-01 00:00:00"}`, code: ocpp.TypeConstraintViolation, field: "currentTime"},
	{name: "dateTime without zone", action: "Heartbeat", resp: true, payload: `{"currentTime":"2026-01-01T00:00:00"}`, code: ocpp.TypeConstraintViolation, field: "currentTime"},
	{name: "string for object", action: "Authorize", resp: true, payload: `{"idTagInfo":"Accepted"}`, code: ocpp.TypeConstraintViolation, field: "idTagInfo"},
	{name: "string for boolean", action: "GetConfiguration", resp: true, payload: `{"configurationKey":[{"key":"K","readonly":"true"}]}`, code: ocpp.TypeConstraintViolation, field: "configurationKey[0].readonly"},
	{name: "null array item", action: "GetConfiguration", payload: `{"key":["A",null]}`, code: ocpp.TypeConstraintViolation, field: "key[1]"},
	{name: "number for string", action: "Authorize", payload: `{"idTag":123}`, code: ocpp.TypeConstraintViolation, field: "idTag"},
	{name: "number beyond float64", action: "GetCompositeSchedule", resp: true, payload: `{"status":"Accepted","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":1e400}]}}`, code: ocpp.TypeConstraintViolation, field: "chargingSchedule.chargingSchedulePeriod[0].limit"},
	{name: "string for number", action: "GetCompositeSchedule", resp: true, payload: `{"status":"Accepted","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":"16"}]}}`, code: ocpp.TypeConstraintViolation, field: "chargingSchedule.chargingSchedulePeriod[0].limit"},
	{name: "relative location", action: "UpdateFirmware", payload: `{"location":"firmware.bin","retrieveDate":"2026-01-01T00:00:00Z"}`, code: ocpp.TypeConstraintViolation, field: "location"},

	// OccurenceConstraintViolation.
	{name: "required missing", action: "Authorize", payload: `{}`, code: ocpp.OccurenceConstraintViolation, field: "idTag", desc: "idTag: required field is missing"},
	{name: "required null", action: "Authorize", payload: `{"idTag":null}`, code: ocpp.OccurenceConstraintViolation, field: "idTag"},
	{name: "nested required missing", action: "StartTransaction", resp: true, payload: `{"idTagInfo":{},"transactionId":1}`, code: ocpp.OccurenceConstraintViolation, field: "idTagInfo.status"},
	{name: "empty meterValue", action: "MeterValues", payload: `{"connectorId":1,"meterValue":[]}`, code: ocpp.OccurenceConstraintViolation, field: "meterValue"},
	{name: "empty sampledValue", action: "MeterValues", payload: `{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[]}]}`, code: ocpp.OccurenceConstraintViolation, field: "meterValue[0].sampledValue"},
	{name: "empty chargingSchedulePeriod", action: "GetCompositeSchedule", resp: true, payload: `{"status":"Accepted","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[]}}`, code: ocpp.OccurenceConstraintViolation, field: "chargingSchedule.chargingSchedulePeriod"},
	{name: "sampled value without value", action: "MeterValues", payload: `{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"1"},{"unit":"Wh"}]}]}`, code: ocpp.OccurenceConstraintViolation, field: "meterValue[0].sampledValue[1].value"},

	// PropertyConstraintViolation.
	{name: "idTag too long", action: "Authorize", payload: `{"idTag":"` + long(21) + `"}`, code: ocpp.PropertyConstraintViolation, field: "idTag", desc: "idTag: length 21 exceeds 20"},
	{name: "invalid UTF-8 too long", action: "Authorize", payload: `{"idTag":"` + strings.Repeat("\xff", 21) + `"}`, code: ocpp.PropertyConstraintViolation, field: "idTag"},
	{name: "vendor too long", action: "BootNotification", payload: `{"chargePointVendor":"` + long(21) + `","chargePointModel":"M"}`, code: ocpp.PropertyConstraintViolation, field: "chargePointVendor"},
	{name: "escaped string too long", action: "Authorize", payload: `{"idTag":"` + strings.Repeat(`\u00e9`, 21) + `"}`, code: ocpp.PropertyConstraintViolation, field: "idTag"},
	{name: "configuration value too long", action: "ChangeConfiguration", payload: `{"key":"K","value":"` + long(501) + `"}`, code: ocpp.PropertyConstraintViolation, field: "value"},
	{name: "key item too long", action: "GetConfiguration", payload: `{"key":["A","` + long(51) + `"]}`, code: ocpp.PropertyConstraintViolation, field: "key[1]"},
	{name: "enum case differs", action: "BootNotification", resp: true, payload: `{"status":"accepted","currentTime":"2026-01-01T00:00:00Z","interval":300}`, code: ocpp.PropertyConstraintViolation, field: "status"},
	{name: "enum in array", action: "MeterValues", payload: `{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"1"},{"value":"2","unit":"Hz"}]}]}`, code: ocpp.PropertyConstraintViolation, field: "meterValue[0].sampledValue[1].unit"},
	{name: "StartTransaction connectorId 0", action: "StartTransaction", payload: `{"connectorId":0,"idTag":"A","meterStart":0,"timestamp":"2026-01-01T00:00:00Z"}`, code: ocpp.PropertyConstraintViolation, field: "connectorId"},
	{name: "StatusNotification connectorId -1", action: "StatusNotification", payload: `{"connectorId":-1,"errorCode":"NoError","status":"Available"}`, code: ocpp.PropertyConstraintViolation, field: "connectorId"},
	{name: "UnlockConnector connectorId 0", action: "UnlockConnector", payload: `{"connectorId":0}`, code: ocpp.PropertyConstraintViolation, field: "connectorId"},
	{name: "RemoteStart connectorId 0", action: "RemoteStartTransaction", payload: `{"connectorId":0,"idTag":"A"}`, code: ocpp.PropertyConstraintViolation, field: "connectorId"},
	{name: "ReserveNow connectorId -1", action: "ReserveNow", payload: `{"connectorId":-1,"expiryDate":"2026-01-01T00:00:00Z","idTag":"A","reservationId":1}`, code: ocpp.PropertyConstraintViolation, field: "connectorId"},
	{name: "negative stackLevel", action: "SetChargingProfile", payload: `{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":-1,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16}]}}}`, code: ocpp.PropertyConstraintViolation, field: "csChargingProfiles.stackLevel"},
	// The security extension's certificate actions, the same four codes.
	{name: "csr missing", action: "SignCertificate", payload: `{}`, code: ocpp.OccurenceConstraintViolation, field: "csr"},
	{name: "csr not a string", action: "SignCertificate", payload: `{"csr":5}`, code: ocpp.TypeConstraintViolation, field: "csr"},
	{name: "csr too long", action: "SignCertificate", payload: `{"csr":"` + long(5501) + `"}`, code: ocpp.PropertyConstraintViolation, field: "csr"},
	{name: "csr at its limit", action: "SignCertificate", payload: `{"csr":"` + long(5500) + `"}`},
	{name: "SignCertificate status outside enum", action: "SignCertificate", resp: true, payload: `{"status":"Pending"}`, code: ocpp.PropertyConstraintViolation, field: "status"},
	{name: "chain missing", action: "CertificateSigned", payload: `{}`, code: ocpp.OccurenceConstraintViolation, field: "certificateChain"},
	{name: "chain not a string", action: "CertificateSigned", payload: `{"certificateChain":["a"]}`, code: ocpp.TypeConstraintViolation, field: "certificateChain"},
	{name: "chain too long", action: "CertificateSigned", payload: `{"certificateChain":"` + long(10001) + `"}`, code: ocpp.PropertyConstraintViolation, field: "certificateChain"},
	{name: "CertificateSigned status outside enum", action: "CertificateSigned", resp: true, payload: `{"status":"accepted"}`, code: ocpp.PropertyConstraintViolation, field: "status"},
	{name: "CertificateSigned unknown field", action: "CertificateSigned", payload: `{"certificateChain":"x","extra":1}`, code: ocpp.FormationViolation, field: "extra"},
	{name: "limit with two fraction digits", action: "SetChargingProfile", payload: `{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16},{"startPeriod":60,"limit":16.25}]}}}`, code: ocpp.PropertyConstraintViolation, field: "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[1].limit"},
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range decodeCases {
		t.Run(tt.name, func(t *testing.T) {
			decode := ocpp.DecodeRequest
			if tt.resp {
				decode = ocpp.DecodeResponse
			}
			v, err := decode(tt.action, []byte(tt.payload))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if err := ocpp.Validate(v); err != nil {
					t.Fatalf("decoded value does not validate: %v", err)
				}
				return
			}
			var e *ocpp.Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v (%T), want *ocpp.Error %s", err, err, tt.code)
			}
			if v != nil {
				t.Errorf("value %v returned with an error", v)
			}
			if e.Code != tt.code || e.Field != tt.field {
				t.Errorf("got %s field %q (%s), want %s field %q", e.Code, e.Field, e.Description, tt.code, tt.field)
			}
			if !strings.Contains(e.Description, tt.desc) {
				t.Errorf("description %q does not contain %q", e.Description, tt.desc)
			}
		})
	}
}

func TestDecodeTarget(t *testing.T) {
	var req ocpp.AuthorizeRequest
	for _, target := range []any{nil, req, (*ocpp.AuthorizeRequest)(nil), new(int)} {
		err := ocpp.Decode([]byte(`{"idTag":"A"}`), target)
		if e := ocpp.AsError(err); e == nil || e.Code != ocpp.InternalError {
			t.Errorf("Decode into %T: %v, want InternalError", target, err)
		}
	}
	if err := ocpp.Decode([]byte(`{"idTag":"A"}`), &req); err != nil || req.IDTag != "A" {
		t.Errorf("Decode = %v, %+v", err, req)
	}
}

func TestValidateOutbound(t *testing.T) {
	zero, ten := 0, 10
	tests := []struct {
		name  string
		v     any
		code  ocpp.ErrorCode
		field string
	}{
		{name: "valid response", v: ocpp.BootNotificationResponse{Status: ocpp.RegistrationStatusAccepted, Interval: 300}},
		{name: "valid pointer", v: &ocpp.RemoteStartTransactionRequest{IDTag: "A", ConnectorID: &ten}},
		{name: "empty status", v: ocpp.BootNotificationResponse{Interval: 300}, code: ocpp.PropertyConstraintViolation, field: "status"},
		{name: "nested empty status", v: ocpp.AuthorizeResponse{}, code: ocpp.PropertyConstraintViolation, field: "idTagInfo.status"},
		{name: "connectorId 0", v: ocpp.RemoteStartTransactionRequest{IDTag: "A", ConnectorID: &zero}, code: ocpp.PropertyConstraintViolation, field: "connectorId"},
		{name: "idTag too long", v: ocpp.RemoteStartTransactionRequest{IDTag: strings.Repeat("A", 21)}, code: ocpp.PropertyConstraintViolation, field: "idTag"},
		{name: "nil required array", v: ocpp.MeterValuesRequest{ConnectorID: 1}, code: ocpp.OccurenceConstraintViolation, field: "meterValue"},
		{name: "empty required array", v: ocpp.MeterValuesRequest{ConnectorID: 1, MeterValue: []ocpp.MeterValue{}}, code: ocpp.OccurenceConstraintViolation, field: "meterValue"},
		{name: "not a finite number", v: ocpp.ChargingSchedulePeriod{Limit: posInf()}, code: ocpp.TypeConstraintViolation},
		{name: "not a struct", v: 42, code: ocpp.InternalError},
		{name: "nil", v: nil, code: ocpp.InternalError},
		{name: "nil pointer", v: (*ocpp.ResetRequest)(nil), code: ocpp.InternalError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ocpp.Validate(tt.v)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			e := ocpp.AsError(err)
			if e == nil || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %v (field %q), want %s field %q", err, fieldOf(e), tt.code, tt.field)
			}
		})
	}
}

func fieldOf(e *ocpp.Error) string {
	if e == nil {
		return ""
	}
	return e.Field
}

func posInf() float64 {
	var zero float64
	return 1 / zero
}

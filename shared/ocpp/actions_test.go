package ocpp_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

func TestActions(t *testing.T) {
	specs := ocpp.Actions()
	if len(specs) != 28+2+9 {
		t.Fatalf("%d actions, want 28, the 2 certificate actions and the security extension's 9", len(specs))
	}
	counts := map[ocpp.Initiator]int{}
	for i, s := range specs {
		got, ok := ocpp.Lookup(string(s.Action))
		if !ok || got.Action != s.Action {
			t.Errorf("Lookup(%s) = %v, %v", s.Action, got.Action, ok)
		}
		counts[s.Initiator]++
		req, resp := s.NewRequest(), s.NewResponse()
		if name := reflect.TypeOf(req).Elem().Name(); name != string(s.Action)+"Request" {
			t.Errorf("%s request type is %s", s.Action, name)
		}
		if name := reflect.TypeOf(resp).Elem().Name(); name != string(s.Action)+"Response" {
			t.Errorf("%s response type is %s", s.Action, name)
		}
		// Zero-size structs may share an address; any other request must be fresh.
		if reflect.TypeOf(req).Elem().Size() > 0 && s.NewRequest() == req {
			t.Errorf("%s NewRequest returns a shared value", s.Action)
		}
		if ocpp.Actions()[i].Action != s.Action {
			t.Errorf("order of Actions is not stable at %d", i)
		}
	}
	if counts[ocpp.ChargeBox] != 9+1+3 || counts[ocpp.CentralSystem] != 18+1+6 || counts[ocpp.Both] != 1 {
		t.Errorf("initiators = %v", counts)
	}
	dt, _ := ocpp.Lookup("DataTransfer")
	if dt.Initiator != ocpp.Both || !dt.Initiator.From(ocpp.ChargeBox) || !dt.Initiator.From(ocpp.CentralSystem) {
		t.Errorf("DataTransfer initiator = %v", dt.Initiator)
	}
	// A charge box sending a central-system action: the dispatcher answers NotSupported.
	rs, _ := ocpp.Lookup("RemoteStartTransaction")
	if rs.Initiator.From(ocpp.ChargeBox) {
		t.Error("RemoteStartTransaction accepted from a charge box")
	}
	for _, name := range []string{"", "heartbeat", "HEARTBEAT", "Heartbeat ", "signCertificate"} {
		if _, ok := ocpp.Lookup(name); ok {
			t.Errorf("Lookup(%q) found an action", name)
		}
	}
	specs[0].Action = "Mutated"
	if ocpp.Actions()[0].Action == "Mutated" {
		t.Error("Actions returns the internal slice")
	}
}

func TestEnums(t *testing.T) {
	enums := []ocpp.Enum{ocpp.RegistrationStatus(""), ocpp.AuthorizationStatus(""), ocpp.ChargePointStatus(""),
		ocpp.ChargePointErrorCode(""), ocpp.Reason(""), ocpp.Measurand(""), ocpp.ReadingContext(""), ocpp.ValueFormat(""),
		ocpp.Phase(""), ocpp.Location(""), ocpp.UnitOfMeasure(""), ocpp.DiagnosticsStatus(""), ocpp.FirmwareStatus(""),
		ocpp.DataTransferStatus(""), ocpp.AvailabilityType(""), ocpp.AvailabilityStatus(""), ocpp.ConfigurationStatus(""),
		ocpp.ClearCacheStatus(""), ocpp.ChargingProfilePurposeType(""), ocpp.ChargingProfileKindType(""),
		ocpp.RecurrencyKindType(""), ocpp.ChargingRateUnitType(""), ocpp.ClearChargingProfileStatus(""),
		ocpp.GetCompositeScheduleStatus(""), ocpp.RemoteStartStopStatus(""), ocpp.ReservationStatus(""),
		ocpp.CancelReservationStatus(""), ocpp.ResetType(""), ocpp.ResetStatus(""), ocpp.UpdateType(""),
		ocpp.UpdateStatus(""), ocpp.ChargingProfileStatus(""), ocpp.MessageTrigger(""), ocpp.TriggerMessageStatus(""),
		ocpp.UnlockStatus(""), ocpp.GenericStatus(""), ocpp.CertificateSignedStatus("")}
	for _, zero := range enums {
		typ := reflect.TypeOf(zero)
		if zero.Valid() {
			t.Errorf("%s: empty value is valid", typ.Name())
		}
		vals := zero.Values()
		if len(vals) < 2 {
			t.Errorf("%s has %d values", typ.Name(), len(vals))
		}
		for _, v := range vals {
			e := reflect.ValueOf(v).Convert(typ).Interface().(ocpp.Enum)
			if !e.Valid() {
				t.Errorf("%s(%q) is not valid", typ.Name(), v)
			}
			lower := reflect.ValueOf(strings.ToLower(v) + "x").Convert(typ).Interface().(ocpp.Enum)
			if lower.Valid() {
				t.Errorf("%s(%q) is valid", typ.Name(), lower)
			}
		}
		vals[0] = "Mutated"
		if zero.Values()[0] == "Mutated" {
			t.Errorf("%s.Values returns the internal slice", typ.Name())
		}
	}
	if len(ocpp.Measurand("").Values()) != 22 || len(ocpp.ChargePointErrorCode("").Values()) != 16 {
		t.Error("Measurand must have 22 values and ChargePointErrorCode 16")
	}
	if !ocpp.PhaseL1N.Valid() || ocpp.PhaseL1N != "L1-N" || ocpp.ReadingContextSamplePeriodic != "Sample.Periodic" {
		t.Error("constant naming of punctuated values")
	}
}

func TestAsError(t *testing.T) {
	pe := ocpp.Errorf(ocpp.PropertyConstraintViolation, "idTag", "length %d exceeds %d", 21, 20)
	if pe.Description != "idTag: length 21 exceeds 20" || pe.Field != "idTag" {
		t.Errorf("Errorf = %+v", pe)
	}
	if pe.Error() != "PropertyConstraintViolation: idTag: length 21 exceeds 20" {
		t.Errorf("Error() = %q", pe.Error())
	}
	if ocpp.AsError(nil) != nil {
		t.Error("AsError(nil) is not nil")
	}
	if got := ocpp.AsError(fmt.Errorf("handle: %w", pe)); got != pe {
		t.Errorf("wrapped *Error not found: %v", got)
	}
	secret := errors.New("dial tcp 10.0.0.1:8000: connection refused")
	got := ocpp.AsError(secret)
	if got.Code != ocpp.InternalError || strings.Contains(got.Description, "10.0.0.1") || got.Description == "" {
		t.Errorf("AsError(internal) = %+v", got)
	}
	if ocpp.Errorf(ocpp.GenericError, "", "x").Description != "x" {
		t.Error("Errorf without field prefixes the description")
	}
}

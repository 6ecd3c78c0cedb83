package ocpp_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

const hashData = `{"hashAlgorithm":"SHA256","issuerNameHash":"aa","issuerKeyHash":"bb","serialNumber":"1f"}`

// securityCases are, per security-extension action, the bad frames of each kind with the
// CALLERROR code the core actions give for the same fault.
var securityCases = []decodeCase{
	// SecurityEventNotification.
	{name: "event valid", action: "SecurityEventNotification", payload: `{"type":"` + long(50) + `","timestamp":"2026-01-01T00:00:00Z","techInfo":"` + long(255) + `"}`},
	{name: "event type missing", action: "SecurityEventNotification", payload: `{"timestamp":"2026-01-01T00:00:00Z"}`, code: ocpp.OccurenceConstraintViolation, field: "type"},
	{name: "event timestamp missing", action: "SecurityEventNotification", payload: `{"type":"X"}`, code: ocpp.OccurenceConstraintViolation, field: "timestamp"},
	{name: "event type not a string", action: "SecurityEventNotification", payload: `{"type":1,"timestamp":"2026-01-01T00:00:00Z"}`, code: ocpp.TypeConstraintViolation, field: "type"},
	{name: "event timestamp not a date-time", action: "SecurityEventNotification", payload: `{"type":"X","timestamp":"yesterday"}`, code: ocpp.TypeConstraintViolation, field: "timestamp"},
	{name: "event type too long", action: "SecurityEventNotification", payload: `{"type":"` + long(51) + `","timestamp":"2026-01-01T00:00:00Z"}`, code: ocpp.PropertyConstraintViolation, field: "type", desc: "length 51 exceeds 50"},
	{name: "event techInfo too long", action: "SecurityEventNotification", payload: `{"type":"X","timestamp":"2026-01-01T00:00:00Z","techInfo":"` + long(256) + `"}`, code: ocpp.PropertyConstraintViolation, field: "techInfo"},
	{name: "event unknown field", action: "SecurityEventNotification", payload: `{"type":"X","timestamp":"2026-01-01T00:00:00Z","severity":"high"}`, code: ocpp.FormationViolation, field: "severity"},
	{name: "event answer not empty", action: "SecurityEventNotification", resp: true, payload: `{"status":"Accepted"}`, code: ocpp.FormationViolation, field: "status"},

	// SignedFirmwareStatusNotification.
	{name: "firmware status valid", action: "SignedFirmwareStatusNotification", payload: `{"status":"InvalidSignature"}`},
	{name: "firmware status missing", action: "SignedFirmwareStatusNotification", payload: `{"requestId":1}`, code: ocpp.OccurenceConstraintViolation, field: "status"},
	{name: "firmware requestId not an integer", action: "SignedFirmwareStatusNotification", payload: `{"status":"Idle","requestId":"1"}`, code: ocpp.TypeConstraintViolation, field: "requestId"},
	{name: "firmware status with a trailing space", action: "SignedFirmwareStatusNotification", payload: `{"status":"Installed "}`, code: ocpp.PropertyConstraintViolation, field: "status"},
	{name: "firmware status case", action: "SignedFirmwareStatusNotification", payload: `{"status":"signatureVerified"}`, code: ocpp.PropertyConstraintViolation, field: "status"},

	// LogStatusNotification.
	{name: "log status valid", action: "LogStatusNotification", payload: `{"status":"Uploaded","requestId":3}`},
	{name: "log status missing", action: "LogStatusNotification", payload: `{}`, code: ocpp.OccurenceConstraintViolation, field: "status"},
	{name: "log status not a string", action: "LogStatusNotification", payload: `{"status":true}`, code: ocpp.TypeConstraintViolation, field: "status"},
	{name: "log status outside the enumeration", action: "LogStatusNotification", payload: `{"status":"Uploading..."}`, code: ocpp.PropertyConstraintViolation, field: "status"},

	// InstallCertificate.
	{name: "install certificate missing", action: "InstallCertificate", payload: `{"certificateType":"ManufacturerRootCertificate"}`, code: ocpp.OccurenceConstraintViolation, field: "certificate"},
	{name: "install certificateType wrong type", action: "InstallCertificate", payload: `{"certificateType":["CentralSystemRootCertificate"],"certificate":"x"}`, code: ocpp.TypeConstraintViolation, field: "certificateType"},
	{name: "install certificateType outside", action: "InstallCertificate", payload: `{"certificateType":"ChargePointCertificate","certificate":"x"}`, code: ocpp.PropertyConstraintViolation, field: "certificateType"},
	{name: "install certificate too long", action: "InstallCertificate", payload: `{"certificateType":"CentralSystemRootCertificate","certificate":"` + long(5501) + `"}`, code: ocpp.PropertyConstraintViolation, field: "certificate", desc: "exceeds 5500"},
	{name: "install answer outside", action: "InstallCertificate", resp: true, payload: `{"status":"NotFound"}`, code: ocpp.PropertyConstraintViolation, field: "status"},

	// DeleteCertificate.
	{name: "delete valid", action: "DeleteCertificate", payload: `{"certificateHashData":` + hashData + `}`},
	{name: "delete hash data missing", action: "DeleteCertificate", payload: `{}`, code: ocpp.OccurenceConstraintViolation, field: "certificateHashData"},
	{name: "delete serial missing", action: "DeleteCertificate", payload: `{"certificateHashData":{"hashAlgorithm":"SHA256","issuerNameHash":"a","issuerKeyHash":"b"}}`, code: ocpp.OccurenceConstraintViolation, field: "certificateHashData.serialNumber"},
	{name: "delete serial number as number", action: "DeleteCertificate", payload: `{"certificateHashData":{"hashAlgorithm":"SHA256","issuerNameHash":"a","issuerKeyHash":"b","serialNumber":31}}`, code: ocpp.TypeConstraintViolation, field: "certificateHashData.serialNumber"},
	{name: "delete algorithm outside", action: "DeleteCertificate", payload: `{"certificateHashData":{"hashAlgorithm":"SHA1","issuerNameHash":"a","issuerKeyHash":"b","serialNumber":"1"}}`, code: ocpp.PropertyConstraintViolation, field: "certificateHashData.hashAlgorithm"},
	{name: "delete issuerNameHash too long", action: "DeleteCertificate", payload: `{"certificateHashData":{"hashAlgorithm":"SHA512","issuerNameHash":"` + long(129) + `","issuerKeyHash":"b","serialNumber":"1"}}`, code: ocpp.PropertyConstraintViolation, field: "certificateHashData.issuerNameHash"},
	{name: "delete serial too long", action: "DeleteCertificate", payload: `{"certificateHashData":{"hashAlgorithm":"SHA384","issuerNameHash":"a","issuerKeyHash":"b","serialNumber":"` + long(41) + `"}}`, code: ocpp.PropertyConstraintViolation, field: "certificateHashData.serialNumber"},

	// GetInstalledCertificateIds.
	{name: "installed ids type missing", action: "GetInstalledCertificateIds", payload: `{}`, code: ocpp.OccurenceConstraintViolation, field: "certificateType"},
	{name: "installed ids type wrong type", action: "GetInstalledCertificateIds", payload: `{"certificateType":0}`, code: ocpp.TypeConstraintViolation, field: "certificateType"},
	{name: "installed ids answer NotFound alone", action: "GetInstalledCertificateIds", resp: true, payload: `{"status":"NotFound"}`},
	{name: "installed ids answer empty list", action: "GetInstalledCertificateIds", resp: true, payload: `{"status":"Accepted","certificateHashData":[]}`, code: ocpp.OccurenceConstraintViolation, field: "certificateHashData"},
	{name: "installed ids answer item too long", action: "GetInstalledCertificateIds", resp: true, payload: `{"status":"Accepted","certificateHashData":[` + hashData + `,{"hashAlgorithm":"SHA256","issuerNameHash":"a","issuerKeyHash":"` + long(129) + `","serialNumber":"1"}]}`, code: ocpp.PropertyConstraintViolation, field: "certificateHashData[1].issuerKeyHash"},
	{name: "installed ids answer status outside", action: "GetInstalledCertificateIds", resp: true, payload: `{"status":"Rejected"}`, code: ocpp.PropertyConstraintViolation, field: "status"},

	// GetLog.
	{name: "get log minimal", action: "GetLog", payload: `{"log":{"remoteLocation":"ftp://logs.example.com/"},"logType":"DiagnosticsLog","requestId":1}`},
	{name: "get log requestId missing", action: "GetLog", payload: `{"log":{"remoteLocation":"x"},"logType":"DiagnosticsLog"}`, code: ocpp.OccurenceConstraintViolation, field: "requestId"},
	{name: "get log remoteLocation missing", action: "GetLog", payload: `{"log":{},"logType":"DiagnosticsLog","requestId":1}`, code: ocpp.OccurenceConstraintViolation, field: "log.remoteLocation"},
	{name: "get log oldestTimestamp bad", action: "GetLog", payload: `{"log":{"remoteLocation":"x","oldestTimestamp":"2026-01-01"},"logType":"SecurityLog","requestId":1}`, code: ocpp.TypeConstraintViolation, field: "log.oldestTimestamp"},
	{name: "get log retries fraction", action: "GetLog", payload: `{"log":{"remoteLocation":"x"},"logType":"SecurityLog","requestId":1,"retries":1.5}`, code: ocpp.TypeConstraintViolation, field: "retries"},
	{name: "get log logType outside", action: "GetLog", payload: `{"log":{"remoteLocation":"x"},"logType":"AuditLog","requestId":1}`, code: ocpp.PropertyConstraintViolation, field: "logType"},
	{name: "get log remoteLocation too long", action: "GetLog", payload: `{"log":{"remoteLocation":"` + long(513) + `"},"logType":"SecurityLog","requestId":1}`, code: ocpp.PropertyConstraintViolation, field: "log.remoteLocation"},
	{name: "get log answer filename too long", action: "GetLog", resp: true, payload: `{"status":"Accepted","filename":"` + long(256) + `"}`, code: ocpp.PropertyConstraintViolation, field: "filename"},
	{name: "get log answer AcceptedCanceled", action: "GetLog", resp: true, payload: `{"status":"AcceptedCanceled"}`},

	// SignedUpdateFirmware.
	{name: "signed update firmware missing", action: "SignedUpdateFirmware", payload: `{"requestId":1}`, code: ocpp.OccurenceConstraintViolation, field: "firmware"},
	{name: "signed update signature missing", action: "SignedUpdateFirmware", payload: `{"requestId":1,"firmware":{"location":"x","retrieveDateTime":"2026-01-01T00:00:00Z","signingCertificate":"c"}}`, code: ocpp.OccurenceConstraintViolation, field: "firmware.signature"},
	{name: "signed update requestId string", action: "SignedUpdateFirmware", payload: `{"requestId":"1","firmware":{"location":"x","retrieveDateTime":"2026-01-01T00:00:00Z","signingCertificate":"c","signature":"s"}}`, code: ocpp.TypeConstraintViolation, field: "requestId"},
	{name: "signed update installDateTime bad", action: "SignedUpdateFirmware", payload: `{"requestId":1,"firmware":{"location":"x","retrieveDateTime":"2026-01-01T00:00:00Z","installDateTime":"soon","signingCertificate":"c","signature":"s"}}`, code: ocpp.TypeConstraintViolation, field: "firmware.installDateTime"},
	{name: "signed update signature too long", action: "SignedUpdateFirmware", payload: `{"requestId":1,"firmware":{"location":"x","retrieveDateTime":"2026-01-01T00:00:00Z","signingCertificate":"c","signature":"` + long(801) + `"}}`, code: ocpp.PropertyConstraintViolation, field: "firmware.signature"},
	{name: "signed update answer outside", action: "SignedUpdateFirmware", resp: true, payload: `{"status":"Failed"}`, code: ocpp.PropertyConstraintViolation, field: "status"},

	// ExtendedTriggerMessage.
	{name: "extended trigger missing", action: "ExtendedTriggerMessage", payload: `{"connectorId":1}`, code: ocpp.OccurenceConstraintViolation, field: "requestedMessage"},
	{name: "extended trigger connectorId string", action: "ExtendedTriggerMessage", payload: `{"requestedMessage":"MeterValues","connectorId":"1"}`, code: ocpp.TypeConstraintViolation, field: "connectorId"},
	{name: "extended trigger of a core-only message", action: "ExtendedTriggerMessage", payload: `{"requestedMessage":"DiagnosticsStatusNotification"}`, code: ocpp.PropertyConstraintViolation, field: "requestedMessage"},
	{name: "extended trigger answer outside", action: "ExtendedTriggerMessage", resp: true, payload: `{"status":"Scheduled"}`, code: ocpp.PropertyConstraintViolation, field: "status"},
	{name: "sign certificate missing csr", action: "SignCertificate", payload: `{}`, code: ocpp.OccurenceConstraintViolation, field: "csr"},
	{name: "sign certificate csr number", action: "SignCertificate", payload: `{"csr":5}`, code: ocpp.TypeConstraintViolation, field: "csr"},
	{name: "sign certificate csr too long", action: "SignCertificate", payload: `{"csr":"` + long(5501) + `"}`, code: ocpp.PropertyConstraintViolation, field: "csr", desc: "exceeds 5500"},
	{name: "sign certificate answer outside", action: "SignCertificate", resp: true, payload: `{"status":"Pending"}`, code: ocpp.PropertyConstraintViolation, field: "status"},
	{name: "certificate signed missing chain", action: "CertificateSigned", payload: `{}`, code: ocpp.OccurenceConstraintViolation, field: "certificateChain"},
	{name: "certificate signed chain number", action: "CertificateSigned", payload: `{"certificateChain":1}`, code: ocpp.TypeConstraintViolation, field: "certificateChain"},
	{name: "certificate signed chain too long", action: "CertificateSigned", payload: `{"certificateChain":"` + long(10001) + `"}`, code: ocpp.PropertyConstraintViolation, field: "certificateChain", desc: "exceeds 10000"},
	{name: "certificate signed answer outside", action: "CertificateSigned", resp: true, payload: `{"status":"Pending"}`, code: ocpp.PropertyConstraintViolation, field: "status"},
}

func TestSecurityDecodeErrors(t *testing.T) {
	saved := decodeCases
	t.Cleanup(func() { decodeCases = saved })
	decodeCases = securityCases
	TestDecodeErrors(t)
}

func TestSecurityCasesCoverEveryAction(t *testing.T) {
	codes := map[string]map[ocpp.ErrorCode]bool{}
	for _, c := range securityCases {
		if codes[c.action] == nil {
			codes[c.action] = map[ocpp.ErrorCode]bool{}
		}
		codes[c.action][c.code] = true
	}
	for _, s := range ocpp.Actions()[28:] {
		for _, code := range []ocpp.ErrorCode{ocpp.OccurenceConstraintViolation, ocpp.TypeConstraintViolation, ocpp.PropertyConstraintViolation} {
			if !codes[string(s.Action)][code] {
				t.Errorf("%s has no case giving %s", s.Action, code)
			}
		}
	}
}

func TestSecurityEnums(t *testing.T) {
	enums := map[ocpp.Enum]int{ocpp.SignedFirmwareStatus(""): 14, ocpp.UploadLogStatus(""): 7, ocpp.CertificateUse(""): 2,
		ocpp.InstallCertificateStatus(""): 3, ocpp.HashAlgorithm(""): 3, ocpp.DeleteCertificateStatus(""): 3,
		ocpp.GetInstalledCertificateStatus(""): 2, ocpp.LogType(""): 2, ocpp.LogStatus(""): 3, ocpp.UpdateFirmwareStatus(""): 5,
		ocpp.ExtendedMessageTrigger(""): 7}
	for zero, n := range enums {
		name := reflect.TypeOf(zero).Name()
		if zero.Valid() || len(zero.Values()) != n {
			t.Errorf("%s: empty valid %v, %d values, want %d", name, zero.Valid(), len(zero.Values()), n)
		}
		for _, v := range zero.Values() {
			e := reflect.ValueOf(v).Convert(reflect.TypeOf(zero)).Interface().(ocpp.Enum)
			lower := reflect.ValueOf(strings.ToLower(v)).Convert(reflect.TypeOf(zero)).Interface().(ocpp.Enum)
			if !e.Valid() || lower.Valid() {
				t.Errorf("%s(%q): valid %v, lower-case valid %v", name, v, e.Valid(), lower.Valid())
			}
		}
	}
}

func TestSecurityActionsAreNotCore(t *testing.T) {
	for _, s := range ocpp.Actions()[28:] {
		_, err := ocpp.DecodeRequest(string(s.Action), []byte(`{"unexpected":1}`))
		var e *ocpp.Error
		if !errors.As(err, &e) || e.Code != ocpp.FormationViolation {
			t.Errorf("%s with an unknown field: %v", s.Action, err)
		}
	}
}

func TestSecurityConfigurationKeys(t *testing.T) {
	want := []string{"AdditionalRootCertificateCheck", "AuthorizationKey", "CertificateSignedMaxChainSize", "CertificateStoreMaxLength", "CpoName", "SecurityProfile"}
	if len(ocpp.SecurityConfigurationKeys) != len(want) {
		t.Fatalf("%d keys, want %d", len(ocpp.SecurityConfigurationKeys), len(want))
	}
	for _, name := range want {
		k, ok := ocpp.LookupConfigurationKey(name)
		if !ok || k.Key != name || k.Description == "" {
			t.Errorf("%s: %+v %v", name, k, ok)
		}
		if k.WriteOnly != (name == "AuthorizationKey") || (k.WriteOnly && k.Readonly) {
			t.Errorf("%s: readonly %v, write-only %v", name, k.Readonly, k.WriteOnly)
		}
	}
	if _, ok := ocpp.LookupConfigurationKey("securityprofile"); ok {
		t.Error("keys are case-sensitive")
	}
}

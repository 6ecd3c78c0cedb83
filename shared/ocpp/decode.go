package ocpp

import (
	"encoding/json"
	"errors"
	"reflect"
)

// Decode validates payload against the OCPP 1.6 rules of the struct v points to and, when it
// is valid, unmarshals it into v. The error is always an *Error whose Code is the CALLERROR
// errorCode to answer with (see docs/ocpp.md).
func Decode(payload []byte, v any) error {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return Errorf(InternalError, "", "decode target %T is not a non-nil pointer", v)
	}
	s, err := schemaFor(rv.Type().Elem())
	if err != nil {
		return Errorf(InternalError, "", "%v", err)
	}
	if !json.Valid(payload) {
		return Errorf(FormationViolation, "", "payload is not valid JSON")
	}
	if e := checkDocument(payload, s); e != nil {
		return e
	}
	if err := json.Unmarshal(payload, v); err != nil {
		// The checker accepts only what unmarshals; this is a safety net, not a path.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Errorf(TypeConstraintViolation, te.Field, "expected %s", te.Type)
		}
		var oe *Error
		if errors.As(err, &oe) {
			return oe
		}
		return Errorf(FormationViolation, "", "payload does not decode: %v", err)
	}
	return nil
}

// DecodeRequest decodes the payload of a CALL of action into a new request struct and returns
// a pointer to it (e.g. *BootNotificationRequest). An unknown action is NotImplemented.
func DecodeRequest(action string, payload []byte) (any, error) {
	s, ok := Lookup(action)
	if !ok {
		return nil, Errorf(NotImplemented, "", "unknown action %q", Excerpt(action))
	}
	v := s.NewRequest()
	if err := Decode(payload, v); err != nil {
		return nil, err
	}
	return v, nil
}

// DecodeResponse decodes the payload of a CALLRESULT answering a CALL of action into a new
// response struct and returns a pointer to it. An unknown action is NotImplemented.
func DecodeResponse(action string, payload []byte) (any, error) {
	s, ok := Lookup(action)
	if !ok {
		return nil, Errorf(NotImplemented, "", "unknown action %q", Excerpt(action))
	}
	v := s.NewResponse()
	if err := Decode(payload, v); err != nil {
		return nil, err
	}
	return v, nil
}

// Validate checks a request or response value (struct or pointer to struct) by the rules
// Decode applies to what arrives: it marshals v and runs the same checker, so what the central
// system sends is exactly what it would accept. The error is an *Error.
func Validate(v any) error {
	_, err := marshalValid(v)
	return err
}

// marshalValid marshals v and validates the JSON; frames reuse the bytes.
func marshalValid(v any) ([]byte, error) {
	t := reflect.TypeOf(v)
	if t == nil {
		return nil, Errorf(InternalError, "", "payload is nil")
	}
	if t.Kind() == reflect.Pointer {
		if reflect.ValueOf(v).IsNil() {
			return nil, Errorf(InternalError, "", "payload %T is a nil pointer", v)
		}
		t = t.Elem()
	}
	s, err := schemaFor(t)
	if err != nil {
		return nil, Errorf(InternalError, "", "%v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		var oe *Error
		if errors.As(err, &oe) {
			return nil, oe
		}
		var ue *json.UnsupportedValueError
		if errors.As(err, &ue) {
			return nil, Errorf(TypeConstraintViolation, "", "unsupported value %s", ue.Str)
		}
		return nil, Errorf(InternalError, "", "marshal %T: %v", v, err)
	}
	if e := checkDocument(b, s); e != nil {
		return nil, e
	}
	return b, nil
}

package simulator

import (
	"errors"
	"fmt"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// misdeed is one kind of misbehaviour: the frame to send and the answer a correct central
// system gives to it.
type misdeed struct {
	kind string
	// build returns the frame and the uniqueId the answer carries ("" when no answer is due).
	build func(b *box) (frame []byte, answerID string)
	// want is the errorCode of the expected CALLERROR; "" expects a CALLRESULT.
	want ocpp.ErrorCode
}

var misdeeds = []misdeed{
	{kind: "invalid JSON", want: ocpp.FormationViolation, build: func(b *box) ([]byte, string) {
		return []byte(`[2,"` + b.nextID() + `","Heartbeat",{`), "-1"
	}},
	{kind: "unknown action", want: ocpp.NotImplemented, build: func(b *box) ([]byte, string) {
		id := b.nextID()
		return []byte(`[2,"` + id + `","FlyToTheMoon",{}]`), id
	}},
	{kind: "central-system action sent by a box", want: ocpp.NotSupported, build: func(b *box) ([]byte, string) {
		id := b.nextID()
		return []byte(`[2,"` + id + `","Reset",{"type":"Soft"}]`), id
	}},
	{kind: "string for an integer", want: ocpp.TypeConstraintViolation, build: func(b *box) ([]byte, string) {
		id := b.nextID()
		return []byte(`[2,"` + id + `","StatusNotification",{"connectorId":"1","errorCode":"NoError","status":"Available"}]`), id
	}},
	{kind: "field not in the PDU", want: ocpp.FormationViolation, build: func(b *box) ([]byte, string) {
		id := b.nextID()
		return []byte(`[2,"` + id + `","Heartbeat",{"colour":"blue"}]`), id
	}},
	{kind: "required field missing", want: ocpp.OccurenceConstraintViolation, build: func(b *box) ([]byte, string) {
		id := b.nextID()
		return []byte(`[2,"` + id + `","Authorize",{}]`), id
	}},
	{kind: "value outside its enumeration", want: ocpp.PropertyConstraintViolation, build: func(b *box) ([]byte, string) {
		id := b.nextID()
		return []byte(`[2,"` + id + `","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}]`), id
	}},
	{kind: "CALL without payload", want: ocpp.ProtocolError, build: func(b *box) ([]byte, string) {
		id := b.nextID()
		return []byte(`[2,"` + id + `","Heartbeat"]`), id
	}},
	{kind: "out-of-order StatusNotification (an hour old)", build: func(b *box) ([]byte, string) {
		id := b.nextID()
		old := ocpp.NewDateTime(time.Now().Add(-time.Hour).UTC())
		f, _ := ocpp.CallFrame(id, ocpp.StatusNotification, &ocpp.StatusNotificationRequest{ConnectorID: 1,
			ErrorCode: ocpp.ChargePointErrorCodeNoError, Status: ocpp.ChargePointStatusFaulted, Timestamp: &old})
		return f, id
	}},
	{kind: "out-of-order MeterValues (an hour old)", build: func(b *box) ([]byte, string) {
		id := b.nextID()
		c := b.connectors[0]
		f, _ := ocpp.CallFrame(id, ocpp.MeterValues, &ocpp.MeterValuesRequest{ConnectorID: c.id,
			MeterValue: []ocpp.MeterValue{b.sample(c, time.Now().Add(-time.Hour), ocpp.ReadingContextSamplePeriodic)}})
		return f, id
	}},
	{kind: "answer to a CALL never sent", build: func(b *box) ([]byte, string) {
		return []byte(`[3,"stray-` + b.nextID() + `",{}]`), ""
	}},
	{kind: "duplicate of the last CALL", build: func(b *box) ([]byte, string) {
		return b.lastCall, b.lastCallID
	}},
}

// misbehaveOnce sends one misbehaving frame and checks the central system's answer. The
// expected CALLERRORs are counted apart; a wrong answer is an error.
func (b *box) misbehaveOnce() error {
	m := misdeeds[b.rng.IntN(len(misdeeds))]
	frame, answerID := m.build(b)
	if frame == nil {
		return nil // nothing to duplicate yet
	}
	if answerID == "" {
		if b.ws == nil {
			return errDown
		}
		b.st.event("misbehaving: " + m.kind)
		return b.write(frame)
	}
	f, _, err := b.exchange(answerID, frame)
	if errors.Is(err, errTimeout) {
		b.st.problem("timeouts: misbehaving " + m.kind)
		return err
	}
	if err != nil {
		return err
	}
	switch {
	case m.want != "" && f.Type == ocpp.TypeCallError && f.ErrorCode == m.want:
		b.st.expectedError(m.kind, string(m.want))
	case m.want == "" && f.Type == ocpp.TypeCallResult:
		b.st.answered.Add(1)
		b.st.event("misbehaving: " + m.kind)
		if m.kind == "duplicate of the last CALL" && b.lastAction == ocpp.StartTransaction {
			var resp ocpp.StartTransactionResponse
			if err := ocpp.Decode(f.Payload, &resp); err != nil || resp.TransactionID != b.lastTx {
				b.st.problem("duplicate StartTransaction answered with another transaction id")
			}
		}
	default:
		got := "CALLRESULT"
		if f.Type == ocpp.TypeCallError {
			got = string(f.ErrorCode)
		}
		want := string(m.want)
		if want == "" {
			want = "CALLRESULT"
		}
		b.st.problem(fmt.Sprintf("misbehaving %s answered %s, want %s", m.kind, got, want))
	}
	return nil
}

package ocpp_test

import (
	"testing"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

// chargeBoxActions are the actions a charge box sends: the inbound hot path of functions/message.
func chargeBoxActions() []ocpp.Action {
	var out []ocpp.Action
	for _, s := range ocpp.Actions() {
		if s.Initiator.From(ocpp.ChargeBox) {
			out = append(out, s.Action)
		}
	}
	return out
}

func callFrame(b *testing.B, a ocpp.Action) []byte {
	b.Helper()
	return []byte(`[2,"` + ocpp.NewUniqueID() + `","` + string(a) + `",` + string(example(b, a, "req")) + `]`)
}

// BenchmarkParseFrameAction parses the CALL frame of every charge-box action.
func BenchmarkParseFrameAction(b *testing.B) {
	for _, a := range chargeBoxActions() {
		b.Run(string(a), func(b *testing.B) {
			frame := callFrame(b, a)
			b.ReportAllocs()
			b.SetBytes(int64(len(frame)))
			for b.Loop() {
				if _, err := ocpp.ParseFrame(frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidateRequest decodes and validates the request payload of every charge-box action.
func BenchmarkValidateRequest(b *testing.B) {
	for _, a := range chargeBoxActions() {
		b.Run(string(a), func(b *testing.B) {
			payload := example(b, a, "req")
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if _, err := ocpp.DecodeRequest(string(a), payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDispatch is the whole protocol path of one inbound CALL without storage: parse the
// frame, look the action up, decode and validate the request, and build the validated
// CALLRESULT from the action's response.
func BenchmarkDispatch(b *testing.B) {
	for _, a := range chargeBoxActions() {
		b.Run(string(a), func(b *testing.B) {
			frame := callFrame(b, a)
			resp, err := ocpp.DecodeResponse(string(a), example(b, a, "conf"))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(frame)))
			for b.Loop() {
				f, err := ocpp.ParseFrame(frame)
				if err != nil {
					b.Fatal(err)
				}
				spec, ok := ocpp.Lookup(f.Action)
				if !ok || !spec.Initiator.From(ocpp.ChargeBox) {
					b.Fatalf("%s not dispatched", f.Action)
				}
				if _, err := ocpp.DecodeRequest(f.Action, f.Payload); err != nil {
					b.Fatal(err)
				}
				if _, err := ocpp.ResultFrame(f.UniqueID, resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package ocpp_test

import (
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"
)

func BenchmarkParseFrame(b *testing.B) {
	frame := []byte(`[2,"` + ocpp.NewUniqueID() + `","MeterValues",` + string(example(b, ocpp.MeterValues, "req")) + `]`)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := ocpp.ParseFrame(frame); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkDecodeRequest(b *testing.B, a ocpp.Action) {
	payload := example(b, a, "req")
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := ocpp.DecodeRequest(string(a), payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRequestBootNotification(b *testing.B) {
	benchmarkDecodeRequest(b, ocpp.BootNotification)
}

func BenchmarkDecodeRequestMeterValues(b *testing.B) { benchmarkDecodeRequest(b, ocpp.MeterValues) }

func BenchmarkDecodeRequestStatusNotification(b *testing.B) {
	benchmarkDecodeRequest(b, ocpp.StatusNotification)
}

func BenchmarkResultFrame(b *testing.B) {
	resp := &ocpp.BootNotificationResponse{Status: ocpp.RegistrationStatusAccepted, CurrentTime: ocpp.NewDateTime(time.Now()), Interval: 300}
	id := ocpp.NewUniqueID()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ocpp.ResultFrame(id, resp); err != nil {
			b.Fatal(err)
		}
	}
}

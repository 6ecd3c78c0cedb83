package csms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/csms"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

// benchService is a Service on fresh DynamoDB Local tables with one registered box.
func benchService(b *testing.B) *csms.Service {
	b.Helper()
	st := storetest.New(b)
	if _, err := st.CreateChargeBox(context.Background(), store.ChargeBox{ChargeBoxID: "BENCH1", RegistrationStatus: string(ocpp.RegistrationStatusAccepted), TenantID: "t1"}, time.Now()); err != nil {
		b.Fatal(err)
	}
	return csms.New(st, csms.Options{HeartbeatInterval: 300 * time.Second, AcceptUnknownTags: true, KnownVendorIDs: []string{"com.example"}, MessageRetention: time.Hour},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// receive hands one CALL to the service and requires a CALLRESULT.
func receive(b *testing.B, svc *csms.Service, i int, action string, payload any) ocpp.Frame {
	b.Helper()
	p, err := json.Marshal(payload)
	if err != nil {
		b.Fatal(err)
	}
	body := fmt.Sprintf(`[2,"bench-%d",%q,%s]`, i, action, p)
	reply, err := svc.Receive(context.Background(), csms.Inbound{ChargeBoxID: "BENCH1", TenantID: "t1", ConnectionID: "conn-bench", ReceivedAt: time.Now(), Body: []byte(body)})
	if err != nil {
		b.Fatal(err)
	}
	f, err := ocpp.ParseFrame(reply)
	if err != nil || f.Type != ocpp.TypeCallResult {
		b.Fatalf("%s answered %s", action, reply)
	}
	return f
}

func ts(i int) string {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format(time.RFC3339)
}

// BenchmarkReceive is csms.Service.Receive per charge-box action against DynamoDB Local: the
// work of functions/message for one frame, storage included.
func BenchmarkReceive(b *testing.B) {
	payloads := map[string]func(i int) any{
		"BootNotification": func(int) any { return map[string]any{"chargePointVendor": "ACME", "chargePointModel": "M1"} },
		"Heartbeat":        func(int) any { return map[string]any{} },
		"Authorize":        func(int) any { return map[string]any{"idTag": "TAG1"} },
		"StatusNotification": func(i int) any {
			return map[string]any{"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": ts(i)}
		},
		"StartTransaction": func(i int) any {
			return map[string]any{"connectorId": 1 + i%2, "idTag": "TAG1", "meterStart": i, "timestamp": ts(i)}
		},
		"MeterValues": func(i int) any {
			return map[string]any{"connectorId": 1, "meterValue": []any{map[string]any{"timestamp": ts(i), "sampledValue": []any{
				map[string]any{"value": fmt.Sprint(1000 + i), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
				map[string]any{"value": "7400", "measurand": "Power.Active.Import", "unit": "W"}}}}}
		},
		"DataTransfer":                  func(int) any { return map[string]any{"vendorId": "com.example", "messageId": "m", "data": "x"} },
		"DiagnosticsStatusNotification": func(int) any { return map[string]any{"status": "Uploaded"} },
		"FirmwareStatusNotification":    func(int) any { return map[string]any{"status": "Installed"} },
	}
	for _, s := range ocpp.Actions() {
		if !s.Initiator.From(ocpp.ChargeBox) {
			continue
		}
		action := string(s.Action)
		if action == "StopTransaction" {
			b.Run(action, benchmarkStop)
			continue
		}
		payload, ok := payloads[action]
		if !ok {
			b.Fatalf("no benchmark payload for %s", action)
		}
		b.Run(action, func(b *testing.B) {
			svc := benchService(b)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				receive(b, svc, i, action, payload(i))
			}
		})
	}
}

// benchmarkStop times StopTransaction of a session started (untimed) just before.
func benchmarkStop(b *testing.B) {
	svc := benchService(b)
	b.ReportAllocs()
	for i := range b.N {
		b.StopTimer()
		f := receive(b, svc, 2*i, "StartTransaction", map[string]any{"connectorId": 1, "idTag": "TAG1", "meterStart": 100, "timestamp": ts(i)})
		var conf ocpp.StartTransactionResponse
		if err := ocpp.Decode(f.Payload, &conf); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		receive(b, svc, 2*i+1, "StopTransaction", map[string]any{"transactionId": conf.TransactionID, "meterStop": 900, "timestamp": ts(i + 1), "reason": "Local"})
	}
}

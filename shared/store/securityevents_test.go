package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

func TestSecurityEvents(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	put := func(box, typ string, minute int, uid string) bool {
		t.Helper()
		at := base.Add(time.Duration(minute) * time.Minute)
		stored, err := st.PutSecurityEvent(ctx, store.SecurityEvent{ChargeBoxID: box, Type: typ, Timestamp: store.FormatTime(at),
			ReceivedAt: store.FormatTime(at.Add(time.Second)), UniqueID: uid, Critical: store.CriticalSecurityEvent(typ)})
		if err != nil {
			t.Fatal(err)
		}
		return stored
	}
	for i := range 5 {
		put("SE-A", "InvalidMessages", i, fmt.Sprintf("a%d", i))
	}
	put("SE-A", "TamperDetectionActivated", 10, "a10")
	put("SE-B", "TamperDetectionActivated", 11, "b11")
	if put("SE-B", "TamperDetectionActivated", 11, "b11") {
		t.Error("a resent event (same timestamp and uniqueId) was stored twice")
	}

	list := func(f store.SecurityEventFilter, limit int32) []store.SecurityEvent {
		t.Helper()
		var all []store.SecurityEvent
		next := ""
		for {
			items, n, err := st.ListSecurityEvents(ctx, f, store.Page{Limit: limit, Next: next})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, items...)
			if next = n; next == "" {
				return all
			}
		}
	}
	// Other tests' boxes share the fleet listings: count only ours.
	ours := func(items []store.SecurityEvent) (n int) {
		for _, e := range items {
			if e.ChargeBoxID == "SE-A" || e.ChargeBoxID == "SE-B" {
				n++
			}
		}
		return n
	}
	box := list(store.SecurityEventFilter{ChargeBoxID: "SE-A"}, 2)
	if len(box) != 6 || box[0].UniqueID != "a10" || !box[0].Critical || box[5].UniqueID != "a0" || box[5].Critical {
		t.Fatalf("box events newest first: %+v", box)
	}
	if got := list(store.SecurityEventFilter{ChargeBoxID: "SE-A", Type: "TamperDetectionActivated"}, 2); len(got) != 1 {
		t.Errorf("box events of one type: %+v", got)
	}
	from, to := store.FormatTime(base.Add(time.Minute)), store.FormatTime(base.Add(3*time.Minute))
	if got := list(store.SecurityEventFilter{ChargeBoxID: "SE-A", From: from, To: to}, 1); len(got) != 3 || got[0].UniqueID != "a3" || got[2].UniqueID != "a1" {
		t.Errorf("window of one box: %+v", got)
	}
	if got := list(store.SecurityEventFilter{Type: "TamperDetectionActivated", From: store.FormatTime(base)}, 1); ours(got) != 2 {
		t.Errorf("one type fleet-wide: %+v", got)
	}
	if got := list(store.SecurityEventFilter{From: store.FormatTime(base), To: store.FormatTime(base.Add(time.Hour))}, 3); ours(got) != 7 {
		t.Errorf("fleet window: %d of ours in %+v", ours(got), got)
	}

	// A token is good for its own listing only.
	_, next, err := st.ListSecurityEvents(ctx, store.SecurityEventFilter{ChargeBoxID: "SE-A"}, store.Page{Limit: 1})
	if err != nil || next == "" {
		t.Fatalf("first page: %q %v", next, err)
	}
	for _, f := range []store.SecurityEventFilter{{ChargeBoxID: "SE-B"}, {}, {Type: "InvalidMessages"}, {ChargeBoxID: "SE-A", From: store.FormatTime(base.Add(time.Hour))}} {
		if _, _, err := st.ListSecurityEvents(ctx, f, store.Page{Next: next}); !errors.Is(err, store.ErrBadToken) {
			t.Errorf("token of box SE-A used for %+v: %v", f, err)
		}
	}
}

func TestSecurityStateOnTheBox(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	if err := st.SetLogStatus(ctx, "SE-NONE", "Uploading", nil, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("status of an unknown box: %v", err)
	}
	if _, err := st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: "SE-C", RegistrationStatus: "Accepted", Unsecured: true}, now); err != nil {
		t.Fatal(err)
	}
	seven := 7
	if err := st.SetLogStatus(ctx, "SE-C", "Uploading", &seven, now); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSecurityRecord(ctx, "SE-C", "logRequest", store.LogRequest{RequestID: 7, LogType: "SecurityLog", Status: "Accepted", Filename: "f.log"}); err != nil {
		t.Fatal(err)
	}
	hashes := store.InstalledCertificates{Status: "Accepted", Certificates: []store.CertificateHash{{HashAlgorithm: "SHA256", IssuerNameHash: "a", IssuerKeyHash: "b", SerialNumber: "1"}}}
	if err := st.SetSecurityRecord(ctx, "SE-C", "centralSystemRootCertificates", hashes); err != nil {
		t.Fatal(err)
	}
	b, err := st.GetChargeBox(ctx, "SE-C")
	if err != nil {
		t.Fatal(err)
	}
	if b.LogStatus != "Uploading" || b.LogStatusRequestID == nil || *b.LogStatusRequestID != 7 || b.LogRequest == nil || b.LogRequest.Filename != "f.log" ||
		b.CentralSystemRootCertificates == nil || len(b.CentralSystemRootCertificates.Certificates) != 1 || b.ManufacturerRootCertificates != nil {
		t.Fatalf("security state %+v", b.SecurityState)
	}
	// A status without requestId does not keep the previous one's.
	if err := st.SetLogStatus(ctx, "SE-C", "Idle", nil, now); err != nil {
		t.Fatal(err)
	}
	if b, _ = st.GetChargeBox(ctx, "SE-C"); b.LogStatus != "Idle" || b.LogStatusRequestID != nil {
		t.Fatalf("after Idle: %+v", b.SecurityState)
	}
}

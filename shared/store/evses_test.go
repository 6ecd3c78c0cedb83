package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

func TestEVSERegistrationAndResolution(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if _, created, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP1", RegistrationStatus: store.RegistrationAccepted, EVSEs: map[string]string{"1": "E-ONE"}}, t0); err != nil || !created {
		t.Fatalf("save: %v %v", created, err)
	}
	if _, _, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP2", RegistrationStatus: store.RegistrationAccepted, EVSEs: map[string]string{"1": "E-ONE"}}, t0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("taken EVSE id: %v", err)
	}
	tests := []struct {
		evse      string
		box       string
		connector int
		missing   bool
	}{
		{"E-ONE", "CP1", 1, false},
		{"CP9*2", "CP9", 2, false},
		{"A*B*3", "A*B", 3, false},
		{"CP9*0", "", 0, true},
		{"CP9", "", 0, true},
		{"*1", "", 0, true},
	}
	for _, tt := range tests {
		box, c, err := st.ResolveEVSE(ctx, tt.evse)
		if tt.missing != errors.Is(err, store.ErrNotFound) || (!tt.missing && (box != tt.box || c != tt.connector)) {
			t.Errorf("%s: %s %d %v", tt.evse, box, c, err)
		}
	}
	// Re-registering without the id frees it.
	if _, created, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP1", RegistrationStatus: store.RegistrationPending, EVSEs: map[string]string{"1": "E-NEW"}}, t0); err != nil || created {
		t.Fatalf("update: %v %v", created, err)
	}
	if _, _, err := st.ResolveEVSE(ctx, "E-ONE"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("released id still resolves: %v", err)
	}
	if err := st.DeleteChargeBox(ctx, "CP1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.ResolveEVSE(ctx, "E-NEW"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted box's id still resolves: %v", err)
	}
}

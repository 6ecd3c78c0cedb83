package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

func TestChargingProfilesReplaceAndClear(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	put := func(connector, id, level int, purpose string) {
		t.Helper()
		if err := st.PutChargingProfile(ctx, store.ChargingProfile{ChargeBoxID: "CP1", ConnectorID: connector, ChargingProfileID: id, StackLevel: level, Purpose: purpose, Profile: "{}", SetAt: store.FormatTime(t0)}); err != nil {
			t.Fatal(err)
		}
	}
	ids := func() []int {
		t.Helper()
		ps, err := st.ListChargingProfiles(ctx, "CP1")
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, p := range ps {
			out = append(out, p.ChargingProfileID)
		}
		return out
	}
	put(1, 10, 0, "TxDefaultProfile")
	put(1, 11, 0, "TxDefaultProfile") // same purpose and level on the connector: replaces 10
	put(2, 12, 0, "TxDefaultProfile")
	put(0, 13, 1, "ChargePointMaxProfile")
	put(1, 12, 2, "TxDefaultProfile") // same id: moves 12 to connector 1
	if got := fmt.Sprint(ids()); got != "[13 11 12]" {
		t.Fatalf("profiles %s", got)
	}
	n, err := st.ClearChargingProfiles(ctx, "CP1", store.ProfileFilter{ConnectorID: intp(1), Purpose: "TxDefaultProfile"})
	if err != nil || n != 2 {
		t.Fatalf("cleared %d, %v", n, err)
	}
	if got := fmt.Sprint(ids()); got != "[13]" {
		t.Fatalf("profiles after clear %s", got)
	}
}

package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

func TestBootRecordsAndReturnsRegistration(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if _, err := st.RecordBoot(ctx, "nobody", store.Boot{ChargePointVendor: "V"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("boot of unregistered box: %v", err)
	}
	if _, err := st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: "CP1", RegistrationStatus: pending}, t0); err != nil {
		t.Fatal(err)
	}
	status, err := st.RecordBoot(ctx, "CP1", store.Boot{ChargePointVendor: "V", ChargePointModel: "M", Iccid: "123", BootedAt: store.FormatTime(t0)})
	if err != nil || status != pending {
		t.Fatalf("boot: %q, %v", status, err)
	}
	b, _ := st.GetChargeBox(ctx, "CP1")
	if b.ChargePointVendor != "V" || b.Iccid != "123" || b.RegistrationStatus != pending {
		t.Fatalf("box %+v", b)
	}
}

func TestConfigurationCacheMergesAndReplaces(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if _, err := st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: "CP1", RegistrationStatus: accepted}, t0); err != nil {
		t.Fatal(err)
	}
	v := func(s string) store.ConfigValue { return store.ConfigValue{Value: &s} }
	steps := []struct {
		values  map[string]store.ConfigValue
		replace bool
		want    map[string]string
	}{
		{map[string]store.ConfigValue{"A": v("1")}, false, map[string]string{"A": "1"}},
		{map[string]store.ConfigValue{"B": v("2")}, false, map[string]string{"A": "1", "B": "2"}},
		{map[string]store.ConfigValue{"C": v("3")}, true, map[string]string{"C": "3"}},
		{map[string]store.ConfigValue{"C": v("4"), "D.x": v("5")}, false, map[string]string{"C": "4", "D.x": "5"}},
	}
	for i, s := range steps {
		if err := st.SetConfiguration(ctx, "CP1", s.values, s.replace, t0); err != nil {
			t.Fatal(err)
		}
		b, err := st.GetChargeBox(ctx, "CP1")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for k, cv := range b.Configuration {
			got[k] = *cv.Value
		}
		if fmt.Sprint(got) != fmt.Sprint(s.want) {
			t.Fatalf("step %d: %v, want %v", i, got, s.want)
		}
	}
	if err := st.SetConfiguration(ctx, "NOBOX", map[string]store.ConfigValue{"A": v("1")}, false, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unregistered box: %v", err)
	}
}

// Saves of one new box racing: exactly one reports that it created the box.
func TestSaveChargeBoxReportsOneCreation(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	const n = 8
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reg := store.Registration{ChargeBoxID: "CP1", RegistrationStatus: accepted}
			if i%2 == 1 {
				reg.EVSEs = map[string]string{"1": "E-1"}
			}
			_, created[i], errs[i] = st.SaveChargeBox(ctx, reg, t0)
		}()
	}
	wg.Wait()
	count := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("save %d: %v", i, errs[i])
		}
		if created[i] {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d saves report a creation, want 1", count)
	}
}

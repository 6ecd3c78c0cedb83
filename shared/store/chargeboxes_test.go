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
			reg := store.Registration{ChargeBoxID: "CP1", Unsecured: &unsecured, RegistrationStatus: accepted}
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

func TestRegistrationNeedsPasswordOrUnsecured(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	hash, no, yes, empty := "$2a$hash", false, true, ""
	save := func(r store.Registration) (store.ChargeBox, error) {
		r.RegistrationStatus = accepted
		b, _, err := st.SaveChargeBox(ctx, r, t0)
		return b, err
	}
	steps := []struct {
		name          string
		reg           store.Registration
		want          error
		password, flg bool
	}{
		{"new box without either", store.Registration{ChargeBoxID: "CP1"}, store.ErrPasswordRequired, false, false},
		{"new box with both", store.Registration{ChargeBoxID: "CP1", PasswordHash: &hash, Unsecured: &yes}, store.ErrUnsecuredWithPassword, false, false},
		{"new box with a password", store.Registration{ChargeBoxID: "CP1", PasswordHash: &hash}, nil, true, false},
		{"update keeping the password", store.Registration{ChargeBoxID: "CP1"}, nil, true, false},
		{"password removed alone", store.Registration{ChargeBoxID: "CP1", PasswordHash: &empty}, store.ErrPasswordRequired, true, false},
		{"flag cleared without password", store.Registration{ChargeBoxID: "CP1", Unsecured: &no}, store.ErrPasswordRequired, true, false},
		{"marked unsecured", store.Registration{ChargeBoxID: "CP1", Unsecured: &yes}, nil, false, true},
		{"password removed with the flag", store.Registration{ChargeBoxID: "CP1", PasswordHash: &empty, Unsecured: &yes}, nil, false, true},
		{"secured again", store.Registration{ChargeBoxID: "CP1", PasswordHash: &hash}, nil, true, false},
	}
	for _, s := range steps {
		_, err := save(s.reg)
		if !errors.Is(err, s.want) || (s.want == nil && err != nil) {
			t.Fatalf("%s: %v, want %v", s.name, err, s.want)
		}
		b, err := st.GetChargeBox(ctx, "CP1")
		if s.password || s.flg {
			if err != nil || b.Secured() != s.password || b.Unsecured != s.flg {
				t.Fatalf("%s: box %+v, %v; want password %v, unsecured %v", s.name, b, err, s.password, s.flg)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: a refused new box was stored: %v", s.name, err)
		}
	}
}

func TestListUnsecuredChargeBoxes(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	hash := "$2a$hash"
	want := map[string]bool{}
	for i := range 12 {
		b := store.ChargeBox{ChargeBoxID: fmt.Sprintf("CP%02d", i), RegistrationStatus: accepted}
		switch i % 3 {
		case 0:
			b.PasswordHash = hash
		case 1:
			b.Unsecured = true
			want[b.ChargeBoxID] = true
		case 2:
			// Stored before the flag existed: no password, no flag. It is unsecured too.
			want[b.ChargeBoxID] = true
		}
		if _, err := st.CreateChargeBox(ctx, b, t0); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	p := store.Page{Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		boxes, next, err := st.ListUnsecuredChargeBoxes(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(boxes) > 3 {
			t.Fatalf("page of %d, limit 3", len(boxes))
		}
		for _, b := range boxes {
			if b.Secured() || got[b.ChargeBoxID] {
				t.Fatalf("listed %s (secured %v, seen before %v)", b.ChargeBoxID, b.Secured(), got[b.ChargeBoxID])
			}
			got[b.ChargeBoxID] = true
		}
		if next == "" {
			break
		}
		p.Next = next
	}
	if len(got) != len(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
}

package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

func intp(v int) *int { return &v }

func TestStartSessionConsumesItsReservation(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	for _, r := range []struct {
		id     int
		expiry time.Time
	}{{1, t0.Add(time.Hour)}, {2, t0.Add(-time.Minute)}} {
		if err := st.PutReservation(ctx, store.Reservation{ChargeBoxID: "CP1", ReservationID: r.id, ConnectorID: 1, IDTag: "TAG1", CreatedAt: store.FormatTime(t0)}, r.expiry); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name         string
		reservation  int
		connector    int
		wantConsumed bool
	}{
		{"active", 1, 1, true},
		{"already consumed", 1, 2, false},
		{"expired", 2, 3, false},
		{"unknown", 3, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSession("CP1", tt.connector, "TAG1", t0.Add(time.Duration(tt.connector)*time.Second))
			s.ReservationID = intp(tt.reservation)
			id, err := st.StartSession(ctx, s, t0)
			if err != nil {
				t.Fatal(err)
			}
			sess, err := st.GetSession(ctx, id)
			if err != nil || sess.ReservationConsumed != tt.wantConsumed || sess.Status != store.SessionRunning {
				t.Fatalf("session %+v, %v", sess, err)
			}
			if tt.wantConsumed {
				r, err := st.GetReservation(ctx, "CP1", tt.reservation)
				if err != nil || r.Status != store.ReservationConsumed || r.TransactionID != id {
					t.Fatalf("reservation %+v, %v", r, err)
				}
			}
		})
	}
	r, err := st.GetReservation(ctx, "CP1", 2)
	if err != nil || r.Status != store.ReservationActive || r.Current(t0).Status != store.ReservationExpired {
		t.Fatalf("expired reservation %+v, %v", r, err)
	}
	if ok, err := st.CancelReservation(ctx, "CP1", 1, t0); ok || err != nil {
		t.Fatalf("cancel of a consumed reservation: %v %v", ok, err)
	}
}

func TestCountRunningFollowsStartsAndStops(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	a, err := st.StartSession(ctx, startSession("CP1", 1, "TAG1", t0), t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.StartSession(ctx, startSession("CP1", 2, "TAG1", t0), t0); err != nil {
		t.Fatal(err)
	}
	// A new start on connector 2 abandons the running one there.
	if _, err := st.StartSession(ctx, startSession("CP1", 2, "TAG2", t0.Add(time.Minute)), t0); err != nil {
		t.Fatal(err)
	}
	count := func(tag string) int {
		t.Helper()
		n, err := st.CountRunning(ctx, tag)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := count("TAG1"); got != 1 {
		t.Fatalf("TAG1 running %d, want 1 (one abandoned)", got)
	}
	if _, err := st.StopSession(ctx, store.Stop{ChargeBoxID: "CP1", TransactionID: a, MeterStop: 200, StoppedAt: store.FormatTime(t0.Add(time.Hour))}, t0); err != nil {
		t.Fatal(err)
	}
	if got := count("TAG1"); got != 0 {
		t.Fatalf("TAG1 running %d after stop", got)
	}
	if got := count("TAG2"); got != 1 {
		t.Fatalf("TAG2 running %d", got)
	}
}

func TestConfigurationCacheMergesAndReplaces(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if _, err := st.CreateChargeBox(ctx, store.ChargeBox{ChargeBoxID: "CP1", RegistrationStatus: store.RegistrationAccepted}, t0); err != nil {
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

func TestListPagination(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	for i := range 5 {
		if _, err := st.SaveIDTag(ctx, store.IDTag{IDTag: fmt.Sprintf("T%d", i), Status: "Accepted"}, t0); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	next := ""
	for pages := 1; ; pages++ {
		tags, n, err := st.ListIDTags(ctx, store.Page{Limit: 2, Next: next})
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range tags {
			seen[tag.IDTag] = true
		}
		if n == "" {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		next = n
	}
	if len(seen) != 5 {
		t.Fatalf("seen %v", seen)
	}
	for _, bad := range []string{"!!", "e30", "W10"} {
		if _, _, err := st.ListIDTags(ctx, store.Page{Limit: 2, Next: bad}); !errors.Is(err, store.ErrBadToken) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
}

// The fleet's running sessions are listed and counted from the sparse runningByChargeBox index:
// stopped and abandoned sessions leave it, and every page of a running list holds running
// sessions only.
func TestRunningSessionsIndex(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	start := func(box string, connector int, tag string, at time.Time) int {
		t.Helper()
		id, err := st.StartSession(ctx, startSession(box, connector, tag, at), t0)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	stopped := start("CP1", 1, "T1", t0)
	abandoned := start("CP1", 2, "T2", t0.Add(time.Minute))
	cp1 := start("CP1", 2, "T3", t0.Add(2*time.Minute)) // abandons the one before it
	cp2a := start("CP2", 1, "T4", t0.Add(3*time.Minute))
	cp2b := start("CP2", 2, "", t0.Add(4*time.Minute)) // an empty idTag is still a running session
	if _, err := st.StopSession(ctx, store.Stop{ChargeBoxID: "CP1", TransactionID: stopped, MeterStop: 200, StoppedAt: store.FormatTime(t0.Add(time.Hour))}, t0); err != nil {
		t.Fatal(err)
	}

	n, err := st.CountRunningSessions(ctx)
	if err != nil || n != 3 {
		t.Fatalf("CountRunningSessions = %d, %v; want 3", n, err)
	}
	ids := func(f store.SessionFilter, limit int32) []int {
		t.Helper()
		var out []int
		next := ""
		for {
			page, tok, err := st.ListSessions(ctx, f, store.Page{Limit: limit, Next: next})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				if f.Status != "" && s.Status != f.Status {
					t.Fatalf("session %d has status %s in a %s list", s.TransactionID, s.Status, f.Status)
				}
				out = append(out, s.TransactionID)
			}
			if tok == "" {
				return out
			}
			next = tok
		}
	}
	if got := ids(store.SessionFilter{Status: store.SessionRunning}, 1); !sameSet(got, []int{cp1, cp2a, cp2b}) {
		t.Fatalf("running sessions %v, want %v", got, []int{cp1, cp2a, cp2b})
	}
	// One box, newest first.
	if got := ids(store.SessionFilter{Status: store.SessionRunning, ChargeBoxID: "CP2"}, 10); len(got) != 2 || got[0] != cp2b || got[1] != cp2a {
		t.Fatalf("CP2 running %v, want [%d %d]", got, cp2b, cp2a)
	}
	from := store.FormatTime(t0.Add(150 * time.Second))
	if got := ids(store.SessionFilter{Status: store.SessionRunning, From: from}, 10); !sameSet(got, []int{cp2a, cp2b}) {
		t.Fatalf("running since %s: %v", from, got)
	}
	if got := ids(store.SessionFilter{Status: store.SessionRunning, ChargeBoxID: "CP2", ConnectorID: intp(2)}, 10); len(got) != 1 || got[0] != cp2b {
		t.Fatalf("CP2/2 running %v", got)
	}
	// The other statuses still come from the table and its byChargeBox index.
	if got := ids(store.SessionFilter{Status: store.SessionAbandoned}, 10); !sameSet(got, []int{abandoned}) {
		t.Fatalf("abandoned %v", got)
	}
	if got := ids(store.SessionFilter{Status: store.SessionFinished, ChargeBoxID: "CP1"}, 10); !sameSet(got, []int{stopped}) {
		t.Fatalf("CP1 finished %v", got)
	}
}

// sameSet reports whether a and b hold the same ids in any order.
func sameSet(a, b []int) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

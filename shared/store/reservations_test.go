package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

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

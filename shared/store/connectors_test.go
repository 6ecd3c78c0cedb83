package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

func TestConnectorStatusIgnoresOlderNotification(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	set := func(status string, received time.Time) bool {
		ok, err := st.SetConnectorStatus(ctx, store.Connector{ChargeBoxID: "CP1", ConnectorID: 1, Status: status, ErrorCode: "NoError",
			StatusAt: store.FormatTime(received), ReceivedAt: store.FormatTime(received)})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !set("Charging", t0.Add(time.Minute)) {
		t.Fatal("first status not stored")
	}
	if set("Available", t0) {
		t.Fatal("older status overwrote a newer one")
	}
	if c, _ := st.GetConnector(ctx, "CP1", 1); c.Status != "Charging" {
		t.Fatalf("status %q", c.Status)
	}
}

// TestConnectorStatusFollowsReceiptOrder: a box timestamp far in the future is stored as sent
// and flagged, and does not stop a notification received later from taking its place.
func TestConnectorStatusFollowsReceiptOrder(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	future := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	ok, err := st.SetConnectorStatus(ctx, store.Connector{ChargeBoxID: "CP1", ConnectorID: 3, Status: "Faulted", ErrorCode: "OtherError",
		StatusAt: store.FormatTime(future), ReceivedAt: store.FormatTime(t0), TimestampAhead: true})
	if err != nil || !ok {
		t.Fatalf("stored %v, %v", ok, err)
	}
	if c, _ := st.GetConnector(ctx, "CP1", 3); c.StatusAt != store.FormatTime(future) || !c.TimestampAhead {
		t.Fatalf("connector %+v", c)
	}
	ok, err = st.SetConnectorStatus(ctx, store.Connector{ChargeBoxID: "CP1", ConnectorID: 3, Status: "Available", ErrorCode: "NoError",
		StatusAt: store.FormatTime(t0.Add(time.Second)), ReceivedAt: store.FormatTime(t0.Add(time.Second))})
	if err != nil || !ok {
		t.Fatalf("later notification stored %v, %v", ok, err)
	}
	if c, _ := st.GetConnector(ctx, "CP1", 3); c.Status != "Available" || c.TimestampAhead {
		t.Fatalf("connector %+v", c)
	}
	if _, err := st.SetConnectorStatus(ctx, store.Connector{ChargeBoxID: "CP1", ConnectorID: 3, Status: "Available"}); err == nil {
		t.Fatal("a notification without receipt time was stored")
	}
}

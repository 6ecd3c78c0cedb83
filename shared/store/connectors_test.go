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
	set := func(status string, at time.Time) bool {
		ok, err := st.SetConnectorStatus(ctx, store.Connector{ChargeBoxID: "CP1", ConnectorID: 1, Status: status, ErrorCode: "NoError", StatusAt: store.FormatTime(at)})
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

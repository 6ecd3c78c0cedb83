package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// Items written before the listing indexes (no listShard) are in no fleet-wide listing until
// the backfill gives them their shard; a second backfill changes nothing.
func TestBackfillPutsOlderItemsInTheListings(t *testing.T) {
	cfg := storetest.Config(t)
	db := storetest.Tables(t, cfg)
	st := store.New(db, cfg.TablePrefix)
	ctx := context.Background()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	now := time.Now()
	old := map[*tables.Table]map[string]types.AttributeValue{
		&tables.ChargeBoxes:  {"chargeBoxId": s("OLD"), "registrationStatus": s("Accepted")},
		&tables.IDTags:       {"idTag": s("OLDTAG"), "status": s("Accepted")},
		&tables.Connections:  {"chargeBoxId": s("OLD"), "connectionId": s("c"), "connectedAt": s(store.FormatTime(now)), "expiresAt": n("4102444800")},
		&tables.Reservations: {"chargeBoxId": s("OLD"), "reservationId": n("1"), "connectorId": n("1"), "expiryDate": s("x"), "idTag": s("OLDTAG"), "status": s("active"), "createdAt": s("x"), "expiresAt": n("4102444800")},
		&tables.Sessions:     {"transactionId": n("5"), "chargeBoxId": s("OLD"), "connectorId": n("1"), "meterStart": n("0"), "status": s("running"), "startedAt": s(store.FormatTime(now)), "runningChargeBoxId": s("OLD")},
	}
	for table, item := range old {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table.FullName(cfg.TablePrefix)), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	listed := func() []int {
		p := store.Page{Limit: 100}
		boxes, _, err1 := st.ListUnsecuredChargeBoxes(ctx, p)
		tags, _, err2 := st.ListIDTags(ctx, p)
		conns, _, err3 := st.ListConnectionsPage(ctx, p, now)
		res, _, err4 := st.ListReservations(ctx, "", p)
		sess, _, err5 := st.ListSessions(ctx, store.SessionFilter{Status: store.SessionRunning}, p)
		for _, err := range []error{err1, err2, err3, err4, err5} {
			if err != nil {
				t.Fatal(err)
			}
		}
		return []int{len(boxes), len(tags), len(conns), len(res), len(sess)}
	}
	if got := listed(); got[0]+got[1]+got[2]+got[3]+got[4] != 0 {
		t.Fatalf("items without listShard listed before the backfill: %v", got)
	}
	changed, err := st.BackfillListShards(ctx)
	if err != nil || changed != len(old) {
		t.Fatalf("backfill changed %d, %v; want %d", changed, err, len(old))
	}
	if got := listed(); got[0] != 1 || got[1] != 1 || got[2] != 1 || got[3] != 1 || got[4] != 1 {
		t.Fatalf("listed after the backfill (unsecured boxes, tags, connections, reservations, running sessions): %v", got)
	}
	if changed, err := st.BackfillListShards(ctx); err != nil || changed != 0 {
		t.Fatalf("second backfill changed %d, %v", changed, err)
	}
}

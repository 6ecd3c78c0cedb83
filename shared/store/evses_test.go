package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
	"github.com/serverless-ocpp/csms/shared/tables"
)

func TestEVSERegistrationAndResolution(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if _, created, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP1", Unsecured: &unsecured, RegistrationStatus: accepted, EVSEs: map[string]string{"1": "E-ONE"}}, t0); err != nil || !created {
		t.Fatalf("save: %v %v", created, err)
	}
	if _, _, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP2", Unsecured: &unsecured, RegistrationStatus: accepted, EVSEs: map[string]string{"1": "E-ONE"}}, t0); !errors.Is(err, store.ErrConflict) {
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
	if _, created, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP1", Unsecured: &unsecured, RegistrationStatus: pending, EVSEs: map[string]string{"1": "E-NEW"}}, t0); err != nil || created {
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

// A save that cannot claim every EVSE id it names writes nothing: neither the box nor the ids
// it could have claimed.
func TestEVSEConflictWritesNothing(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if _, _, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP1", Unsecured: &unsecured, RegistrationStatus: accepted, EVSEs: map[string]string{"1": "E-TAKEN"}}, t0); err != nil {
		t.Fatal(err)
	}
	_, _, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP2", Unsecured: &unsecured, RegistrationStatus: accepted, EVSEs: map[string]string{"1": "E-FREE", "2": "E-TAKEN"}}, t0)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("save with a taken id: %v", err)
	}
	if _, err := st.GetChargeBox(ctx, "CP2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("box of a refused save exists: %v", err)
	}
	if box, c, err := st.ResolveEVSE(ctx, "E-FREE"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("id of a refused save resolves to %s/%d, %v", box, c, err)
	}
	// An update of an existing box that conflicts keeps its mapping too.
	_, _, err = st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP1", Unsecured: &unsecured, RegistrationStatus: pending, EVSEs: map[string]string{"1": "E-OTHER"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP3", Unsecured: &unsecured, RegistrationStatus: accepted, EVSEs: map[string]string{"1": "E-THREE"}}, t0); err != nil {
		t.Fatal(err)
	}
	_, _, err = st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP1", Unsecured: &unsecured, RegistrationStatus: rejected, EVSEs: map[string]string{"1": "E-THREE"}}, t0)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("update with a taken id: %v", err)
	}
	b, err := st.GetChargeBox(ctx, "CP1")
	if err != nil || b.RegistrationStatus != pending || b.EVSEs["1"] != "E-OTHER" {
		t.Fatalf("box after a refused update: %+v, %v", b, err)
	}
	if box, _, err := st.ResolveEVSE(ctx, "E-OTHER"); err != nil || box != "CP1" {
		t.Fatalf("E-OTHER resolves to %q, %v", box, err)
	}
}

// Boxes racing for one EVSE id: one wins, and the id resolves to the box whose mapping names it.
func TestEVSERaceHasOneWinner(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: fmt.Sprintf("CP%d", i), Unsecured: &unsecured, RegistrationStatus: accepted, EVSEs: map[string]string{"1": "E-RACE"}}, t0)
		}()
	}
	wg.Wait()
	winner := ""
	for i, err := range errs {
		switch {
		case err == nil && winner == "":
			winner = fmt.Sprintf("CP%d", i)
		case err == nil:
			t.Fatalf("CP%d and %s both saved E-RACE", i, winner)
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("CP%d: %v", i, err)
		}
	}
	box, c, err := st.ResolveEVSE(ctx, "E-RACE")
	if err != nil || box != winner || c != 1 {
		t.Fatalf("E-RACE resolves to %s/%d, %v; winner %q", box, c, err, winner)
	}
	boxes, _, err := st.ListChargeBoxes(ctx, store.Page{})
	if err != nil || len(boxes) != 1 || boxes[0].ChargeBoxID != winner {
		t.Fatalf("boxes %+v, %v; want only %s", boxes, err, winner)
	}
}

// An EVSE id a box's mapping names but another box owns (left by an earlier version that did
// not write both together) is not the box's to release: changing or deleting the box leaves it.
func TestEVSEOwnedByAnotherBoxIsNotReleased(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if _, _, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP1", Unsecured: &unsecured, RegistrationStatus: accepted, EVSEs: map[string]string{"1": "E-A", "2": "E-B"}}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().PutItem(ctx, &dynamodb.PutItemInput{TableName: st.Table(tables.EVSEs), Item: map[string]types.AttributeValue{
		"evseId": &types.AttributeValueMemberS{Value: "E-A"}, "chargeBoxId": &types.AttributeValueMemberS{Value: "CPX"}, "connectorId": &types.AttributeValueMemberN{Value: "4"},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP1", Unsecured: &unsecured, RegistrationStatus: accepted, EVSEs: map[string]string{"2": "E-B"}}, t0); err != nil {
		t.Fatalf("save releasing a foreign id: %v", err)
	}
	if box, c, err := st.ResolveEVSE(ctx, "E-A"); err != nil || box != "CPX" || c != 4 {
		t.Fatalf("E-A resolves to %s/%d, %v; want CPX/4", box, c, err)
	}
	if _, err := st.DB().PutItem(ctx, &dynamodb.PutItemInput{TableName: st.Table(tables.EVSEs), Item: map[string]types.AttributeValue{
		"evseId": &types.AttributeValueMemberS{Value: "E-B"}, "chargeBoxId": &types.AttributeValueMemberS{Value: "CPX"}, "connectorId": &types.AttributeValueMemberN{Value: "5"},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteChargeBox(ctx, "CP1"); err != nil {
		t.Fatalf("delete with a foreign id: %v", err)
	}
	if box, _, err := st.ResolveEVSE(ctx, "E-B"); err != nil || box != "CPX" {
		t.Fatalf("E-B resolves to %s, %v; want CPX", box, err)
	}
	if err := st.DeleteChargeBox(ctx, "CP1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

// An EVSE id two connectors name is registered to the lower connector.
func TestEVSENamedTwiceGoesToTheLowerConnector(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if _, _, err := st.SaveChargeBox(ctx, store.Registration{ChargeBoxID: "CP1", Unsecured: &unsecured, RegistrationStatus: accepted, EVSEs: map[string]string{"3": "E-D", "2": "E-D", "10": "E-D"}}, t0); err != nil {
		t.Fatal(err)
	}
	if box, c, err := st.ResolveEVSE(ctx, "E-D"); err != nil || box != "CP1" || c != 2 {
		t.Fatalf("E-D resolves to %s/%d, %v; want CP1/2", box, c, err)
	}
}

package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// Reservation statuses. Expired is never stored: an active reservation past its expiryDate is
// reported expired when read, and TTL removes it later.
const (
	ReservationActive    = "active"
	ReservationConsumed  = "consumed"
	ReservationCancelled = "cancelled"
	ReservationExpired   = "expired"
)

// reservationRetention is how long a reservation stays queryable after its expiry.
const reservationRetention = 30 * 24 * time.Hour

// Reservation is an item of the reservations table: a ReserveNow the box accepted.
type Reservation struct {
	ChargeBoxID   string `dynamodbav:"chargeBoxId"`
	ReservationID int    `dynamodbav:"reservationId"`
	ConnectorID   int    `dynamodbav:"connectorId"`
	ExpiryDate    string `dynamodbav:"expiryDate"`
	IDTag         string `dynamodbav:"idTag"`
	ParentIDTag   string `dynamodbav:"parentIdTag,omitempty"`
	Status        string `dynamodbav:"status"`
	CommandID     string `dynamodbav:"commandId,omitempty"`
	CreatedAt     string `dynamodbav:"createdAt"`
	TransactionID int    `dynamodbav:"transactionId,omitempty"`
	ConsumedAt    string `dynamodbav:"consumedAt,omitempty"`
	CancelledAt   string `dynamodbav:"cancelledAt,omitempty"`
	ExpiresAt     int64  `dynamodbav:"expiresAt"`
	// ListShard puts the reservation in partition ListShard(chargeBoxId) of the byShard index.
	ListShard int `dynamodbav:"listShard"`
}

// Current returns the reservation with its status as of now (an active one past its expiry is
// expired).
func (r Reservation) Current(now time.Time) Reservation {
	if r.Status == ReservationActive && r.ExpiryDate <= FormatTime(now) {
		r.Status = ReservationExpired
	}
	return r
}

func reservationKey(box string, id int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"chargeBoxId": str(box), "reservationId": num(int64(id))}
}

// PutReservation stores an accepted reservation; a ReserveNow with the id of an earlier
// reservation of the box replaces it, as OCPP 1.6 says.
func (s *Store) PutReservation(ctx context.Context, r Reservation, expiry time.Time) error {
	r.Status, r.ExpiryDate = ReservationActive, FormatTime(expiry)
	r.ExpiresAt = expiry.Add(reservationRetention).Unix()
	r.ListShard = ListShard(r.ChargeBoxID)
	item, err := marshal(r)
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.Table(tables.Reservations), Item: item}); err != nil {
		return fmt.Errorf("put reservation %s/%d: %w", r.ChargeBoxID, r.ReservationID, err)
	}
	return nil
}

// CancelReservation ends an active reservation; it reports whether one was active.
func (s *Store) CancelReservation(ctx context.Context, box string, id int, now time.Time) (bool, error) {
	var u update
	u.set("status", str(ReservationCancelled))
	u.set("cancelledAt", str(FormatTime(now)))
	cond := u.cond("%s = ", "status") + u.value(str(ReservationActive))
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.Reservations), Key: reservationKey(box, id),
		UpdateExpression: u.expression(), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cancel reservation %s/%d: %w", box, id, err)
	}
	return true, nil
}

// consumeReservation is the StartSession transaction's write that consumes the reservation
// the start names, only while it is active and not expired.
func consumeReservation(s *Store, sess Session, now time.Time) types.TransactWriteItem {
	var u update
	u.set("status", str(ReservationConsumed))
	u.set("transactionId", num(int64(sess.TransactionID)))
	u.set("consumedAt", str(FormatTime(now)))
	cond := u.cond("%s = ", "status") + u.value(str(ReservationActive)) + u.cond(" AND %s > ", "expiryDate") + u.value(str(FormatTime(now)))
	return types.TransactWriteItem{Update: &types.Update{
		TableName: s.Table(tables.Reservations), Key: reservationKey(sess.ChargeBoxID, *sess.ReservationID),
		UpdateExpression: u.expression(), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
	}}
}

// GetReservation reads one reservation; ErrNotFound when there is none.
func (s *Store) GetReservation(ctx context.Context, box string, id int) (Reservation, error) {
	var r Reservation
	err := s.get(ctx, tables.Reservations, reservationKey(box, id), &r)
	return r, err
}

// ListReservations lists reservations, those of one box when box is set (a Query of its
// partition), else every box's from the byShard index, shard after shard.
func (s *Store) ListReservations(ctx context.Context, box string, p Page) ([]Reservation, string, error) {
	var out []Reservation
	if box == "" {
		next, err := s.listSharded(ctx, sharded{table: tables.Reservations, index: "byShard", key: "listShard", parts: listShards(), number: true}, p, &out)
		return out, next, err
	}
	next, err := s.list(ctx, tables.Reservations, box, p, &out)
	return out, next, err
}

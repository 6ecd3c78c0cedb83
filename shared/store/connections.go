package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// Connection is an item of the connections table: the live WebSocket of a charge box.
type Connection struct {
	ChargeBoxID  string `dynamodbav:"chargeBoxId"`
	ConnectionID string `dynamodbav:"connectionId"`
	TenantID     string `dynamodbav:"tenantId,omitempty"`
	ConnectedAt  string `dynamodbav:"connectedAt"`
	SourceIP     string `dynamodbav:"sourceIp,omitempty"`
	UserAgent    string `dynamodbav:"userAgent,omitempty"`
	ExpiresAt    int64  `dynamodbav:"expiresAt"`
	// PendingCommand is the uniqueId of the one outstanding CALL to this box (OCPP-J allows
	// one at a time); PendingUntil (epoch seconds) lets a stuck slot be taken over.
	PendingCommand string `dynamodbav:"pendingCommand,omitempty"`
	PendingUntil   int64  `dynamodbav:"pendingUntil,omitempty"`
	// ListShard puts the row in partition ListShard(chargeBoxId) of the live index.
	ListShard int `dynamodbav:"listShard"`
}

// ErrSuperseded is returned by Connect when the box's stored connection is newer than the one
// connecting: a late $connect never replaces the connection that came after it.
var ErrSuperseded = errors.New("a newer connection of the charge box is stored")

// Connect stores the connection of a box and logs its "connected" event in one transaction,
// replacing the row of an earlier connection of the same box (a reconnect). A row connected
// later than c stays, and nothing is written: ErrSuperseded. A box without a row counts as one
// more online box in the same transaction; a reconnect replaces the row and the count stays.
func (s *Store) Connect(ctx context.Context, c Connection, event ConnectionEvent) error {
	c.ListShard = ListShard(c.ChargeBoxID)
	conn, err := marshal(c)
	if err != nil {
		return err
	}
	row, err := event.item()
	if err != nil {
		return err
	}
	// First as a new row (counted), then as a replacement (not counted); the row may come and
	// go between the two when a $disconnect races, hence the loop.
	for attempt := range 8 {
		replace := attempt%2 == 1
		cond := "attribute_not_exists(chargeBoxId)"
		if replace {
			// connectedAt is the fixed-width FormatTime form, so text order is time order.
			cond = "attribute_exists(chargeBoxId) AND connectedAt <= :t"
		}
		put := &types.Put{TableName: s.Table(tables.Connections), Item: conn, ConditionExpression: aws.String(cond),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
		if replace {
			put.ExpressionAttributeValues = map[string]types.AttributeValue{":t": str(c.ConnectedAt)}
		}
		items := []types.TransactWriteItem{{Put: put}, {Put: &types.Put{TableName: s.Table(tables.Messages), Item: row, ConditionExpression: aws.String("attribute_not_exists(seq)")}}}
		if !replace {
			items = append(items, *s.countItem(c.ChargeBoxID, counted{countOnline: 1}))
		}
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		reasons := cancellationReasons(err)
		switch {
		case err == nil:
			return nil
		case len(reasons) >= 2 && reasons[1] == "ConditionalCheckFailed":
			// The event row exists: this $connect is a replay of one that already took effect.
			// Writing the row again could overwrite a newer connection, so nothing is written.
			return nil
		case len(reasons) >= 2 && reasons[0] == "ConditionalCheckFailed" && replace && storedNewer(err, c):
			return fmt.Errorf("connect %s (%s at %s): %w", c.ChargeBoxID, c.ConnectionID, c.ConnectedAt, ErrSuperseded)
		case len(reasons) >= 2 && reasons[0] == "ConditionalCheckFailed":
			continue
		}
		return fmt.Errorf("connect %s (%s): %w", c.ChargeBoxID, c.ConnectionID, err)
	}
	return fmt.Errorf("connect %s (%s): the row kept changing", c.ChargeBoxID, c.ConnectionID)
}

// storedNewer tells whether the row a failed replacement found (returned with the
// cancellation) was connected after c; false when the row went meanwhile.
func storedNewer(err error, c Connection) bool {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) == 0 {
		return false
	}
	var stored Connection
	if err := attributevalue.UnmarshalMap(tce.CancellationReasons[0].Item, &stored); err != nil {
		return false
	}
	return stored.ConnectedAt > c.ConnectedAt
}

// Disconnection is what a $disconnect did to the box's connection row.
type Disconnection int

// Outcomes of Disconnect.
const (
	// Removed: the row was this connection's; it went and "disconnected" was logged with it.
	Removed Disconnection = iota
	// Offline: there was no row (it expired, or a GoneException cleaned it up); "disconnected"
	// was logged.
	Offline
	// Replaced: a newer connection of the box holds the row. The row stays and nothing is
	// logged: a "disconnected" after the newer "connected" would tell consumers the box went
	// offline while it is online.
	Replaced
	// Replayed: the event row exists, so this is a retry of a disconnect that took effect.
	Replayed
)

// Disconnect ends connectionID of a box: its row goes only while it still holds connectionID
// (a reconnect's $connect may have run first), and the "disconnected" event is logged unless
// a newer connection replaced this one. Each write carries its condition, so a concurrent
// reconnect cannot slip between the check and the write.
func (s *Store) Disconnect(ctx context.Context, chargeBoxID, connectionID string, event ConnectionEvent) (Disconnection, error) {
	row, err := event.item()
	if err != nil {
		return 0, err
	}
	logRow := types.Put{TableName: s.Table(tables.Messages), Item: row, ConditionExpression: aws.String("attribute_not_exists(seq)")}
	items := []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName:                 s.Table(tables.Connections),
			Key:                       boxKey(chargeBoxID),
			ConditionExpression:       aws.String("connectionId = :c"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": str(connectionID)},
		}},
		{Put: &logRow},
		*s.countItem(chargeBoxID, counted{countOnline: -1}),
		// When the box was last seen, for the registry listing without a read per box: only on
		// a registered box's item (a deleted box is not made again).
		{Update: &types.Update{
			TableName: s.Table(tables.ChargeBoxes), Key: boxKey(chargeBoxID),
			UpdateExpression:          aws.String("SET disconnectedAt = :t"),
			ConditionExpression:       aws.String("attribute_exists(chargeBoxId)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": str(FormatTime(event.OccurredAt))},
		}},
	}
	for {
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return Removed, nil
		}
		reasons := cancellationReasons(err)
		switch {
		case len(reasons) == len(items) && reasons[1] == "ConditionalCheckFailed":
			return Replayed, nil
		case len(reasons) == len(items) && reasons[0] == "ConditionalCheckFailed":
			return s.disconnectWithoutRow(ctx, chargeBoxID, logRow)
		case len(reasons) == 4 && reasons[3] == "ConditionalCheckFailed":
			items = items[:3] // the box was deleted while connected: nothing to mark
			continue
		}
		return 0, fmt.Errorf("disconnect %s (%s): %w", chargeBoxID, connectionID, err)
	}
}

// disconnectWithoutRow logs the "disconnected" event of a connection that does not hold the
// box's row, only while no row exists: a row held by another connection is a newer one.
func (s *Store) disconnectWithoutRow(ctx context.Context, chargeBoxID string, logRow types.Put) (Disconnection, error) {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{
			TableName: s.Table(tables.Connections), Key: boxKey(chargeBoxID),
			ConditionExpression: aws.String("attribute_not_exists(chargeBoxId)"),
		}},
		{Put: &logRow},
	}})
	if err == nil {
		return Offline, nil
	}
	reasons := cancellationReasons(err)
	switch {
	case len(reasons) == 2 && reasons[1] == "ConditionalCheckFailed":
		return Replayed, nil
	case len(reasons) == 2 && reasons[0] == "ConditionalCheckFailed":
		return Replaced, nil
	}
	return 0, fmt.Errorf("log disconnect of %s: %w", chargeBoxID, err)
}

// Live reports whether the row still stands for an open connection at now: past expiresAt it
// belongs to a connection whose $disconnect was lost, even before DynamoDB's TTL deletes it
// (which can take days).
func (c Connection) Live(now time.Time) bool { return c.ExpiresAt > now.Unix() }

// GetConnection returns the live connection of a box at now; ErrNotFound when it is offline
// or its row has expired.
func (s *Store) GetConnection(ctx context.Context, chargeBoxID string, now time.Time) (Connection, error) {
	var c Connection
	if err := s.get(ctx, tables.Connections, boxKey(chargeBoxID), &c); err != nil {
		return Connection{}, err
	}
	if !c.Live(now) {
		return Connection{}, ErrNotFound
	}
	return c, nil
}

// ListConnectionsPage returns one page of the live connections at now, from the live index:
// partition ListShard(box), sorted by expiresAt, read from expiresAt > now, so rows past their
// TTL that DynamoDB has not deleted yet are never read. A page may hold fewer than p.Limit rows;
// next is set whenever more rows may follow.
func (s *Store) ListConnectionsPage(ctx context.Context, p Page, now time.Time) ([]Connection, string, error) {
	q := sharded{table: tables.Connections, index: "live", key: "listShard", parts: listShards(), number: true}
	q.sortCond = q.u.cond("%s > ", "expiresAt") + q.u.value(num(now.Unix()))
	var out []Connection
	next, err := s.listSharded(ctx, q, p, &out)
	return out, next, err
}

// ConnectionExpiry is when a connection row expires: API Gateway ends every connection after
// two hours, so a row older than ttl belongs to a connection whose $disconnect was lost.
func ConnectionExpiry(now time.Time, ttl time.Duration) int64 { return now.Add(ttl).Unix() }

// String names the outcome in logs.
func (d Disconnection) String() string {
	switch d {
	case Removed:
		return "removed"
	case Offline:
		return "offline"
	case Replaced:
		return "replaced"
	case Replayed:
		return "replayed"
	}
	return "unknown"
}

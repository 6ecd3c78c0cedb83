package store

import (
	"context"
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
}

// Connect stores the connection of a box and logs its "connected" event in one transaction,
// replacing the row of an earlier connection of the same box (a reconnect).
func (s *Store) Connect(ctx context.Context, c Connection, event ConnectionEvent) error {
	conn, err := marshal(c)
	if err != nil {
		return err
	}
	row, err := event.item()
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: s.Table(tables.Connections), Item: conn}},
		{Put: &types.Put{TableName: s.Table(tables.Messages), Item: row, ConditionExpression: aws.String("attribute_not_exists(seq)")}},
	}})
	if reasons := cancellationReasons(err); len(reasons) == 2 && reasons[1] == "ConditionalCheckFailed" {
		// The event row exists: this $connect is a replay of one that already took effect.
		// Writing the row again could overwrite a newer connection, so nothing is written.
		return nil
	}
	if err != nil {
		return fmt.Errorf("connect %s (%s): %w", c.ChargeBoxID, c.ConnectionID, err)
	}
	return nil
}

// Disconnect removes the box's connection row only while it still holds connectionID: when a
// reconnect's $connect ran before this connection's $disconnect, the new row stays. The
// "disconnected" event is logged either way, in the same transaction when the row goes. It
// reports whether the row was removed.
func (s *Store) Disconnect(ctx context.Context, chargeBoxID, connectionID string, event ConnectionEvent) (bool, error) {
	row, err := event.item()
	if err != nil {
		return false, err
	}
	logRow := types.Put{TableName: s.Table(tables.Messages), Item: row, ConditionExpression: aws.String("attribute_not_exists(seq)")}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName:                 s.Table(tables.Connections),
			Key:                       boxKey(chargeBoxID),
			ConditionExpression:       aws.String("connectionId = :c"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": str(connectionID)},
		}},
		{Put: &logRow},
	}})
	if err == nil {
		return true, nil
	}
	reasons := cancellationReasons(err)
	if len(reasons) == 2 && reasons[0] == "ConditionalCheckFailed" && reasons[1] != "ConditionalCheckFailed" {
		// Another connection owns the row (or none does): keep it, log the event alone.
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: logRow.TableName, Item: row, ConditionExpression: logRow.ConditionExpression}); err != nil && !isConditionFailed(err) {
			return false, fmt.Errorf("log disconnect of %s: %w", chargeBoxID, err)
		}
		return false, nil
	}
	if len(reasons) == 2 && reasons[1] == "ConditionalCheckFailed" {
		// The event row exists: this $disconnect is a retry that already took effect.
		return false, nil
	}
	return false, fmt.Errorf("disconnect %s (%s): %w", chargeBoxID, connectionID, err)
}

// GetConnection returns the live connection of a box; ErrNotFound when it is offline.
func (s *Store) GetConnection(ctx context.Context, chargeBoxID string) (Connection, error) {
	var c Connection
	err := s.get(ctx, tables.Connections, boxKey(chargeBoxID), &c)
	return c, err
}

// ListConnections returns every live connection (one row per connected box).
func (s *Store) ListConnections(ctx context.Context) ([]Connection, error) {
	var out []Connection
	p := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{TableName: s.Table(tables.Connections)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list connections: %w", err)
		}
		var cs []Connection
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &cs); err != nil {
			return nil, fmt.Errorf("decode connections: %w", err)
		}
		out = append(out, cs...)
	}
	return out, nil
}

// ListConnectionsPage returns one page of the live connections.
func (s *Store) ListConnectionsPage(ctx context.Context, p Page) ([]Connection, string, error) {
	var out []Connection
	next, err := s.list(ctx, tables.Connections, "", p, &out)
	return out, next, err
}

// ConnectionExpiry is when a connection row expires: API Gateway ends every connection after
// two hours, so a row older than ttl belongs to a connection whose $disconnect was lost.
func ConnectionExpiry(now time.Time, ttl time.Duration) int64 { return now.Add(ttl).Unix() }

package store

import (
	"context"
	"fmt"
	"time"

	"github.com/serverless-ocpp/csms/shared/ocpp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// Directions of a logged frame.
const (
	FromBox = "from-box"
	ToBox   = "to-box"
)

// Kinds of frame-log rows.
const (
	KindFrames     = "frames"
	KindConnection = "connection"
)

// EventType tells what a connection event row records; the publisher sends it as event_type.
type EventType string

// Connection event types.
const (
	EventConnected    EventType = "connected"
	EventDisconnected EventType = "disconnected"
)

// StatusDisconnected is the status of a disconnected event; a connected event carries the
// box's registration status (Accepted, Pending or Rejected) instead.
const StatusDisconnected = "Disconnected"

// LoggedFrame is one raw OCPP-J frame as it crossed the wire.
type LoggedFrame struct {
	Direction   string `dynamodbav:"direction"`
	Raw         string `dynamodbav:"raw"`
	MessageType int    `dynamodbav:"messageType"`
	UniqueID    string `dynamodbav:"uniqueId"`
	Action      string `dynamodbav:"action,omitempty"`
	// ResponseTo names the action a CALLRESULT or CALLERROR answers, when known.
	ResponseTo string `dynamodbav:"responseTo,omitempty"`
	OccurredAt string `dynamodbav:"occurredAt"`
}

// Exchange is one frame-log row: a frame from a box and the answer sent to it, or one frame
// alone (a CALL the system sent, a box's answer to it). The newest row of a box tells when it
// was last seen, so a Heartbeat costs this one write and nothing else.
type Exchange struct {
	ChargeBoxID  string
	TenantID     string
	ConnectionID string
	OccurredAt   time.Time
	Frames       []LoggedFrame
	// Retention is how long the row is kept (TTL).
	Retention time.Duration
}

// ConnectionEvent is a frame-log row telling that a box connected or disconnected.
type ConnectionEvent struct {
	ChargeBoxID  string
	TenantID     string
	ConnectionID string
	EventType    EventType
	IP           string
	// Status is the registration status on connect, StatusDisconnected on disconnect.
	Status     string
	OccurredAt time.Time
	Retention  time.Duration
}

type messageRow struct {
	ChargeBoxID  string        `dynamodbav:"chargeBoxId"`
	Seq          string        `dynamodbav:"seq"`
	Kind         string        `dynamodbav:"kind"`
	TenantID     string        `dynamodbav:"tenantId,omitempty"`
	ConnectionID string        `dynamodbav:"connectionId,omitempty"`
	OccurredAt   string        `dynamodbav:"occurredAt"`
	ExpiresAt    int64         `dynamodbav:"expiresAt"`
	Frames       []LoggedFrame `dynamodbav:"frames,omitempty"`
	EventType    EventType     `dynamodbav:"eventType,omitempty"`
	IP           string        `dynamodbav:"ip,omitempty"`
	Status       string        `dynamodbav:"status,omitempty"`
}

// LogRow is one frame-log row as stored.
type LogRow messageRow

func (e ConnectionEvent) item() (map[string]types.AttributeValue, error) {
	at := FormatTime(e.OccurredAt)
	return marshal(messageRow{
		ChargeBoxID: e.ChargeBoxID, Seq: at + "#" + e.ConnectionID + "#" + string(e.EventType), Kind: KindConnection,
		TenantID: e.TenantID, ConnectionID: e.ConnectionID, OccurredAt: at,
		ExpiresAt: e.OccurredAt.Add(e.Retention).Unix(), EventType: e.EventType, IP: e.IP, Status: e.Status,
	})
}

// LogExchange writes one frame-log row. The sort key carries the first frame's uniqueId, so a
// Lambda retry of the same invocation writes the same row and publishes nothing twice. Secrets
// (AuthorizationKey values) are redacted here, before the row is stored and so before the
// stream publishes it: every frame the system logs passes through this one place.
func (s *Store) LogExchange(ctx context.Context, x Exchange) error {
	if len(x.Frames) == 0 {
		return nil
	}
	x.Frames = redactFrames(x.Frames)
	at := FormatTime(x.OccurredAt)
	item, err := marshal(messageRow{
		ChargeBoxID: x.ChargeBoxID, Seq: at + "#" + x.Frames[0].UniqueID + "#" + x.Frames[0].Direction, Kind: KindFrames,
		TenantID: x.TenantID, ConnectionID: x.ConnectionID, OccurredAt: at,
		ExpiresAt: x.OccurredAt.Add(x.Retention).Unix(), Frames: x.Frames,
	})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           s.Table(tables.Messages),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(seq)"),
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("log frames of %s: %w", x.ChargeBoxID, err)
	}
	return nil
}

// LastSeen returns when the box last sent or was sent anything, from the newest frame-log row;
// the zero time when there is none.
func (s *Store) LastSeen(ctx context.Context, chargeBoxID string) (time.Time, error) {
	res, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 s.Table(tables.Messages),
		KeyConditionExpression:    aws.String("chargeBoxId = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(chargeBoxID)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
		ProjectionExpression:      aws.String("occurredAt"),
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("last seen of %s: %w", chargeBoxID, err)
	}
	if len(res.Items) == 0 {
		return time.Time{}, nil
	}
	var row struct {
		OccurredAt string `dynamodbav:"occurredAt"`
	}
	if err := attributevalue.UnmarshalMap(res.Items[0], &row); err != nil {
		return time.Time{}, fmt.Errorf("decode last seen: %w", err)
	}
	t, err := time.Parse(timeFormat, row.OccurredAt)
	if err != nil {
		return time.Time{}, fmt.Errorf("decode last seen %q: %w", row.OccurredAt, err)
	}
	return t, nil
}

// ListMessages lists a box's frame log, newest first.
func (s *Store) ListMessages(ctx context.Context, box string, p Page) ([]LogRow, string, error) {
	pos := tablePosition(tables.Messages).in("chargeBoxId", box)
	start, err := pos.decode(p.Next)
	if err != nil {
		return nil, "", err
	}
	res, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: s.Table(tables.Messages), KeyConditionExpression: aws.String("chargeBoxId = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(box)},
		ScanIndexForward:          aws.Bool(false), ExclusiveStartKey: start, Limit: limit(p.Limit),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list messages of %s: %w", box, err)
	}
	var out []LogRow
	next, err := pos.page(res.Items, res.LastEvaluatedKey, &out, "messages")
	return out, next, err
}

// redactFrames returns frames with secrets redacted, copying only when one is changed.
func redactFrames(frames []LoggedFrame) []LoggedFrame {
	out := frames
	for i, f := range frames {
		r := ocpp.RedactString(f.Raw)
		if r == f.Raw {
			continue
		}
		if &out[0] == &frames[0] {
			out = append([]LoggedFrame(nil), frames...)
		}
		out[i].Raw = r
	}
	return out
}

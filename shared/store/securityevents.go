package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// FleetPartition is the one value of the security events' fleet attribute (index byTime).
const FleetPartition = "all"

// SecurityEvent is an item of the security-events table: one SecurityEventNotification.
type SecurityEvent struct {
	ChargeBoxID string `dynamodbav:"chargeBoxId"`
	// EventKey is "<timestamp>#<uniqueId>": time order, and a resent frame is the same item.
	EventKey string `dynamodbav:"eventKey"`
	Fleet    string `dynamodbav:"fleet"`
	TenantID string `dynamodbav:"tenantId,omitempty"`
	Type     string `dynamodbav:"type"`
	// Timestamp is the box's time of the event; ReceivedAt when the central system got it.
	Timestamp  string `dynamodbav:"timestamp"`
	TechInfo   string `dynamodbav:"techInfo,omitempty"`
	ReceivedAt string `dynamodbav:"receivedAt"`
	UniqueID   string `dynamodbav:"uniqueId"`
	// Critical marks the events the security whitepaper lists as critical.
	Critical bool `dynamodbav:"critical"`
}

// SecurityEventKey is the sort key of an event sent at timestamp (FormatTime) under uniqueID.
func SecurityEventKey(timestamp, uniqueID string) string { return timestamp + "#" + uniqueID }

// PutSecurityEvent stores an event. A resent frame (same timestamp and uniqueId) finds its
// item and leaves it as first received; it reports whether the event was new.
func (s *Store) PutSecurityEvent(ctx context.Context, e SecurityEvent) (bool, error) {
	e.Fleet = FleetPartition
	e.EventKey = SecurityEventKey(e.Timestamp, e.UniqueID)
	item, err := marshal(e)
	if err != nil {
		return false, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.Table(tables.SecurityEvents), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(eventKey)"),
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store security event %s of %s: %w", e.Type, e.ChargeBoxID, err)
	}
	return true, nil
}

// SecurityEventFilter selects security events; zero fields select everything. From and To
// bound the event's timestamp (FormatTime form, inclusive).
type SecurityEventFilter struct {
	ChargeBoxID string
	Type        string
	From, To    string
}

// ListSecurityEvents lists security events newest first: of one box from its partition (a type
// filtered there), of one type fleet-wide from index byType, or of the whole fleet from index
// byTime. Every listing is a Query, the time window a key condition.
func (s *Store) ListSecurityEvents(ctx context.Context, f SecurityEventFilter, p Page) ([]SecurityEvent, string, error) {
	// Keys are "<timestamp>#<uniqueId>": "#" sorts below every character of a uniqueId, "~"
	// above, so these bounds take in every event of the window.
	from, to := "0", "9"
	if f.From != "" {
		from = f.From + "#"
	}
	if f.To != "" {
		to = f.To + "#~"
	}
	index, part, value := "", "chargeBoxId", f.ChargeBoxID
	switch {
	case f.ChargeBoxID != "":
	case f.Type != "":
		index, part, value = "byType", "type", f.Type
	default:
		index, part, value = "byTime", "fleet", FleetPartition
	}
	pos := tablePosition(tables.SecurityEvents)
	if index != "" {
		pos = indexPosition(tables.SecurityEvents, index)
	}
	pos = pos.in(part, value).between("eventKey", from, to)
	start, err := pos.decode(p.Next)
	if err != nil {
		return nil, "", err
	}
	var u update
	in := &dynamodb.QueryInput{
		TableName: s.Table(tables.SecurityEvents),
		KeyConditionExpression: aws.String(u.cond("%s = ", part) + u.value(str(value)) +
			u.cond(" AND %s BETWEEN ", "eventKey") + u.value(str(from)) + " AND " + u.value(str(to))),
		ScanIndexForward: aws.Bool(false), ExclusiveStartKey: start, Limit: limit(p.Limit),
	}
	if index != "" {
		in.IndexName = aws.String(index)
	}
	if f.ChargeBoxID != "" && f.Type != "" {
		in.FilterExpression = aws.String(u.cond("%s = ", "type") + u.value(str(f.Type)))
	}
	in.ExpressionAttributeNames, in.ExpressionAttributeValues = u.names, u.values
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("list security events (%s %s): %w", part, value, err)
	}
	var out []SecurityEvent
	next, err := pos.page(res.Items, res.LastEvaluatedKey, &out, "security events")
	return out, next, err
}

// criticalSecurityEvents are the events the security whitepaper (edition 3, appendix 1) marks
// critical: a box pushes them to the central system at once.
var criticalSecurityEvents = []string{
	"FirmwareUpdated", "SettingSystemTime", "StartupOfTheDevice", "ResetOrReboot",
	"SecurityLogWasCleared", "MemoryExhaustion", "TamperDetectionActivated",
}

// CriticalSecurityEvent reports whether the whitepaper marks an event type critical (the
// names are case-sensitive, as every OCPP value).
func CriticalSecurityEvent(eventType string) bool {
	return slices.Contains(criticalSecurityEvents, eventType)
}

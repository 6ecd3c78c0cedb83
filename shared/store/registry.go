package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// CommandUndelivered is the status of a command the system could not post to the box (its
// connection was gone); the box never saw it.
const CommandUndelivered = "undelivered"

// ErrConflict is returned when a write would take something another item owns (an EVSE id
// registered to another box).
var ErrConflict = errors.New("conflict")

// Registration is what an operator says about a charge box.
type Registration struct {
	ChargeBoxID        string
	RegistrationStatus string
	// PasswordHash replaces the stored hash when not nil; a pointer to "" removes it.
	PasswordHash *string
	TenantID     string
	// EVSEs replaces the EVSE mapping (connector id -> EVSE id) when not nil.
	EVSEs map[string]string
}

// SaveChargeBox creates or updates a box's registration, keeping what the box itself reported
// (boot information, statuses, caches). It reports whether the box was new. An EVSE id
// registered to another box is ErrConflict and changes nothing.
func (s *Store) SaveChargeBox(ctx context.Context, r Registration, now time.Time) (ChargeBox, bool, error) {
	var old ChargeBox
	err := s.get(ctx, tables.ChargeBoxes, boxKey(r.ChargeBoxID), &old)
	created := errors.Is(err, ErrNotFound)
	if err != nil && !created {
		return ChargeBox{}, false, err
	}
	if r.EVSEs != nil {
		if err := s.claimEVSEs(ctx, r.ChargeBoxID, r.EVSEs); err != nil {
			return ChargeBox{}, false, err
		}
	}
	var u update
	u.set("registrationStatus", str(r.RegistrationStatus))
	u.set("updatedAt", str(FormatTime(now)))
	u.setIfAbsent("createdAt", str(FormatTime(now)))
	if r.TenantID != "" {
		u.set("tenantId", str(r.TenantID))
	}
	if r.PasswordHash != nil {
		if *r.PasswordHash == "" {
			u.remove("passwordHash")
		} else {
			u.set("passwordHash", str(*r.PasswordHash))
		}
	}
	if r.EVSEs != nil {
		if len(r.EVSEs) == 0 {
			u.remove("evses")
		} else {
			m, err := attributevalue.Marshal(r.EVSEs)
			if err != nil {
				return ChargeBox{}, false, fmt.Errorf("encode evses: %w", err)
			}
			u.set("evses", m)
		}
	}
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.ChargeBoxes), Key: boxKey(r.ChargeBoxID),
		UpdateExpression: u.expression(), ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return ChargeBox{}, false, fmt.Errorf("save charge box %s: %w", r.ChargeBoxID, err)
	}
	var b ChargeBox
	if err := attributevalue.UnmarshalMap(res.Attributes, &b); err != nil {
		return ChargeBox{}, false, fmt.Errorf("decode charge box: %w", err)
	}
	if r.EVSEs != nil {
		s.releaseEVSEs(ctx, r.ChargeBoxID, old.EVSEs, r.EVSEs)
	}
	return b, created, nil
}

type evseItem struct {
	EVSEID      string `dynamodbav:"evseId"`
	ChargeBoxID string `dynamodbav:"chargeBoxId"`
	ConnectorID int    `dynamodbav:"connectorId"`
}

// claimEVSEs writes the EVSE id items of a mapping; an id owned by another box is ErrConflict.
func (s *Store) claimEVSEs(ctx context.Context, box string, evses map[string]string) error {
	for connector, id := range evses {
		c, err := strconv.Atoi(connector)
		if err != nil {
			return fmt.Errorf("evses: connector id %q is not a number", connector)
		}
		item, err := marshal(evseItem{EVSEID: id, ChargeBoxID: box, ConnectorID: c})
		if err != nil {
			return err
		}
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: s.Table(tables.EVSEs), Item: item,
			ConditionExpression:       aws.String("attribute_not_exists(evseId) OR chargeBoxId = :b"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(box)},
		})
		if isConditionFailed(err) {
			return fmt.Errorf("EVSE id %s belongs to another charge box: %w", id, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("register EVSE %s: %w", id, err)
		}
	}
	return nil
}

// releaseEVSEs deletes the EVSE items of old that the new mapping no longer names. A failure
// leaves an item that still resolves to this box, which is harmless: it is logged by nobody
// and overwritten by the next registration of the id.
func (s *Store) releaseEVSEs(ctx context.Context, box string, old, keep map[string]string) {
	kept := map[string]bool{}
	for _, id := range keep {
		kept[id] = true
	}
	for _, id := range old {
		if kept[id] {
			continue
		}
		_, _ = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: s.Table(tables.EVSEs), Key: map[string]types.AttributeValue{"evseId": str(id)},
			ConditionExpression:       aws.String("chargeBoxId = :b"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(box)},
		})
	}
}

// DeleteChargeBox removes a box from the registry with its EVSE ids; ErrNotFound when it is
// not registered. Its sessions and logs stay.
func (s *Store) DeleteChargeBox(ctx context.Context, id string) error {
	res, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: s.Table(tables.ChargeBoxes), Key: boxKey(id),
		ConditionExpression: aws.String("attribute_exists(chargeBoxId)"),
		ReturnValues:        types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete charge box %s: %w", id, err)
	}
	var old ChargeBox
	if err := attributevalue.UnmarshalMap(res.Attributes, &old); err == nil {
		s.releaseEVSEs(ctx, id, old.EVSEs, nil)
	}
	return nil
}

// ListChargeBoxes lists the registry.
func (s *Store) ListChargeBoxes(ctx context.Context, p Page) ([]ChargeBox, string, error) {
	var out []ChargeBox
	next, err := s.list(ctx, tables.ChargeBoxes, "", p, &out)
	return out, next, err
}

// DefaultEVSEID is the EVSE id of a connector without a registered one.
func DefaultEVSEID(box string, connector int) string { return fmt.Sprintf("%s*%d", box, connector) }

// ResolveEVSE returns the box and connector an EVSE id names: a registered id, else the
// default form "<chargeBoxId>*<connectorId>". ErrNotFound when it is neither.
func (s *Store) ResolveEVSE(ctx context.Context, evseID string) (string, int, error) {
	var it evseItem
	err := s.get(ctx, tables.EVSEs, map[string]types.AttributeValue{"evseId": str(evseID)}, &it)
	if err == nil {
		return it.ChargeBoxID, it.ConnectorID, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return "", 0, err
	}
	i := strings.LastIndexByte(evseID, '*')
	if i <= 0 {
		return "", 0, ErrNotFound
	}
	c, err := strconv.Atoi(evseID[i+1:])
	if err != nil || c < 1 {
		return "", 0, ErrNotFound
	}
	return evseID[:i], c, nil
}

// SetConfiguration caches configuration keys of a box. With replace (a GetConfiguration that
// asked for every key) the cache becomes exactly values; otherwise the keys are merged in.
func (s *Store) SetConfiguration(ctx context.Context, box string, values map[string]ConfigValue, replace bool, now time.Time) error {
	entries := make(map[string]types.AttributeValue, len(values))
	for k, v := range values {
		av, err := attributevalue.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode configuration %s: %w", k, err)
		}
		entries[k] = av
	}
	return s.setMapEntries(ctx, box, "configuration", entries, replace, map[string]types.AttributeValue{"configurationAt": str(FormatTime(now))})
}

// SetAvailability keeps the availability requested for a connector (0: the box).
func (s *Store) SetAvailability(ctx context.Context, box string, connector int, a Availability) error {
	av, err := attributevalue.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode availability: %w", err)
	}
	return s.setMapEntries(ctx, box, "availability", map[string]types.AttributeValue{strconv.Itoa(connector): av}, false, nil)
}

// SetLocalListVersion keeps the box's local authorization list version.
func (s *Store) SetLocalListVersion(ctx context.Context, box string, version int, now time.Time) error {
	var u update
	u.set("localListVersion", num(int64(version)))
	u.set("localListVersionAt", str(FormatTime(now)))
	return s.updateBox(ctx, box, u, "")
}

// setMapEntries sets entries of a map attribute of a registered box without reading it: each
// entry is its own path, so concurrent writers of different keys never lose each other's.
// The map is created whole when absent (DynamoDB cannot set a path inside a missing map).
func (s *Store) setMapEntries(ctx context.Context, box, attr string, entries map[string]types.AttributeValue, replace bool, extra map[string]types.AttributeValue) error {
	whole := func() update {
		var u update
		u.set(attr, &types.AttributeValueMemberM{Value: entries})
		for k, v := range extra {
			u.set(k, v)
		}
		return u
	}
	if replace || len(entries) == 0 {
		return s.updateBox(ctx, box, whole(), "")
	}
	for attempt := 0; attempt < 4; attempt++ {
		var u update
		m := u.name(attr)
		for k, v := range entries {
			u.sets = append(u.sets, m+"."+u.name(k)+" = "+u.value(v))
		}
		for k, v := range extra {
			u.set(k, v)
		}
		err := s.updateBox(ctx, box, u, "attribute_exists("+m+")")
		if !errors.Is(err, errNoMap) {
			return err
		}
		w := whole()
		err = s.updateBox(ctx, box, w, "attribute_not_exists("+w.name(attr)+")")
		if !errors.Is(err, errNoMap) {
			return err
		}
		// Another writer created the map meanwhile: set the entries inside it.
	}
	return fmt.Errorf("set %s of %s: too much contention", attr, box)
}

var errNoMap = errors.New("map condition failed")

// updateBox applies u to a registered box; cond is an extra condition (errNoMap when it fails).
func (s *Store) updateBox(ctx context.Context, box string, u update, cond string) error {
	c := "attribute_exists(chargeBoxId)"
	if cond != "" {
		c += " AND " + cond
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.ChargeBoxes), Key: boxKey(box),
		UpdateExpression: u.expression(), ConditionExpression: aws.String(c),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			return ErrNotFound
		}
		return errNoMap
	}
	if err != nil {
		return fmt.Errorf("update charge box %s: %w", box, err)
	}
	return nil
}

// SaveIDTag creates or updates an id tag; unlike PutIDTag it keeps attributes the operator
// does not own.
func (s *Store) SaveIDTag(ctx context.Context, t IDTag, now time.Time) (IDTag, error) {
	var u update
	u.set("status", str(t.Status))
	u.set("updatedAt", str(FormatTime(now)))
	for name, v := range map[string]string{"expiryDate": t.ExpiryDate, "parentIdTag": t.ParentIDTag} {
		if v == "" {
			u.remove(name)
		} else {
			u.set(name, str(v))
		}
	}
	if t.MaxActiveTransactions > 0 {
		u.set("maxActiveTransactions", num(int64(t.MaxActiveTransactions)))
	} else {
		u.remove("maxActiveTransactions")
	}
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.IDTags), Key: map[string]types.AttributeValue{"idTag": str(t.IDTag)},
		UpdateExpression: u.expression(), ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return IDTag{}, fmt.Errorf("save id tag %s: %w", t.IDTag, err)
	}
	var out IDTag
	if err := attributevalue.UnmarshalMap(res.Attributes, &out); err != nil {
		return IDTag{}, fmt.Errorf("decode id tag: %w", err)
	}
	return out, nil
}

// DeleteIDTag removes an id tag; ErrNotFound when it is not on the list.
func (s *Store) DeleteIDTag(ctx context.Context, idTag string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: s.Table(tables.IDTags), Key: map[string]types.AttributeValue{"idTag": str(idTag)},
		ConditionExpression: aws.String("attribute_exists(idTag)"),
	})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete id tag %s: %w", idTag, err)
	}
	return nil
}

// ListIDTags lists the authorization list.
func (s *Store) ListIDTags(ctx context.Context, p Page) ([]IDTag, string, error) {
	var out []IDTag
	next, err := s.list(ctx, tables.IDTags, "", p, &out)
	return out, next, err
}

// CountRunning counts the running sessions of an id tag from the sparse runningByIdTag index
// (no table scan). The index is eventually consistent: two starts within milliseconds may
// both see the count before the other.
func (s *Store) CountRunning(ctx context.Context, idTag string) (int, error) {
	total := 0
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: s.Table(tables.Sessions), IndexName: aws.String("runningByIdTag"),
		KeyConditionExpression:    aws.String("runningIdTag = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str(idTag)},
		Select:                    types.SelectCount,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("count running sessions of %s: %w", idTag, err)
		}
		total += int(page.Count)
	}
	return total, nil
}

// SessionFilter selects sessions; zero fields select everything.
type SessionFilter struct {
	ChargeBoxID string
	ConnectorID *int
	Status      string
	// From and To bound startedAt (inclusive, FormatTime form).
	From, To string
}

// ListSessions lists sessions, newest first for one box, in table order otherwise. Running
// sessions are read from the sparse runningByChargeBox index, so listing them never reads the
// finished history; other lists read the byChargeBox index (one box) or scan the table. A page
// may hold fewer than Limit items when a filter drops some.
func (s *Store) ListSessions(ctx context.Context, f SessionFilter, p Page) ([]Session, string, error) {
	start, err := decodeToken(p.Next)
	if err != nil {
		return nil, "", err
	}
	running := f.Status == SessionRunning
	index, boxKey := "byChargeBox", "chargeBoxId"
	if running {
		index, boxKey = "runningByChargeBox", "runningChargeBoxId"
	}
	var u update
	var filters []string
	if f.Status != "" && !running {
		filters = append(filters, u.cond("%s = ", "status")+u.value(str(f.Status)))
	}
	if f.ConnectorID != nil {
		filters = append(filters, u.cond("%s = ", "connectorId")+u.value(num(int64(*f.ConnectorID))))
	}
	// Stored times are fixed-width ISO strings, so these bounds cover every one of them
	// (DynamoDB refuses empty strings in key conditions).
	from, to := f.From, f.To
	if from == "" {
		from = "0"
	}
	if to == "" {
		to = "9"
	}
	var filter *string
	var items []map[string]types.AttributeValue
	var last map[string]types.AttributeValue
	if f.ChargeBoxID != "" {
		key := u.cond("%s = ", boxKey) + u.value(str(f.ChargeBoxID)) + u.cond(" AND %s BETWEEN ", "startedAt") + u.value(str(from)) + " AND " + u.value(str(to))
		if len(filters) > 0 {
			filter = aws.String(strings.Join(filters, " AND "))
		}
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: s.Table(tables.Sessions), IndexName: aws.String(index),
			KeyConditionExpression: aws.String(key), FilterExpression: filter,
			ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
			ScanIndexForward: aws.Bool(false), ExclusiveStartKey: start, Limit: limit(p.Limit),
		})
		if err != nil {
			return nil, "", fmt.Errorf("list sessions of %s: %w", f.ChargeBoxID, err)
		}
		items, last = res.Items, res.LastEvaluatedKey
	} else {
		if f.From != "" || f.To != "" {
			filters = append(filters, u.cond("%s BETWEEN ", "startedAt")+u.value(str(from))+" AND "+u.value(str(to)))
		}
		if len(filters) > 0 {
			filter = aws.String(strings.Join(filters, " AND "))
		}
		in := &dynamodb.ScanInput{
			TableName: s.Table(tables.Sessions), FilterExpression: filter,
			ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
			ExclusiveStartKey: start, Limit: limit(p.Limit),
		}
		if running {
			in.IndexName = aws.String(index)
		}
		res, err := s.db.Scan(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("list sessions: %w", err)
		}
		items, last = res.Items, res.LastEvaluatedKey
	}
	var out []Session
	if err := attributevalue.UnmarshalListOfMaps(items, &out); err != nil {
		return nil, "", fmt.Errorf("decode sessions: %w", err)
	}
	next, err := encodeToken(last)
	return out, next, err
}

// LogRow is one frame-log row as stored.
type LogRow messageRow

// ListMessages lists a box's frame log, newest first.
func (s *Store) ListMessages(ctx context.Context, box string, p Page) ([]LogRow, string, error) {
	start, err := decodeToken(p.Next)
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
	if err := attributevalue.UnmarshalListOfMaps(res.Items, &out); err != nil {
		return nil, "", fmt.Errorf("decode messages: %w", err)
	}
	next, err := encodeToken(res.LastEvaluatedKey)
	return out, next, err
}

// ScanAll reads a whole table into out (a pointer to a slice), projecting attrs when given;
// the summary uses it on the small tables (connections, connectors).
func (s *Store) ScanAll(ctx context.Context, t tables.Table, out any, attrs ...string) error {
	in := &dynamodb.ScanInput{TableName: s.Table(t)}
	if len(attrs) > 0 {
		var u update
		names := make([]string, len(attrs))
		for i, a := range attrs {
			names[i] = u.name(a)
		}
		in.ProjectionExpression = aws.String(strings.Join(names, ", "))
		in.ExpressionAttributeNames = u.names
	}
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scan %s: %w", t.Name, err)
		}
		items = append(items, page.Items...)
	}
	if err := attributevalue.UnmarshalListOfMaps(items, out); err != nil {
		return fmt.Errorf("decode %s: %w", t.Name, err)
	}
	return nil
}

// CountRunningSessions counts the running sessions of the fleet from the sparse
// runningByChargeBox index: the cost follows the running sessions, not the history.
func (s *Store) CountRunningSessions(ctx context.Context) (int, error) {
	total := 0
	p := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{
		TableName: s.Table(tables.Sessions), IndexName: aws.String("runningByChargeBox"), Select: types.SelectCount,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("count running sessions: %w", err)
		}
		total += int(page.Count)
	}
	return total, nil
}

// FailCommand records that a command never reached the box and frees its slot.
func (s *Store) FailCommand(ctx context.Context, chargeBoxID, commandID, reason string, now time.Time) error {
	_, err := s.CompleteCommand(ctx, chargeBoxID, commandID, Outcome{Status: CommandUndelivered, ErrorDescription: reason, At: now})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

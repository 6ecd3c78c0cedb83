package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// ErrConflict is returned when a write would take something another item owns (an EVSE id
// registered to another box).
var ErrConflict = errors.New("conflict")

type evseItem struct {
	EVSEID      string `dynamodbav:"evseId"`
	ChargeBoxID string `dynamodbav:"chargeBoxId"`
	ConnectorID int    `dynamodbav:"connectorId"`
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

// errChanged tells a write conditioned on what was read that the item changed meanwhile: read
// again and retry.
var errChanged = errors.New("changed since read")

// evseState is what a write of a box's EVSE mapping reads first: whether the box exists and
// its mapping, as stored.
type evseState struct {
	exists bool
	evses  map[string]string
	raw    types.AttributeValue // the stored evses attribute, nil when absent
}

func (s *Store) readEVSEState(ctx context.Context, box string) (evseState, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: s.Table(tables.ChargeBoxes), Key: boxKey(box), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("chargeBoxId, evses"),
	})
	if err != nil {
		return evseState{}, fmt.Errorf("get %s: %w", tables.ChargeBoxes.Name, err)
	}
	if res.Item == nil {
		return evseState{}, nil
	}
	st := evseState{exists: true, raw: res.Item["evses"]}
	if st.raw != nil {
		if err := attributevalue.Unmarshal(st.raw, &st.evses); err != nil {
			return evseState{}, fmt.Errorf("decode evses of %s: %w", box, err)
		}
	}
	return st, nil
}

// cond is the condition that the box is still as read: present or absent and, with evses, with
// the same EVSE mapping (the ids a transaction releases are those of that mapping).
func (st evseState) cond(u *update, evses bool) string {
	if !st.exists {
		return u.cond("attribute_not_exists(%s)", "chargeBoxId")
	}
	c := u.cond("attribute_exists(%s)", "chargeBoxId")
	switch {
	case !evses:
	case st.raw == nil:
		c += u.cond(" AND attribute_not_exists(%s)", "evses")
	default:
		c += u.cond(" AND %s = ", "evses") + u.value(st.raw)
	}
	return c
}

// transactEVSEs writes a box (box: its Update or Delete, conditioned on the mapping read, old)
// in one transaction with the EVSE items that follow the new mapping: the ids of next are
// claimed, those of old that next no longer names are released. An id another box owns is
// ErrConflict when claimed; when released it is not this box's to delete, so it joins foreign
// and errChanged asks for a retry without it. errChanged also when the box changed since read.
func (s *Store) transactEVSEs(ctx context.Context, box string, write types.TransactWriteItem, old, next map[string]string, foreign map[string]bool, attempt int) error {
	claims, claimed, err := s.claimEVSEs(box, next)
	if err != nil {
		return err
	}
	releases, released := s.releaseEVSEs(box, old, next, foreign)
	items := append(append([]types.TransactWriteItem{write}, claims...), releases...)
	if len(items) > maxTransactItems {
		return fmt.Errorf("charge box %s: %d EVSE ids claimed and released at once, at most %d", box, len(claimed)+len(released), maxTransactItems-1)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	reasons := cancellationReasons(err)
	if len(reasons) != len(items) {
		if err != nil {
			return fmt.Errorf("write charge box %s with its EVSE ids: %w", box, err)
		}
		return nil
	}
	for i, id := range claimed {
		if reasons[1+i] == "ConditionalCheckFailed" {
			return fmt.Errorf("EVSE id %s belongs to another charge box: %w", id, ErrConflict)
		}
	}
	for i, id := range released {
		if reasons[1+len(claimed)+i] == "ConditionalCheckFailed" {
			foreign[id] = true
		}
	}
	if reasons[0] != "ConditionalCheckFailed" && len(foreign) == 0 {
		// A conflict with another transaction on one of the items: wait, then retry.
		if err := sleep(ctx, attempt); err != nil {
			return err
		}
	}
	return errChanged
}

// maxTransactItems is DynamoDB's limit on the items of one TransactWriteItems.
const maxTransactItems = 100

// claimEVSEs returns the writes registering the EVSE ids of a mapping to box, in id order, and
// the ids; a write fails its condition when another box owns the id. An id two connectors
// name is registered to the lower one.
func (s *Store) claimEVSEs(box string, evses map[string]string) ([]types.TransactWriteItem, []string, error) {
	connectors := map[string]int{}
	for connector, id := range evses {
		c, err := strconv.Atoi(connector)
		if err != nil {
			return nil, nil, fmt.Errorf("evses: connector id %q is not a number", connector)
		}
		if prev, ok := connectors[id]; !ok || c < prev {
			connectors[id] = c
		}
	}
	ids := slices.Sorted(maps.Keys(connectors))
	writes := make([]types.TransactWriteItem, 0, len(ids))
	for _, id := range ids {
		item, err := marshal(evseItem{EVSEID: id, ChargeBoxID: box, ConnectorID: connectors[id]})
		if err != nil {
			return nil, nil, err
		}
		writes = append(writes, types.TransactWriteItem{Put: &types.Put{
			TableName: s.Table(tables.EVSEs), Item: item,
			ConditionExpression:       aws.String("attribute_not_exists(evseId) OR chargeBoxId = :b"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(box)},
		}})
	}
	return writes, ids, nil
}

// releaseEVSEs returns the writes deleting the EVSE items of old that keep no longer names, in
// id order, and the ids. An id in foreign (owned by another box) is left alone; an id without
// an item deletes nothing.
func (s *Store) releaseEVSEs(box string, old, keep map[string]string, foreign map[string]bool) ([]types.TransactWriteItem, []string) {
	kept := map[string]bool{}
	for _, id := range keep {
		kept[id] = true
	}
	var ids []string
	for _, id := range old {
		if !kept[id] && !foreign[id] && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	writes := make([]types.TransactWriteItem, 0, len(ids))
	for _, id := range ids {
		writes = append(writes, types.TransactWriteItem{Delete: &types.Delete{
			TableName: s.Table(tables.EVSEs), Key: map[string]types.AttributeValue{"evseId": str(id)},
			ConditionExpression:       aws.String("attribute_not_exists(evseId) OR chargeBoxId = :b"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(box)},
		}})
	}
	return writes, ids
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
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

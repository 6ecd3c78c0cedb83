package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// SampledValue is one sampled value of a meter value, as the box sent it.
type SampledValue struct {
	Value     string `dynamodbav:"value"`
	Context   string `dynamodbav:"context,omitempty"`
	Format    string `dynamodbav:"format,omitempty"`
	Measurand string `dynamodbav:"measurand,omitempty"`
	Phase     string `dynamodbav:"phase,omitempty"`
	Location  string `dynamodbav:"location,omitempty"`
	Unit      string `dynamodbav:"unit,omitempty"`
}

// MeterValue is one meterValue element: a timestamp and its sampled values.
type MeterValue struct {
	Timestamp     string         `dynamodbav:"timestamp"`
	SampledValues []SampledValue `dynamodbav:"sampledValues"`
}

// Reading is one meterValue element as the API and the publisher see it. Stored items pack many
// elements (readingsItem); ListReadings unpacks them into Readings.
type Reading struct {
	ChargeBoxID   string         `dynamodbav:"chargeBoxId"`
	ReadingKey    string         `dynamodbav:"readingKey"`
	ConnectorID   int            `dynamodbav:"connectorId"`
	TransactionID int            `dynamodbav:"transactionId,omitempty"`
	Timestamp     string         `dynamodbav:"timestamp"`
	Source        string         `dynamodbav:"source"`
	UniqueID      string         `dynamodbav:"uniqueId"`
	SampledValues []SampledValue `dynamodbav:"sampledValues"`
}

// readingsItem is an item of the meter-values table: the meterValue elements of one frame (or
// of a part of it when it would pass maxPackBytes). TransactionID is set only when the sender
// owns the transaction, so only owned readings enter the byTransaction index; a transaction
// named but not owned is kept in ClaimedTransactionID. Items written before packing hold one
// element in Timestamp and SampledValues.
type readingsItem struct {
	ChargeBoxID          string         `dynamodbav:"chargeBoxId"`
	ReadingKey           string         `dynamodbav:"readingKey"`
	ConnectorID          int            `dynamodbav:"connectorId"`
	TransactionID        int            `dynamodbav:"transactionId,omitempty"`
	ClaimedTransactionID int            `dynamodbav:"claimedTransactionId,omitempty"`
	Timestamp            string         `dynamodbav:"timestamp"`
	Source               string         `dynamodbav:"source"`
	UniqueID             string         `dynamodbav:"uniqueId"`
	SampledValues        []SampledValue `dynamodbav:"sampledValues,omitempty"`
	MeterValues          []MeterValue   `dynamodbav:"meterValues,omitempty"`
}

// MeterValues is what a MeterValues request tells.
type MeterValues struct {
	ChargeBoxID string
	TenantID    string
	ConnectorID int
	// TransactionID is 0 when the request names none.
	TransactionID int
	UniqueID      string
	Source        string
	Values        []MeterValue
}

// Bounds of one packed item and of one write. DynamoDB allows 400 KB per item and 4 MB per
// transaction of at most 100 items; the estimate below is an upper bound of the stored size.
const (
	maxPackBytes  = 350_000
	maxWriteBytes = 3_000_000
	maxWriteItems = 24
)

// packs splits the elements of a request into items of at most maxPackBytes each, in order.
// The split depends on the content only, so a resent request packs into the same items.
func packs(mv MeterValues) [][]MeterValue {
	var out [][]MeterValue
	var cur []MeterValue
	size := 0
	for _, v := range mv.Values {
		n := valueSize(v)
		if len(cur) > 0 && size+n > maxPackBytes {
			out, cur, size = append(out, cur), nil, 0
		}
		cur, size = append(cur, v), size+n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// valueSize bounds the stored size of an element as DynamoDB counts it: attribute names and
// values, plus a few bytes of overhead per map and list element.
func valueSize(v MeterValue) int {
	n := len("timestamp") + len(v.Timestamp) + len("sampledValues") + 8
	for _, sv := range v.SampledValues {
		n += 8
		for name, val := range map[string]string{"value": sv.Value, "context": sv.Context, "format": sv.Format,
			"measurand": sv.Measurand, "phase": sv.Phase, "location": sv.Location, "unit": sv.Unit} {
			if val != "" || name == "value" {
				n += len(name) + len(val) + 1
			}
		}
	}
	return n
}

// PackKey is the key of a packed item: time of its first element, connector, transaction and
// a digest of what identifies its readings (each element's timestamp and each sampled value's
// measurand, phase, location and context). The frame's uniqueId is no part of it, so a request
// resent under a new uniqueId overwrites its own item instead of adding a copy.
func PackKey(connector, transactionID int, values []MeterValue) string {
	h := sha256.New()
	for _, v := range values {
		fmt.Fprintf(h, "%s\x1e", v.Timestamp)
		for _, sv := range v.SampledValues {
			fmt.Fprintf(h, "%s\x1f%s\x1f%s\x1f%s\x1e", sv.Measurand, sv.Phase, sv.Location, sv.Context)
		}
		h.Write([]byte{'\x1d'})
	}
	first := ""
	if len(values) > 0 {
		first = values[0].Timestamp
	}
	return fmt.Sprintf("%s#%d#%d#%s", first, connector, transactionID, hex.EncodeToString(h.Sum(nil)[:12]))
}

// MeterValuesStored is the outcome of PutMeterValues.
type MeterValuesStored struct {
	// Items is the number of stored items (packs).
	Items int
	// Anomaly is set when the request named a transaction the sender does not own (each
	// attempt is counted in the anomaly item's attempts).
	Anomaly *Anomaly
}

// PutMeterValues stores the readings of a MeterValues request in as few items and calls as its
// size allows (one item and one call for any frame API Gateway accepts). When the request names
// a transaction, the same transaction checks that the session belongs to the sender's box and
// connector; when it does not, the readings are kept as the sender's, unattached, and an anomaly
// is recorded in the same second write.
func (s *Store) PutMeterValues(ctx context.Context, mv MeterValues, now time.Time) (MeterValuesStored, error) {
	items, err := s.packItems(mv)
	if err != nil {
		return MeterValuesStored{}, err
	}
	out := MeterValuesStored{Items: len(items)}
	if mv.TransactionID == 0 {
		return out, s.writePacks(ctx, items, nil)
	}
	check := s.ownerCheck(mv)
	err = s.writePacks(ctx, items, check)
	reasons := cancellationReasons(err)
	if reasons == nil || reasons[0] != "ConditionalCheckFailed" {
		return out, err
	}
	var owner Session
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && len(tce.CancellationReasons[0].Item) > 0 {
		if err := attributevalue.UnmarshalMap(tce.CancellationReasons[0].Item, &owner); err != nil {
			return out, fmt.Errorf("decode session %d: %w", mv.TransactionID, err)
		}
	}
	a := meterAnomaly(mv, owner, items[0])
	up, err := s.anomalyUpdate(a, now)
	if err != nil {
		return out, err
	}
	for i := range items {
		delete(items[i], "transactionId")
		items[i]["claimedTransactionId"] = num(int64(mv.TransactionID))
	}
	if err := s.writePacks(ctx, items, &types.TransactWriteItem{Update: up}); err != nil {
		return out, err
	}
	out.Anomaly = &a
	return out, nil
}

// ownerCheck is the condition that the session of mv's transaction belongs to its sender.
func (s *Store) ownerCheck(mv MeterValues) *types.TransactWriteItem {
	var u update
	cond := u.cond("%s = ", "chargeBoxId") + u.value(str(mv.ChargeBoxID)) + u.cond(" AND %s = ", "connectorId") + u.value(num(int64(mv.ConnectorID)))
	return &types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: s.Table(tables.Sessions), Key: txKey(mv.TransactionID), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

func meterAnomaly(mv MeterValues, owner Session, first map[string]types.AttributeValue) Anomaly {
	connector := mv.ConnectorID
	key, _ := first["readingKey"].(*types.AttributeValueMemberS)
	a := Anomaly{
		ChargeBoxID: mv.ChargeBoxID, Kind: AnomalyUnknownMeterValues, TenantID: mv.TenantID, Action: "MeterValues",
		TransactionID: mv.TransactionID, ConnectorID: &connector, UniqueID: mv.UniqueID, ReadingKey: key.Value,
	}
	if owner.ChargeBoxID != "" {
		oc := owner.ConnectorID
		a.Kind, a.OwnerChargeBoxID, a.OwnerConnectorID = AnomalyForeignMeterValues, owner.ChargeBoxID, &oc
	}
	a.AnomalyKey = AnomalyKey(a.Kind, mv.TransactionID, key.Value)
	return a
}

func (s *Store) packItems(mv MeterValues) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	for _, p := range packs(mv) {
		it := readingsItem{
			ChargeBoxID: mv.ChargeBoxID, ReadingKey: PackKey(mv.ConnectorID, mv.TransactionID, p), ConnectorID: mv.ConnectorID,
			TransactionID: mv.TransactionID, Timestamp: p[0].Timestamp, Source: mv.Source, UniqueID: mv.UniqueID, MeterValues: p,
		}
		item, err := marshal(it)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, nil
}

// writePacks writes packed items: with extra (a condition or an anomaly) in transactions that
// each carry it, without it in BatchWriteItem calls. Each call stays within DynamoDB's bounds.
func (s *Store) writePacks(ctx context.Context, items []map[string]types.AttributeValue, extra *types.TransactWriteItem) error {
	for len(items) > 0 {
		n, size := 0, 0
		for n < len(items) && n < maxWriteItems {
			b := packBytes(items[n])
			if n > 0 && size+b > maxWriteBytes {
				break
			}
			n, size = n+1, size+b
		}
		chunk := items[:n]
		items = items[n:]
		if extra == nil {
			reqs := make([]types.WriteRequest, len(chunk))
			for i, it := range chunk {
				reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
			}
			if err := s.batchWrite(ctx, tables.MeterValues, reqs); err != nil {
				return err
			}
			continue
		}
		tx := []types.TransactWriteItem{*extra}
		for _, it := range chunk {
			tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: s.Table(tables.MeterValues), Item: it}})
		}
		if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx}); err != nil {
			return fmt.Errorf("write meter values: %w", err)
		}
	}
	return nil
}

// packBytes is the estimated stored size of an item, from the elements it packs.
func packBytes(item map[string]types.AttributeValue) int {
	var it readingsItem
	if attributevalue.UnmarshalMap(item, &it) != nil {
		return maxPackBytes
	}
	n := 256
	for _, v := range it.MeterValues {
		n += valueSize(v)
	}
	return n
}

// ReadingKey is the key of a reading item written before packing; kept for tests and tools
// that write single readings.
func ReadingKey(ts time.Time, connector int, uniqueID string, index int) string {
	return fmt.Sprintf("%s#%d#%s#%d", FormatTime(ts), connector, uniqueID, index)
}

// PutReadings stores single readings (one element per item, the form before packing) with as
// few BatchWriteItem calls as possible.
func (s *Store) PutReadings(ctx context.Context, readings []Reading) error {
	for start := 0; start < len(readings); start += 25 {
		end := min(start+25, len(readings))
		var reqs []types.WriteRequest
		for _, r := range readings[start:end] {
			item, err := marshal(r)
			if err != nil {
				return err
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		}
		if err := s.batchWrite(ctx, tables.MeterValues, reqs); err != nil {
			return err
		}
	}
	return nil
}

// ListReadings returns every reading (meterValue element) of a transaction in time order,
// unpacking packed items. Only the owner's readings carry the transaction id in the index.
func (s *Store) ListReadings(ctx context.Context, transactionID int) ([]Reading, error) {
	var out []Reading
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 s.Table(tables.MeterValues),
		IndexName:                 aws.String("byTransaction"),
		KeyConditionExpression:    aws.String("transactionId = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": num(int64(transactionID))},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list readings of %d: %w", transactionID, err)
		}
		var items []readingsItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("decode readings: %w", err)
		}
		for _, it := range items {
			out = append(out, it.unpack()...)
		}
	}
	sortReadings(out)
	return out, nil
}

func (it readingsItem) unpack() []Reading {
	base := Reading{ChargeBoxID: it.ChargeBoxID, ReadingKey: it.ReadingKey, ConnectorID: it.ConnectorID,
		TransactionID: it.TransactionID, Timestamp: it.Timestamp, Source: it.Source, UniqueID: it.UniqueID, SampledValues: it.SampledValues}
	if len(it.MeterValues) == 0 {
		return []Reading{base}
	}
	out := make([]Reading, len(it.MeterValues))
	for i, v := range it.MeterValues {
		r := base
		r.ReadingKey, r.Timestamp, r.SampledValues = fmt.Sprintf("%s#%d", it.ReadingKey, i), v.Timestamp, v.SampledValues
		out[i] = r
	}
	return out
}

// sortReadings orders readings by time (stored timestamps sort as strings), then key.
func sortReadings(rs []Reading) {
	slices.SortStableFunc(rs, func(a, b Reading) int {
		if c := strings.Compare(a.Timestamp, b.Timestamp); c != 0 {
			return c
		}
		return strings.Compare(a.ReadingKey, b.ReadingKey)
	})
}

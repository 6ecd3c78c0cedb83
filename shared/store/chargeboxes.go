package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// ChargeBox is an item of the charge-boxes table.
type ChargeBox struct {
	ChargeBoxID string `dynamodbav:"chargeBoxId"`
	// RegistrationStatus is what BootNotification answers: an OCPP RegistrationStatus
	// (ocpp.RegistrationStatusAccepted, Pending or Rejected).
	RegistrationStatus string `dynamodbav:"registrationStatus"`
	// PasswordHash is the bcrypt hash of the HTTP Basic auth password (security profile 1/2).
	PasswordHash string `dynamodbav:"passwordHash,omitempty"`
	// PreviousPasswordHash is the hash replaced by the last AuthorizationKey rotation, still
	// accepted until PreviousPasswordUntil or the box's first connection with the new key.
	PreviousPasswordHash  string `dynamodbav:"previousPasswordHash,omitempty"`
	PreviousPasswordUntil string `dynamodbav:"previousPasswordUntil,omitempty"`
	// Unsecured marks a box the operator registered without a password on purpose (security
	// profile 0): anyone who knows its id can connect as it. A box stored before the flag
	// existed with no password is unsecured too (see Secured).
	Unsecured      bool   `dynamodbav:"unsecured,omitempty"`
	TenantID       string `dynamodbav:"tenantId,omitempty"`
	AutoRegistered bool   `dynamodbav:"autoRegistered,omitempty"`
	CreatedAt      string `dynamodbav:"createdAt,omitempty"`
	UpdatedAt      string `dynamodbav:"updatedAt,omitempty"`

	Boot

	FirmwareStatus      string `dynamodbav:"firmwareStatus,omitempty"`
	FirmwareStatusAt    string `dynamodbav:"firmwareStatusAt,omitempty"`
	DiagnosticsStatus   string `dynamodbav:"diagnosticsStatus,omitempty"`
	DiagnosticsStatusAt string `dynamodbav:"diagnosticsStatusAt,omitempty"`

	// EVSEs maps connector ids ("1") to registered EVSE ids; connectors without one use the
	// default "<chargeBoxId>*<connectorId>".
	EVSEs map[string]string `dynamodbav:"evses,omitempty"`
	// Configuration caches the box's configuration keys from GetConfiguration answers and
	// accepted ChangeConfiguration requests.
	Configuration   map[string]ConfigValue `dynamodbav:"configuration,omitempty"`
	ConfigurationAt string                 `dynamodbav:"configurationAt,omitempty"`
	// LocalListVersion is the box's local authorization list version, as last reported by
	// GetLocalListVersion or set by an accepted SendLocalList.
	LocalListVersion   *int   `dynamodbav:"localListVersion,omitempty"`
	LocalListVersionAt string `dynamodbav:"localListVersionAt,omitempty"`
	// Availability is the availability last requested per connector id ("0" is the box) by a
	// ChangeAvailability the box accepted or scheduled.
	Availability map[string]Availability `dynamodbav:"availability,omitempty"`
	// DisconnectedAt is when the box's last connection ended ($disconnect), the registry
	// listing's lastSeen of a box that is offline.
	DisconnectedAt string `dynamodbav:"disconnectedAt,omitempty"`

	// SecurityState is what the security extension's messages told (securitystate.go).
	SecurityState
	// ListShard puts the box in its partition of the byShard index: registryShard(box, unsecured).
	ListShard string `dynamodbav:"listShard,omitempty"`
}

// registryShard is the byShard partition of a box: "<k>" for a box with a password, "u#<k>"
// for one that connects without (k is ListShard(id)), so the unsecured boxes are listed
// from their own partitions.
func registryShard(id string, unsecured bool) string { return shardName(ListShard(id), unsecured) }

// registryShards are the partitions of the byShard index: the boxes with a password, then the
// unsecured ones (only the latter with onlyUnsecured).
func registryShards(onlyUnsecured bool) []string {
	var parts []string
	for _, unsecured := range []bool{false, true} {
		if onlyUnsecured && !unsecured {
			continue
		}
		for k := range ListShards {
			parts = append(parts, shardName(k, unsecured))
		}
	}
	return parts
}

func shardName(k int, unsecured bool) string {
	if unsecured {
		return "u#" + strconv.Itoa(k)
	}
	return strconv.Itoa(k)
}

// ConfigValue is one cached configuration key; Value is nil when the box reported none.
type ConfigValue struct {
	Value    *string `dynamodbav:"value,omitempty"`
	Readonly bool    `dynamodbav:"readonly"`
}

// Availability is a requested availability of one connector.
type Availability struct {
	Type string `dynamodbav:"type"`
	// Status is the box's answer: Accepted or Scheduled.
	Status string `dynamodbav:"status"`
	At     string `dynamodbav:"at"`
}

// Boot is what a BootNotification tells about the box.
type Boot struct {
	ChargePointVendor       string `dynamodbav:"chargePointVendor,omitempty"`
	ChargePointModel        string `dynamodbav:"chargePointModel,omitempty"`
	ChargePointSerialNumber string `dynamodbav:"chargePointSerialNumber,omitempty"`
	ChargeBoxSerialNumber   string `dynamodbav:"chargeBoxSerialNumber,omitempty"`
	FirmwareVersion         string `dynamodbav:"firmwareVersion,omitempty"`
	Iccid                   string `dynamodbav:"iccid,omitempty"`
	Imsi                    string `dynamodbav:"imsi,omitempty"`
	MeterType               string `dynamodbav:"meterType,omitempty"`
	MeterSerialNumber       string `dynamodbav:"meterSerialNumber,omitempty"`
	BootedAt                string `dynamodbav:"bootedAt,omitempty"`
}

// Secured reports whether the box must present its password (HTTP Basic auth) to connect.
func (b ChargeBox) Secured() bool { return b.PasswordHash != "" }

func boxKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"chargeBoxId": str(id)}
}

// Registration is what an operator says about a charge box.
type Registration struct {
	ChargeBoxID        string
	RegistrationStatus string
	// PasswordHash replaces the stored hash when not nil; a pointer to "" removes it, which
	// needs Unsecured true.
	PasswordHash *string
	// Unsecured, when not nil, says whether the box is registered without a password (security
	// profile 0). True removes the password; a new password removes the flag.
	Unsecured *bool
	TenantID  string
	// EVSEs replaces the EVSE mapping (connector id -> EVSE id) when not nil.
	EVSEs map[string]string
}

// ErrPasswordRequired is returned when a registration would leave a box without a password
// and not explicitly marked unsecured: a new box without either, a password removed without
// the flag, or the flag cleared without a password.
var ErrPasswordRequired = errors.New("a charge box needs a password unless it is registered as unsecured")

// ErrUnsecuredWithPassword is returned when a registration both marks a box unsecured and
// gives it a password.
var ErrUnsecuredWithPassword = errors.New("an unsecured charge box has no password")

// check applies the rules above to a registration of a box that exists or not.
func (r Registration) check(exists bool) error {
	password := r.PasswordHash != nil && *r.PasswordHash != ""
	unsecured := r.Unsecured != nil && *r.Unsecured
	switch {
	case password && unsecured:
		return ErrUnsecuredWithPassword
	case r.PasswordHash != nil && !password && !unsecured,
		r.Unsecured != nil && !unsecured && !password,
		!exists && !password && !unsecured:
		return ErrPasswordRequired
	}
	return nil
}

// GetChargeBox reads a charge box; ErrNotFound when it is not registered.
func (s *Store) GetChargeBox(ctx context.Context, id string) (ChargeBox, error) {
	var b ChargeBox
	err := s.get(ctx, tables.ChargeBoxes, boxKey(id), &b)
	return b, err
}

// ListChargeBoxes lists the registry from the byShard index, partition after partition.
func (s *Store) ListChargeBoxes(ctx context.Context, p Page) ([]ChargeBox, string, error) {
	var out []ChargeBox
	next, err := s.listSharded(ctx, sharded{table: tables.ChargeBoxes, index: "byShard", key: "listShard", parts: registryShards(false)}, p, &out)
	return out, next, err
}

// ListUnsecuredChargeBoxes lists the boxes that connect without a password, from their own
// partitions of the byShard index: the cost follows them, not the registry.
func (s *Store) ListUnsecuredChargeBoxes(ctx context.Context, p Page) ([]ChargeBox, string, error) {
	var out []ChargeBox
	next, err := s.listSharded(ctx, sharded{table: tables.ChargeBoxes, index: "byShard", key: "listShard", parts: registryShards(true)}, p, &out)
	return out, next, err
}

// CreateChargeBox registers a box unless it exists; it returns the stored box either way, so
// two racing auto-registrations agree.
func (s *Store) CreateChargeBox(ctx context.Context, b ChargeBox, now time.Time) (ChargeBox, error) {
	b.CreatedAt, b.UpdatedAt = FormatTime(now), FormatTime(now)
	b.ListShard = registryShard(b.ChargeBoxID, !b.Secured())
	item, err := marshal(b)
	if err != nil {
		return ChargeBox{}, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           s.Table(tables.ChargeBoxes),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(chargeBoxId)"),
	})
	if err == nil {
		return b, nil
	}
	if !isConditionFailed(err) {
		return ChargeBox{}, fmt.Errorf("create charge box %s: %w", b.ChargeBoxID, err)
	}
	return s.GetChargeBox(ctx, b.ChargeBoxID)
}

// SaveChargeBox creates or updates a box's registration, keeping what the box itself reported
// (boot information, statuses, caches). It reports whether the box was new. The box and, when
// the registration names EVSEs, the EVSE ids it claims and releases are written in one
// transaction: an EVSE id registered to another box is ErrConflict and changes nothing.
func (s *Store) SaveChargeBox(ctx context.Context, r Registration, now time.Time) (ChargeBox, bool, error) {
	foreign := map[string]bool{}
	for attempt := 0; attempt < 8; attempt++ {
		old, err := s.readEVSEState(ctx, r.ChargeBoxID)
		if err != nil {
			return ChargeBox{}, false, err
		}
		if err := r.check(old.exists); err != nil {
			return ChargeBox{}, false, fmt.Errorf("save charge box %s: %w", r.ChargeBoxID, err)
		}
		u, err := registrationUpdate(r, now)
		if err != nil {
			return ChargeBox{}, false, err
		}
		write := types.Update{
			TableName: s.Table(tables.ChargeBoxes), Key: boxKey(r.ChargeBoxID), UpdateExpression: u.expression(),
			ConditionExpression: aws.String(old.cond(&u, r.EVSEs != nil)),
		}
		write.ExpressionAttributeNames, write.ExpressionAttributeValues = u.names, u.values
		if r.EVSEs == nil {
			b, err := s.updateRegistration(ctx, r.ChargeBoxID, write)
			if errors.Is(err, errChanged) {
				continue
			}
			return b, !old.exists, err
		}
		err = s.transactEVSEs(ctx, r.ChargeBoxID, types.TransactWriteItem{Update: &write}, old.evses, r.EVSEs, foreign, attempt)
		if errors.Is(err, errChanged) {
			continue
		}
		if err != nil {
			return ChargeBox{}, false, err
		}
		b, err := s.GetChargeBox(ctx, r.ChargeBoxID)
		return b, !old.exists, err
	}
	return ChargeBox{}, false, fmt.Errorf("save charge box %s: too much contention", r.ChargeBoxID)
}

// registrationUpdate is the write of a Registration's attributes.
func registrationUpdate(r Registration, now time.Time) (update, error) {
	var u update
	u.set("registrationStatus", str(r.RegistrationStatus))
	u.set("updatedAt", str(FormatTime(now)))
	u.setIfAbsent("createdAt", str(FormatTime(now)))
	if r.TenantID != "" {
		u.set("tenantId", str(r.TenantID))
	}
	switch {
	case r.PasswordHash != nil && *r.PasswordHash != "":
		u.set("passwordHash", str(*r.PasswordHash))
		u.remove("unsecured")
		u.set("listShard", str(registryShard(r.ChargeBoxID, false)))
	case r.Unsecured != nil && *r.Unsecured:
		// check allows removing the password only together with the flag.
		u.set("unsecured", &types.AttributeValueMemberBOOL{Value: true})
		u.remove("passwordHash")
		u.set("listShard", str(registryShard(r.ChargeBoxID, true)))
	}
	if r.EVSEs != nil {
		if len(r.EVSEs) == 0 {
			u.remove("evses")
		} else {
			m, err := attributevalue.Marshal(r.EVSEs)
			if err != nil {
				return update{}, fmt.Errorf("encode evses: %w", err)
			}
			u.set("evses", m)
		}
	}
	return u, nil
}

// updateRegistration applies a registration without EVSEs in one UpdateItem; errChanged when
// the box appeared or went since it was read.
func (s *Store) updateRegistration(ctx context.Context, id string, w types.Update) (ChargeBox, error) {
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: w.TableName, Key: w.Key, UpdateExpression: w.UpdateExpression, ConditionExpression: w.ConditionExpression,
		ExpressionAttributeNames: w.ExpressionAttributeNames, ExpressionAttributeValues: w.ExpressionAttributeValues,
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return ChargeBox{}, errChanged
	}
	if err != nil {
		return ChargeBox{}, fmt.Errorf("save charge box %s: %w", id, err)
	}
	var b ChargeBox
	if err := attributevalue.UnmarshalMap(res.Attributes, &b); err != nil {
		return ChargeBox{}, fmt.Errorf("decode charge box: %w", err)
	}
	return b, nil
}

// DeleteChargeBox removes a box from the registry with its EVSE ids, in one transaction;
// ErrNotFound when it is not registered. Its sessions and logs stay.
func (s *Store) DeleteChargeBox(ctx context.Context, id string) error {
	foreign := map[string]bool{}
	for attempt := 0; attempt < 8; attempt++ {
		old, err := s.readEVSEState(ctx, id)
		if err != nil {
			return err
		}
		if !old.exists {
			return ErrNotFound
		}
		var u update
		del := types.Delete{TableName: s.Table(tables.ChargeBoxes), Key: boxKey(id), ConditionExpression: aws.String(old.cond(&u, true))}
		del.ExpressionAttributeNames, del.ExpressionAttributeValues = u.names, u.values
		err = s.transactEVSEs(ctx, id, types.TransactWriteItem{Delete: &del}, old.evses, nil, foreign, attempt)
		if errors.Is(err, errChanged) {
			continue
		}
		return err
	}
	return fmt.Errorf("delete charge box %s: too much contention", id)
}

// RecordBoot stores a BootNotification's facts and returns the box's registration status, ""
// when the item has none. The box must be registered (the authorizer let it connect);
// ErrNotFound otherwise.
func (s *Store) RecordBoot(ctx context.Context, id string, boot Boot) (string, error) {
	values := map[string]string{
		"chargePointVendor": boot.ChargePointVendor, "chargePointModel": boot.ChargePointModel,
		"chargePointSerialNumber": boot.ChargePointSerialNumber, "chargeBoxSerialNumber": boot.ChargeBoxSerialNumber,
		"firmwareVersion": boot.FirmwareVersion, "iccid": boot.Iccid, "imsi": boot.Imsi,
		"meterType": boot.MeterType, "meterSerialNumber": boot.MeterSerialNumber,
		"bootedAt": boot.BootedAt, "updatedAt": boot.BootedAt,
	}
	var u update
	for name, v := range values {
		// An absent optional field clears what an earlier boot said: the new boot is the truth.
		if v == "" {
			u.remove(name)
		} else {
			u.set(name, str(v))
		}
	}
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.Table(tables.ChargeBoxes),
		Key:                       boxKey(id),
		UpdateExpression:          u.expression(),
		ExpressionAttributeNames:  u.names,
		ExpressionAttributeValues: u.values,
		ConditionExpression:       aws.String("attribute_exists(chargeBoxId)"),
		ReturnValues:              types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("record boot of %s: %w", id, err)
	}
	status, _ := res.Attributes["registrationStatus"].(*types.AttributeValueMemberS)
	if status == nil {
		return "", nil
	}
	return status.Value, nil
}

// SetFirmwareStatus stores the status of a FirmwareStatusNotification.
func (s *Store) SetFirmwareStatus(ctx context.Context, id, status string, at time.Time) error {
	return s.setBoxStatus(ctx, id, "firmwareStatus", status, at)
}

// SetDiagnosticsStatus stores the status of a DiagnosticsStatusNotification.
func (s *Store) SetDiagnosticsStatus(ctx context.Context, id, status string, at time.Time) error {
	return s.setBoxStatus(ctx, id, "diagnosticsStatus", status, at)
}

func (s *Store) setBoxStatus(ctx context.Context, id, attr, status string, at time.Time) error {
	var u update
	u.set(attr, str(status))
	u.set(attr+"At", str(FormatTime(at)))
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.Table(tables.ChargeBoxes),
		Key:                       boxKey(id),
		UpdateExpression:          u.expression(),
		ExpressionAttributeNames:  u.names,
		ExpressionAttributeValues: u.values,
		ConditionExpression:       aws.String("attribute_exists(chargeBoxId)"),
	})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("set %s of %s: %w", attr, id, err)
	}
	return nil
}

// SetConfiguration caches configuration keys of a box. With replace (a GetConfiguration that
// asked for every key) the cache becomes exactly values; otherwise the keys are merged in.
func (s *Store) SetConfiguration(ctx context.Context, box string, values map[string]ConfigValue, replace bool, now time.Time) error {
	entries := make(map[string]types.AttributeValue, len(values))
	for k, v := range values {
		if ocpp.IsSecretKey(k) && v.Value != nil {
			v.Value = aws.String(ocpp.Redacted) // write-only: the cache knows the key, never its value
		}
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

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

// Registration statuses of a charge box; BootNotification answers with it.
const (
	RegistrationAccepted = "Accepted"
	RegistrationPending  = "Pending"
	RegistrationRejected = "Rejected"
)

// ChargeBox is an item of the charge-boxes table.
type ChargeBox struct {
	ChargeBoxID        string `dynamodbav:"chargeBoxId"`
	RegistrationStatus string `dynamodbav:"registrationStatus"`
	// PasswordHash is the bcrypt hash of the HTTP Basic auth password (security profile 1/2).
	PasswordHash   string `dynamodbav:"passwordHash,omitempty"`
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

func boxKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"chargeBoxId": str(id)}
}

// GetChargeBox reads a charge box; ErrNotFound when it is not registered.
func (s *Store) GetChargeBox(ctx context.Context, id string) (ChargeBox, error) {
	var b ChargeBox
	err := s.get(ctx, tables.ChargeBoxes, boxKey(id), &b)
	return b, err
}

// CreateChargeBox registers a box unless it exists; it returns the stored box either way, so
// two racing auto-registrations agree.
func (s *Store) CreateChargeBox(ctx context.Context, b ChargeBox, now time.Time) (ChargeBox, error) {
	b.CreatedAt, b.UpdatedAt = FormatTime(now), FormatTime(now)
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

// RecordBoot stores a BootNotification's facts and returns the box's registration status.
// The box must be registered (the authorizer let it connect); ErrNotFound otherwise.
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
		return RegistrationPending, nil
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

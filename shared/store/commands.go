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

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// CommandStatus is where a remote command stands; the HTTP API returns it as status.
type CommandStatus string

// Command statuses.
const (
	CommandPending CommandStatus = "pending"
	// CommandAnswered: the box sent a CALLRESULT (Response holds it).
	CommandAnswered CommandStatus = "answered"
	// CommandFailed: the box sent a CALLERROR (ErrorCode, ErrorDescription, ErrorDetails).
	CommandFailed CommandStatus = "failed"
	// CommandRejected: the box's answer was not a valid response to the action.
	CommandRejected CommandStatus = "invalid-response"
	// CommandUndelivered: the system could not post the call to the box (its connection was
	// gone); the box never saw it.
	CommandUndelivered CommandStatus = "undelivered"
)

// ErrBusy is returned when the box already has an outstanding CALL.
var ErrBusy = errors.New("charge box has an outstanding call")

// ErrNotConnected is returned when the box has no live connection (or it changed).
var ErrNotConnected = errors.New("charge box is not connected")

// Command is an item of the commands table: a CALL the system sent to a box, keyed by its
// uniqueId, and its outcome.
type Command struct {
	CommandID        string        `dynamodbav:"commandId"`
	ChargeBoxID      string        `dynamodbav:"chargeBoxId"`
	ConnectionID     string        `dynamodbav:"connectionId"`
	Action           string        `dynamodbav:"action"`
	Request          string        `dynamodbav:"request"`
	Status           CommandStatus `dynamodbav:"status"`
	CreatedAt        string        `dynamodbav:"createdAt"`
	AnsweredAt       string        `dynamodbav:"answeredAt,omitempty"`
	Response         string        `dynamodbav:"response,omitempty"`
	ErrorCode        string        `dynamodbav:"errorCode,omitempty"`
	ErrorDescription string        `dynamodbav:"errorDescription,omitempty"`
	ErrorDetails     string        `dynamodbav:"errorDetails,omitempty"`
	ExpiresAt        int64         `dynamodbav:"expiresAt"`
	// NewPasswordHash is the bcrypt hash of the AuthorizationKey a key rotation's
	// ChangeConfiguration carries; the box's Accepted answer makes it the box's password.
	NewPasswordHash string `dynamodbav:"newPasswordHash,omitempty"`
	// Day is the UTC date of CreatedAt, the partition of the byDay index (commandlist.go).
	Day string `dynamodbav:"day,omitempty"`
}

// BeginCommand writes the pending command and takes the box's single outstanding-call slot on
// its connection row in one transaction. The slot is free when empty or held past holdUntil of
// an earlier command (a box that never answered). ErrNotConnected when the box has no
// connection, another one, or one whose row expired; ErrBusy when another call is outstanding.
func (s *Store) BeginCommand(ctx context.Context, c Command, now time.Time, hold time.Duration) error {
	c.Request = ocpp.RedactString(c.Request) // an AuthorizationKey is never stored
	c.Day = commandDay(c.CreatedAt)
	item, err := marshal(c)
	if err != nil {
		return err
	}
	var u update
	u.set("pendingCommand", str(c.CommandID))
	u.set("pendingUntil", num(now.Add(hold).Unix()))
	at := u.value(num(now.Unix()))
	cond := u.cond("%s = ", "connectionId") + u.value(str(c.ConnectionID)) + u.cond(" AND %s > ", "expiresAt") + at +
		u.cond(" AND (attribute_not_exists(%s) OR %s < ", "pendingCommand", "pendingUntil") + at + ")"
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: s.Table(tables.Connections), Key: boxKey(c.ChargeBoxID),
			UpdateExpression: u.expression(), ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		{Put: &types.Put{TableName: s.Table(tables.Commands), Item: item, ConditionExpression: aws.String("attribute_not_exists(commandId)")}},
	}})
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && len(tce.CancellationReasons) > 0 && aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		var old Connection
		if err := attributevalue.UnmarshalMap(tce.CancellationReasons[0].Item, &old); err != nil || old.ConnectionID != c.ConnectionID || !old.Live(now) {
			return ErrNotConnected
		}
		return ErrBusy
	}
	return fmt.Errorf("begin command %s on %s: %w", c.Action, c.ChargeBoxID, err)
}

// ReleaseSlot frees the box's outstanding-call slot if commandID still holds it.
func (s *Store) ReleaseSlot(ctx context.Context, chargeBoxID, commandID string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.Table(tables.Connections),
		Key:                       boxKey(chargeBoxID),
		UpdateExpression:          aws.String("REMOVE pendingCommand, pendingUntil"),
		ConditionExpression:       aws.String("pendingCommand = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": str(commandID)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("release call slot of %s: %w", chargeBoxID, err)
	}
	return nil
}

// Outcome is a box's answer to a command.
type Outcome struct {
	Status           CommandStatus
	Response         string
	ErrorCode        string
	ErrorDescription string
	ErrorDetails     string
	At               time.Time
}

// CompleteCommand records the box's answer to its pending command commandID and frees the
// call slot. It returns the command's action; ErrNotFound when no pending command of this box
// has that id (unsolicited, late or repeated answers change nothing).
func (s *Store) CompleteCommand(ctx context.Context, chargeBoxID, commandID string, o Outcome) (Command, error) {
	var u update
	u.set("status", str(string(o.Status)))
	u.set("answeredAt", str(FormatTime(o.At)))
	for name, v := range map[string]string{"response": ocpp.RedactString(o.Response), "errorCode": o.ErrorCode, "errorDescription": o.ErrorDescription, "errorDetails": o.ErrorDetails} {
		if v != "" {
			u.set(name, str(v))
		}
	}
	cond := u.cond("%s = ", "chargeBoxId") + u.value(str(chargeBoxID)) + u.cond(" AND %s = ", "status") + u.value(str(string(CommandPending)))
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.Commands), Key: map[string]types.AttributeValue{"commandId": str(commandID)},
		UpdateExpression: u.expression(), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return Command{}, ErrNotFound
	}
	if err != nil {
		return Command{}, fmt.Errorf("complete command %s: %w", commandID, err)
	}
	var c Command
	if err := attributevalue.UnmarshalMap(res.Attributes, &c); err != nil {
		return Command{}, fmt.Errorf("decode command: %w", err)
	}
	return c, s.ReleaseSlot(ctx, chargeBoxID, commandID)
}

// FailCommand records that a command never reached the box and frees its slot.
func (s *Store) FailCommand(ctx context.Context, chargeBoxID, commandID, reason string, now time.Time) error {
	_, err := s.CompleteCommand(ctx, chargeBoxID, commandID, Outcome{Status: CommandUndelivered, ErrorDescription: reason, At: now})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// GetCommand reads a command by id; ErrNotFound when unknown or expired.
func (s *Store) GetCommand(ctx context.Context, commandID string) (Command, error) {
	var c Command
	err := s.get(ctx, tables.Commands, map[string]types.AttributeValue{"commandId": str(commandID)}, &c)
	return c, err
}

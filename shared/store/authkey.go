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

// PreviousPasswordValid reports whether the box's previous password (the one a key rotation
// replaced) is still accepted at now.
func (b ChargeBox) PreviousPasswordValid(now time.Time) bool {
	if b.PreviousPasswordHash == "" {
		return false
	}
	until, err := time.Parse(timeFormat, b.PreviousPasswordUntil)
	return err == nil && now.Before(until)
}

// RotatePassword makes newHash the box's password hash after the box accepted a new
// AuthorizationKey; the hash it replaces stays valid until graceUntil (see EndPasswordGrace). A
// repeated call with the same hash changes nothing, so a repeated answer cannot make the new
// key its own predecessor. ErrNotFound when the box is not registered.
func (s *Store) RotatePassword(ctx context.Context, box, newHash string, graceUntil time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.ChargeBoxes), Key: boxKey(box),
		UpdateExpression: aws.String("SET previousPasswordHash = if_not_exists(passwordHash, :none), passwordHash = :new, " +
			"previousPasswordUntil = :until, updatedAt = :now REMOVE unsecured"),
		ConditionExpression: aws.String("attribute_exists(chargeBoxId) AND (attribute_not_exists(passwordHash) OR passwordHash <> :new)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":none": str(""), ":new": str(newHash), ":until": str(FormatTime(graceUntil)), ":now": str(FormatTime(time.Now())),
		},
	})
	if isConditionFailed(err) {
		b, gerr := s.GetChargeBox(ctx, box)
		if gerr != nil {
			return gerr // ErrNotFound: the box was deleted
		}
		if b.PasswordHash == newHash {
			return nil // already rotated: a repeated answer
		}
		return fmt.Errorf("rotate password of %s: condition failed", box)
	}
	if err != nil {
		return fmt.Errorf("rotate password of %s: %w", box, err)
	}
	return nil
}

// EndPasswordGrace forgets the previous password once the box connected with currentHash's key.
// It changes nothing when the password changed meanwhile.
func (s *Store) EndPasswordGrace(ctx context.Context, box, currentHash string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.ChargeBoxes), Key: boxKey(box),
		UpdateExpression:          aws.String("REMOVE previousPasswordHash, previousPasswordUntil"),
		ConditionExpression:       aws.String("passwordHash = :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": str(currentHash)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("end password grace of %s: %w", box, err)
	}
	return nil
}

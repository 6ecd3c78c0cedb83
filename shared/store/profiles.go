package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// ChargingProfile is an item of the charging-profiles table: a profile a box accepted.
type ChargingProfile struct {
	ChargeBoxID       string `dynamodbav:"chargeBoxId"`
	ProfileKey        string `dynamodbav:"profileKey"`
	ConnectorID       int    `dynamodbav:"connectorId"`
	ChargingProfileID int    `dynamodbav:"chargingProfileId"`
	StackLevel        int    `dynamodbav:"stackLevel"`
	Purpose           string `dynamodbav:"chargingProfilePurpose"`
	// Profile is the csChargingProfiles object as sent, JSON.
	Profile   string `dynamodbav:"profile"`
	CommandID string `dynamodbav:"commandId,omitempty"`
	SetAt     string `dynamodbav:"setAt"`
}

// ProfileFilter is ClearChargingProfile's selection; nil and "" match everything.
type ProfileFilter struct {
	ID          *int
	ConnectorID *int
	Purpose     string
	StackLevel  *int
}

func (f ProfileFilter) match(p ChargingProfile) bool {
	return (f.ID == nil || *f.ID == p.ChargingProfileID) &&
		(f.ConnectorID == nil || *f.ConnectorID == p.ConnectorID) &&
		(f.Purpose == "" || f.Purpose == p.Purpose) &&
		(f.StackLevel == nil || *f.StackLevel == p.StackLevel)
}

// PutChargingProfile installs a profile. As on the box, it replaces the profile with the same
// id and the one of the same purpose and stack level on the same connector.
func (s *Store) PutChargingProfile(ctx context.Context, p ChargingProfile) error {
	p.ProfileKey = fmt.Sprintf("%d#%d", p.ConnectorID, p.ChargingProfileID)
	existing, err := s.ListChargingProfiles(ctx, p.ChargeBoxID)
	if err != nil {
		return err
	}
	for _, old := range existing {
		same := old.ChargingProfileID == p.ChargingProfileID ||
			(old.ConnectorID == p.ConnectorID && old.Purpose == p.Purpose && old.StackLevel == p.StackLevel)
		if same && old.ProfileKey != p.ProfileKey {
			if err := s.deleteProfile(ctx, old); err != nil {
				return err
			}
		}
	}
	item, err := marshal(p)
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.Table(tables.ChargingProfiles), Item: item}); err != nil {
		return fmt.Errorf("put charging profile %s/%s: %w", p.ChargeBoxID, p.ProfileKey, err)
	}
	return nil
}

// ClearChargingProfiles removes the profiles of a box the filter matches and returns how many.
func (s *Store) ClearChargingProfiles(ctx context.Context, box string, f ProfileFilter) (int, error) {
	existing, err := s.ListChargingProfiles(ctx, box)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range existing {
		if !f.match(p) {
			continue
		}
		if err := s.deleteProfile(ctx, p); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *Store) deleteProfile(ctx context.Context, p ChargingProfile) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: s.Table(tables.ChargingProfiles),
		Key:       map[string]types.AttributeValue{"chargeBoxId": str(p.ChargeBoxID), "profileKey": str(p.ProfileKey)},
	})
	if err != nil {
		return fmt.Errorf("delete charging profile %s/%s: %w", p.ChargeBoxID, p.ProfileKey, err)
	}
	return nil
}

// ListChargingProfiles returns the installed profiles of a box.
func (s *Store) ListChargingProfiles(ctx context.Context, box string) ([]ChargingProfile, error) {
	var out []ChargingProfile
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: s.Table(tables.ChargingProfiles), KeyConditionExpression: aws.String("chargeBoxId = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(box)}, ConsistentRead: aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list charging profiles of %s: %w", box, err)
		}
		var ps []ChargingProfile
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &ps); err != nil {
			return nil, fmt.Errorf("decode charging profiles: %w", err)
		}
		out = append(out, ps...)
	}
	return out, nil
}

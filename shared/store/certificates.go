package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// IssuedCertificate is an item of the certificates table: one certificate the central system's
// CA issued to a charge box.
type IssuedCertificate struct {
	ChargeBoxID string `dynamodbav:"chargeBoxId" json:"chargeBoxId"`
	// Serial is the serial number in lower-case hex.
	Serial    string `dynamodbav:"serial" json:"serial"`
	Subject   string `dynamodbav:"subject" json:"subject"`
	Issuer    string `dynamodbav:"issuer" json:"issuer"`
	NotBefore string `dynamodbav:"notBefore" json:"notBefore"`
	NotAfter  string `dynamodbav:"notAfter" json:"notAfter"`
	IssuedAt  string `dynamodbav:"issuedAt" json:"issuedAt"`
	// SHA256 is the hex SHA-256 of the certificate's DER, as CloudFront-Viewer-Cert-Sha256 gives it.
	SHA256 string `dynamodbav:"sha256" json:"sha256"`
	// PEM is the certificate itself (public), so an operator can deliver it again.
	PEM string `dynamodbav:"pem" json:"pem"`
	// CommandID is the CertificateSigned command that delivered it ("" when it could not be sent:
	// the box had another call outstanding or went away).
	CommandID string `dynamodbav:"commandId,omitempty" json:"commandId,omitempty"`

	CertKey   string `dynamodbav:"certKey" json:"-"`
	Fleet     string `dynamodbav:"fleet" json:"-"`
	IssuedKey string `dynamodbav:"issuedKey" json:"-"`
}

// PutCertificate records an issued certificate.
func (s *Store) PutCertificate(ctx context.Context, c IssuedCertificate) error {
	c.CertKey = c.IssuedAt + "#" + c.Serial
	c.Fleet = tables.FleetPartition
	c.IssuedKey = c.IssuedAt + "#" + c.ChargeBoxID + "#" + c.Serial
	item, err := marshal(c)
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.Table(tables.Certificates), Item: item}); err != nil {
		return fmt.Errorf("record certificate %s of %s: %w", c.Serial, c.ChargeBoxID, err)
	}
	return nil
}

// SetCertificateCommand notes the CertificateSigned command that carried a certificate.
func (s *Store) SetCertificateCommand(ctx context.Context, c IssuedCertificate, commandID string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.Certificates),
		Key: map[string]types.AttributeValue{
			"chargeBoxId": str(c.ChargeBoxID), "certKey": str(c.IssuedAt + "#" + c.Serial),
		},
		UpdateExpression:          aws.String("SET commandId = :c"),
		ConditionExpression:       aws.String("attribute_exists(certKey)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": str(commandID)},
	})
	if err != nil {
		return fmt.Errorf("note delivery of certificate %s: %w", c.Serial, err)
	}
	return nil
}

// ListCertificates lists issued certificates newest first: of one box by its key, or fleet-wide
// from the byIssued index ("" box). Neither reads more than the page.
func (s *Store) ListCertificates(ctx context.Context, box string, p Page) ([]IssuedCertificate, string, error) {
	pos := indexPosition(tables.Certificates, "byIssued").in("fleet", tables.FleetPartition)
	in := &dynamodb.QueryInput{
		TableName: s.Table(tables.Certificates), IndexName: aws.String("byIssued"),
		KeyConditionExpression:    aws.String("fleet = :k"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": str(tables.FleetPartition)},
		ScanIndexForward:          aws.Bool(false), Limit: limit(p.Limit),
	}
	if box != "" {
		pos = tablePosition(tables.Certificates).in("chargeBoxId", box)
		in.IndexName = nil
		in.KeyConditionExpression = aws.String("chargeBoxId = :k")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":k": str(box)}
	}
	start, err := pos.decode(p.Next)
	if err != nil {
		return nil, "", err
	}
	in.ExclusiveStartKey = start
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("list certificates %s: %w", box, err)
	}
	out := []IssuedCertificate{}
	next, err := pos.page(res.Items, res.LastEvaluatedKey, &out, "certificates")
	return out, next, err
}

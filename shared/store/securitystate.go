package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// SecurityState is what the security extension tells about a box, kept on its registry entry
// (ChargeBox embeds it): the latest LogStatusNotification and SignedFirmwareStatusNotification,
// the GetLog and SignedUpdateFirmware requests they report on, the last answers to
// GetInstalledCertificateIds per certificate type, and the last certificate installed.
type SecurityState struct {
	LogStatus                   string `dynamodbav:"logStatus,omitempty"`
	LogStatusRequestID          *int   `dynamodbav:"logStatusRequestId,omitempty"`
	LogStatusAt                 string `dynamodbav:"logStatusAt,omitempty"`
	SignedFirmwareStatus        string `dynamodbav:"signedFirmwareStatus,omitempty"`
	SignedFirmwareStatusRequest *int   `dynamodbav:"signedFirmwareStatusRequestId,omitempty"`
	SignedFirmwareStatusAt      string `dynamodbav:"signedFirmwareStatusAt,omitempty"`

	LogRequest      *LogRequest      `dynamodbav:"logRequest,omitempty"`
	FirmwareRequest *FirmwareRequest `dynamodbav:"signedFirmwareRequest,omitempty"`

	CentralSystemRootCertificates *InstalledCertificates `dynamodbav:"centralSystemRootCertificates,omitempty"`
	ManufacturerRootCertificates  *InstalledCertificates `dynamodbav:"manufacturerRootCertificates,omitempty"`
	InstalledCertificate          *InstalledCertificate  `dynamodbav:"installedCertificate,omitempty"`
}

// LogRequest is the last GetLog a box answered: what was asked and its answer (Status,
// Filename). The LogStatusNotifications with its RequestID tell its progress.
type LogRequest struct {
	RequestID      int    `dynamodbav:"requestId"`
	LogType        string `dynamodbav:"logType"`
	RemoteLocation string `dynamodbav:"remoteLocation"`
	Status         string `dynamodbav:"status"`
	Filename       string `dynamodbav:"filename,omitempty"`
	CommandID      string `dynamodbav:"commandId"`
	At             string `dynamodbav:"at"`
}

// FirmwareRequest is the last SignedUpdateFirmware a box answered; the
// SignedFirmwareStatusNotifications with its RequestID tell its progress.
type FirmwareRequest struct {
	RequestID        int    `dynamodbav:"requestId"`
	Location         string `dynamodbav:"location"`
	RetrieveDateTime string `dynamodbav:"retrieveDateTime"`
	Status           string `dynamodbav:"status"`
	CommandID        string `dynamodbav:"commandId"`
	At               string `dynamodbav:"at"`
}

// CertificateHash identifies an installed certificate (OCPP CertificateHashData).
type CertificateHash struct {
	HashAlgorithm  string `dynamodbav:"hashAlgorithm"`
	IssuerNameHash string `dynamodbav:"issuerNameHash"`
	IssuerKeyHash  string `dynamodbav:"issuerKeyHash"`
	SerialNumber   string `dynamodbav:"serialNumber"`
}

// InstalledCertificates is a box's answer to GetInstalledCertificateIds for one type.
type InstalledCertificates struct {
	Status       string            `dynamodbav:"status"`
	Certificates []CertificateHash `dynamodbav:"certificateHashData"`
	CommandID    string            `dynamodbav:"commandId"`
	At           string            `dynamodbav:"at"`
}

// InstalledCertificate is the last certificate a box accepted from InstallCertificate, with
// the hash data that names it in GetInstalledCertificateIds and DeleteCertificate.
type InstalledCertificate struct {
	CertificateType string           `dynamodbav:"certificateType"`
	Subject         string           `dynamodbav:"subject"`
	NotAfter        string           `dynamodbav:"notAfter"`
	Hash            *CertificateHash `dynamodbav:"certificateHashData,omitempty"`
	CommandID       string           `dynamodbav:"commandId"`
	At              string           `dynamodbav:"at"`
}

// SetLogStatus stores the status of a LogStatusNotification.
func (s *Store) SetLogStatus(ctx context.Context, id, status string, requestID *int, at time.Time) error {
	return s.setNotification(ctx, id, "logStatus", status, requestID, at)
}

// SetSignedFirmwareStatus stores the status of a SignedFirmwareStatusNotification.
func (s *Store) SetSignedFirmwareStatus(ctx context.Context, id, status string, requestID *int, at time.Time) error {
	return s.setNotification(ctx, id, "signedFirmwareStatus", status, requestID, at)
}

// setNotification writes a notification's status, its requestId (removed when it has none)
// and its time in one UpdateItem on an existing box.
func (s *Store) setNotification(ctx context.Context, id, attr, status string, requestID *int, at time.Time) error {
	var u update
	u.set(attr, str(status))
	u.set(attr+"At", str(FormatTime(at)))
	if requestID != nil {
		u.set(attr+"RequestId", num(int64(*requestID)))
	} else {
		u.remove(attr + "RequestId")
	}
	return s.updateSecurity(ctx, id, &u, attr)
}

// SetSecurityRecord stores one of the SecurityState records (attr is its attribute name:
// logRequest, signedFirmwareRequest, centralSystemRootCertificates,
// manufacturerRootCertificates, installedCertificate) on an existing box.
func (s *Store) SetSecurityRecord(ctx context.Context, id, attr string, record any) error {
	av, err := attributevalue.Marshal(record)
	if err != nil {
		return fmt.Errorf("encode %s: %w", attr, err)
	}
	var u update
	u.set(attr, av)
	return s.updateSecurity(ctx, id, &u, attr)
}

func (s *Store) updateSecurity(ctx context.Context, id string, u *update, what string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.Table(tables.ChargeBoxes), Key: boxKey(id),
		UpdateExpression: u.expression(), ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		ConditionExpression: aws.String("attribute_exists(chargeBoxId)"),
	})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("set %s of %s: %w", what, id, err)
	}
	return nil
}

package publish

import (
	"encoding/json"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// UnboundSecurityEventLog is the log message (INFO) of a security-event message dropped because
// no queue is bound for ocpp.security-events; unlike UnroutableLog it raises no alarm.
const UnboundSecurityEventLog = "security event message dropped: no queue is bound for ocpp.security-events"

// SecurityEventMessage is the body of a message routed with ocpp.security-events: one
// SecurityEventNotification the central system accepted.
type SecurityEventMessage struct {
	TenantID        string `json:"tenant_id"`
	ChargeBoxSerial string `json:"charge_box_serial"`
	Type            string `json:"type"`
	// Timestamp is the box's time of the event, OccurredAt when the central system received it.
	Timestamp    string `json:"timestamp"`
	TechInfo     string `json:"tech_info,omitempty"`
	Critical     bool   `json:"critical"`
	OccurredAt   string `json:"occurred_at"`
	ConnectionID string `json:"connection_id"`
	UniqueID     string `json:"unique_id"`
}

// securityEventMessages returns the security-event message of a frame-log row that holds a
// SecurityEventNotification and the CALLRESULT sent to it (a refused one publishes only its
// frames). It follows the row's frame messages, so per box order holds.
func securityEventMessages(row messageRow) []bus.Message {
	if row.Kind != store.KindFrames || len(row.Frames) != 2 {
		return nil
	}
	in, out := row.Frames[0], row.Frames[1]
	if in.Direction != store.FromBox || in.MessageType != call || in.Action != string(ocpp.SecurityEventNotification) ||
		out.MessageType != callResult || out.UniqueID != in.UniqueID {
		return nil
	}
	frame, err := ocpp.ParseFrame([]byte(in.Raw))
	if err != nil {
		return nil
	}
	var req ocpp.SecurityEventNotificationRequest
	if err := json.Unmarshal(frame.Payload, &req); err != nil {
		return nil
	}
	occurred := in.OccurredAt
	if occurred == "" {
		occurred = row.OccurredAt
	}
	at, iso := instant(occurred, req.Timestamp.Time)
	body, err := encode(SecurityEventMessage{
		TenantID: row.TenantID, ChargeBoxSerial: row.ChargeBoxID, Type: req.Type, Timestamp: store.FormatTime(req.Timestamp.Time),
		TechInfo: req.TechInfo, Critical: store.CriticalSecurityEvent(req.Type), OccurredAt: iso,
		ConnectionID: row.ConnectionID, UniqueID: in.UniqueID,
	})
	if err != nil {
		return nil
	}
	return []bus.Message{{
		Exchange: bus.ExchangeOCPP, RoutingKey: bus.KeySecurityEvents,
		MessageID: row.ChargeBoxID + "/" + row.Seq + "/security-event", Timestamp: at, Body: body,
	}}
}

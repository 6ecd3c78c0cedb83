package publish

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/store"
)

// messageRow is an item of the messages table (the frame log) as the store writes it.
type messageRow struct {
	ChargeBoxID  string     `dynamodbav:"chargeBoxId"`
	Seq          string     `dynamodbav:"seq"`
	Kind         string     `dynamodbav:"kind"`
	TenantID     string     `dynamodbav:"tenantId"`
	ConnectionID string     `dynamodbav:"connectionId"`
	OccurredAt   string     `dynamodbav:"occurredAt"`
	Frames       []frameRow `dynamodbav:"frames"`
	EventType    string     `dynamodbav:"eventType"`
	IP           string     `dynamodbav:"ip"`
	Status       string     `dynamodbav:"status"`
}

type frameRow struct {
	Direction   string `dynamodbav:"direction"`
	Raw         string `dynamodbav:"raw"`
	MessageType int    `dynamodbav:"messageType"`
	UniqueID    string `dynamodbav:"uniqueId"`
	Action      string `dynamodbav:"action"`
	ResponseTo  string `dynamodbav:"responseTo"`
	OccurredAt  string `dynamodbav:"occurredAt"`
}

// OCPP-J message types.
const (
	call       = 2
	callResult = 3
	callError  = 4
)

// FrameMessage is the body of a message routed with ocpp.msgs: one OCPP-J frame.
type FrameMessage struct {
	TenantID        string  `json:"tenant_id"`
	ChargeBoxSerial string  `json:"charge_box_serial"`
	OCPPMessage     string  `json:"ocpp_message"`
	ResponseTo      *string `json:"response_to"`
	OccurredAt      string  `json:"occurred_at"`
	Direction       string  `json:"direction"`
	ConnectionID    string  `json:"connection_id"`
	MessageType     int     `json:"message_type"`
	UniqueID        string  `json:"unique_id"`
	Action          *string `json:"action"`
}

// ConnectionMessage is the body of a message routed with ocpp.connection-events.
type ConnectionMessage struct {
	EventType       string `json:"event_type"`
	OccurredAt      string `json:"occurred_at"`
	TenantID        string `json:"tenant_id"`
	ChargeBoxSerial string `json:"charge_box_serial"`
	IP              string `json:"ip"`
	Status          string `json:"status"`
	ConnectionID    string `json:"connection_id"`
}

// frameMessages turns a frame-log row into its messages: one per frame, in the row's order.
func frameMessages(row messageRow, fallback time.Time) ([]bus.Message, error) {
	switch row.Kind {
	case store.KindFrames:
	case store.KindConnection:
		return connectionMessage(row, fallback)
	default:
		return nil, fmt.Errorf("row kind %q: want frames or connection", row.Kind)
	}
	out := make([]bus.Message, 0, len(row.Frames))
	for i, f := range row.Frames {
		if f.Raw == "" {
			return nil, fmt.Errorf("frame %d has no raw text", i)
		}
		occurred := f.OccurredAt
		if occurred == "" {
			occurred = row.OccurredAt
		}
		at, iso := instant(occurred, fallback)
		m := FrameMessage{
			TenantID: row.TenantID, ChargeBoxSerial: row.ChargeBoxID, OCPPMessage: f.Raw,
			OccurredAt: iso, Direction: f.Direction, ConnectionID: row.ConnectionID,
			MessageType: f.MessageType, UniqueID: f.UniqueID,
		}
		switch f.MessageType {
		case call:
			m.Action = nonEmpty(f.Action)
		case callResult, callError:
			m.ResponseTo = nonEmpty(f.ResponseTo)
		}
		body, err := encode(m)
		if err != nil {
			return nil, err
		}
		out = append(out, bus.Message{
			Exchange: bus.ExchangeOCPP, RoutingKey: bus.KeyFrames,
			MessageID: row.ChargeBoxID + "/" + row.Seq + "/" + strconv.Itoa(i),
			Timestamp: at, Body: body,
		})
	}
	return out, nil
}

func connectionMessage(row messageRow, fallback time.Time) ([]bus.Message, error) {
	if row.EventType != string(store.EventConnected) && row.EventType != string(store.EventDisconnected) {
		return nil, fmt.Errorf("connection event type %q: want connected or disconnected", row.EventType)
	}
	at, iso := instant(row.OccurredAt, fallback)
	body, err := encode(ConnectionMessage{
		EventType: row.EventType, OccurredAt: iso, TenantID: row.TenantID, ChargeBoxSerial: row.ChargeBoxID,
		IP: row.IP, Status: row.Status, ConnectionID: row.ConnectionID,
	})
	if err != nil {
		return nil, err
	}
	return []bus.Message{{
		Exchange: bus.ExchangeOCPP, RoutingKey: bus.KeyConnectionEvents,
		MessageID: row.ChargeBoxID + "/" + row.Seq, Timestamp: at, Body: body,
	}}, nil
}

// instant parses a stored timestamp; a value that does not parse keeps its text and the
// message takes the stream record's time.
func instant(s string, fallback time.Time) (time.Time, string) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if s == "" {
			s = fallback.UTC().Format(time.RFC3339Nano)
		}
		return fallback, s
	}
	return t, t.UTC().Format(time.RFC3339Nano)
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// encode marshals v without HTML escaping, so a raw frame's <, > and & stay as the box sent them.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

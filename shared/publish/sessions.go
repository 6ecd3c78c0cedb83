package publish

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/store"
)

// sessionRow is an item of the sessions table as the store writes it. Pointers tell absent
// from zero: a session whose start was never seen has no meterStart or connectorId.
type sessionRow struct {
	TransactionID   int64  `dynamodbav:"transactionId"`
	ChargeBoxID     string `dynamodbav:"chargeBoxId"`
	TenantID        string `dynamodbav:"tenantId"`
	ConnectorID     *int   `dynamodbav:"connectorId"`
	IDTag           string `dynamodbav:"idTag"`
	MeterStart      *int64 `dynamodbav:"meterStart"`
	StartedAt       string `dynamodbav:"startedAt"`
	ReservationID   *int64 `dynamodbav:"reservationId"`
	Status          string `dynamodbav:"status"`
	MeterStop       *int64 `dynamodbav:"meterStop"`
	StoppedAt       string `dynamodbav:"stoppedAt"`
	StopReason      string `dynamodbav:"stopReason"`
	StopIDTag       string `dynamodbav:"stopIdTag"`
	UnknownStart    bool   `dynamodbav:"unknownStart"`
	TransactionData string `dynamodbav:"transactionData"`

	Flags      []string `dynamodbav:"flags"`
	StartFlags []string `dynamodbav:"startFlags"`
}

// SessionMessage is the body of a message routed with sessions.raw: one finished session.
// The first seven fields are those of the original system.
type SessionMessage struct {
	TenantID        string  `json:"tenant_id"`
	ChargeBoxSerial string  `json:"charge_box_serial"`
	ConnectorID     *int    `json:"connector_id"`
	StartedAt       *string `json:"started_at"`
	EndedAt         *string `json:"ended_at"`
	// Volume is the energy charged in kWh, (meterStop - meterStart) / 1000; null when it is
	// unknown (no start seen) or the meter went backwards.
	Volume *float64 `json:"volume"`
	UserID *string  `json:"user_id"`

	TransactionID      int64        `json:"transaction_id"`
	MeterStart         *int64       `json:"meter_start"`
	MeterStop          *int64       `json:"meter_stop"`
	StopReason         *string      `json:"stop_reason"`
	StopIDTag          *string      `json:"stop_id_tag"`
	ReservationID      *int64       `json:"reservation_id"`
	MeterValues        MeterSummary `json:"meter_values"`
	MeterWentBackwards bool         `json:"meter_went_backwards"`
	UnknownStart       bool         `json:"unknown_start"`
	// Flags say what the box's times or meter show that cannot be right (store.SessionFlags:
	// negativeDuration, meterBackwards, readingsBackwards, stopTimestampAhead); [] for none.
	Flags []string `json:"flags"`
}

// MeterSummary summarises the sampled values of a session's meter values.
type MeterSummary struct {
	// Samples counts the sampled values, each counted once even when it was both sent in a
	// MeterValues request and repeated in the StopTransaction's transactionData.
	Samples int     `json:"samples"`
	FirstAt *string `json:"first_at"`
	LastAt  *string `json:"last_at"`
	// Measurands is keyed by measurand, followed by "." and the phase when the value has one
	// (e.g. "Current.Import.L1"). Only numeric values (format Raw) enter it.
	Measurands map[string]MeasurandSummary `json:"measurands"`
}

// MeasurandSummary gives the range and the last value of one measurand. Values are in Unit;
// k-prefixed units (kWh, kW, kvarh, kvar, kVA) are converted to their base unit so that
// values a box reported in either can be compared.
type MeasurandSummary struct {
	Unit    string  `json:"unit"`
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	Last    float64 `json:"last"`
	Samples int     `json:"samples"`
}

// startedAt is the stored start time when the start was seen.
func (m SessionMessage) startedAt(row sessionRow) string {
	if m.StartedAt == nil {
		return ""
	}
	return row.StartedAt
}

// sessionMessage builds the message of a finished session from its row and its meter readings.
func sessionMessage(row sessionRow, readings []store.Reading, fallback time.Time) (bus.Message, error) {
	if row.ChargeBoxID == "" {
		return bus.Message{}, fmt.Errorf("session %d has no chargeBoxId", row.TransactionID)
	}
	m := SessionMessage{
		TenantID: row.TenantID, ChargeBoxSerial: row.ChargeBoxID,
		UserID: nonEmpty(row.IDTag), TransactionID: row.TransactionID,
		MeterStop: row.MeterStop, StopReason: nonEmpty(row.StopReason), StopIDTag: nonEmpty(row.StopIDTag),
		ReservationID: row.ReservationID, UnknownStart: row.UnknownStart,
	}
	if !row.UnknownStart {
		m.ConnectorID, m.MeterStart = row.ConnectorID, row.MeterStart
		if row.StartedAt != "" {
			_, iso := instant(row.StartedAt, fallback)
			m.StartedAt = &iso
		}
	}
	at := fallback
	if row.StoppedAt != "" {
		var iso string
		at, iso = instant(row.StoppedAt, fallback)
		m.EndedAt = &iso
	}
	if m.MeterStart != nil && m.MeterStop != nil {
		if *m.MeterStop < *m.MeterStart {
			m.MeterWentBackwards = true
		} else {
			kWh := float64(*m.MeterStop-*m.MeterStart) / 1000
			m.Volume = &kWh
		}
	}
	m.Flags = store.SessionFlags(append(row.Flags, row.StartFlags...), m.startedAt(row), row.StoppedAt, m.MeterStart, m.MeterStop)
	m.MeterValues = summarize(readings, row.TransactionData)
	body, err := encode(m)
	if err != nil {
		return bus.Message{}, err
	}
	return bus.Message{
		Exchange: bus.ExchangeSessions, RoutingKey: bus.KeySessions,
		MessageID: fmt.Sprintf("session-%s-%d", row.ChargeBoxID, row.TransactionID),
		Timestamp: at, Body: body,
	}, nil
}

// meterValue is a MeterValue object of OCPP 1.6, as transactionData carries it.
type meterValue struct {
	Timestamp    string `json:"timestamp"`
	SampledValue []struct {
		Value     string `json:"value"`
		Context   string `json:"context"`
		Format    string `json:"format"`
		Measurand string `json:"measurand"`
		Phase     string `json:"phase"`
		Location  string `json:"location"`
		Unit      string `json:"unit"`
	} `json:"sampledValue"`
}

type sample struct {
	at    time.Time
	stamp string
	v     store.SampledValue
}

// summarize merges the stored readings and transactionData, counting a sampled value that
// appears in both once. A transactionData that does not parse is left out: the readings the
// store kept still count, and a malformed box message must not stop the session's message.
func summarize(readings []store.Reading, transactionData string) MeterSummary {
	var samples []sample
	seen := map[string]bool{}
	add := func(stamp string, v store.SampledValue) {
		at, iso := instant(stamp, time.Time{})
		key := strings.Join([]string{iso, v.Value, v.Context, v.Format, v.Measurand, v.Phase, v.Location, v.Unit}, "\x00")
		if seen[key] {
			return
		}
		seen[key] = true
		samples = append(samples, sample{at: at, stamp: iso, v: v})
	}
	for _, r := range readings {
		for _, v := range r.SampledValues {
			add(r.Timestamp, v)
		}
	}
	var data []meterValue
	if transactionData != "" && json.Unmarshal([]byte(transactionData), &data) == nil {
		for _, mv := range data {
			for _, v := range mv.SampledValue {
				add(mv.Timestamp, store.SampledValue{Value: v.Value, Context: v.Context, Format: v.Format, Measurand: v.Measurand, Phase: v.Phase, Location: v.Location, Unit: v.Unit})
			}
		}
	}
	sort.SliceStable(samples, func(i, j int) bool { return samples[i].at.Before(samples[j].at) })

	sum := MeterSummary{Samples: len(samples), Measurands: map[string]MeasurandSummary{}}
	if len(samples) > 0 {
		first, last := samples[0].stamp, samples[len(samples)-1].stamp
		sum.FirstAt, sum.LastAt = &first, &last
	}
	for _, s := range samples {
		if s.v.Format == "SignedData" {
			continue
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(s.v.Value), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		measurand := s.v.Measurand
		if measurand == "" {
			measurand = "Energy.Active.Import.Register" // OCPP 1.6's default
		}
		unit, scale := normalUnit(measurand, s.v.Unit)
		x *= scale
		key := measurand
		if s.v.Phase != "" {
			key += "." + s.v.Phase
		}
		ms, ok := sum.Measurands[key]
		if !ok {
			ms = MeasurandSummary{Unit: unit, Min: x, Max: x}
		}
		ms.Min, ms.Max, ms.Last = min(ms.Min, x), max(ms.Max, x), x
		ms.Samples++
		sum.Measurands[key] = ms
	}
	return sum
}

// normalUnit returns the base unit of a sampled value and the factor to it. OCPP 1.6 makes Wh
// the default unit; it is assumed only for energy measurands, where it makes sense.
func normalUnit(measurand, unit string) (string, float64) {
	switch unit {
	case "kWh":
		return "Wh", 1000
	case "kW":
		return "W", 1000
	case "kvarh":
		return "varh", 1000
	case "kvar":
		return "var", 1000
	case "kVA":
		return "VA", 1000
	case "":
		if strings.HasPrefix(measurand, "Energy.") {
			return "Wh", 1
		}
	}
	return unit, 1
}

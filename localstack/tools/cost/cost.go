// Package cost turns the measured AWS calls per OCPP action (localstack/tools/budget) and a usage
// profile into the monthly AWS cost of one charge box, itemized by service. Every price comes
// from one file, prices.json; `make cost` prints the estimate and writes it into docs/cost.md
// and docs/performance.md.
package cost

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/budget"
)

// Prices are the list prices assumed (prices.json).
type Prices struct {
	Region                        string             `json:"region"`
	Currency                      string             `json:"currency"`
	AsOf                          string             `json:"asOf"`
	Verified                      []string           `json:"verified"`
	APIGatewayMessagesPerMillion  float64            `json:"apiGatewayWebSocketPerMillionMessages"`
	APIGatewayMinutesPerMillion   float64            `json:"apiGatewayConnectionMinutesPerMillion"`
	LambdaRequestsPerMillion      float64            `json:"lambdaRequestsPerMillion"`
	LambdaPerGBSecond             float64            `json:"lambdaArm64PerGBSecond"`
	DynamoDBWRUPerMillion         float64            `json:"dynamodbWriteRequestUnitsPerMillion"`
	DynamoDBRRUPerMillion         float64            `json:"dynamodbReadRequestUnitsPerMillion"`
	DynamoDBStorageGBMonth        float64            `json:"dynamodbStorageGBMonth"`
	StreamsReadRequestsPerMillion float64            `json:"dynamodbStreamsReadRequestsPerMillion"`
	CloudFrontRequestsPer10k      float64            `json:"cloudFrontHTTPSRequestsPer10k"`
	CloudFrontDataOutPerGB        float64            `json:"cloudFrontDataOutPerGB"`
	AmazonMQBrokerPerHour         map[string]float64 `json:"amazonMQBrokerPerHour"`
	AmazonMQStoragePerGBMonth     float64            `json:"amazonMQStoragePerGBMonth"`
}

// LoadPrices reads prices.json.
func LoadPrices(path string) (Prices, error) {
	var p Prices
	data, err := os.ReadFile(path)
	if err != nil {
		return p, fmt.Errorf("read prices: %w", err)
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("decode prices %s: %w", path, err)
	}
	return p, nil
}

// Profile is how a fleet is used. Defaults gives a typical public AC charger.
type Profile struct {
	Boxes             int           `json:"boxes"`
	Connectors        int           `json:"connectors"`
	HeartbeatInterval time.Duration `json:"heartbeatInterval"`
	// SessionsPerDay per box, each SessionLength long with MeterValues every MeterInterval.
	SessionsPerDay float64       `json:"sessionsPerDay"`
	SessionLength  time.Duration `json:"sessionLength"`
	MeterInterval  time.Duration `json:"meterInterval"`
	// ReconnectsPerDay: API Gateway closes every connection after 2 h, so at least 12.
	ReconnectsPerDay float64 `json:"reconnectsPerDay"`
	BootsPerDay      float64 `json:"bootsPerDay"`
	// LambdaMemoryMB of every function; Durations are the billed milliseconds per step
	// (Row.Name of the budget table, or a function name for the publisher).
	LambdaMemoryMB int                      `json:"lambdaMemoryMB"`
	Durations      map[string]time.Duration `json:"durations"`
	// PublisherBatch is the mean number of stream records per publisher invocation.
	PublisherBatch float64 `json:"publisherBatch"`
	// Retention of the frame log and meter values; AvgFrameRowBytes etc. size the storage.
	Retention        time.Duration `json:"retention"`
	AvgFrameRowBytes int           `json:"avgFrameRowBytes"`
	AvgReadingBytes  int           `json:"avgReadingBytes"`
	AvgSessionBytes  int           `json:"avgSessionBytes"`
	AvgFrameBytes    int           `json:"avgFrameBytes"`
	BrokerType       string        `json:"brokerType"`
	BrokerStorageGB  float64       `json:"brokerStorageGB"`
}

// Defaults is the default usage profile.
func Defaults() Profile {
	return Profile{
		Boxes: 1000, Connectors: 2, HeartbeatInterval: 300 * time.Second,
		SessionsPerDay: 4, SessionLength: 45 * time.Minute, MeterInterval: time.Minute,
		ReconnectsPerDay: 12, BootsPerDay: 1, LambdaMemoryMB: 128,
		Durations:      map[string]time.Duration{"*": 10 * time.Millisecond, "publisher": 30 * time.Millisecond},
		PublisherBatch: 10, Retention: 30 * 24 * time.Hour,
		AvgFrameRowBytes: 700, AvgReadingBytes: 350, AvgSessionBytes: 600, AvgFrameBytes: 220,
		BrokerType: "mq.m7g.medium", BrokerStorageGB: 20,
	}
}

// Item is one line of the bill for one box and month.
type Item struct {
	Service  string  `json:"service"`
	What     string  `json:"what"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	USD      float64 `json:"usd"`
}

// Estimate is the monthly cost of one box.
type Estimate struct {
	Profile Profile
	Prices  Prices
	// Steps is how often each measured step happens per box and month.
	Steps map[string]float64
	Items []Item
}

// Total is the monthly cost of one box.
func (e Estimate) Total() float64 {
	t := 0.0
	for _, i := range e.Items {
		t += i.USD
	}
	return t
}

const month = 30 * 24 * time.Hour

// Frequencies returns how often each budget step happens per box and month under p.
func Frequencies(p Profile) map[string]float64 {
	days := month.Hours() / 24
	sessions := p.SessionsPerDay * days
	reconnects := p.ReconnectsPerDay * days
	perSession := float64(p.SessionLength / p.MeterInterval)
	return map[string]float64{
		"$connect authorizer": reconnects,
		"$connect":            reconnects,
		"$disconnect":         reconnects,
		"BootNotification":    p.BootsPerDay * days,
		"Heartbeat":           float64(month / p.HeartbeatInterval),
		"Authorize":           sessions,
		"StartTransaction":    sessions,
		"StopTransaction":     sessions,
		"MeterValues":         sessions * perSession,
		// Preparing, Charging, Finishing, Available per session; every connector and the box
		// itself after each reconnect.
		"StatusNotification":            4*sessions + float64(p.Connectors+1)*reconnects,
		"DiagnosticsStatusNotification": 0,
		"FirmwareStatusNotification":    0,
		"DataTransfer":                  0,
	}
}

// Compute prices the profile with the measured calls (budget rows by name).
func Compute(p Profile, pr Prices, rows []budget.Row) (Estimate, error) {
	freq := Frequencies(p)
	e := Estimate{Profile: p, Prices: pr, Steps: freq}
	u, err := lambdaUsage(p, freq, rows)
	if err != nil {
		return e, err
	}
	days := month.Hours() / 24
	sessions := p.SessionsPerDay * days
	retainedRows := u.frames*float64(p.Retention)/float64(month) + 0 // frame log rows kept at any time
	readings := sessions * float64(p.SessionLength/p.MeterInterval) * float64(p.Retention) / float64(month)
	storageGB := (retainedRows*float64(p.AvgFrameRowBytes) + readings*float64(p.AvgReadingBytes) + sessions*12*float64(p.AvgSessionBytes)) / 1e9
	connMinutes := month.Minutes()
	brokerHour, ok := pr.AmazonMQBrokerPerHour[p.BrokerType]
	if !ok {
		return e, fmt.Errorf("no price for broker type %q", p.BrokerType)
	}
	reconnects := p.ReconnectsPerDay * days
	dataOutGB := u.frames * float64(p.AvgFrameBytes) / 1e9

	add := func(service, what string, qty float64, unit string, usd float64) {
		e.Items = append(e.Items, Item{Service: service, What: what, Quantity: qty, Unit: unit, USD: usd})
	}
	add("API Gateway WebSocket", "messages (each CALL in and its answer out)", 2*u.frames, "messages", 2*u.frames/1e6*pr.APIGatewayMessagesPerMillion)
	add("API Gateway WebSocket", "connection minutes (always connected)", connMinutes, "minutes", connMinutes/1e6*pr.APIGatewayMinutesPerMillion)
	add("Lambda", "requests (authorizer, connect, message, disconnect, publisher)", u.invocations, "requests", u.invocations/1e6*pr.LambdaRequestsPerMillion)
	add("Lambda", fmt.Sprintf("compute at %d MB (arm64)", p.LambdaMemoryMB), u.gbSeconds, "GB-s", u.gbSeconds*pr.LambdaPerGBSecond)
	add("DynamoDB", "write request units (measured per action)", u.wru, "WRU", u.wru/1e6*pr.DynamoDBWRUPerMillion)
	add("DynamoDB", "read request units (measured per action)", u.rru, "RRU", u.rru/1e6*pr.DynamoDBRRUPerMillion)
	add("DynamoDB", "storage (frame log and meter values for the retention, a year of sessions)", storageGB, "GB-month", storageGB*pr.DynamoDBStorageGBMonth)
	add("DynamoDB Streams", "GetRecords by the publisher's Lambda trigger (free)", u.streamRecords, "records", 0)
	add("CloudFront", "WebSocket upgrade requests", reconnects, "requests", reconnects/1e4*pr.CloudFrontRequestsPer10k)
	add("CloudFront", "data out to the boxes", dataOutGB, "GB", dataOutGB*pr.CloudFrontDataOutPerGB)
	add("Amazon MQ", fmt.Sprintf("%s broker, shared by %d boxes", p.BrokerType, p.Boxes), month.Hours()/float64(p.Boxes), "broker-hours", month.Hours()*brokerHour/float64(p.Boxes))
	add("Amazon MQ", fmt.Sprintf("broker storage %.0f GB, shared", p.BrokerStorageGB), p.BrokerStorageGB/float64(p.Boxes), "GB-month", p.BrokerStorageGB*pr.AmazonMQStoragePerGBMonth/float64(p.Boxes))
	return e, nil
}

// usage is a month of Lambda requests and compute and of DynamoDB capacity.
type usage struct {
	frames, invocations, gbSeconds, rru, wru, streamRecords float64
}

// lambdaUsage adds up, over a month of the profile's steps, the requests and compute of each
// step's function and the DynamoDB capacity it was measured to use, plus the publisher's
// invocations on the stream records those writes produce.
func lambdaUsage(p Profile, freq map[string]float64, rows []budget.Row) (usage, error) {
	byName := map[string]budget.Row{}
	for _, r := range rows {
		byName[r.Name] = r
	}
	var u usage
	gb := float64(p.LambdaMemoryMB) / 1024
	for name, n := range freq {
		if n == 0 {
			continue
		}
		r, ok := byName[name]
		if !ok {
			return u, fmt.Errorf("no measured calls for %q", name)
		}
		if r.Function == "message" {
			u.frames += n
		}
		u.invocations += n
		d := p.Durations[name]
		if d == 0 {
			d = p.Durations["*"]
		}
		u.gbSeconds += n * gb * max(d, time.Millisecond).Seconds()
		u.rru += n * r.ReadUnits
		u.wru += n * r.WriteUnits
		u.streamRecords += n * float64(r.Writes) // upper bound: every write to a streamed table
	}
	// The publisher runs on the stream records of the frame log and the sessions table.
	pubInvocations := u.streamRecords / max(p.PublisherBatch, 1)
	u.invocations += pubInvocations
	u.gbSeconds += pubInvocations * gb * p.Durations["publisher"].Seconds()
	return u, nil
}

// Markdown renders the estimate.
func (e Estimate) Markdown() string {
	p := e.Profile
	var b strings.Builder
	fmt.Fprintf(&b, "Profile: %d boxes × %d connectors, Heartbeat every %s, %.1f sessions/day of %s with MeterValues every %s, %.0f reconnects/day (API Gateway's 2 h limit), %.0f boot/day, Lambda %d MB arm64, %s broker. Prices: %s, %s list prices as of %s (localstack/tools/cost/prices.json).\n\n",
		p.Boxes, p.Connectors, p.HeartbeatInterval, p.SessionsPerDay, p.SessionLength, p.MeterInterval, p.ReconnectsPerDay, p.BootsPerDay, p.LambdaMemoryMB, p.BrokerType, e.Prices.Region, e.Prices.Currency, e.Prices.AsOf)
	b.WriteString("| service | item | quantity per box-month | USD per box-month |\n|---|---|--:|--:|\n")
	for _, i := range e.Items {
		fmt.Fprintf(&b, "| %s | %s | %s %s | %.5f |\n", i.Service, i.What, qty(i.Quantity), i.Unit, i.USD)
	}
	fmt.Fprintf(&b, "| **total** | | | **%.4f** |\n\n", e.Total())
	fmt.Fprintf(&b, "That is **$%.4f per charge box per month**, $%.2f per month for the %d boxes.\n", e.Total(), e.Total()*float64(p.Boxes), p.Boxes)
	return b.String()
}

func qty(f float64) string {
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0f", f)
	case f >= 1:
		return fmt.Sprintf("%.2f", f)
	}
	return fmt.Sprintf("%.4f", f)
}

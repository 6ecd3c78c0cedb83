// Package capacity is the capacity model behind `make capacity BOXES=…`: from a fleet's usage
// profile (the same as `make cost`, localstack/tools/cost), the DynamoDB calls measured per
// OCPP action (localstack/tools/budget) and the measured handler times and publisher
// throughput, it computes the load per second on every limited resource at the average and at
// the peak, sets it against the limit, flags every row above half of it and names the setting
// that raises it. docs/scale.md ("Capacity model") explains each row.
package capacity

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/budget"
	"github.com/serverless-ocpp/csms/localstack/tools/cost"
	"github.com/serverless-ocpp/csms/shared/store"
)

// Limits are the AWS limits the rows are measured against, defaults in Default.
type Limits struct {
	// NewConnections: "New connections per second per account (across all WebSocket APIs) per
	// Region: 500", adjustable (Service Quotas L-9ED1E49A),
	// https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html
	NewConnections float64
	// Requests: "Throttle quota per account, per Region across HTTP APIs, REST APIs, WebSocket
	// APIs, and WebSocket callback APIs: 10,000 requests per second", adjustable (L-8A5B8E43),
	// https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
	Requests float64
	// Concurrency: Lambda "Concurrent executions: 1,000" per Region, adjustable to tens of
	// thousands, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
	Concurrency float64
	// TableWrites: on-demand tables are bounded by the "40,000 table-level read and write
	// throughput" quota, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html
	TableWrites float64
	// KeyWrites and KeyReads: "each individual partition is limited to 1000 write units per
	// second and 3000 read units per second", not adjustable; one item key lives on one
	// partition, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html
	KeyWrites, KeyReads float64
}

// Default are the defaults of a new account in a large Region.
func Default() Limits {
	return Limits{NewConnections: 500, Requests: 10_000, Concurrency: 1000, TableWrites: 40_000, KeyWrites: 1000, KeyReads: 3000}
}

// Measured are the figures measured on this project that turn rates into load.
type Measured struct {
	// Handler is the time one invocation of a step takes, by budget step name; PerCall is the
	// time per DynamoDB call, for a step without its own figure.
	Handler map[string]time.Duration
	PerCall time.Duration
	Source  string // where Handler and PerCall come from
	// PublisherMsgs is what one publisher invocation sequence (one shard, factor 1) publishes
	// per second with confirms, and PublisherSource where it was measured.
	PublisherMsgs   float64
	PublisherSource string
	// BrokerMsgs is the broker's confirmed persistent messages per second, BrokerSource how
	// it is known.
	BrokerMsgs   float64
	BrokerSource string
}

// Options are the fleet and the peak.
type Options struct {
	Profile cost.Profile
	// PeakFactor multiplies the average traffic at the daily peak [3].
	PeakFactor float64
	// StormWindow is the time in which every box reconnects (and boots) after a regional
	// blip, on top of the peak: the connect storm [10m].
	StormWindow time.Duration
	// CounterShards is how many items the transaction id allocator spreads its writes over
	// [store.IDShards]; each write hands out a block of store.IDBlockSize ids.
	CounterShards int
	// FrameRowBytes sizes a frame-log row for its write units [Profile.AvgFrameRowBytes].
	FrameRowBytes int
}

// Row is one limited resource.
type Row struct {
	Resource  string  `json:"resource"`
	Unit      string  `json:"unit"`
	Average   float64 `json:"average"`
	Peak      float64 `json:"peak"`
	Limit     float64 `json:"limit"`
	Setting   string  `json:"setting"`
	LimitNote string  `json:"limitNote,omitempty"`
}

// Share is the peak's share of the limit.
func (r Row) Share() float64 {
	if r.Limit <= 0 {
		return 0
	}
	return r.Peak / r.Limit
}

// Flagged reports a row whose peak is above half its limit.
func (r Row) Flagged() bool { return r.Share() > 0.5 }

// rates are per-second rates of each budget step for the fleet, at the average and the peak.
type rates struct{ avg, peak map[string]float64 }

func (o Options) withDefaults() Options {
	if o.PeakFactor <= 0 {
		o.PeakFactor = 3
	}
	if o.StormWindow <= 0 {
		o.StormWindow = 10 * time.Minute
	}
	if o.CounterShards <= 0 {
		o.CounterShards = store.IDShards
	}
	if o.FrameRowBytes <= 0 {
		o.FrameRowBytes = max(o.Profile.AvgFrameRowBytes, 1)
	}
	return o
}

// stepRates turns the profile's monthly frequencies per box into fleet rates per second. The
// peak is the average times PeakFactor, plus the storm: every box connects, boots and reports
// its connectors and itself within StormWindow.
func stepRates(o Options) rates {
	p := o.Profile
	perSec := float64(p.Boxes) / (30 * 24 * time.Hour).Seconds()
	r := rates{avg: map[string]float64{}, peak: map[string]float64{}}
	for step, n := range cost.Frequencies(p) {
		r.avg[step] = n * perSec
		r.peak[step] = n * perSec * o.PeakFactor
	}
	storm := float64(p.Boxes) / o.StormWindow.Seconds()
	for _, step := range []string{"$connect authorizer", "$connect", "BootNotification"} {
		r.peak[step] += storm
	}
	r.peak["StatusNotification"] += storm * float64(p.Connectors+1)
	return r
}

// Model computes every row. rows are the measured calls per step (budget.Measure).
func Model(o Options, rows []budget.Row, m Measured, l Limits) ([]Row, error) {
	o = o.withDefaults()
	byName := map[string]budget.Row{}
	for _, r := range rows {
		byName[r.Name] = r
	}
	r := stepRates(o)
	for step := range r.avg {
		if _, ok := byName[step]; !ok && r.avg[step] > 0 {
			return nil, fmt.Errorf("capacity: no measured calls for %q", step)
		}
	}
	var out []Row
	out = append(out, gatewayRows(r, byName, l)...)
	tw := tableWrites(o, r, byName)
	pub := publisherLoad(o, tw, m)
	out = append(out, lambdaRows(r, byName, m, l, pub)...)
	out = append(out, tableRows(tw, l)...)
	out = append(out, keyRows(o, r, byName, l)...)
	out = append(out, pub.rows(m)...)
	return out, nil
}

// sum adds the rates of the steps whose budget row pick accepts.
func sum(rates map[string]float64, byName map[string]budget.Row, pick func(budget.Row) float64) float64 {
	t := 0.0
	for step, n := range rates {
		t += n * pick(byName[step])
	}
	return t
}

func gatewayRows(r rates, byName map[string]budget.Row, l Limits) []Row {
	connects := func(b budget.Row) float64 { return b2f(b.Name == "$connect") }
	// Every frame a box sends and every connect is a request; the answers ride on the route
	// response. PostToConnection calls (remote commands) are callback requests.
	requests := func(b budget.Row) float64 {
		return b2f(b.Function == "message" || b.Name == "$connect") + float64(b.Calls["ApiGatewayManagementApi.PostToConnection"])
	}
	return []Row{
		{Resource: "API Gateway: new WebSocket connections", Unit: "conn/s", Average: sum(r.avg, byName, connects), Peak: sum(r.peak, byName, connects),
			Limit: l.NewConnections, Setting: "Service Quotas: API Gateway \"New connections per second\" (L-9ED1E49A), per account and Region"},
		{Resource: "API Gateway: requests (frames in, connects, callbacks)", Unit: "req/s", Average: sum(r.avg, byName, requests), Peak: sum(r.peak, byName, requests),
			Limit: l.Requests, Setting: "Service Quotas: API Gateway \"Throttle rate\" (L-8A5B8E43), per account and Region"},
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// duration is the measured time of one invocation of step.
func duration(step string, b budget.Row, m Measured) time.Duration {
	if d, ok := m.Handler[step]; ok {
		return d
	}
	return time.Duration(max(b.DynamoDB(), 1)) * m.PerCall
}

// functions are the Lambda functions of the charge-box path, in the order rows print.
var functions = []string{"authorizer", "connect", "message", "disconnect"}

func lambdaRows(r rates, byName map[string]budget.Row, m Measured, l Limits, pub publisher) []Row {
	var out []Row
	totalAvg, totalPeak := pub.concurrencyAvg, pub.concurrencyPeak
	for _, fn := range functions {
		conc := func(rates map[string]float64) float64 {
			t := 0.0
			for step, n := range rates {
				if b := byName[step]; b.Function == fn {
					t += n * duration(step, b, m).Seconds()
				}
			}
			return t
		}
		a, p := conc(r.avg), conc(r.peak)
		totalAvg, totalPeak = totalAvg+a, totalPeak+p
		out = append(out, Row{Resource: "Lambda concurrency: " + fn, Unit: "executions", Average: a, Peak: p, Limit: l.Concurrency,
			Setting: "Service Quotas: Lambda \"Concurrent executions\" (L-B99A9384); reserved concurrency keeps one function from starving the others"})
	}
	out = append(out,
		Row{Resource: "Lambda concurrency: publisher", Unit: "executions", Average: pub.concurrencyAvg, Peak: pub.concurrencyPeak, Limit: l.Concurrency,
			Setting: "at most one per stream shard and ParallelizationFactor (tables.StreamParallelization)"},
		Row{Resource: "Lambda concurrency: all functions", Unit: "executions", Average: totalAvg, Peak: totalPeak, Limit: l.Concurrency,
			Setting: "Service Quotas: Lambda \"Concurrent executions\" (L-B99A9384)"})
	return out
}

// tableLoad is a table's write units per second at the average and the peak, and the stream
// records (item writes) it produces.
type tableLoad struct {
	name                    string
	avg, peak               float64
	recordsAvg, recordsPeak float64
}

// stateTable is the table a step writes besides the frame log: the measured write units of
// the step, less its frame-log row, are attributed to it (the budget counts units per step,
// not per table; docs/scale.md says so).
var stateTable = map[string]string{
	"$connect authorizer": "charge-boxes", "$connect": "connections", "$disconnect": "connections",
	"BootNotification": "charge-boxes", "StatusNotification": "connectors",
	"StartTransaction": "sessions", "StopTransaction": "sessions", "MeterValues": "meter-values",
}

// tableWrites attributes each step's measured write units to tables: one frame-log row
// (messages) for every frame of the message function and every connect and disconnect, the rest
// to the step's state table.
func tableWrites(o Options, r rates, byName map[string]budget.Row) []tableLoad {
	rowWRU := math.Ceil(float64(o.FrameRowBytes) / 1024)
	loads := map[string]*tableLoad{}
	get := func(name string) *tableLoad {
		if loads[name] == nil {
			loads[name] = &tableLoad{name: name}
		}
		return loads[name]
	}
	for step := range r.avg {
		b := byName[step]
		frameRow := b.Function == "message" || step == "$connect" || step == "$disconnect"
		rest := b.WriteUnits
		if frameRow {
			// $connect writes its frame-log row in a transaction: billed twice.
			wru := rowWRU * (1 + b2f(step == "$connect"))
			m := get("messages")
			m.avg += r.avg[step] * wru
			m.peak += r.peak[step] * wru
			m.recordsAvg += r.avg[step]
			m.recordsPeak += r.peak[step]
			rest = max(0, rest-wru)
		}
		if t, ok := stateTable[step]; ok && rest > 0 {
			l := get(t)
			l.avg += r.avg[step] * rest
			l.peak += r.peak[step] * rest
			if t == "sessions" {
				l.recordsAvg += r.avg[step]
				l.recordsPeak += r.peak[step]
			}
		}
	}
	var out []tableLoad
	for _, name := range slices.Sorted(maps.Keys(loads)) {
		out = append(out, *loads[name])
	}
	return out
}

func tableRows(tw []tableLoad, l Limits) []Row {
	var out []Row
	for _, t := range tw {
		out = append(out, Row{Resource: "DynamoDB writes: " + t.name, Unit: "WRU/s", Average: t.avg, Peak: t.peak, Limit: l.TableWrites,
			Setting: "Service Quotas: DynamoDB \"Table-level write throughput limit\" (on-demand); the table's OnDemandThroughput if set"})
	}
	return out
}

// keyRows are the hottest keys: the transaction id allocator, which the fleet's
// StartTransactions write (one block of store.IDBlockSize ids per update, spread over
// CounterShards items), the aggregate shards every state change updates (connect, disconnect,
// status change, start, stop; store.AggregateShards items), and one box's own items.
func keyRows(o Options, r rates, byName map[string]budget.Row, l Limits) []Row {
	// One 1-WRU update of a counter per block of ids (the allocator's UpdateItem is outside the
	// session's transaction), spread evenly over the shards. A Lambda instance that ends with
	// ids left unused makes this an average, not a bound: count each start once more per
	// instance lifetime and it stays far below the limit.
	counterAvg := r.avg["StartTransaction"] / store.IDBlockSize / float64(o.CounterShards)
	counterPeak := r.peak["StartTransaction"] / store.IDBlockSize / float64(o.CounterShards)
	// One 2-WRU transactional update of the box's aggregate shard per state change (TransactWriteItems
	// bills 2 WRU per item), taken for every StatusNotification (repeats do not write: an upper bound).
	aggregate := func(rates map[string]float64) float64 {
		changes := rates["$connect"] + rates["$disconnect"] + rates["StatusNotification"] + rates["StartTransaction"] + rates["StopTransaction"]
		return 2 * changes / store.AggregateShards
	}
	// A box's busiest item: its frame-log partition (every frame of the box) during a
	// session at the peak; one box sends at most a few frames a second even in the storm.
	perBox := func(rates map[string]float64) float64 {
		return sum(rates, byName, func(b budget.Row) float64 { return b2f(b.Function == "message") }) / float64(max(o.Profile.Boxes, 1))
	}
	return []Row{
		{Resource: fmt.Sprintf("DynamoDB hottest key: transaction counter (%d shard(s))", o.CounterShards), Unit: "WCU/s", Average: counterAvg, Peak: counterPeak, Limit: l.KeyWrites,
			Setting: "more counter shards (the allocator's shard count); the 1,000 WCU/s per key is fixed"},
		{Resource: fmt.Sprintf("DynamoDB hottest key: one aggregate shard (%d shards)", store.AggregateShards), Unit: "WCU/s", Average: aggregate(r.avg), Peak: aggregate(r.peak), Limit: l.KeyWrites,
			Setting: "store.AggregateShards (more shards: /summary reads them all, 128 items in two BatchGetItems)"},
		{Resource: "DynamoDB hottest key: one box's frame-log partition", Unit: "WCU/s", Average: perBox(r.avg), Peak: perBox(r.peak), Limit: l.KeyWrites,
			Setting: "none needed: bounded by one box's frame rate"},
	}
}

// publisher is the load on the stream shards and the broker.
type publisher struct {
	shards                          float64
	perShardAvg, perShardPeak       float64 // messages per second on one shard
	brokerAvg, brokerPeak           float64
	concurrencyAvg, concurrencyPeak float64
}

// publisherLoad: a streamed table has at least one shard per 1,000 WCU/s of writes (one
// partition accepts no more, and each partition feeds its own shard), so the fewest shards,
// the worst case per shard, is ceil(WRU/1000). Each frame-log row publishes two messages (a
// frame and its answer); connection events and sessions one.
func publisherLoad(o Options, tw []tableLoad, m Measured) publisher {
	var p publisher
	for _, t := range tw {
		if t.name != "messages" && t.name != "sessions" {
			continue
		}
		msgs := 1.0
		if t.name == "messages" {
			msgs = 2
		}
		p.brokerAvg += t.recordsAvg * msgs
		p.brokerPeak += t.recordsPeak * msgs
		if t.name != "messages" {
			continue
		}
		p.shards = math.Max(1, math.Ceil(t.peak/1000))
		p.perShardAvg = t.recordsAvg * msgs / math.Max(1, math.Ceil(t.avg/1000))
		p.perShardPeak = t.recordsPeak * msgs / p.shards
	}
	if m.PublisherMsgs > 0 {
		// Busy time per second: messages over what one invocation sequence publishes.
		p.concurrencyAvg = p.brokerAvg / m.PublisherMsgs
		p.concurrencyPeak = p.brokerPeak / m.PublisherMsgs
	}
	return p
}

func (p publisher) rows(m Measured) []Row {
	return []Row{
		{Resource: fmt.Sprintf("Publisher: messages per frame-log shard (≥ %.0f shard(s) at the peak)", p.shards), Unit: "msgs/s", Average: p.perShardAvg, Peak: p.perShardPeak, Limit: m.PublisherMsgs,
			LimitNote: m.PublisherSource,
			Setting:   "publisherBatchSize (confirms are awaited once per batch); publisher memory (CPU); the frame log keeps ParallelizationFactor 1 for order"},
		{Resource: "Broker: persistent messages published", Unit: "msgs/s", Average: p.brokerAvg, Peak: p.brokerPeak, Limit: m.BrokerMsgs,
			LimitNote: m.BrokerSource,
			Setting:   "brokerInstanceType (mq.m7g.large → xlarge → 2xlarge), or a cluster deployment"},
	}
}

// Markdown renders the rows, flagged ones marked.
func Markdown(o Options, rows []Row, m Measured) string {
	o = o.withDefaults()
	var b strings.Builder
	p := o.Profile
	fmt.Fprintf(&b, "%s boxes × %d connectors; Heartbeat %s, %.1f sessions/day of %s (MeterValues every %s), %.0f reconnects/day; "+
		"peak = %g × average + every box reconnecting and booting within %s; transaction counter shards %d. Handler times: %s. Publisher: %s. Broker: %s.\n\n",
		thousands(float64(p.Boxes)), p.Connectors, p.HeartbeatInterval, p.SessionsPerDay, p.SessionLength, p.MeterInterval, p.ReconnectsPerDay,
		o.PeakFactor, o.StormWindow, o.CounterShards, m.Source, m.PublisherSource, m.BrokerSource)
	b.WriteString("| resource | unit | average | peak | limit | peak / limit | raise it with |\n|---|---|--:|--:|--:|--:|---|\n")
	for _, r := range rows {
		share := fmt.Sprintf("%.0f %%", 100*r.Share())
		if r.Flagged() {
			share = "**" + share + " ⚠**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.Resource, r.Unit, num(r.Average), num(r.Peak), num(r.Limit), share, r.Setting)
	}
	return b.String()
}

func num(f float64) string {
	switch {
	case f >= 100:
		return thousands(f)
	case f >= 1:
		return fmt.Sprintf("%.1f", f)
	case f == 0:
		return "0"
	}
	return fmt.Sprintf("%.3f", f)
}

// thousands prints f rounded, with thousands separators.
func thousands(f float64) string {
	s := fmt.Sprintf("%.0f", f)
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out)
}

package capacity

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/budget"
	"github.com/serverless-ocpp/csms/localstack/tools/cost"
	"github.com/serverless-ocpp/csms/shared/store"
)

// steps are budget rows shaped like the measured ones (docs/performance.md, "calls").
func steps() []budget.Row {
	row := func(name, fn string, reads, writes int, wru float64) budget.Row {
		return budget.Row{Name: name, Function: fn, Count: budget.Count{Reads: reads, Writes: writes, WriteUnits: wru, Calls: map[string]int{}}}
	}
	return []budget.Row{
		row("$connect authorizer", "authorizer", 1, 0, 0), row("$connect", "connect", 0, 1, 4), row("$disconnect", "disconnect", 0, 1, 2),
		row("BootNotification", "message", 0, 2, 2), row("Heartbeat", "message", 0, 1, 1), row("Authorize", "message", 1, 1, 1),
		row("StartTransaction", "message", 4, 4, 14), row("StopTransaction", "message", 2, 2, 6), row("MeterValues", "message", 0, 2, 8),
		row("StatusNotification", "message", 0, 2, 2), row("DiagnosticsStatusNotification", "message", 0, 1, 1),
		row("FirmwareStatusNotification", "message", 0, 1, 1), row("DataTransfer", "message", 0, 1, 1),
	}
}

func measured() Measured {
	return Measured{Handler: map[string]time.Duration{"Heartbeat": 3 * time.Millisecond}, PerCall: 3 * time.Millisecond,
		PublisherMsgs: 3000, BrokerMsgs: 3000}
}

func model(t *testing.T, boxes int, o Options) map[string]Row {
	t.Helper()
	o.Profile = cost.Defaults()
	o.Profile.Boxes = boxes
	rows, err := Model(o, steps(), measured(), Default())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Row{}
	for _, r := range rows {
		out[r.Resource] = r
	}
	return out
}

func near(got, want float64) bool { return math.Abs(got-want) <= 1e-9+1e-6*math.Abs(want) }

// The rates follow from the profile: 1,000,000 boxes reconnecting 12 times a day are 138.9
// connections a second on average; all of them again within the 10 min storm window is 1,667
// more, 3.3 times the 500/s quota: flagged.
func TestNewConnectionsAgainstTheQuota(t *testing.T) {
	r := model(t, 1_000_000, Options{})["API Gateway: new WebSocket connections"]
	if want := 1e6 * 12 / 86400; !near(r.Average, want) {
		t.Errorf("average %.3f, want %.3f", r.Average, want)
	}
	if want := 3*1e6*12/86400 + 1e6/600; !near(r.Peak, want) {
		t.Errorf("peak %.3f, want %.3f", r.Peak, want)
	}
	if r.Limit != 500 || !r.Flagged() || !strings.Contains(r.Setting, "L-9ED1E49A") {
		t.Errorf("row %+v: want the 500/s quota, flagged, named", r)
	}
	if small := model(t, 1000, Options{})["API Gateway: new WebSocket connections"]; small.Flagged() {
		t.Errorf("1,000 boxes flagged: %+v", small)
	}
}

// Loads scale linearly with the fleet, and every row has a limit and a setting.
func TestRowsScaleWithTheFleetAndNameTheirSetting(t *testing.T) {
	a, b := model(t, 10_000, Options{}), model(t, 100_000, Options{})
	for name, ra := range a {
		if ra.Limit <= 0 || ra.Setting == "" {
			t.Errorf("%s: limit %v, setting %q", name, ra.Limit, ra.Setting)
		}
		rb, ok := b[name]
		if !ok || strings.Contains(name, "one box") || strings.Contains(name, "per frame-log shard") {
			continue // per-box and per-shard rows do not grow with the fleet
		}
		if !near(rb.Average, 10*ra.Average) {
			t.Errorf("%s: average %.4f at 100,000 boxes, %.4f at 10,000: want ten times", name, rb.Average, ra.Average)
		}
	}
}

// Concurrency is rate × measured time: Heartbeats every 300 s from 1,000,000 boxes at 3 ms
// each keep 10 message invocations busy on average.
func TestConcurrencyIsRateTimesHandlerTime(t *testing.T) {
	o := Options{}
	o.Profile = cost.Defaults()
	o.Profile.Boxes = 1_000_000
	o.Profile.SessionsPerDay = 0
	rows, err := Model(o, steps(), measured(), Default())
	if err != nil {
		t.Fatal(err)
	}
	var msg Row
	for _, r := range rows {
		if r.Resource == "Lambda concurrency: message" {
			msg = r
		}
	}
	// Heartbeat 1e6/300 × 3 ms = 10; StatusNotification (3 per reconnect, 12 a day) × 2 calls × 3 ms;
	// BootNotification once a day × 2 calls × 3 ms.
	want := 1e6/300*0.003 + 1e6*12*3/86400*0.006 + 1e6/86400*0.006
	if !near(msg.Average, want) {
		t.Errorf("message concurrency %.4f, want %.4f", msg.Average, want)
	}
}

// Sharding the transaction counter divides the hottest key's writes.
func TestCounterShardsCoolTheHottestKey(t *testing.T) {
	one := model(t, 1_000_000, Options{CounterShards: 1})
	many := model(t, 1_000_000, Options{CounterShards: 16})
	var k1, k16 Row
	for name, r := range one {
		if strings.HasPrefix(name, "DynamoDB hottest key: transaction counter") {
			k1 = r
		}
	}
	for name, r := range many {
		if strings.HasPrefix(name, "DynamoDB hottest key: transaction counter") {
			k16 = r
		}
	}
	if !near(k16.Peak*16, k1.Peak) || k1.Peak == 0 {
		t.Errorf("1 shard %.2f/s, 16 shards %.2f/s", k1.Peak, k16.Peak)
	}
	// 4 sessions a day, 3× at the peak: 1e6×4×3/86400 = 139 starts/s, one counter update per
	// block of store.IDBlockSize ids.
	if !near(k1.Peak, 1e6*4*3/86400/store.IDBlockSize) {
		t.Errorf("peak %.2f", k1.Peak)
	}
}

func TestMissingMeasurementIsAnError(t *testing.T) {
	o := Options{Profile: cost.Defaults()}
	if _, err := Model(o, steps()[:3], measured(), Default()); err == nil {
		t.Fatal("a step without measured calls must fail the model, not count as free")
	}
}

func TestReadHandlerTimes(t *testing.T) {
	doc := filepath.Join(t.TempDir(), "perf.md")
	body := "| package | benchmark | n | ns/op | B/op | allocs/op |\n|---|---|--:|--:|--:|--:|\n" +
		"| shared/csms | BenchmarkReceive/Heartbeat | 364 | 3324391 | 35647 | 442 |\n" +
		"| shared/csms | BenchmarkReceive/StartTransaction | 28 | 39601965 | 200496 | 2379 |\n" +
		"| shared/ocpp | BenchmarkParse | 1 | 100 | 0 | 0 |\n"
	if err := os.WriteFile(doc, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	times, perCall, err := ReadHandlerTimes(doc, steps())
	if err != nil {
		t.Fatal(err)
	}
	if times["StartTransaction"] != 39601965 || perCall != 3324391 || len(times) != 2 {
		t.Errorf("times %v, per call %s", times, perCall)
	}
	if _, _, err := ReadHandlerTimes(filepath.Join(t.TempDir(), "none.md"), nil); err == nil {
		t.Error("a missing document must be an error")
	}
}

func TestMarkdownFlagsRowsAboveHalf(t *testing.T) {
	o := Options{Profile: cost.Defaults()}
	o.Profile.Boxes = 1_000_000
	rows, err := Model(o, steps(), measured(), Default())
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(o, rows, measured())
	if !strings.Contains(md, "1,000,000 boxes") || !strings.Contains(md, "⚠") {
		t.Errorf("markdown:\n%s", md)
	}
	for _, r := range rows {
		if r.Flagged() != (r.Peak > r.Limit/2) {
			t.Errorf("%s flagged %v at %.0f of %.0f", r.Resource, r.Flagged(), r.Peak, r.Limit)
		}
	}
}

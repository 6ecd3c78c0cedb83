package cost

import (
	"math"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/localstack/tools/budget"
)

func rows(wru float64) []budget.Row {
	var out []budget.Row
	for name := range Frequencies(Defaults()) {
		fn := "message"
		switch name {
		case "$connect authorizer":
			fn = "authorizer"
		case "$connect":
			fn = "connect"
		case "$disconnect":
			fn = "disconnect"
		}
		out = append(out, budget.Row{Name: name, Function: fn, Count: budget.Count{Writes: 1, WriteUnits: wru, ReadUnits: 1}})
	}
	return out
}

func TestPricesFileLoads(t *testing.T) {
	p, err := LoadPrices("prices.json")
	if err != nil {
		t.Fatal(err)
	}
	if p.Region == "" || p.APIGatewayMessagesPerMillion <= 0 || p.DynamoDBWRUPerMillion <= 0 || p.AmazonMQBrokerPerHour[Defaults().BrokerType] <= 0 {
		t.Fatalf("prices incomplete: %+v", p)
	}
}

func TestFrequencies(t *testing.T) {
	f := Frequencies(Defaults())
	if got := f["Heartbeat"]; got != 8640 { // 30 days of 300 s
		t.Errorf("heartbeats %v, want 8640", got)
	}
	if got := f["MeterValues"]; got != 4*30*45 {
		t.Errorf("meter values %v, want %d", got, 4*30*45)
	}
}

func TestComputeScalesWithUsageAndFleet(t *testing.T) {
	pr, err := LoadPrices("prices.json")
	if err != nil {
		t.Fatal(err)
	}
	item := func(e Estimate, service, what string) float64 {
		for _, i := range e.Items {
			if i.Service == service && (what == "" || i.What[:len(what)] == what) {
				return i.USD
			}
		}
		t.Fatalf("no %s %s item", service, what)
		return 0
	}
	base, err := Compute(Defaults(), pr, rows(1))
	if err != nil {
		t.Fatal(err)
	}
	doubleWrites, _ := Compute(Defaults(), pr, rows(2))
	if a, b := item(base, "DynamoDB", "write"), item(doubleWrites, "DynamoDB", "write"); math.Abs(b-2*a) > 1e-12 || a <= 0 {
		t.Errorf("write cost %v then %v, want it to double", a, b)
	}
	big := Defaults()
	big.Boxes *= 10
	bigFleet, _ := Compute(big, pr, rows(1))
	if a, b := item(base, "Amazon MQ", "mq"), item(bigFleet, "Amazon MQ", "mq"); math.Abs(a-10*b) > 1e-12 {
		t.Errorf("broker share %v for 1k boxes, %v for 10k: want a tenth", a, b)
	}
	slow := Defaults()
	slow.HeartbeatInterval = 600 * time.Second
	fewer, _ := Compute(slow, pr, rows(1))
	if fewer.Total() >= base.Total() {
		t.Errorf("longer heartbeat interval did not lower the cost: %v >= %v", fewer.Total(), base.Total())
	}
	if _, err := Compute(Defaults(), pr, rows(1)[:3]); err == nil {
		t.Error("missing measured steps were not reported")
	}
}

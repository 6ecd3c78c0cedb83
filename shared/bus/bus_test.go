package bus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/serverless-ocpp/csms/shared/bus"
)

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name     string
		s        bus.Settings
		ok       bool
		printing bool
	}{
		{"nothing: print", bus.Settings{}, true, true},
		{"url", bus.Settings{URL: "amqp://u:p@h/"}, true, false},
		{"endpoint and secret", bus.Settings{Endpoint: "amqps://h:5671", SecretARN: "arn:s"}, true, false},
		{"endpoint alone", bus.Settings{Endpoint: "amqps://h:5671"}, false, false},
		{"secret alone", bus.Settings{SecretARN: "arn:s"}, false, false},
		{"url and endpoint", bus.Settings{URL: "amqp://h/", Endpoint: "amqps://h", SecretARN: "arn:s"}, false, false},
		{"queues", bus.Settings{URL: "amqp://h/", QueueType: bus.QueueClassic, Queues: []bus.Queue{{"f", "ocpp", "ocpp.msgs"}, {"e", "ocpp", "ocpp.connection-events"}, {"s", "sessions", "sessions.raw"}}}, true, false},
		{"queue on an unknown exchange", bus.Settings{URL: "amqp://h/", Queues: []bus.Queue{{"f", "frames", "ocpp.msgs"}}}, false, false},
		{"queue with another exchange's key", bus.Settings{URL: "amqp://h/", Queues: []bus.Queue{{"s", "sessions", "ocpp.msgs"}}}, false, false},
		{"queue with a wildcard key", bus.Settings{URL: "amqp://h/", Queues: []bus.Queue{{"f", "ocpp", "#"}}}, false, false},
		{"unknown queue type", bus.Settings{URL: "amqp://h/", QueueType: "stream"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && tt.s.Printing() != tt.printing {
				t.Fatalf("Printing() = %v, want %v", tt.s.Printing(), tt.printing)
			}
		})
	}
}

type fakeSecrets struct {
	calls  int
	secret string
	err    error
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return &secretsmanager.GetSecretValueOutput{ARN: in.SecretId, SecretString: aws.String(f.secret)}, nil
}

func TestSecretURLFetchesOnceAndEscapes(t *testing.T) {
	sm := &fakeSecrets{err: errors.New("throttled")}
	src := bus.SecretURL("amqps://b-1.mq.eu-west-1.amazonaws.com:5671", "arn:aws:secretsmanager:eu-west-1:1:secret:mq", sm)
	if _, err := src(context.Background()); err == nil {
		t.Fatal("want the fetch error")
	}
	sm.err = nil
	sm.secret = `{"username":"publisher","password":"p@ss/w:rd#1"}`
	for range 3 {
		u, err := src(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		const want = "amqps://publisher:p%40ss%2Fw%3Ard%231@b-1.mq.eu-west-1.amazonaws.com:5671"
		if u != want {
			t.Fatalf("url = %s, want %s", u, want)
		}
	}
	if sm.calls != 2 {
		t.Fatalf("GetSecretValue called %d times, want 2 (one failure not cached, then one success cached)", sm.calls)
	}
}

func TestSecretURLRejectsBadSecrets(t *testing.T) {
	tests := map[string]struct{ endpoint, secret string }{
		"not json":       {"amqps://h:5671", "user:pass"},
		"no password":    {"amqps://h:5671", `{"username":"u"}`},
		"not amqp":       {"https://h", `{"username":"u","password":"p"}`},
		"unparsable url": {"amqps://h:port", `{"username":"u","password":"p"}`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if u, err := bus.SecretURL(tt.endpoint, "arn", &fakeSecrets{secret: tt.secret})(context.Background()); err == nil {
				t.Fatalf("got url %s, want an error", u)
			}
		})
	}
}

func TestPrinterWritesOneJSONLinePerMessage(t *testing.T) {
	var buf bytes.Buffer
	p := bus.NewPrinter(&buf)
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	err := p.Publish(context.Background(),
		bus.Message{Exchange: bus.ExchangeOCPP, RoutingKey: bus.KeyFrames, MessageID: "CB1/s/0", Timestamp: at, Body: []byte(`{"a":1}`)},
		bus.Message{Exchange: bus.ExchangeSessions, RoutingKey: bus.KeySessions, MessageID: "session-CB1-7", Timestamp: at, Body: []byte(`not json`)},
	)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), buf.String())
	}
	var first struct {
		Exchange, RoutingKey, MessageID, Timestamp string
		Body                                       map[string]int
	}
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	if err := dec.Decode(&first); err != nil {
		t.Fatal(err)
	}
	if first.Body["a"] != 1 || !strings.Contains(lines[0], `"routing_key":"ocpp.msgs"`) || !strings.Contains(lines[0], `"message_id":"CB1/s/0"`) || !strings.Contains(lines[0], `"timestamp":"2025-01-02T03:04:05.000000006Z"`) {
		t.Fatalf("first line = %s", lines[0])
	}
	if !json.Valid([]byte(lines[1])) || !strings.Contains(lines[1], `"body":"not json"`) {
		t.Fatalf("second line = %s", lines[1])
	}
}

func TestPrinterFailsEveryMessageOnCancelledContext(t *testing.T) {
	var buf bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := bus.NewPrinter(&buf).Publish(ctx, bus.Message{MessageID: "a", Body: []byte(`{}`)}, bus.Message{MessageID: "b", Body: []byte(`{}`)})
	for i := range 2 {
		if !errors.Is(bus.MessageError(err, i), context.Canceled) {
			t.Fatalf("message %d: %v, want context.Canceled", i, bus.MessageError(err, i))
		}
	}
	if buf.Len() != 0 {
		t.Fatalf("printed %q", buf.String())
	}
}

func TestMessageError(t *testing.T) {
	boom := errors.New("boom")
	be := &bus.BatchError{Errs: []error{nil, boom}}
	if bus.MessageError(be, 0) != nil || !errors.Is(bus.MessageError(be, 1), boom) || bus.MessageError(be, 2) == nil {
		t.Fatal("per-message errors of a BatchError")
	}
	if !errors.Is(be, boom) || !strings.Contains(be.Error(), "1 of 2") {
		t.Fatalf("BatchError = %v", be)
	}
	if !errors.Is(bus.MessageError(boom, 5), boom) {
		t.Fatal("a plain error concerns every message")
	}
	if bus.MessageError(nil, 0) != nil {
		t.Fatal("nil error: every message published")
	}
}

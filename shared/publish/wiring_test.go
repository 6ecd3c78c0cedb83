package publish

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/config"
)

// Without a broker the publisher prints; two brokers at once are refused.
func TestFromConfigBrokerSettings(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var printed bytes.Buffer
	h, pub, err := FromConfig(config.Config{}, nil, aws.Config{}, log, &printed)
	if err != nil || h == nil {
		t.Fatalf("FromConfig without a broker: %v", err)
	}
	if _, ok := pub.(*bus.Printer); !ok {
		t.Fatalf("FromConfig without a broker publishes with %T, want a printer", pub)
	}
	cfg := config.Config{AMQPURL: "amqp://localhost", AMQPEndpoint: "amqps://broker:5671"}
	if _, _, err := FromConfig(cfg, nil, aws.Config{}, log, &printed); err == nil || !strings.Contains(err.Error(), "broker settings") {
		t.Fatalf("FromConfig with AMQP_URL and AMQP_ENDPOINT: %v, want a settings error", err)
	}
}

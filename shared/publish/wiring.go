package publish

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/store"
)

// FromConfig builds the handler on st and the broker it publishes to: the one named by
// AMQP_URL or AMQP_ENDPOINT + AMQP_SECRET_ARN, or, with neither, a bus.Printer writing each
// message to printTo. The broker connects on the first message; the caller closes it. The
// Lambda function (through shared/launch) and the local stack wire the publisher the same way.
func FromConfig(cfg config.Config, st *store.Store, awsCfg aws.Config, log *slog.Logger, printTo io.Writer) (Handler, bus.Publisher, error) {
	settings := bus.Settings{URL: cfg.AMQPURL, Endpoint: cfg.AMQPEndpoint, SecretARN: cfg.AMQPSecretARN, QueueType: cfg.ConsumerQueueType}
	for _, q := range cfg.ConsumerQueues {
		settings.Queues = append(settings.Queues, bus.Queue{Name: q.Queue, Exchange: q.Exchange, RoutingKey: q.RoutingKey})
	}
	pub, err := bus.Open(settings, awsCfg, log, printTo)
	if err != nil {
		return nil, nil, fmt.Errorf("broker settings: %w", err)
	}
	return NewHandler(pub, st, log), pub, nil
}

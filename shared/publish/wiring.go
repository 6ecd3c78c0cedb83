package publish

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/failures"
	"github.com/serverless-ocpp/csms/shared/failures/s3store"
	"github.com/serverless-ocpp/csms/shared/store"
)

// FromConfig builds the handler on st and the broker it publishes to: the one named by
// AMQP_URL or AMQP_ENDPOINT + AMQP_SECRET_ARN, or, with neither, a bus.Printer writing each
// message to printTo. Permanent failures go to FAILURE_BUCKET (S3) or FAILURE_DIR (a folder).
// The broker connects on the first message; the caller closes it. The Lambda function (through
// shared/launch) and the local stack wire the publisher the same way.
func FromConfig(cfg config.Config, st *store.Store, awsCfg aws.Config, log *slog.Logger, printTo io.Writer) (Handler, bus.Publisher, error) {
	settings := bus.Settings{URL: cfg.AMQPURL, Endpoint: cfg.AMQPEndpoint, SecretARN: cfg.AMQPSecretARN, QueueType: cfg.ConsumerQueueType}
	for _, q := range cfg.ConsumerQueues {
		settings.Queues = append(settings.Queues, bus.Queue{Name: q.Queue, Exchange: q.Exchange, RoutingKey: q.RoutingKey})
	}
	pub, err := bus.Open(settings, awsCfg, log, printTo)
	if err != nil {
		return nil, nil, fmt.Errorf("broker settings: %w", err)
	}
	var opts []Option
	switch {
	case cfg.FailureBucket != "":
		opts = append(opts, WithFailureStore(s3store.New(awsCfg, cfg.FailureBucket)))
	case cfg.FailureDir != "":
		opts = append(opts, WithFailureStore(failures.Dir(cfg.FailureDir)))
	}
	return NewHandler(pub, st, log, opts...), pub, nil
}

package publish

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/serverless-ocpp/csms/shared/bus"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/store"
)

// FromConfig builds the handler the way both the Lambda and the local stack run it: the
// store's tables for meter readings, and the broker named by AMQP_URL or
// AMQP_ENDPOINT + AMQP_SECRET_ARN (bus.SettingsFromEnv), or a bus.Printer writing to printTo
// when neither is set. The caller closes the returned publisher.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger, printTo io.Writer) (Handler, bus.Publisher, error) {
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, nil, err
	}
	pub, err := bus.Open(bus.SettingsFromEnv(), awsCfg, log, printTo)
	if err != nil {
		return nil, nil, fmt.Errorf("broker settings: %w", err)
	}
	st := store.New(store.NewClient(awsCfg, cfg.DynamoDBEndpoint), cfg.TablePrefix)
	return NewHandler(pub, st, log), pub, nil
}

// Package toolenv prepares the configuration of the measuring tools that run under
// `go run ./localstack exec --` (make load, make calls, make cost): DynamoDB Local is required and
// every run gets its own tables.
package toolenv

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/serverless-ocpp/csms/shared/config"
)

// Config loads the settings, requires DYNAMODB_ENDPOINT (hint says how to run the tool) and sets
// a fresh table prefix starting with name.
func Config(name, hint string) (config.Config, error) {
	cfg, err := config.Load()
	if err != nil {
		return config.Config{}, err
	}
	if cfg.DynamoDBEndpoint == "" {
		return config.Config{}, fmt.Errorf("DYNAMODB_ENDPOINT is not set: %s", hint)
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	cfg.TablePrefix = name + hex.EncodeToString(suffix) + "-"
	return cfg, nil
}

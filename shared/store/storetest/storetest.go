// Package storetest gives tests a fresh set of tables on the DynamoDB named by
// DYNAMODB_ENDPOINT (DynamoDB Local under `make test`). Each call uses its own table prefix, so
// tests and packages run in parallel without seeing each other's items.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/testenv"
)

// Endpoint returns DYNAMODB_ENDPOINT; without it the test ends as testenv.Missing says.
func Endpoint(t testing.TB) string {
	t.Helper()
	return testenv.Env(t, "DYNAMODB_ENDPOINT", "DynamoDB Local", "run the tests with `make test`, which starts it")
}

// Config returns settings pointing at DynamoDB Local with a fresh table prefix.
func Config(t testing.TB) config.Config {
	t.Helper()
	ep := Endpoint(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.DynamoDBEndpoint = ep
	cfg.TablePrefix = "t" + hex.EncodeToString(b) + "-"
	return cfg
}

// Client returns a DynamoDB client for cfg.
func Client(t testing.TB, cfg config.Config) *dynamodb.Client {
	t.Helper()
	awsCfg, err := cfg.AWS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return store.NewClient(awsCfg, cfg.DynamoDBEndpoint)
}

// Tables creates every table under cfg's prefix.
func Tables(t testing.TB, cfg config.Config) *dynamodb.Client {
	t.Helper()
	db := Client(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := store.CreateTables(ctx, db, cfg.TablePrefix); err != nil {
		t.Fatal(err)
	}
	return db
}

// New returns a Store on fresh tables.
func New(t testing.TB) *store.Store {
	t.Helper()
	cfg := Config(t)
	return store.New(Tables(t, cfg), cfg.TablePrefix)
}

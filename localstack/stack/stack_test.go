package stack

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/serverless-ocpp/csms/shared/config"
)

// freeAddr returns an address nothing listens on (the port is released before it is used).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// mustListenAgain fails when a failed Start left addr open.
func mustListenAgain(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("%s is still held after the failed start: %v", addr, err)
	}
	_ = ln.Close()
}

func testConfig(t *testing.T, dynamoEndpoint string) config.Config {
	t.Helper()
	t.Setenv("DYNAMODB_ENDPOINT", dynamoEndpoint)
	t.Setenv("AMQP_URL", "")
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestFailedStartReleasesTheListeners(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	t.Run("second address taken", func(t *testing.T) {
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		ws := freeAddr(t)
		_, err = Start(context.Background(), testConfig(t, "http://"+freeAddr(t)), Options{WSAddr: ws, HTTPAddr: taken.Addr().String()}, log)
		if err == nil || !strings.Contains(err.Error(), "HTTP_ADDR") {
			t.Fatalf("Start = %v, want an error naming HTTP_ADDR", err)
		}
		mustListenAgain(t, ws)
	})
	t.Run("no DynamoDB", func(t *testing.T) {
		ws, httpAddr := freeAddr(t), freeAddr(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, err := Start(ctx, testConfig(t, "http://"+freeAddr(t)), Options{WSAddr: ws, HTTPAddr: httpAddr, Publish: true}, log)
		if err == nil {
			t.Fatal("Start without a reachable DynamoDB succeeded")
		}
		mustListenAgain(t, ws)
		mustListenAgain(t, httpAddr)
	})
}

package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/serverless-ocpp/csms/shared/secret"
)

// URLSource yields the AMQP URL (with credentials) to dial. It is called before every dial, so
// a source that fetches credentials caches them itself.
type URLSource func(ctx context.Context) (string, error)

// StaticURL is a URLSource for a URL known up front (AMQP_URL).
func StaticURL(u string) URLSource {
	return func(context.Context) (string, error) { return u, nil }
}

// SecretGetter is the part of the Secrets Manager client SecretURL uses.
type SecretGetter = secret.Getter

// SecretURL is a URLSource that puts the username and password of a Secrets Manager secret
// ({"username": ..., "password": ...}) into endpoint. The secret is fetched once per
// container (secret.Once): a warm Lambda re-dials without another Secrets Manager call. A
// failed fetch is not cached, so the next dial tries again.
func SecretURL(endpoint, secretARN string, sm SecretGetter) URLSource {
	return secret.Once("broker secret", secretARN, sm, func(value string) (string, error) {
		var creds struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		if err := json.Unmarshal([]byte(value), &creds); err != nil {
			return "", fmt.Errorf("decode: %w", err)
		}
		if creds.Username == "" || creds.Password == "" {
			return "", errors.New("username and password must be set")
		}
		return withCredentials(endpoint, creds.Username, creds.Password)
	})
}

// withCredentials puts user and password into an endpoint URL, escaping them as URLs require.
func withCredentials(endpoint, user, password string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("AMQP_ENDPOINT %q: %w", endpoint, err)
	}
	if u.Scheme != "amqp" && u.Scheme != "amqps" {
		return "", fmt.Errorf("AMQP_ENDPOINT %q: scheme must be amqp or amqps", endpoint)
	}
	u.User = url.UserPassword(user, password)
	return u.String(), nil
}

// Open returns the publisher the settings ask for: a Printer writing to printTo when they name
// no broker, otherwise an AMQP publisher that dials lazily (Open itself does no I/O). awsCfg is
// used only to read the broker secret.
func Open(s Settings, awsCfg aws.Config, log *slog.Logger, printTo io.Writer) (Publisher, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Printing() {
		if printTo == nil {
			return nil, errors.New("no broker configured (AMQP_URL or AMQP_ENDPOINT) and nowhere to print")
		}
		return NewPrinter(printTo), nil // no broker: Queues have nothing to be declared on
	}
	src := StaticURL(s.URL)
	if s.URL == "" {
		src = SecretURL(s.Endpoint, s.SecretARN, secretsmanager.NewFromConfig(awsCfg))
	}
	a := NewAMQP(src, log)
	a.Queues, a.QueueType = s.Queues, s.QueueType
	return a, nil
}

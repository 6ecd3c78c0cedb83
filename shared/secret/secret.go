// Package secret reads AWS Secrets Manager secrets once per Lambda container: the broker's
// credentials (shared/bus), the charging-station CA (shared/certs) and the origin-verify value
// of security profile 3 (shared/gateway).
package secret

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Getter is the part of the Secrets Manager client this package uses.
type Getter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Cache returns read with its first successful result kept for the container's life: a warm
// Lambda does not read again. A failed read is not kept, so the next call tries again. Calls
// are serialised, so concurrent first calls read once.
func Cache[T any](read func(ctx context.Context) (T, error)) func(ctx context.Context) (T, error) {
	var (
		mu   sync.Mutex
		done bool
		v    T
	)
	return func(ctx context.Context) (T, error) {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return v, nil
		}
		got, err := read(ctx)
		if err != nil {
			var zero T
			return zero, err
		}
		v, done = got, true
		return v, nil
	}
}

// Once reads the SecretString of secret arn (named what in errors) and hands it to parse, with
// the result cached as Cache does: a secret that cannot be read or parsed is tried again on the
// next call.
func Once[T any](what, arn string, sm Getter, parse func(string) (T, error)) func(ctx context.Context) (T, error) {
	return Cache(func(ctx context.Context) (T, error) {
		var zero T
		out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err != nil {
			return zero, fmt.Errorf("read %s %s: %w", what, arn, err)
		}
		v, err := parse(aws.ToString(out.SecretString))
		if err != nil {
			return zero, fmt.Errorf("%s %s: %w", what, arn, err)
		}
		return v, nil
	})
}

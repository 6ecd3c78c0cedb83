package secret_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/serverless-ocpp/csms/shared/secret"
)

type fakeSM struct {
	reads  int
	values []string // SecretString of each read; "!" fails the read
}

func (f *fakeSM) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	v := f.values[f.reads]
	f.reads++
	if v == "!" {
		return nil, errors.New("unavailable")
	}
	return &secretsmanager.GetSecretValueOutput{ARN: in.SecretId, SecretString: aws.String(v)}, nil
}

// A failed read and a value that does not parse are not kept; the first good value is, and
// the secret is not read again.
func TestOnceKeepsTheFirstGoodValue(t *testing.T) {
	sm := &fakeSM{values: []string{"!", "x", "42", "7"}}
	get := secret.Once("number", "arn:s", sm, strconv.Atoi)
	ctx := context.Background()
	if _, err := get(ctx); err == nil || err.Error() != "read number arn:s: unavailable" {
		t.Fatalf("failed read: %v", err)
	}
	if _, err := get(ctx); err == nil {
		t.Fatal("an unparsable value was accepted")
	}
	for range 3 {
		if v, err := get(ctx); err != nil || v != 42 {
			t.Fatalf("got %d, %v; want 42", v, err)
		}
	}
	if sm.reads != 3 {
		t.Fatalf("%d reads, want 3 (the good value kept)", sm.reads)
	}
}

package certs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/serverless-ocpp/csms/shared/secret"
)

// Source yields the CA. Sources cache what they read: a warm Lambda signs without reading the
// secret again; a failed read is not cached, so the next request tries again.
type Source func(ctx context.Context) (*CA, error)

// ErrNoCA is returned by a Source when no CA is configured (neither CA_SECRET_ARN nor CA_FILE).
var ErrNoCA = errors.New("no charging-station CA is configured (CA_SECRET_ARN or CA_FILE)")

// NoCA is the Source of a system without a CA: every SignCertificate is rejected.
func NoCA(context.Context) (*CA, error) { return nil, ErrNoCA }

// cached parses what read returns into the CA and keeps it (secret.Cache).
func cached(read func(ctx context.Context) ([]byte, error)) Source {
	return secret.Cache(func(ctx context.Context) (*CA, error) {
		b, err := read(ctx)
		if err != nil {
			return nil, err
		}
		return ParseCA(b)
	})
}

// FileSource reads the CA bundle from a file (the local stack's .local/ca.pem).
func FileSource(path string) Source {
	return cached(func(context.Context) ([]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		return b, nil
	})
}

// SecretGetter is the part of the Secrets Manager client SecretSource uses.
type SecretGetter = secret.Getter

// SecretSource reads the CA bundle from a Secrets Manager secret whose SecretString is the PEM
// bundle ParseCA reads (docs/security-certificates.md shows how to create it).
func SecretSource(arn string, sm SecretGetter) Source {
	return secret.Once("CA secret", arn, sm, func(pem string) (*CA, error) { return ParseCA([]byte(pem)) })
}

// EnsureFile creates a CA bundle at path (mode 0600) unless a file is there already, which is
// then reused as it is: the local stack's CA survives restarts, so certificates it issued stay
// valid. It reports whether it created one.
func EnsureFile(path, org string, now time.Time) (bool, error) {
	if _, err := os.Stat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("CA file: %w", err)
	}
	bundle, err := NewCABundle(org, now)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("CA file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil // another process made it first
	}
	if err != nil {
		return false, fmt.Errorf("CA file: %w", err)
	}
	if _, err := f.Write(bundle); err != nil {
		_ = f.Close()
		return false, fmt.Errorf("write CA file: %w", err)
	}
	return true, f.Close()
}

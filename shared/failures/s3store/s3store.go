// Package s3store is the failure store on AWS: the S3 bucket that is also the on-failure
// destination of the publisher's event source mappings. It is a package of its own so that only
// the publisher links the S3 client.
package s3store

import (
	"bytes"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// PutAPI is the part of the S3 client the store uses; *s3.Client implements it.
type PutAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Store writes failure objects to a bucket (encrypted by the bucket's default encryption).
type Store struct {
	Client PutAPI
	Bucket string
}

// New returns the store of bucket, with a client from awsCfg.
func New(awsCfg aws.Config, bucket string) *Store {
	return &Store{Client: s3.NewFromConfig(awsCfg), Bucket: bucket}
}

// Put writes one object.
func (s *Store) Put(ctx context.Context, key string, body []byte) error {
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(s.Bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", s.Bucket, key, err)
	}
	return nil
}

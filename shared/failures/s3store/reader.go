package s3store

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ReadAPI is the part of the S3 client replay reads the store with; *s3.Client implements it.
type ReadAPI interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Reader lists and reads the bucket's failure objects (failures.Reader); the publisher needs
// s3:ListBucket on the bucket and s3:GetObject on its objects.
type Reader struct {
	Client ReadAPI
	Bucket string
}

// NewReader returns the reader of bucket, with a client from awsCfg.
func NewReader(awsCfg aws.Config, bucket string) *Reader {
	return &Reader{Client: s3.NewFromConfig(awsCfg), Bucket: bucket}
}

// Objects lists at most limit keys after after. S3 lists keys in UTF-8 binary order, the order
// Go sorts strings in, so StartAfter continues a listing where the previous page ended.
func (r *Reader) Objects(ctx context.Context, after string, limit int) ([]string, bool, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(r.Bucket)}
	if after != "" {
		in.StartAfter = aws.String(after)
	}
	if limit > 0 {
		in.MaxKeys = aws.Int32(int32(min(limit, 1000)))
	}
	out, err := r.Client.ListObjectsV2(ctx, in)
	if err != nil {
		return nil, false, fmt.Errorf("list s3://%s: %w", r.Bucket, err)
	}
	keys := make([]string, 0, len(out.Contents))
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys, aws.ToBool(out.IsTruncated), nil
}

// Get reads one object.
func (r *Reader) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := r.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", r.Bucket, key, err)
	}
	defer func() { _ = out.Body.Close() }()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", r.Bucket, key, err)
	}
	return body, nil
}

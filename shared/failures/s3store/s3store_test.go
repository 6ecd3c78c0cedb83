package s3store

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

type fakeS3 struct {
	in  *s3.PutObjectInput
	err error
}

func (f *fakeS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	f.in = in
	return &s3.PutObjectOutput{}, f.err
}

func TestPutWritesTheObject(t *testing.T) {
	f := &fakeS3{}
	s := &Store{Client: f, Bucket: "failures-bucket"}
	if err := s.Put(context.Background(), "publisher/t/k", []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(f.in.Body)
	if aws.ToString(f.in.Bucket) != "failures-bucket" || aws.ToString(f.in.Key) != "publisher/t/k" || string(body) != `{"a":1}` ||
		aws.ToString(f.in.ContentType) != "application/json" {
		t.Errorf("PutObject %+v body %s", f.in, body)
	}
	f.err = errors.New("AccessDenied")
	if err := s.Put(context.Background(), "k", nil); err == nil || !strings.Contains(err.Error(), "s3://failures-bucket/k") {
		t.Errorf("error %v", err)
	}
}

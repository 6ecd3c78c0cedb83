package ddblocal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/testenv"
)

// requireTools skips (or fails on CI) when java or npm is missing.
func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"java", "npm"} {
		testenv.Tool(t, tool, "install openjdk-17-jre-headless and nodejs/npm to run DynamoDB Local tests")
	}
}

func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(testWriter{t}, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func client(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(endpoint),
		// Other keys than the readiness probe's: -sharedDb makes them see the same tables.
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

func TestStartTransactStop(t *testing.T) {
	requireTools(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	inst, err := Start(ctx, Options{InMemory: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer inst.Stop()
	if !strings.HasPrefix(inst.Endpoint(), "http://127.0.0.1:") {
		t.Errorf("endpoint %q", inst.Endpoint())
	}

	db := client(inst.Endpoint())
	table := aws.String("transactions")
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            table,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	put := func(pk string) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{
			TableName:           table,
			Item:                map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}},
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}}
	}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{put("a"), put("b")}}); err != nil {
		t.Fatalf("TransactWriteItems: %v", err)
	}
	// A second transaction with one failing condition must write nothing at all.
	_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{put("c"), put("a")}})
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		t.Fatalf("conflicting transaction: %v, want TransactionCanceledException", err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "c"}}, ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item != nil {
		t.Fatalf("item c after the canceled transaction: %v %v, want none", out.Item, err)
	}

	if err := inst.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := inst.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(inst.Endpoint(), "http://"), time.Second); err == nil {
		c.Close()
		t.Error("endpoint still accepts connections after Stop")
	}
}

func TestCancelStops(t *testing.T) {
	requireTools(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inst, err := Start(ctx, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	cancel()
	select {
	case <-inst.exited:
	case <-time.After(15 * time.Second):
		_ = inst.Stop()
		t.Fatal("DynamoDB Local still running after the context was cancelled")
	}
}

func TestTakenPort(t *testing.T) {
	requireTools(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	inst, err := Start(context.Background(), Options{Port: port, Logger: testLogger(t)})
	if err == nil {
		inst.Stop()
		t.Fatal("Start on a taken port succeeded")
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("port %d is not available", port)) {
		t.Errorf("error %q does not name the taken port", err)
	}
}

func TestOptionsConflict(t *testing.T) {
	if _, err := Start(context.Background(), Options{InMemory: true, DBPath: t.TempDir()}); err == nil {
		t.Fatal("InMemory with DBPath accepted")
	}
}

func TestJavaMajor(t *testing.T) {
	tests := []struct {
		out    string
		want   int
		wantOK bool
	}{
		{`openjdk version "17.0.15" 2025-04-15`, 17, true},
		{`openjdk version "21" 2023-09-19`, 21, true},
		{`java version "1.8.0_392"`, 8, true},
		{`openjdk version "11.0.2" 2019-01-15`, 11, true},
		{`something else`, 0, false},
	}
	for _, tt := range tests {
		got, ok := javaMajor([]byte(tt.out))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("javaMajor(%q) = %d, %v; want %d, %v", tt.out, got, ok, tt.want, tt.wantOK)
		}
	}
}

// Command lambdaperf is `make lambda-perf`: the size of every function's deployment zip and its
// cold-start Init Duration under a local Lambda Runtime API with the events/ samples, printed as
// a table, and written into docs/performance.md with WRITE=1 (-doc). Run it under `go run ./localstack exec --` so
// the functions find DynamoDB Local (tables are created under a fresh prefix).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/serverless-ocpp/csms/localstack/tools/lambdaperf"
	"github.com/serverless-ocpp/csms/localstack/tools/mdsection"
	"github.com/serverless-ocpp/csms/shared/config"
	"github.com/serverless-ocpp/csms/shared/store"
)

func main() {
	fns := flag.String("functions", "authorizer,connect,message,disconnect,api,publisher", "functions to measure")
	starts := flag.Int("starts", 5, "cold starts per function")
	doc := flag.String("doc", "", "write the table into this file's lambda section (empty: don't; make lambda-perf WRITE=1 passes docs/performance.md)")
	flag.Parse()
	ctx := context.Background()
	cfg, err := config.Load()
	if err != nil {
		fail(err)
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	prefix := "perf" + hex.EncodeToString(suffix) + "-"
	env := []string{"TABLE_PREFIX=" + prefix, "AUTO_REGISTER=true", "API_TOKEN=lambda-perf", "MANAGEMENT_ENDPOINT=http://127.0.0.1:9"}
	if cfg.DynamoDBEndpoint != "" {
		awsCfg, err := cfg.AWS(ctx)
		if err != nil {
			fail(err)
		}
		if err := store.CreateTables(ctx, store.NewClient(awsCfg, cfg.DynamoDBEndpoint), prefix); err != nil {
			fail(err)
		}
		env = append(env, "DYNAMODB_ENDPOINT="+cfg.DynamoDBEndpoint)
	} else {
		fmt.Fprintln(os.Stderr, "DYNAMODB_ENDPOINT is unset: invocations will fail; run under `go run ./localstack exec --`")
	}
	if cfg.AMQPURL != "" {
		env = append(env, "AMQP_URL="+cfg.AMQPURL)
	}
	work, err := os.MkdirTemp("", "lambdaperf")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(work)
	wd, _ := os.Getwd()
	rs, err := lambdaperf.Measure(ctx, lambdaperf.Options{Functions: strings.Split(*fns, ","), Root: wd, Env: env, Starts: *starts, Work: work})
	if err != nil {
		fail(err)
	}
	md := lambdaperf.Markdown(rs)
	fmt.Println(md)
	if *doc != "" {
		if err := mdsection.Replace(*doc, "lambda", md); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "lambdaperf:", err)
	os.Exit(2)
}

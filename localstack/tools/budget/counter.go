// Package budget counts the AWS calls the central system makes per OCPP action and holds them
// to the budget in budget.json. A Counter is SDK middleware: attached to a DynamoDB (or
// Management API) client it records every operation, and for DynamoDB the capacity units the
// service reports, which the cost model (localstack/tools/cost) turns into money.
package budget

import (
	"context"
	"maps"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Count is what one OCPP action (or one Lambda event) cost in AWS calls.
type Count struct {
	// Calls by "service.Operation", e.g. "DynamoDB.PutItem", "ApiGatewayManagementApi.PostToConnection".
	Calls map[string]int `json:"calls"`
	// Reads and Writes are DynamoDB calls that read or write (a TransactWriteItems is one write
	// call; WriteUnits counts its items twice, as DynamoDB bills them).
	Reads  int `json:"reads"`
	Writes int `json:"writes"`
	// ReadUnits and WriteUnits are the capacity units DynamoDB reported (ReturnConsumedCapacity),
	// i.e. on-demand read and write request units.
	ReadUnits  float64 `json:"readUnits"`
	WriteUnits float64 `json:"writeUnits"`
}

// DynamoDB is the number of DynamoDB calls.
func (c Count) DynamoDB() int { return c.Reads + c.Writes }

// Counter records AWS calls between two Takes. It is safe for concurrent use.
type Counter struct {
	mu  sync.Mutex
	cur Count
}

// NewCounter returns an empty Counter.
func NewCounter() *Counter { return &Counter{cur: Count{Calls: map[string]int{}}} }

// Take returns what was counted since the last Take and starts again.
func (c *Counter) Take() Count {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.cur
	out.Calls = maps.Clone(c.cur.Calls)
	c.cur = Count{Calls: map[string]int{}}
	return out
}

var writeOps = map[string]bool{"PutItem": true, "UpdateItem": true, "DeleteItem": true, "TransactWriteItems": true, "BatchWriteItem": true}
var readOps = map[string]bool{"GetItem": true, "Query": true, "Scan": true, "TransactGetItems": true, "BatchGetItem": true}

// Attach adds the counting middleware to a client's APIOptions, e.g.
// dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { counter.Attach(&o.APIOptions) }).
func (c *Counter) Attach(apiOptions *[]func(*middleware.Stack) error) {
	*apiOptions = append(*apiOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("CountAWSCalls", c.handle), middleware.Before)
	})
}

func (c *Counter) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	service, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
	askCapacity(in.Parameters)
	out, md, err := next.HandleInitialize(ctx, in)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur.Calls[service+"."+op]++
	if service == "DynamoDB" {
		switch {
		case writeOps[op]:
			c.cur.Writes++
		case readOps[op]:
			c.cur.Reads++
		}
		if err == nil {
			r, w := capacity(out.Result)
			c.cur.ReadUnits += r
			c.cur.WriteUnits += w
		}
	}
	return out, md, err
}

// askCapacity asks DynamoDB to report the capacity an operation consumed; it changes nothing
// else about the request.
func askCapacity(params any) {
	total := types.ReturnConsumedCapacityTotal
	switch p := params.(type) {
	case *dynamodb.PutItemInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.UpdateItemInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.DeleteItemInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.GetItemInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.QueryInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.ScanInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.TransactWriteItemsInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.TransactGetItemsInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.BatchWriteItemInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.BatchGetItemInput:
		p.ReturnConsumedCapacity = total
	}
}

// capacity reads the consumed read and write units from an operation's output.
func capacity(result any) (read, write float64) {
	switch r := result.(type) {
	case *dynamodb.PutItemOutput:
		write += total(r.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		write += total(r.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		write += total(r.ConsumedCapacity)
	case *dynamodb.GetItemOutput:
		read += total(r.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		read += total(r.ConsumedCapacity)
	case *dynamodb.ScanOutput:
		read += total(r.ConsumedCapacity)
	case *dynamodb.TransactWriteItemsOutput:
		for _, cc := range r.ConsumedCapacity {
			write += total(&cc)
		}
	case *dynamodb.TransactGetItemsOutput:
		for _, cc := range r.ConsumedCapacity {
			read += total(&cc)
		}
	case *dynamodb.BatchWriteItemOutput:
		for _, cc := range r.ConsumedCapacity {
			write += total(&cc)
		}
	case *dynamodb.BatchGetItemOutput:
		for _, cc := range r.ConsumedCapacity {
			read += total(&cc)
		}
	}
	return read, write
}

func total(cc *types.ConsumedCapacity) float64 {
	if cc == nil {
		return 0
	}
	return deref(cc.CapacityUnits)
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// Package streamfilter says which DynamoDB stream records may make the publisher publish
// something: inserts into the frame log (every OCPP frame and every connect/disconnect event)
// and a session's change to finished. Everything else (TTL deletions of frame-log rows, the
// many updates of a running session) would invoke the publisher for nothing.
//
// infra/ sets these filters as the filter criteria of the publisher's event source mappings
// (Lambda then does not invoke the function for other records at all), and the local stack's
// stream reader applies the same filters with Match, so the two cannot drift.
//
// The patterns use Lambda's event filtering syntax for DynamoDB streams: the top-level record
// keys eventName and dynamodb, images in DynamoDB JSON ({"status": {"S": ...}}). Source: AWS
// Lambda Developer Guide, "Using event filtering with a DynamoDB event source".
package streamfilter

import (
	"encoding/json"
	"slices"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// Filter is one filter pattern: a record matches when its event name is one of EventNames and,
// for every attribute in NewImageStrings, its new image holds that attribute as a string equal
// to one of the listed values.
type Filter struct {
	EventNames      []string
	NewImageStrings map[string][]string
}

// Filters returns the filters of a table's stream; a record matching any of them is delivered.
// A table the publisher does not read has none (and no mapping).
func Filters(t tables.Table) []Filter {
	switch t.Name {
	case tables.Messages.Name:
		// Frame-log rows are written once; MODIFY never happens and REMOVE is the TTL expiry.
		return []Filter{{EventNames: []string{"INSERT"}}}
	case tables.Sessions.Name:
		// A session publishes once, on its change to finished. Lambda's filters cannot compare
		// the old image with the new one, so an update of an already finished session still
		// passes; the publisher skips it (shared/publish).
		return []Filter{{
			EventNames:      []string{"INSERT", "MODIFY"},
			NewImageStrings: map[string][]string{"status": {store.SessionFinished}},
		}}
	}
	return nil
}

// Pattern renders the filter as a Lambda filter criteria pattern (JSON).
func (f Filter) Pattern() string {
	p := map[string]any{"eventName": f.EventNames}
	if len(f.NewImageStrings) > 0 {
		img := map[string]any{}
		for attr, values := range f.NewImageStrings {
			img[attr] = map[string]any{"S": values}
		}
		p["dynamodb"] = map[string]any{"NewImage": img}
	}
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // maps of strings and string slices always marshal
	}
	return string(b)
}

// Patterns renders the filters of a table as Lambda filter criteria patterns.
func Patterns(t tables.Table) []string {
	var out []string
	for _, f := range Filters(t) {
		out = append(out, f.Pattern())
	}
	return out
}

// Match reports whether the record matches the filter.
func (f Filter) Match(rec events.DynamoDBEventRecord) bool {
	if !slices.Contains(f.EventNames, rec.EventName) {
		return false
	}
	for attr, values := range f.NewImageStrings {
		v, ok := rec.Change.NewImage[attr]
		if !ok || v.DataType() != events.DataTypeString || !slices.Contains(values, v.String()) {
			return false
		}
	}
	return true
}

// Deliver reports whether a record of table t passes the table's filters, as Lambda decides for
// the event source mapping. A table without filters delivers nothing.
func Deliver(t tables.Table, rec events.DynamoDBEventRecord) bool {
	for _, f := range Filters(t) {
		if f.Match(rec) {
			return true
		}
	}
	return false
}

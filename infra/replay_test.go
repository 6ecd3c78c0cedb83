package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// The publisher's role may read what replay events republish from: Query and Scan on the frame
// log, Scan on the sessions (each statement naming the table), and read the failure store
// (TestFailureStore); it writes neither table.
func TestPublisherMayReadWhatItReplays(t *testing.T) {
	for _, c := range []struct {
		tp    template
		stage string
	}{{devJSON, "dev"}, {prodJSON, "prod"}} {
		grants := map[string][]string{}
		for _, st := range roleStatements(t, c.tp, c.stage, FnPublisher) {
			for _, def := range []tables.Table{tables.Messages, tables.Sessions} {
				if refersTo(st.Resource, tableID(t, c.tp, def.Name)) {
					grants[def.Name] = append(grants[def.Name], st.Actions...)
				}
			}
		}
		for name, want := range map[string][]string{tables.Messages.Name: {Query, Scan}, tables.Sessions.Name: {Scan}} {
			for _, a := range want {
				if !slices.Contains(grants[name], a) {
					t.Errorf("publisher on %s: %v, missing %s", name, grants[name], a)
				}
			}
			for _, a := range grants[name] {
				if a == PutItem || a == UpdateItem || a == DeleteItem || a == BatchWriteItem {
					t.Errorf("publisher writes %s (%s)", name, a)
				}
			}
		}
	}
}

// tableID is the logical id of the table whose name ends in -name (the stage's prefix differs).
func tableID(t *testing.T, tp template, name string) string {
	t.Helper()
	for _, id := range tp.ofType("AWS::DynamoDB::Table") {
		if n, _ := tp.Resources[id].Properties["TableName"].(string); strings.HasSuffix(n, "-"+name) {
			return id
		}
	}
	t.Fatalf("no table %s", name)
	return ""
}

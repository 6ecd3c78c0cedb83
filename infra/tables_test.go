package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// The stack declares exactly the tables of shared/tables: every synthesized table, read back
// into a definition (name, keys and their types, indexes, TTL, stream), equals the shared one,
// and there is no other.
func TestTablesAreSharedDefinitions(t *testing.T) {
	want := map[string]tables.Table{}
	for _, def := range tables.All() {
		want[def.Name] = def
	}
	for _, c := range []struct {
		stage, prefix string
		tpl           template
	}{{"dev", dev.Props.TablePrefix, devJSON}, {"prod", prod.Props.TablePrefix, prodJSON}} {
		got := deployedTables(t, c.tpl, c.prefix)
		for name, def := range want {
			if g, ok := got[name]; !ok {
				t.Errorf("%s: table %s not deployed", c.stage, def.FullName(c.prefix))
			} else if !reflect.DeepEqual(g, def) {
				t.Errorf("%s: table %s synthesized as\n%s\nshared/tables says\n%s", c.stage, name, describe(g), describe(def))
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("%s: table %s is not in shared/tables", c.stage, name)
			}
		}
	}
	noPanic(t, "table count", func() {
		devTpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(len(tables.All())))
	})
}

// deployedTables reads the DynamoDB tables of a synthesized template back into shared/tables
// definitions, by logical name (the deployed name without prefix).
func deployedTables(t *testing.T, tpl template, prefix string) map[string]tables.Table {
	t.Helper()
	out := map[string]tables.Table{}
	for _, id := range tpl.ofType("AWS::DynamoDB::Table") {
		p := tpl.Resources[id].Properties
		name, _ := p["TableName"].(string)
		if !strings.HasPrefix(name, prefix) {
			t.Errorf("table %s is not named with the prefix %s", name, prefix)
		}
		types := map[string]tables.AttributeType{}
		for _, d := range list(p["AttributeDefinitions"]) {
			n, _ := path(d, "AttributeName").(string)
			typ, _ := path(d, "AttributeType").(string)
			types[n] = tables.AttributeType(typ)
		}
		def := tables.Table{Name: strings.TrimPrefix(name, prefix)}
		def.PartitionKey, def.SortKey = keySchema(p["KeySchema"], types)
		for _, g := range list(p["GlobalSecondaryIndexes"]) {
			idx := tables.Index{}
			idx.Name, _ = path(g, "IndexName").(string)
			idx.PartitionKey, idx.SortKey = keySchema(path(g, "KeySchema"), types)
			def.Indexes = append(def.Indexes, idx)
		}
		if path(p, "TimeToLiveSpecification", "Enabled") == true {
			def.TTLAttribute, _ = path(p, "TimeToLiveSpecification", "AttributeName").(string)
		}
		def.Stream = path(p, "StreamSpecification", "StreamViewType") != nil
		out[def.Name] = def
	}
	return out
}

// keySchema reads a KeySchema with the attribute types of the table's AttributeDefinitions.
func keySchema(schema any, types map[string]tables.AttributeType) (pk tables.Attribute, sk *tables.Attribute) {
	for _, k := range list(schema) {
		name, _ := path(k, "AttributeName").(string)
		a := tables.Attribute{Name: name, Type: types[name]}
		switch path(k, "KeyType") {
		case "HASH":
			pk = a
		case "RANGE":
			sk = &a
		}
	}
	return pk, sk
}

func list(v any) []any { l, _ := v.([]any); return l }

// describe shows a definition with its pointers followed.
func describe(def tables.Table) string {
	b, err := json.Marshal(def)
	if err != nil {
		return fmt.Sprintf("%+v", def)
	}
	return string(b)
}

// Deployment settings of every table: billing, recovery, protection by stage, the stream's view
// and the indexes' projection. Keys, types, TTL and which tables stream are compared with
// shared/tables by TestTablesAreSharedDefinitions.
func TestTableProperties(t *testing.T) {
	cases := []struct {
		name       string
		tpl        template
		prefix     string
		protected  bool
		deletionPo string
	}{
		{"dev (defaults)", devJSON, "ocpp-dev-", true, "Retain"},
		{"prod (DESTROY)", prodJSON, "csms-prod-", false, "Delete"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			byName := map[string]resource{}
			for _, id := range c.tpl.ofType("AWS::DynamoDB::Table") {
				r := c.tpl.Resources[id]
				name, _ := r.Properties["TableName"].(string)
				byName[name] = r
			}
			for _, def := range tables.All() {
				r, ok := byName[c.prefix+def.Name]
				if !ok {
					t.Errorf("no table named %s", c.prefix+def.Name)
					continue
				}
				if r.DeletionPolicy != c.deletionPo {
					t.Errorf("%s: DeletionPolicy %q, want %q", def.Name, r.DeletionPolicy, c.deletionPo)
				}
				checkTableSettings(t, def.Name, r.Properties, c.protected)
			}
		})
	}
	// The same through the assertions library, on one table.
	noPanic(t, "messages table", func() {
		devTpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), &map[string]any{
			"TableName":               "ocpp-dev-" + tables.Messages.Name,
			"StreamSpecification":     map[string]any{"StreamViewType": "NEW_AND_OLD_IMAGES"},
			"TimeToLiveSpecification": map[string]any{"AttributeName": tables.ExpiresAt, "Enabled": true},
			"KeySchema": assertions.Match_ArrayWith(&[]any{
				map[string]any{"AttributeName": tables.Messages.PartitionKey.Name, "KeyType": "HASH"},
			}),
		})
	})
}

// checkTableSettings checks the settings every table shares.
func checkTableSettings(t *testing.T, name string, p map[string]any, protected bool) {
	t.Helper()
	if p["BillingMode"] != "PAY_PER_REQUEST" {
		t.Errorf("%s: BillingMode %v", name, p["BillingMode"])
	}
	if path(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true {
		t.Errorf("%s: point-in-time recovery off", name)
	}
	if p["DeletionProtectionEnabled"] != protected {
		t.Errorf("%s: DeletionProtectionEnabled %v, want %v", name, p["DeletionProtectionEnabled"], protected)
	}
	if ttl := p["TimeToLiveSpecification"]; ttl != nil && path(ttl, "Enabled") != true {
		t.Errorf("%s: TTL %v declared but not enabled", name, ttl)
	}
	if stream := path(p, "StreamSpecification", "StreamViewType"); stream != nil && stream != "NEW_AND_OLD_IMAGES" {
		t.Errorf("%s: stream %v, want NEW_AND_OLD_IMAGES", name, stream)
	}
	for i, g := range list(p["GlobalSecondaryIndexes"]) {
		if path(g, "Projection", "ProjectionType") != "ALL" {
			t.Errorf("%s: index %d = %v, want projecting ALL", name, i, g)
		}
	}
}

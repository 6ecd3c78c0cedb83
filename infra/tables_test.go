package main

import (
	"reflect"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// The stack declares exactly the tables of shared/tables, from the same values.
func TestTablesAreSharedDefinitions(t *testing.T) {
	for _, s := range []*CentralSystemStack{dev, prod} {
		all := tables.All()
		if len(s.TableDefinitions) != len(all) {
			t.Errorf("%s: %d table definitions, shared/tables has %d", s.Props.Stage, len(s.TableDefinitions), len(all))
		}
		for _, want := range all {
			got, ok := s.TableDefinitions[want.FullName(s.Props.TablePrefix)]
			if !ok {
				t.Errorf("%s: table %s not deployed", s.Props.Stage, want.FullName(s.Props.TablePrefix))
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: table %s built from %+v, shared/tables says %+v", s.Props.Stage, want.Name, got, want)
			}
		}
	}
	noPanic(t, "table count", func() {
		devTpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(len(tables.All())))
	})
}

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
				p := r.Properties
				if p["BillingMode"] != "PAY_PER_REQUEST" {
					t.Errorf("%s: BillingMode %v", def.Name, p["BillingMode"])
				}
				if path(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true {
					t.Errorf("%s: point-in-time recovery off", def.Name)
				}
				if p["DeletionProtectionEnabled"] != c.protected {
					t.Errorf("%s: DeletionProtectionEnabled %v, want %v", def.Name, p["DeletionProtectionEnabled"], c.protected)
				}
				if r.DeletionPolicy != c.deletionPo {
					t.Errorf("%s: DeletionPolicy %q, want %q", def.Name, r.DeletionPolicy, c.deletionPo)
				}
				checkKeys(t, def.Name, p["KeySchema"], def.PartitionKey, def.SortKey)
				checkAttributes(t, def, p["AttributeDefinitions"])
				if def.TTLAttribute != "" {
					if path(p, "TimeToLiveSpecification", "AttributeName") != def.TTLAttribute || path(p, "TimeToLiveSpecification", "Enabled") != true {
						t.Errorf("%s: TTL %v, want %s", def.Name, p["TimeToLiveSpecification"], def.TTLAttribute)
					}
				} else if p["TimeToLiveSpecification"] != nil {
					t.Errorf("%s: unexpected TTL %v", def.Name, p["TimeToLiveSpecification"])
				}
				stream := path(p, "StreamSpecification", "StreamViewType")
				if def.Stream && stream != "NEW_AND_OLD_IMAGES" {
					t.Errorf("%s: stream %v, want NEW_AND_OLD_IMAGES", def.Name, stream)
				}
				if !def.Stream && stream != nil {
					t.Errorf("%s: unexpected stream %v", def.Name, stream)
				}
				gsis, _ := p["GlobalSecondaryIndexes"].([]any)
				if len(gsis) != len(def.Indexes) {
					t.Errorf("%s: %d indexes, want %d", def.Name, len(gsis), len(def.Indexes))
					continue
				}
				for i, idx := range def.Indexes {
					g := gsis[i]
					if path(g, "IndexName") != idx.Name || path(g, "Projection", "ProjectionType") != "ALL" {
						t.Errorf("%s: index %d = %v, want %s projecting ALL", def.Name, i, g, idx.Name)
					}
					checkKeys(t, def.Name+"/"+idx.Name, path(g, "KeySchema"), idx.PartitionKey, idx.SortKey)
				}
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

func checkKeys(t *testing.T, name string, schema any, pk tables.Attribute, sk *tables.Attribute) {
	t.Helper()
	want := []any{map[string]any{"AttributeName": pk.Name, "KeyType": "HASH"}}
	if sk != nil {
		want = append(want, map[string]any{"AttributeName": sk.Name, "KeyType": "RANGE"})
	}
	if !reflect.DeepEqual(schema, want) {
		t.Errorf("%s: key schema %v, want %v", name, schema, want)
	}
}

func checkAttributes(t *testing.T, def tables.Table, defs any) {
	t.Helper()
	want := map[string]string{def.PartitionKey.Name: string(def.PartitionKey.Type)}
	add := func(a *tables.Attribute) {
		if a != nil {
			want[a.Name] = string(a.Type)
		}
	}
	add(def.SortKey)
	for _, idx := range def.Indexes {
		pk := idx.PartitionKey
		add(&pk)
		add(idx.SortKey)
	}
	got := map[string]string{}
	list, _ := defs.([]any)
	for _, d := range list {
		name, _ := path(d, "AttributeName").(string)
		typ, _ := path(d, "AttributeType").(string)
		got[name] = typ
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: attribute definitions %v, want %v", def.Name, got, want)
	}
}

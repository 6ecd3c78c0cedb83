package main

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/serverless-ocpp/csms/shared/tables"
)

type statement struct {
	Sid      string
	Effect   string
	Actions  []string
	Resource any
}

// roleStatements returns the statements of every policy attached to a function's role.
func roleStatements(t *testing.T, tp template, stage, fn string) []statement {
	t.Helper()
	f := tp.Resources[tp.function(t, stage, fn)]
	roleID, _ := path(f.Properties, "Role", "Fn::GetAtt", 0).(string)
	if roleID == "" {
		t.Fatalf("%s: role %v is not a role of this stack", fn, f.Properties["Role"])
	}
	if arns := tp.Resources[roleID].Properties["ManagedPolicyArns"]; arns != nil {
		t.Errorf("%s: managed policies %v", fn, arns)
	}
	var out []statement
	for _, id := range tp.ofType("AWS::IAM::Policy") {
		p := tp.Resources[id].Properties
		if !refersTo(p["Roles"], roleID) {
			continue
		}
		out = append(out, statements(path(p, "PolicyDocument", "Statement"))...)
	}
	return out
}

func statements(v any) []statement {
	var out []statement
	list, _ := v.([]any)
	for _, s := range list {
		sid, _ := path(s, "Sid").(string)
		effect, _ := path(s, "Effect").(string)
		out = append(out, statement{Sid: sid, Effect: effect, Actions: strs(path(s, "Action")), Resource: path(s, "Resource")})
	}
	return out
}

func isStreamRead(action string) bool {
	switch action {
	case "dynamodb:ListStreams", "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator":
		return true
	}
	return false
}

// Every Allow in the template names specific actions, and "*" resources appear only where AWS
// offers nothing narrower (listed in docs/deploy.md).
func TestNoWildcards(t *testing.T) {
	unavoidable := map[string]bool{
		// Lambda's VPC network interfaces.
		strings.Join(sorted(vpcNetworkInterfaceActions), ","): true,
		// The event source mapping lists the table's streams.
		"dynamodb:ListStreams": true,
	}
	for _, tp := range []template{devJSON, prodJSON} {
		for _, typ := range []string{"AWS::IAM::Policy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"} {
			for _, id := range tp.ofType(typ) {
				for _, s := range statements(path(tp.Resources[id].Properties, "PolicyDocument", "Statement")) {
					if s.Effect != "Allow" {
						continue
					}
					for _, a := range s.Actions {
						if strings.Contains(a, "*") {
							t.Errorf("%s: wildcard action %s", id, a)
						}
					}
					for _, r := range resourceList(s.Resource) {
						if r == "*" && !unavoidable[strings.Join(s.Actions, ",")] {
							t.Errorf("%s: resource * for %v", id, s.Actions)
						}
					}
				}
			}
		}
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

// resourceList returns literal resources; tokens (Refs, Joins) are not "*".
func resourceList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// The DynamoDB statements of each role are exactly FunctionAccess: the same tables, the same
// actions, indexes only where the function queries.
func TestTablePermissionsMatchFunctionAccess(t *testing.T) {
	for _, c := range []struct {
		tp template
		s  *CentralSystemStack
	}{{devJSON, dev}, {prodJSON, prod}} {
		tableID := map[string]string{} // logical table name -> logical resource id
		for _, id := range c.tp.ofType("AWS::DynamoDB::Table") {
			name := strings.TrimPrefix(c.tp.Resources[id].Properties["TableName"].(string), c.s.Props.TablePrefix)
			tableID[name] = id
		}
		for _, spec := range functionSpecs {
			t.Run(c.s.Props.Stage+"/"+spec.name, func(t *testing.T) {
				got := map[string][]string{}
				for _, s := range roleStatements(t, c.tp, c.s.Props.Stage, spec.name) {
					if len(s.Actions) == 0 || !strings.HasPrefix(s.Actions[0], "dynamodb:") || isStreamRead(s.Actions[0]) {
						continue
					}
					var table string
					for name, id := range tableID {
						if refersTo(s.Resource, id) {
							if table != "" {
								t.Errorf("statement %v spans tables %s and %s", s.Actions, table, name)
							}
							table = name
						}
					}
					if table == "" {
						t.Errorf("statement %v on %v: no table of this stack", s.Actions, s.Resource)
						continue
					}
					got[table] = append(got[table], s.Actions...)
					var def tables.Table
					for _, d := range tables.All() {
						if d.Name == table {
							def = d
						}
					}
					wantResources := []string{"${" + tableID[table] + ".Arn}"}
					if slices.Contains(s.Actions, Query) || slices.Contains(s.Actions, Scan) {
						for _, idx := range def.Indexes {
							wantResources = append(wantResources, "${"+tableID[table]+".Arn}/index/"+idx.Name)
						}
					}
					var gotResources []string
					if l, ok := s.Resource.([]any); ok {
						for _, r := range l {
							gotResources = append(gotResources, joined(r))
						}
					} else {
						gotResources = []string{joined(s.Resource)}
					}
					if !reflect.DeepEqual(sorted(gotResources), sorted(wantResources)) {
						t.Errorf("%s %v: resources %v, want %v", table, s.Actions, gotResources, wantResources)
					}
				}
				want := map[string][]string{}
				for table, actions := range FunctionAccess[spec.name].Tables {
					want[table] = slices.Compact(sorted(actions))
				}
				for table := range got {
					got[table] = sorted(got[table])
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("table permissions\n got %v\nwant %v", got, want)
				}
			})
		}
	}
}

// The decisions in FunctionAccess that must survive edits of the map.
// replayScans are the Scans of the replay event, the publisher's admin export of a time window
// (shared/replay; docs/scale.md names the exports): not a charge-box path or an operator route.
var replayScans = map[string]bool{
	FnPublisher + " " + tables.Messages.Name: true,
	FnPublisher + " " + tables.Sessions.Name: true,
}

func TestFunctionAccessInvariants(t *testing.T) {
	known := map[string]bool{}
	for _, d := range tables.All() {
		known[d.Name] = true
	}
	writes := []string{PutItem, UpdateItem, DeleteItem, BatchWriteItem}
	for _, spec := range functionSpecs {
		a, ok := FunctionAccess[spec.name]
		if !ok {
			t.Errorf("%s: no FunctionAccess entry", spec.name)
			continue
		}
		for table, actions := range a.Tables {
			if !known[table] {
				t.Errorf("%s: table %q is not in shared/tables", spec.name, table)
			}
			if spec.name != FnAPI && slices.Contains(actions, Scan) && !replayScans[spec.name+" "+table] {
				t.Errorf("%s scans %s: only the operator API (and the publisher's replay of the frame log and sessions) may scan", spec.name, table)
			}
			if spec.name == FnPublisher && slices.ContainsFunc(actions, func(a string) bool { return slices.Contains(writes, a) }) {
				t.Errorf("publisher writes %s", table)
			}
		}
		// api posts remote commands; message posts only the answer to an accepted SignCertificate
		// and the CertificateSigned after it.
		if a.ManageConnections != (spec.name == FnAPI || spec.name == FnMessage) {
			t.Errorf("%s: ManageConnections %v; only api and message post to charge boxes", spec.name, a.ManageConnections)
		}
		if a.BrokerSecret != (spec.name == FnPublisher) {
			t.Errorf("%s: BrokerSecret %v; only the publisher talks to the broker", spec.name, a.BrokerSecret)
		}
	}
	if got := FunctionAccess[FnAuthorizer].Tables; len(got) != 1 || got[tables.ChargeBoxes.Name] == nil {
		t.Errorf("authorizer tables %v, want charge-boxes only", got)
	}
	if len(FunctionAccess[FnAPI].Tables) != len(tables.All()) {
		t.Errorf("api reaches %d of %d tables", len(FunctionAccess[FnAPI].Tables), len(tables.All()))
	}
}

func TestManageConnectionsScope(t *testing.T) {
	for _, c := range []struct {
		tp    template
		stage string
	}{{devJSON, "dev"}, {prodJSON, "prod"}} {
		ws := webSocketAPIID(t, c.tp)
		http := apiID(t, c.tp, "HTTP")
		var want []string
		for _, m := range []string{"POST", "GET", "DELETE"} {
			want = append(want, "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${"+ws+"}/"+c.stage+"/"+m+"/@connections/*")
		}
		for _, spec := range functionSpecs {
			var found bool
			for _, s := range roleStatements(t, c.tp, c.stage, spec.name) {
				if !slices.Contains(s.Actions, "execute-api:ManageConnections") {
					continue
				}
				found = true
				if len(s.Actions) != 1 {
					t.Errorf("%s: %v granted with ManageConnections", spec.name, s.Actions)
				}
				list, _ := s.Resource.([]any)
				var got []string
				for _, r := range list {
					got = append(got, joined(r))
				}
				if !reflect.DeepEqual(sorted(got), sorted(want)) {
					t.Errorf("%s: ManageConnections on %v, want %v", spec.name, got, want)
				}
				if refersTo(s.Resource, http) {
					t.Errorf("%s: ManageConnections names the HTTP API", spec.name)
				}
			}
			if found != FunctionAccess[spec.name].ManageConnections {
				t.Errorf("%s: ManageConnections granted = %v", spec.name, found)
			}
		}
	}
}

// Each role writes only its own log group; only the publisher reads the broker secret.
func TestLogAndSecretGrants(t *testing.T) {
	secretID, _ := devJSON.only(t, "AWS::SecretsManager::Secret")
	for _, spec := range functionSpecs {
		fn := devJSON.Resources[devJSON.function(t, "dev", spec.name)]
		logGroup, _ := path(fn.Properties, "LoggingConfig", "LogGroup", "Ref").(string)
		if logGroup == "" || devJSON.Resources[logGroup].Type != "AWS::Logs::LogGroup" {
			t.Errorf("%s: logs to %v, want its own log group", spec.name, path(fn.Properties, "LoggingConfig"))
		}
		var readsSecret bool
		for _, s := range roleStatements(t, devJSON, "dev", spec.name) {
			if slices.Contains(s.Actions, "logs:PutLogEvents") {
				if !reflect.DeepEqual(s.Actions, []string{"logs:CreateLogStream", "logs:PutLogEvents"}) || joined(s.Resource) != "${"+logGroup+".Arn}" {
					t.Errorf("%s: log grant %v on %s", spec.name, s.Actions, joined(s.Resource))
				}
			}
			if refersTo(s.Resource, secretID) {
				readsSecret = true
				if !reflect.DeepEqual(s.Actions, []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"}) {
					t.Errorf("%s: secret actions %v", spec.name, s.Actions)
				}
			}
		}
		if readsSecret != (spec.name == FnPublisher) {
			t.Errorf("%s: reads the broker secret = %v", spec.name, readsSecret)
		}
	}
}

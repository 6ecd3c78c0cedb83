package store

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// A sharded listing's token of a partition's start is accepted; the key of a page end with an
// attribute missing is never taken for a start (it would restart the partition).
func TestShardTokenStartIsMarked(t *testing.T) {
	q := sharded{table: tables.ChargeBoxes, index: "byShard", key: "listShard", parts: registryShards(false)}
	start, err := q.encode(15, nil)
	if err != nil {
		t.Fatal(err)
	}
	if part, key, err := q.decode(start); err != nil || part != 16 || key != nil {
		t.Fatalf("start token: part %d, key %v, %v; want the start of partition 16", part, key, err)
	}
	for _, k := range []map[string]any{
		{"listShard": "u#0"},
		{"chargeBoxId": "A"},
		{"@start": true},
		{"@start": "true", "listShard": "u#0"},
		{"@start": true, "listShard": "u#0", "chargeBoxId": "A"},
		{"@start": true, "listShard": "nope"},
	} {
		b, err := json.Marshal(map[string]any{"k": k, "s": q.scope()})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := q.decode(base64.RawURLEncoding.EncodeToString(b)); err != ErrBadToken {
			t.Errorf("token key %v: %v, want ErrBadToken", k, err)
		}
	}
}

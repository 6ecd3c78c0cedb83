package failures

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Reader lists and reads the objects of a failure store, for replay (shared/replay): Dir
// locally, s3store.Reader on AWS.
type Reader interface {
	// Objects returns, sorted, at most limit keys that sort after the key after, and whether
	// more follow.
	Objects(ctx context.Context, after string, limit int) (keys []string, more bool, err error)
	// Get returns the object at key.
	Get(ctx context.Context, key string) ([]byte, error)
}

// Decode returns the stream records of a failure object. The payload is the invocation event:
// AWS's documentation shows it as a JSON string holding the event, and this package writes it
// so; an object holding the event directly is accepted too, so that a reader does not depend on
// which of the two Lambda writes.
func Decode(body []byte) ([]events.DynamoDBEventRecord, error) {
	var obj struct {
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, fmt.Errorf("failure object: %w", err)
	}
	raw := bytes.TrimSpace(obj.Payload)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, fmt.Errorf("failure object: no payload (a metadata-only record, as an SQS or SNS destination receives)")
	}
	if raw[0] == '"' {
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return nil, fmt.Errorf("failure object payload: %w", err)
		}
		raw = []byte(text)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("failure object payload: %w", err)
	}
	return ev.Records, nil
}

// Objects lists the folder's keys after after (List).
func (d Dir) Objects(_ context.Context, after string, limit int) ([]string, bool, error) {
	keys, err := d.List()
	if err != nil {
		return nil, false, err
	}
	sort.Strings(keys)
	i := sort.SearchStrings(keys, after)
	if i < len(keys) && keys[i] == after {
		i++
	}
	keys = keys[i:]
	if limit > 0 && len(keys) > limit {
		return keys[:limit], true, nil
	}
	return keys, false, nil
}

// Get reads the object at key; a key that leaves the folder is refused.
func (d Dir) Get(_ context.Context, key string) ([]byte, error) {
	clean := path.Clean("/" + key)[1:]
	if clean == "" || clean != key || strings.HasPrefix(clean, "../") {
		return nil, fmt.Errorf("failure store %s: invalid key %q", d, key)
	}
	body, err := os.ReadFile(filepath.Join(string(d), filepath.FromSlash(clean)))
	if err != nil {
		return nil, fmt.Errorf("failure store object %s: %w", key, err)
	}
	return body, nil
}

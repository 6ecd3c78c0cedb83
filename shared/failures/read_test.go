package failures

import (
	"strings"
	"testing"
)

// A failure object's payload is read as escaped JSON text (AWS's documentation, and what this
// package writes) or as an object; a metadata-only record (SQS/SNS) is an error.
func TestDecodeReadsBothPayloadForms(t *testing.T) {
	event := `{"Records":[{"eventID":"e1","eventName":"INSERT","dynamodb":{"SequenceNumber":"7"}}]}`
	text := `{"version":"1.0","payload":` + quote(event) + `}`
	object := `{"version":"1.0","payload":` + event + `}`
	for _, body := range []string{text, object} {
		recs, err := Decode([]byte(body))
		if err != nil || len(recs) != 1 || recs[0].EventID != "e1" || recs[0].Change.SequenceNumber != "7" {
			t.Errorf("%s: %+v, %v", body, recs, err)
		}
	}
	if _, err := Decode([]byte(`{"version":"1.0","DDBStreamBatchInfo":{}}`)); err == nil || !strings.Contains(err.Error(), "no payload") {
		t.Errorf("metadata-only record: %v", err)
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

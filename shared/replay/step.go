package replay

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/serverless-ocpp/csms/shared/failures"
	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/tables"
)

// Request is one step of a replay: the body of the publisher's replay event
// {"replay": {...}} (docs/messages.md, "Replay").
type Request struct {
	// From and To bound the window, RFC 3339, To exclusive.
	From string `json:"from"`
	To   string `json:"to"`
	// ChargeBoxID, when set, replays that box only.
	ChargeBoxID string `json:"chargeBoxId,omitempty"`
	// IncludeFailures replays the failure store's records in the window too.
	IncludeFailures bool `json:"includeFailures,omitempty"`
	// Limit bounds the rows (or failure objects) one step reads; 0 is DefaultLimit.
	Limit int `json:"limit,omitempty"`
	// Next is the token a previous step returned; "" starts the replay.
	Next string `json:"next,omitempty"`
}

// Result is what one step did and where the next one starts.
type Result struct {
	// Read counts the rows or failure objects read, Replayed the records in the window that
	// were handed to the publisher's handler.
	Read     int `json:"read"`
	Replayed int `json:"replayed"`
	// Next is the token of the next step, "" when the replay is done.
	Next string `json:"next"`
}

// DefaultLimit and MaxLimit bound a step's reads: a page of 500 frame-log rows and their
// publishing take well under a second, far inside the publisher's 60 s timeout.
const (
	DefaultLimit = 500
	MaxLimit     = 5000
	// objectsPerStep bounds the failure objects one step reads (one GetObject each).
	objectsPerStep = 100
)

// The phases of a replay, in order: the frame log, the sessions, the failure store.
const (
	phaseFrames = iota
	phaseSessions
	phaseFailures
)

// cursor is where a step starts: a phase and the position in it (a store page token, or the
// last failure-store key read).
type cursor struct {
	Phase int    `json:"p"`
	Pos   string `json:"k,omitempty"`
}

// ErrInvalid marks a request that can never succeed: a malformed window, limit or token.
var ErrInvalid = errors.New("invalid replay request")

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: replay.%s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// Window validates the request's window and returns it.
func (r Request) Window() (Window, error) {
	var w Window
	var err error
	if r.From == "" {
		return w, invalid("from", "required (RFC 3339)")
	}
	if w.From, err = time.Parse(time.RFC3339Nano, r.From); err != nil {
		return w, invalid("from", "%q is not an RFC 3339 time", r.From)
	}
	if r.To == "" {
		return w, invalid("to", "required (RFC 3339)")
	}
	if w.To, err = time.Parse(time.RFC3339Nano, r.To); err != nil {
		return w, invalid("to", "%q is not an RFC 3339 time", r.To)
	}
	if !w.To.After(w.From) {
		return w, invalid("to", "%s is not after from %s", r.To, r.From)
	}
	w.Box = r.ChargeBoxID
	return w, nil
}

func (r Request) limit() (int, error) {
	switch {
	case r.Limit == 0:
		return DefaultLimit, nil
	case r.Limit < 0 || r.Limit > MaxLimit:
		return 0, invalid("limit", "%d is not in 1..%d", r.Limit, MaxLimit)
	}
	return r.Limit, nil
}

func (r Request) cursor() (cursor, error) {
	var c cursor
	if r.Next == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(r.Next)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.Phase < phaseFrames || c.Phase > phaseFailures {
		return c, invalid("next", "not a token of a replay step")
	}
	return c, nil
}

// Step validates req, reads one page of the current phase, hands the records in the window to
// the handler and returns the token of the next step. On an error the step's records may be
// partly published: run the same request again (same Next), the message_id lets consumers drop
// the duplicates.
func Step(ctx context.Context, src Source, req Request, handler Handler) (Result, error) {
	w, err := req.Window()
	if err != nil {
		return Result{}, err
	}
	limit, err := req.limit()
	if err != nil {
		return Result{}, err
	}
	cur, err := req.cursor()
	if err != nil {
		return Result{}, err
	}
	last := phaseSessions
	if req.IncludeFailures {
		if src.Failures == nil {
			return Result{}, invalid("includeFailures", "this publisher has no failure store (FAILURE_BUCKET or FAILURE_DIR)")
		}
		last = phaseFailures
	}
	if cur.Phase > last {
		return Result{}, invalid("next", "a token of a replay that includes the failure store")
	}
	recs, read, pos, err := src.page(ctx, cur, w, limit)
	if err != nil {
		return Result{}, err
	}
	if err := publish(ctx, recs, handler); err != nil {
		return Result{Read: read}, err
	}
	res := Result{Read: read, Replayed: len(recs)}
	switch {
	case pos != "":
		res.Next = cursor{Phase: cur.Phase, Pos: pos}.token()
	case cur.Phase < last:
		res.Next = cursor{Phase: cur.Phase + 1}.token()
	}
	return res, nil
}

func (c cursor) token() string {
	b, _ := json.Marshal(c) // a struct of an int and a string always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

// page reads one page of the cursor's phase and returns its records in the window, how many
// rows or objects it read and the position after it ("" at the phase's end).
func (src Source) page(ctx context.Context, cur cursor, w Window, limit int) ([]events.DynamoDBEventRecord, int, string, error) {
	if cur.Phase == phaseFailures {
		return src.failurePage(ctx, cur.Pos, w, min(limit, objectsPerStep))
	}
	t, key := tables.Messages, w.Box // a box's frame log is one partition: a Query
	if cur.Phase == phaseSessions {
		t, key = tables.Sessions, ""
	}
	items, next, err := src.Store.Rows(ctx, t, key, store.Page{Limit: int32(limit), Next: cur.Pos})
	if errors.Is(err, store.ErrBadToken) {
		return nil, 0, "", invalid("next", "not a token of this replay's %s", t.Name)
	}
	if err != nil {
		return nil, 0, "", fmt.Errorf("replay %s: %w", t.Name, err)
	}
	return rows(t, items, w), len(items), next, nil
}

// failurePage reads up to limit failure objects after the key after.
func (src Source) failurePage(ctx context.Context, after string, w Window, limit int) ([]events.DynamoDBEventRecord, int, string, error) {
	keys, more, err := src.Failures.Objects(ctx, after, limit)
	if err != nil {
		return nil, 0, "", fmt.Errorf("replay failure store: %w", err)
	}
	var out []events.DynamoDBEventRecord
	for _, key := range keys {
		body, err := src.Failures.Get(ctx, key)
		if err != nil {
			return nil, 0, "", fmt.Errorf("replay failure store: %w", err)
		}
		recs, err := failures.Decode(body)
		if err != nil {
			return nil, 0, "", fmt.Errorf("replay failure store object %s: %w", key, err)
		}
		for _, rec := range recs {
			if w.in(rec) {
				out = append(out, rec)
			}
		}
	}
	next := ""
	if more && len(keys) > 0 {
		next = keys[len(keys)-1]
	}
	return out, len(keys), next, nil
}

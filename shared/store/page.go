package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-ocpp/csms/shared/tables"
)

// ErrBadToken is returned when a pagination token was not made by this store.
var ErrBadToken = errors.New("invalid pagination token")

// Page asks for one page of a list: at most Limit items after the position Next names ("" for
// the first page).
type Page struct {
	Limit int32
	Next  string
}

// list reads one page of the partition key of a table (a Query through Rows) and decodes its
// items into out, a pointer to a slice. Fleet-wide listings read an index instead
// (listSharded): no listing scans.
func (s *Store) list(ctx context.Context, t tables.Table, key string, p Page, out any) (string, error) {
	if key == "" {
		return "", fmt.Errorf("list %s: no partition key", t.Name)
	}
	items, next, err := s.Rows(ctx, t, key, p)
	if err != nil {
		return "", err
	}
	if err := attributevalue.UnmarshalListOfMaps(items, out); err != nil {
		return "", fmt.Errorf("decode %s: %w", t.Name, err)
	}
	return next, nil
}

// page decodes one page's items into out (a pointer to a slice) and returns the token of the
// page after it; what names the items in errors.
func (p position) page(items []map[string]types.AttributeValue, last map[string]types.AttributeValue, out any, what string) (string, error) {
	if err := attributevalue.UnmarshalListOfMaps(items, out); err != nil {
		return "", fmt.Errorf("decode %s: %w", what, err)
	}
	return p.encode(last)
}

func limit(n int32) *int32 {
	if n <= 0 {
		return nil
	}
	return aws.Int32(n)
}

// ScanAll reads a whole table into out (a pointer to a slice), projecting attrs when given. No
// charge-box path or operator route uses it: it is for tests and the load tool's checks.
func (s *Store) ScanAll(ctx context.Context, t tables.Table, out any, attrs ...string) error {
	in := &dynamodb.ScanInput{TableName: s.Table(t)}
	if len(attrs) > 0 {
		var u update
		names := make([]string, len(attrs))
		for i, a := range attrs {
			names[i] = u.name(a)
		}
		in.ProjectionExpression = aws.String(strings.Join(names, ", "))
		in.ExpressionAttributeNames = u.names
	}
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scan %s: %w", t.Name, err)
		}
		items = append(items, page.Items...)
	}
	if err := attributevalue.UnmarshalListOfMaps(items, out); err != nil {
		return fmt.Errorf("decode %s: %w", t.Name, err)
	}
	return nil
}

// token is a pagination token: the key a page ended on and the scope of the listing it
// belongs to, so that a token of another list is told apart from a position in this one.
type token struct {
	Key   map[string]any `json:"k"`
	Scope string         `json:"s"`
}

// encode turns DynamoDB's LastEvaluatedKey into an opaque token; "" when the list ended.
func (p position) encode(key map[string]types.AttributeValue) (string, error) {
	if len(key) == 0 {
		return "", nil
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(key, &m); err != nil {
		return "", fmt.Errorf("encode pagination token: %w", err)
	}
	b, err := json.Marshal(token{Key: m, Scope: p.scope})
	if err != nil {
		return "", fmt.Errorf("encode pagination token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// position is the shape of the key a listing's pages end on: DynamoDB's LastEvaluatedKey holds
// the table's key attributes and, when an index is read, the index's. A token is accepted only
// when it has exactly these attributes, each of its type and within DynamoDB's key limits, and
// lies inside the part of the table the listing reads (the queried partition, the sort-key
// range), so a forged, truncated or foreign token is ErrBadToken, never a DynamoDB error.
type position struct {
	// scope names the listing: table, index and queried partition, hashed.
	scope string
	keys  []tables.Attribute
	// fixed are the values some attributes must have (the partition a Query reads).
	fixed map[string]string
	// within bounds a string attribute (a BETWEEN key condition), inclusive.
	within map[string][2]string
}

// tablePosition is the position of a listing of t itself.
func tablePosition(t tables.Table) position {
	p := position{scope: scopeOf(t.Name), keys: []tables.Attribute{t.PartitionKey}}
	if t.SortKey != nil {
		p.keys = append(p.keys, *t.SortKey)
	}
	return p
}

// indexPosition is the position of a listing of t's index named index.
func indexPosition(t tables.Table, index string) position {
	p := tablePosition(t)
	p.scope = scopeOf(t.Name, index)
	for _, ix := range t.Indexes {
		if ix.Name != index {
			continue
		}
		p.add(ix.PartitionKey)
		if ix.SortKey != nil {
			p.add(*ix.SortKey)
		}
	}
	return p
}

func (p *position) add(a tables.Attribute) {
	for _, k := range p.keys {
		if k.Name == a.Name {
			return
		}
	}
	p.keys = append(p.keys, a)
}

// in requires attribute name to hold value (the partition key of a Query).
func (p position) in(name, value string) position {
	fixed := map[string]string{name: value}
	for k, v := range p.fixed {
		fixed[k] = v
	}
	p.fixed = fixed
	p.scope = scopeOf(p.scope, name, value)
	return p
}

// scopeOf hashes the parts naming a listing into a short scope.
func scopeOf(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(h[:9])
}

// between requires attribute name to lie in [from, to].
func (p position) between(name, from, to string) position {
	within := map[string][2]string{name: {from, to}}
	for k, v := range p.within {
		within[k] = v
	}
	p.within = within
	return p
}

// DynamoDB's key size limits: 2048 bytes for a partition key, 1024 for a sort key. The
// stricter one is applied to every attribute of a token.
const maxKeyBytes = 1024

// maxKeyNumber bounds the numbers of a token: the numeric keys are 32-bit ids.
const maxKeyNumber = 1 << 53

// decode reverses encodeToken for this position; "" is the first page.
func (p position) decode(next string) (map[string]types.AttributeValue, error) {
	if next == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(next)
	if err != nil {
		return nil, ErrBadToken
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var tok token
	if err := dec.Decode(&tok); err != nil || dec.More() || tok.Scope != p.scope || len(tok.Key) != len(p.keys) {
		return nil, ErrBadToken
	}
	m := tok.Key
	key := make(map[string]types.AttributeValue, len(m))
	for _, a := range p.keys {
		av, ok := p.attribute(a, m[a.Name])
		if !ok {
			return nil, ErrBadToken
		}
		key[a.Name] = av
	}
	return key, nil
}

// attribute checks one value of a token against its key attribute.
func (p position) attribute(a tables.Attribute, v any) (types.AttributeValue, bool) {
	switch a.Type {
	case tables.Number:
		n, ok := v.(json.Number)
		if !ok {
			return nil, false
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil || i <= -maxKeyNumber || i >= maxKeyNumber {
			return nil, false
		}
		if want, fixed := p.fixed[a.Name]; fixed && want != strconv.FormatInt(i, 10) {
			return nil, false
		}
		return num(i), true
	default:
		s, ok := v.(string)
		if !ok || s == "" || len(s) > maxKeyBytes || !utf8.ValidString(s) {
			return nil, false
		}
		if want, fixed := p.fixed[a.Name]; fixed && want != s {
			return nil, false
		}
		if r, bounded := p.within[a.Name]; bounded && (s < r[0] || s > r[1]) {
			return nil, false
		}
		return str(s), true
	}
}

package ocpp

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// This file holds the one checker that validates OCPP payloads in both directions: inbound
// bytes are checked as they arrive, outbound Go values are marshalled and checked the same way.
// It walks JSON text that encoding/json has already found well-formed, guided by a schema
// compiled once per Go type from struct tags:
//
//	json:"name[,omitempty]"   the exact OCPP field name
//	ocpp:"required"           absent or null -> OccurenceConstraintViolation
//	ocpp:"max=N"              string (or each string of an array) longer than N characters
//	ocpp:"min=N"              integer (or each integer of an array) below N
//	ocpp:"minItems=N"         array shorter than N -> OccurenceConstraintViolation
//	ocpp:"frac=N"             decimal with more than N fraction digits
//	ocpp:"uri"                string must be an absolute URI (anyURI)
//
// Enumeration types implement Enum; their values are checked exactly (case-sensitive).

// Enum is implemented by every OCPP enumeration type.
type Enum interface {
	Valid() bool
	Values() []string
}

// enumSet is the value set of one enumeration type.
type enumSet struct {
	values []string
	set    map[string]struct{}
}

func newEnumSet[T ~string](values ...T) *enumSet {
	e := &enumSet{values: make([]string, len(values)), set: make(map[string]struct{}, len(values))}
	for i, v := range values {
		e.values[i] = string(v)
		e.set[string(v)] = struct{}{}
	}
	return e
}

func (e *enumSet) has(v string) bool {
	_, ok := e.set[v]
	return ok
}

func (e *enumSet) list() []string { return append([]string(nil), e.values...) }

type kind uint8

const (
	kindString kind = iota + 1
	kindInt
	kindNumber
	kindBool
	kindDateTime
	kindObject
	kindArray
)

func (k kind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindInt:
		return "integer"
	case kindNumber:
		return "number"
	case kindBool:
		return "boolean"
	case kindDateTime:
		return "date-time string"
	case kindObject:
		return "object"
	case kindArray:
		return "array"
	}
	return "value"
}

// rule is what one JSON value must satisfy.
type rule struct {
	name     string // JSON field name; empty for array items
	kind     kind
	required bool // field must be present and not null
	item     bool // array item: null is a type error, not an absence
	maxLen   int  // 0: unbounded
	hasMin   bool
	min      int64
	minItems int
	maxFrac  int // -1: unbounded
	uri      bool
	enum     *enumSet
	object   *schema
	elem     *rule
}

// schema is the compiled form of a struct type.
type schema struct {
	fields []rule
}

// maxFields bounds the fields of one object so presence fits in a uint64 bit set.
const maxFields = 64

var (
	schemas      sync.Map // reflect.Type -> *schema
	dateTimeType = reflect.TypeFor[DateTime]()
	enumType     = reflect.TypeFor[Enum]()
)

// schemaFor returns the compiled schema of struct type t, compiling it on first use.
func schemaFor(t reflect.Type) (*schema, error) {
	if s, ok := schemas.Load(t); ok {
		return s.(*schema), nil
	}
	s, err := compile(t, 0)
	if err != nil {
		return nil, err
	}
	actual, _ := schemas.LoadOrStore(t, s)
	return actual.(*schema), nil
}

func compile(t reflect.Type, depth int) (*schema, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("ocpp schema: %s is not a struct", t)
	}
	if depth > 8 {
		return nil, fmt.Errorf("ocpp schema: %s nests too deep", t)
	}
	s := &schema{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		r, err := compileRule(f.Type, f.Tag.Get("ocpp"), depth)
		if err != nil {
			return nil, fmt.Errorf("ocpp schema: %s.%s: %w", t, f.Name, err)
		}
		r.name = name
		s.fields = append(s.fields, r)
	}
	if len(s.fields) > maxFields {
		return nil, fmt.Errorf("ocpp schema: %s has more than %d fields", t, maxFields)
	}
	return s, nil
}

func compileRule(t reflect.Type, tag string, depth int) (rule, error) {
	r := rule{maxFrac: -1}
	for opt := range strings.SplitSeq(tag, ",") {
		key, val, _ := strings.Cut(opt, "=")
		var err error
		switch key {
		case "":
		case "required":
			r.required = true
		case "uri":
			r.uri = true
		case "max":
			r.maxLen, err = strconv.Atoi(val)
		case "min":
			r.hasMin = true
			r.min, err = strconv.ParseInt(val, 10, 64)
		case "minItems":
			r.minItems, err = strconv.Atoi(val)
		case "frac":
			r.maxFrac, err = strconv.Atoi(val)
		default:
			err = fmt.Errorf("unknown ocpp tag option %q", key)
		}
		if err != nil {
			return rule{}, fmt.Errorf("tag %q: %w", tag, err)
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == dateTimeType:
		r.kind = kindDateTime
	case t.Implements(enumType) && t.Kind() == reflect.String:
		r.kind = kindString
		vals := reflect.Zero(t).Interface().(Enum).Values()
		r.enum = newEnumSet(vals...)
	case t.Kind() == reflect.String:
		r.kind = kindString
	case t.Kind() == reflect.Bool:
		r.kind = kindBool
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		r.kind = kindInt
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		if r.hasMin {
			return rule{}, fmt.Errorf("min is for integers")
		}
		r.kind = kindNumber
	case t.Kind() == reflect.Struct:
		r.kind = kindObject
		s, err := compile(t, depth+1)
		if err != nil {
			return rule{}, err
		}
		r.object = s
	case t.Kind() == reflect.Slice:
		r.kind = kindArray
		// Value constraints of the tag apply to the items; cardinality to the array.
		item, err := compileRule(t.Elem(), "", depth)
		if err != nil {
			return rule{}, err
		}
		item.item = true
		item.maxLen, item.hasMin, item.min, item.maxFrac, item.uri = r.maxLen, r.hasMin, r.min, r.maxFrac, r.uri
		r.maxLen, r.hasMin, r.min, r.maxFrac, r.uri = 0, false, 0, -1, false
		r.elem = &item
	default:
		return rule{}, fmt.Errorf("unsupported type %s", t)
	}
	return r, nil
}

// pathElem is one step of the path to the value being checked: a field name or an index.
type pathElem struct {
	name  string
	index int
}

// maxDepth bounds the path; schemas are shallower, and unknown fields are refused before the
// checker descends into them, so input cannot push it further.
const maxDepth = 16

// checker walks one well-formed JSON document. It lives on the caller's stack; the path is
// only turned into a string when there is an error to report.
type checker struct {
	data  []byte
	path  [maxDepth]pathElem
	depth int
}

func (c *checker) push(e pathElem) {
	if c.depth < maxDepth {
		c.path[c.depth] = e
	}
	c.depth++
}

func (c *checker) pop() { c.depth-- }

func (c *checker) pathString() string {
	var b strings.Builder
	for i := 0; i < c.depth && i < maxDepth; i++ {
		e := c.path[i]
		if e.name == "" {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.name)
	}
	return b.String()
}

func (c *checker) fail(code ErrorCode, format string, args ...any) *Error {
	return Errorf(code, c.pathString(), format, args...)
}

// checkDocument checks a whole payload: one object of schema s.
func checkDocument(data []byte, s *schema) *Error {
	c := checker{data: data}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return Errorf(FormationViolation, "", "payload must be a JSON object")
	}
	_, err := c.object(i, s)
	return err
}

// object checks the object starting at data[i] and returns the index just past it.
func (c *checker) object(i int, s *schema) (int, *Error) {
	d := c.data
	var seen uint64
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == '}' {
		return i + 1, c.missing(s, seen)
	}
	for i < len(d) {
		if d[i] != '"' {
			return i, c.fail(FormationViolation, "malformed object")
		}
		ks, ke, esc := stringSpan(d, i)
		i = skipSpace(d, ke+1)
		if i >= len(d) || d[i] != ':' {
			return i, c.fail(FormationViolation, "malformed object")
		}
		i = skipSpace(d, i+1)
		j := s.find(d[ks:ke], esc || !utf8.Valid(d[ks:ke]))
		if j < 0 {
			c.push(pathElem{name: unquote(d[ks:ke], true)})
			err := c.fail(FormationViolation, "field is not allowed here")
			c.pop()
			return i, err
		}
		if seen&(1<<uint(j)) != 0 {
			c.push(pathElem{name: s.fields[j].name})
			err := c.fail(FormationViolation, "field appears twice")
			c.pop()
			return i, err
		}
		seen |= 1 << uint(j)
		c.push(pathElem{name: s.fields[j].name})
		next, err := c.value(i, &s.fields[j])
		c.pop()
		if err != nil {
			return next, err
		}
		i = skipSpace(d, next)
		if i >= len(d) {
			break
		}
		if d[i] == '}' {
			return i + 1, c.missing(s, seen)
		}
		if d[i] != ',' {
			break
		}
		i = skipSpace(d, i+1)
	}
	return i, c.fail(FormationViolation, "malformed object")
}

// missing reports the first required field of s absent from seen.
func (c *checker) missing(s *schema, seen uint64) *Error {
	for j := range s.fields {
		if s.fields[j].required && seen&(1<<uint(j)) == 0 {
			c.push(pathElem{name: s.fields[j].name})
			err := c.fail(OccurenceConstraintViolation, "required field is missing")
			c.pop()
			return err
		}
	}
	return nil
}

// find returns the index of the field named by the raw JSON key, or -1.
func (s *schema) find(key []byte, escaped bool) int {
	k := string(key) // no allocation: only compared
	if escaped {
		k = unquote(key, true)
	}
	for j := range s.fields {
		if s.fields[j].name == k {
			return j
		}
	}
	return -1
}

// value checks the value starting at data[i] against r and returns the index just past it.
func (c *checker) value(i int, r *rule) (int, *Error) {
	d := c.data
	if i >= len(d) {
		return i, c.fail(FormationViolation, "value missing")
	}
	if d[i] == 'n' { // null: the field counts as absent
		switch {
		case r.item:
			return i + 4, c.fail(TypeConstraintViolation, "null where %s expected", r.kind)
		case r.required:
			return i + 4, c.fail(OccurenceConstraintViolation, "required field is null")
		}
		return i + 4, nil
	}
	switch r.kind {
	case kindString, kindDateTime:
		if d[i] != '"' {
			return skipValue(d, i), c.fail(TypeConstraintViolation, "expected %s, got %s", r.kind, jsonKind(d[i]))
		}
		s, e, esc := stringSpan(d, i)
		// Invalid UTF-8 takes the slow path too: Unmarshal replaces it.
		return e + 1, c.str(d[s:e], esc || !utf8.Valid(d[s:e]), r)
	case kindInt:
		if !isNumberStart(d[i]) {
			return skipValue(d, i), c.fail(TypeConstraintViolation, "expected integer, got %s", jsonKind(d[i]))
		}
		e := numberEnd(d, i)
		return e, c.integer(d[i:e], r)
	case kindNumber:
		if !isNumberStart(d[i]) {
			return skipValue(d, i), c.fail(TypeConstraintViolation, "expected number, got %s", jsonKind(d[i]))
		}
		e := numberEnd(d, i)
		return e, c.decimal(d[i:e], r)
	case kindBool:
		if d[i] != 't' && d[i] != 'f' {
			return skipValue(d, i), c.fail(TypeConstraintViolation, "expected boolean, got %s", jsonKind(d[i]))
		}
		return skipValue(d, i), nil
	case kindObject:
		if d[i] != '{' {
			return skipValue(d, i), c.fail(TypeConstraintViolation, "expected object, got %s", jsonKind(d[i]))
		}
		return c.object(i, r.object)
	case kindArray:
		if d[i] != '[' {
			return skipValue(d, i), c.fail(TypeConstraintViolation, "expected array, got %s", jsonKind(d[i]))
		}
		return c.array(i, r)
	}
	return skipValue(d, i), c.fail(InternalError, "no rule for this value")
}

func (c *checker) array(i int, r *rule) (int, *Error) {
	d := c.data
	n := 0
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == ']' {
		return i + 1, c.tooFew(r, n)
	}
	for i < len(d) {
		c.push(pathElem{index: n})
		next, err := c.value(i, r.elem)
		c.pop()
		if err != nil {
			return next, err
		}
		n++
		i = skipSpace(d, next)
		if i >= len(d) {
			break
		}
		if d[i] == ']' {
			return i + 1, c.tooFew(r, n)
		}
		if d[i] != ',' {
			break
		}
		i = skipSpace(d, i+1)
	}
	return i, c.fail(FormationViolation, "malformed array")
}

func (c *checker) tooFew(r *rule, n int) *Error {
	if n < r.minItems {
		return c.fail(OccurenceConstraintViolation, "%d items, at least %d required", n, r.minItems)
	}
	return nil
}

func (c *checker) str(raw []byte, esc bool, r *rule) *Error {
	if r.kind == kindDateTime {
		s := unquote(raw, esc)
		if _, ok := parseDateTime(s); !ok {
			return c.fail(TypeConstraintViolation, "%q is not an RFC 3339 date-time", Excerpt(s))
		}
		return nil
	}
	if r.enum != nil {
		v := string(raw) // no allocation: only looked up
		if esc {
			v = unquote(raw, true)
		}
		if !r.enum.has(v) {
			return c.fail(PropertyConstraintViolation, "%q is not a valid value", Excerpt(v))
		}
	}
	if r.maxLen > 0 {
		var n int
		if esc {
			n = utf8.RuneCountInString(unquote(raw, true))
		} else {
			n = utf8.RuneCount(raw)
		}
		if n > r.maxLen {
			return c.fail(PropertyConstraintViolation, "length %d exceeds %d", n, r.maxLen)
		}
	}
	if r.uri {
		s := unquote(raw, esc)
		if u, err := url.Parse(s); err != nil || u.Scheme == "" {
			return c.fail(TypeConstraintViolation, "%q is not an absolute URI", Excerpt(s))
		}
	}
	return nil
}

// integer checks an OCPP integer: a JSON integer literal (no fraction, no exponent) within
// 32 bits, as the OCPP 1.6 XML schema's xs:int.
func (c *checker) integer(lit []byte, r *rule) *Error {
	neg := lit[0] == '-'
	digits := lit
	if neg {
		digits = lit[1:]
	}
	var v int64
	for _, ch := range digits {
		if ch < '0' || ch > '9' {
			return c.fail(TypeConstraintViolation, "%s is not an integer", Excerpt(lit))
		}
		v = v*10 + int64(ch-'0')
		if v > 1<<31 {
			return c.fail(TypeConstraintViolation, "%s is outside the 32-bit integer range", Excerpt(lit))
		}
	}
	if neg {
		v = -v
	}
	if v > 1<<31-1 {
		return c.fail(TypeConstraintViolation, "%s is outside the 32-bit integer range", Excerpt(lit))
	}
	if r.hasMin && v < r.min {
		return c.fail(PropertyConstraintViolation, "%d is below the minimum %d", v, r.min)
	}
	return nil
}

// decimal checks a JSON number that must fit a float64 and, with frac, has at most maxFrac
// significant fraction digits (1.50 and 15e-1 are fine for frac=1, 1.55 is not).
func (c *checker) decimal(lit []byte, r *rule) *Error {
	if _, err := strconv.ParseFloat(string(lit), 64); err != nil {
		return c.fail(TypeConstraintViolation, "%s is not a representable number", Excerpt(lit))
	}
	if r.maxFrac >= 0 && fractionDigits(lit) > r.maxFrac {
		return c.fail(PropertyConstraintViolation, "%s has more than %d fraction digits", lit, r.maxFrac)
	}
	return nil
}

// fractionDigits returns how many digits after the decimal point a well-formed JSON number
// needs, ignoring trailing zeros: 8.10 -> 1, 81e-2 -> 2, 1.5e3 -> 0.
func fractionDigits(lit []byte) int {
	mant, exp := lit, 0
	if k := indexAny(lit, 'e', 'E'); k >= 0 {
		mant = lit[:k]
		e, err := strconv.Atoi(string(lit[k+1:]))
		if err != nil { // exponent beyond int: only a huge or tiny magnitude
			if lit[k+1] == '-' {
				return 1 << 30
			}
			return 0
		}
		exp = e
	}
	intPart, fracPart := mant, []byte(nil)
	if k := indexAny(mant, '.', '.'); k >= 0 {
		intPart, fracPart = mant[:k], mant[k+1:]
	}
	// The value is digits(intPart fracPart) * 10^-scale; trailing zeros of those digits
	// lower the scale that is really needed.
	scale := len(fracPart) - exp
	zeros, nonZero := 0, false
	for _, part := range [2][]byte{fracPart, intPart} {
		for k := len(part) - 1; k >= 0 && !nonZero; k-- {
			switch ch := part[k]; {
			case ch == '0':
				zeros++
			case ch >= '1' && ch <= '9':
				nonZero = true
			}
		}
	}
	if !nonZero {
		return 0
	}
	return max(scale-zeros, 0)
}

func indexAny(b []byte, x, y byte) int {
	for k, ch := range b {
		if ch == x || ch == y {
			return k
		}
	}
	return -1
}

func jsonKind(b byte) string {
	switch {
	case b == '"':
		return "string"
	case b == '{':
		return "object"
	case b == '[':
		return "array"
	case b == 't' || b == 'f':
		return "boolean"
	case b == 'n':
		return "null"
	case isNumberStart(b):
		return "number"
	}
	return "invalid JSON"
}

// unquote returns the text of a JSON string's content (without quotes).
// Invalid UTF-8 is replaced by U+FFFD as encoding/json does, so the checker sees what
// Unmarshal will store.
func unquote(raw []byte, escaped bool) string {
	if !escaped && utf8.Valid(raw) {
		return string(raw)
	}
	// Rare path: let encoding/json apply escapes; the content came from a well-formed string.
	q := make([]byte, 0, len(raw)+2)
	q = append(q, '"')
	q = append(q, raw...)
	q = append(q, '"')
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return string(raw)
	}
	return s
}

// Scanning helpers. They assume well-formed JSON (checked with json.Valid first) but stay in
// bounds on any input.

func skipSpace(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	return i
}

func isNumberStart(b byte) bool { return b == '-' || (b >= '0' && b <= '9') }

func numberEnd(d []byte, i int) int {
	for i < len(d) {
		switch ch := d[i]; {
		case ch >= '0' && ch <= '9', ch == '-', ch == '+', ch == '.', ch == 'e', ch == 'E':
			i++
		default:
			return i
		}
	}
	return i
}

// stringSpan returns the content bounds of the string whose opening quote is d[i] (end is
// the index of the closing quote) and whether it contains escapes.
func stringSpan(d []byte, i int) (start, end int, escaped bool) {
	start = i + 1
	for j := start; j < len(d); j++ {
		switch d[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return start, j, escaped
		}
	}
	return start, len(d), escaped
}

// skipValue returns the index just past the value starting at d[i].
func skipValue(d []byte, i int) int {
	if i >= len(d) {
		return i
	}
	switch d[i] {
	case '"':
		_, e, _ := stringSpan(d, i)
		return e + 1
	case '{', '[':
		depth := 0
		for j := i; j < len(d); j++ {
			switch d[j] {
			case '"':
				_, e, _ := stringSpan(d, j)
				j = e
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(d)
	case 't', 'n':
		return i + 4
	case 'f':
		return i + 5
	}
	return numberEnd(d, i)
}

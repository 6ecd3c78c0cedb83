package api

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/serverless-ocpp/csms/shared/ocpp"
	"github.com/serverless-ocpp/csms/shared/store"
)

// queryParams describes every query parameter a route may name.
var queryParams = map[string]map[string]any{
	"wait":        {"description": "Seconds to wait for the charge box's answer (default COMMAND_WAIT, 10; at most COMMAND_WAIT_MAX, 25). Past it the answer is 202 with the command id.", "schema": map[string]any{"type": "integer", "minimum": 0, "maximum": 25}},
	"limit":       {"description": "Page size, 1 to 1000 (default 100). A page may hold fewer items when filters drop some; follow next until it is absent.", "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": 1000}},
	"next":        {"description": "Opaque token of the next page, from the previous page's next, valid for the same route, path and filters. Any other value (forged, truncated, from another list) is 400 with field next.", "schema": map[string]any{"type": "string"}},
	"status":      {"description": "Status filter.", "schema": map[string]any{"type": "string"}},
	"chargeBoxId": {"description": "Only this charge box.", "schema": map[string]any{"type": "string"}},
	"unsecured":   {"description": "true: only the charge boxes that connect without a password (security profile 0: registered with unsecured true, or stored without a password); false or absent: all.", "schema": map[string]any{"type": "boolean"}},
	"from":        {"description": "Sessions started (security events: timestamped) at or after this RFC 3339 time.", "schema": map[string]any{"type": "string", "format": "date-time"}},
	"type":        {"description": "Security event type, exact (e.g. TamperDetectionActivated; the whitepaper's or a vendor's own), at most 50 characters.", "schema": map[string]any{"type": "string", "maxLength": 50}},
	"kind":        {"description": "Anomaly kind: foreign-stop, orphan-stop, foreign-meter-values or unknown-meter-values.", "schema": map[string]any{"type": "string", "enum": anomalyKinds()}},
	"to":          {"description": "Sessions started (security events: timestamped) at or before this RFC 3339 time.", "schema": map[string]any{"type": "string", "format": "date-time"}},
}

var statusText = map[int]string{
	200: "OK", 201: "Created", 202: "The box did not answer within the wait; GET /commands/{commandId} later",
	204: "Deleted", 400: "Invalid input; field names the offending part", 401: "Missing or invalid credentials",
	404: "Not found", 413: "The request body is larger than 65536 bytes", 409: "Conflict: the box is not connected, already has an outstanding call, or an id is taken",
	502: "The charge box answered with a CALLERROR or an invalid answer, or the call could not be delivered",
}

// OpenAPI returns the OpenAPI 3 document of the API, built from Routes().
func OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range Routes() {
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		item[strings.ToLower(rt.Method)] = operationDoc(rt)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "OCPP 1.6-J central system: operator API",
			"version":     "1.0.0",
			"description": "Remote OCPP operations, queries and the registry. On AWS the HTTP API uses IAM authorization (SigV4); the local stack requires Authorization: Bearer <API_TOKEN>. Generated from shared/api.Routes(); see docs/api.md.",
		},
		"servers":  []any{map[string]any{"url": "http://127.0.0.1:8081", "description": "local stack"}},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"sigv4": []any{}}},
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "Local stack only: API_TOKEN."},
				"sigv4":  map[string]any{"type": "apiKey", "in": "header", "name": "Authorization", "description": "AWS SigV4 (IAM authorization)."},
			},
			"schemas": map[string]any{
				"Error": map[string]any{"type": "object", "required": []any{"error"}, "properties": map[string]any{
					"error": map[string]any{"type": "string"}, "field": map[string]any{"type": "string"}}},
				"CommandError": map[string]any{"type": "object", "required": []any{"error", "commandId"}, "properties": map[string]any{
					"error": map[string]any{"type": "string"}, "commandId": map[string]any{"type": "string"}, "status": map[string]any{"type": "string"},
					"action": map[string]any{"type": "string"}, "errorCode": map[string]any{"type": "string"}, "errorDescription": map[string]any{"type": "string"}}},
				"CommandPending": map[string]any{"type": "object", "required": []any{"commandId", "status"}, "properties": map[string]any{
					"commandId": map[string]any{"type": "string"}, "status": map[string]any{"type": "string", "enum": []any{string(store.CommandPending)}}, "location": map[string]any{"type": "string"}}},
			},
		},
	}
}

func operationDoc(rt Route) map[string]any {
	op := map[string]any{
		"summary":     rt.Summary,
		"tags":        []any{rt.Tag},
		"operationId": operationID(rt),
	}
	if rt.Path == "/health" {
		op["security"] = []any{}
	}
	var params []any
	for _, seg := range strings.Split(rt.Path, "/") {
		if strings.HasPrefix(seg, "{") {
			name := strings.Trim(seg, "{}")
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
	}
	for _, q := range rt.Query {
		p := map[string]any{"name": q, "in": "query", "required": false}
		for k, v := range queryParams[q] {
			p[k] = v
		}
		params = append(params, p)
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if body := bodySchema(rt); body != nil {
		op["requestBody"] = map[string]any{"required": false, "content": map[string]any{"application/json": map[string]any{"schema": body}}}
	}
	responses := map[string]any{}
	success := map[string]any{"description": statusText[rt.Status]}
	if rt.Status != http.StatusNoContent {
		success["content"] = jsonContent(map[string]any{"type": "object"})
	}
	responses[strconv.Itoa(rt.Status)] = success
	if rt.Method == "PUT" {
		responses["201"] = map[string]any{"description": statusText[201], "content": jsonContent(map[string]any{"type": "object"})}
	}
	if rt.Action != "" {
		responses["200"] = map[string]any{"description": "The charge box's answer", "content": jsonContent(map[string]any{
			"type": "object", "required": []any{"commandId", "status", "response"},
			"properties": map[string]any{"commandId": map[string]any{"type": "string"}, "status": map[string]any{"type": "string", "enum": []any{string(store.CommandAnswered)}},
				"action": map[string]any{"type": "string"}, "response": schemaOf(reflect.TypeOf(mustSpec(rt.Action).NewResponse()).Elem())}})}
		responses["202"] = map[string]any{"description": statusText[202], "content": jsonContent(ref("CommandPending"))}
	}
	if rt.Path == "/commands/{commandId}" {
		// A stored command whatever its status; the same fields the remote operations answer.
		responses["200"] = map[string]any{"description": "The command and its outcome", "content": jsonContent(map[string]any{"type": "object"})}
	}
	errs := append([]int{401}, rt.Errors...)
	if rt.Path == "/health" {
		errs = rt.Errors
	}
	if strings.Contains(rt.Path, "{") && !slices.Contains(errs, http.StatusBadRequest) {
		errs = append(errs, http.StatusBadRequest) // an id longer than MaxPathValueBytes
	}
	if rt.Body != nil || rt.Action != "" {
		errs = append(errs, http.StatusRequestEntityTooLarge)
	}
	for _, code := range errs {
		schema := ref("Error")
		if code == http.StatusBadGateway {
			schema = ref("CommandError")
		}
		responses[strconv.Itoa(code)] = map[string]any{"description": statusText[code], "content": jsonContent(schema)}
	}
	op["responses"] = responses
	return op
}

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, seg := range strings.Split(rt.Path, "/") {
		seg = strings.Trim(seg, "{}")
		for _, part := range strings.Split(seg, "-") {
			if part != "" {
				b.WriteString(strings.ToUpper(part[:1]) + part[1:])
			}
		}
	}
	return b.String()
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

func mustSpec(a ocpp.Action) ocpp.Spec {
	s, ok := ocpp.Lookup(string(a))
	if !ok {
		panic(fmt.Sprintf("route names unknown action %s", a))
	}
	return s
}

// bodySchema is the request body's schema: the OCPP request (with its snake_case aliases
// documented) or the registry body type.
func bodySchema(rt Route) map[string]any {
	if rt.Action != "" {
		s := schemaOf(reflect.TypeOf(mustSpec(rt.Action).NewRequest()).Elem())
		props, _ := s["properties"].(map[string]any)
		var names []string
		for snake := range rt.Aliases {
			names = append(names, snake)
		}
		sort.Strings(names)
		for _, snake := range names {
			field := rt.Aliases[snake]
			p := map[string]any{"description": "Same as " + field + " (the original system's name)."}
			if fs, ok := props[field].(map[string]any); ok {
				for k, v := range fs {
					if k != "description" {
						p[k] = v
					}
				}
			}
			props[snake] = p
		}
		if len(rt.Aliases) > 0 {
			// Either spelling satisfies a required field.
			delete(s, "required")
		}
		s["description"] = "The OCPP 1.6 " + string(rt.Action) + ".req payload, validated before anything is sent."
		return s
	}
	if rt.Body == nil {
		return nil
	}
	return schemaOf(reflect.TypeOf(rt.Body))
}

var (
	dateTimeType = reflect.TypeOf(ocpp.DateTime{})
	enumType     = reflect.TypeOf((*ocpp.Enum)(nil)).Elem()
)

// schemaOf derives a JSON schema from a Go type: json tags name the properties and ocpp tags
// (required, max, min, minItems, uri) and OCPP enumerations add their constraints.
func schemaOf(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == dateTimeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Implements(enumType):
		vals := reflect.Zero(t).Interface().(ocpp.Enum).Values()
		enum := make([]any, len(vals))
		for i, v := range vals {
			enum[i] = v
		}
		return map[string]any{"type": "string", "enum": enum}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		var required []any
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			p := schemaOf(f.Type)
			for _, rule := range strings.Split(f.Tag.Get("ocpp"), ",") {
				key, val, _ := strings.Cut(rule, "=")
				n, _ := strconv.Atoi(val)
				switch key {
				case "required":
					required = append(required, name)
				case "max":
					if p["type"] == "array" {
						p["items"].(map[string]any)["maxLength"] = n
					} else {
						p["maxLength"] = n
					}
				case "min":
					p["minimum"] = n
				case "minItems":
					p["minItems"] = n
				case "uri":
					p["format"] = "uri"
				}
			}
			props[name] = p
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	}
	return map[string]any{}
}

func anomalyKinds() []any {
	out := make([]any, len(store.AnomalyKinds))
	for i, k := range store.AnomalyKinds {
		out[i] = string(k)
	}
	return out
}

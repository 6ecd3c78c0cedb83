package budget

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Limit is the most one step may cost: DynamoDB calls, of which writes, and Management API calls.
type Limit struct {
	MaxDynamoDBCalls int    `json:"maxDynamoDBCalls"`
	MaxWrites        int    `json:"maxWrites"`
	MaxManagementAPI int    `json:"maxManagementApiCalls"`
	Why              string `json:"why,omitempty"`
}

// Budget maps a step name (Row.Name) to its limit.
type Budget map[string]Limit

// Load reads a budget file (localstack/tools/budget/budget.json).
func Load(path string) (Budget, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read budget: %w", err)
	}
	var b Budget
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("decode budget %s: %w", path, err)
	}
	return b, nil
}

// managementCalls counts calls to the API Gateway Management API.
func managementCalls(c Count) int {
	n := 0
	for k, v := range c.Calls {
		if strings.HasPrefix(k, "ApiGatewayManagementApi.") {
			n += v
		}
	}
	return n
}

// Check returns one message per step over its budget or without one.
func (b Budget) Check(rows []Row) []string {
	var over []string
	for _, r := range rows {
		l, ok := b[r.Name]
		switch {
		case !ok:
			over = append(over, fmt.Sprintf("%s: no budget in budget.json (measured %d DynamoDB calls, %d writes)", r.Name, r.DynamoDB(), r.Writes))
		case r.DynamoDB() > l.MaxDynamoDBCalls:
			over = append(over, fmt.Sprintf("%s: %d DynamoDB calls, budget %d (%s)", r.Name, r.DynamoDB(), l.MaxDynamoDBCalls, callList(r.Count)))
		case r.Writes > l.MaxWrites:
			over = append(over, fmt.Sprintf("%s: %d writes, budget %d (%s)", r.Name, r.Writes, l.MaxWrites, callList(r.Count)))
		case managementCalls(r.Count) > l.MaxManagementAPI:
			over = append(over, fmt.Sprintf("%s: %d Management API calls, budget %d", r.Name, managementCalls(r.Count), l.MaxManagementAPI))
		}
	}
	return over
}

func callList(c Count) string {
	var parts []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range c.Calls {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, fmt.Sprintf("%s×%d", strings.TrimPrefix(k, "DynamoDB."), c.Calls[k]))
	}
	return strings.Join(parts, ", ")
}

// Markdown renders the measured calls with their budget as a table.
func Markdown(rows []Row, b Budget) string {
	var s strings.Builder
	s.WriteString("| step | Lambda | DynamoDB calls | reads | writes | RRU | WRU | Management API | budget (calls / writes) | calls made |\n")
	s.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, r := range rows {
		limit := "none"
		if l, ok := b[r.Name]; ok {
			limit = fmt.Sprintf("%d / %d", l.MaxDynamoDBCalls, l.MaxWrites)
		}
		fmt.Fprintf(&s, "| %s | %s | %d | %d | %d | %.1f | %.1f | %d | %s | %s |\n", r.Name, r.Function, r.DynamoDB(), r.Reads, r.Writes,
			r.ReadUnits, r.WriteUnits, managementCalls(r.Count), limit, callList(r.Count))
	}
	return s.String()
}

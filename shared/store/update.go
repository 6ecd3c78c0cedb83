package store

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// update builds an UpdateItem expression attribute by attribute, so a write names only the
// attributes it changes and never replaces a whole item (no lost updates between concurrent
// messages of one box). Names and values are always placeholders: attribute names such as
// "status" or "timestamp" are DynamoDB reserved words.
type update struct {
	sets, removes []string
	names         map[string]string
	values        map[string]types.AttributeValue
}

func (u *update) name(attr string) string {
	if u.names == nil {
		u.names = map[string]string{}
	}
	p := fmt.Sprintf("#a%d", len(u.names))
	u.names[p] = attr
	return p
}

// value adds a value placeholder; conditions use it too.
func (u *update) value(v types.AttributeValue) string {
	if u.values == nil {
		u.values = map[string]types.AttributeValue{}
	}
	p := fmt.Sprintf(":v%d", len(u.values))
	u.values[p] = v
	return p
}

func (u *update) set(attr string, v types.AttributeValue) {
	u.sets = append(u.sets, u.name(attr)+" = "+u.value(v))
}

func (u *update) setIfAbsent(attr string, v types.AttributeValue) {
	n := u.name(attr)
	u.sets = append(u.sets, fmt.Sprintf("%s = if_not_exists(%s, %s)", n, n, u.value(v)))
}

func (u *update) remove(attr string) { u.removes = append(u.removes, u.name(attr)) }

// cond renders a condition with %s verbs replaced by name placeholders for attrs, in order;
// values are added separately with value().
func (u *update) cond(format string, attrs ...string) string {
	args := make([]any, len(attrs))
	for i, a := range attrs {
		args[i] = u.name(a)
	}
	return fmt.Sprintf(format, args...)
}

func (u *update) expression() *string {
	var parts []string
	if len(u.sets) > 0 {
		parts = append(parts, "SET "+strings.Join(u.sets, ", "))
	}
	if len(u.removes) > 0 {
		parts = append(parts, "REMOVE "+strings.Join(u.removes, ", "))
	}
	e := strings.Join(parts, " ")
	return &e
}

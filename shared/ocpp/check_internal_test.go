package ocpp

import (
	"reflect"
	"testing"
)

func TestFractionDigits(t *testing.T) {
	tests := []struct {
		lit  string
		want int
	}{
		{"16", 0}, {"-16", 0}, {"16.0", 0}, {"16.5", 1}, {"16.50", 1}, {"16.25", 2}, {"0.1", 1},
		{"0", 0}, {"0.000", 0}, {"-0.0e5", 0}, {"81e-1", 1}, {"80e-2", 1}, {"81e-2", 2}, {"1.5e1", 0},
		{"1.55e1", 1}, {"1.555E+1", 2}, {"100e-2", 0}, {"1e-400", 400}, {"1e99999999999999999999", 0},
		{"1e-99999999999999999999", 1 << 30},
	}
	for _, tt := range tests {
		if got := fractionDigits([]byte(tt.lit)); got != tt.want {
			t.Errorf("fractionDigits(%s) = %d, want %d", tt.lit, got, tt.want)
		}
	}
}

func TestIntegerRange(t *testing.T) {
	r := &rule{kind: kindInt}
	tests := []struct {
		lit string
		ok  bool
	}{
		{"0", true}, {"-0", true}, {"2147483647", true}, {"-2147483648", true},
		{"2147483648", false}, {"-2147483649", false}, {"99999999999999999999999", false}, {"1.0", false}, {"1e2", false},
	}
	for _, tt := range tests {
		c := checker{}
		if err := c.integer([]byte(tt.lit), r); (err == nil) != tt.ok {
			t.Errorf("integer(%s) = %v, want ok=%v", tt.lit, err, tt.ok)
		}
	}
}

// TestSchemasCompile compiles every request and response type and checks that the tags say
// what the struct types say (no option silently ignored).
func TestSchemasCompile(t *testing.T) {
	for _, s := range specs {
		for _, v := range []any{s.NewRequest(), s.NewResponse()} {
			sc, err := schemaFor(reflect.TypeOf(v).Elem())
			if err != nil {
				t.Fatalf("%T: %v", v, err)
			}
			for _, f := range sc.fields {
				if f.name == "" || f.kind == 0 {
					t.Errorf("%T: field %+v incomplete", v, f)
				}
			}
		}
	}
	type bad struct {
		C chan int `json:"c"`
	}
	if _, err := schemaFor(reflect.TypeFor[bad]()); err == nil {
		t.Error("channel field compiled")
	}
	type badTag struct {
		S string `json:"s" ocpp:"maxx=3"`
	}
	if _, err := schemaFor(reflect.TypeFor[badTag]()); err == nil {
		t.Error("unknown tag option compiled")
	}
}

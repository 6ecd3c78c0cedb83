package mdsection

import "testing"

func TestReplaceIn(t *testing.T) {
	tests := []struct {
		name, doc, body, want string
		fails                 bool
	}{
		{name: "empty document", doc: "", body: "x", want: "\n<!-- begin s -->\nx\n<!-- end s -->\n"},
		{name: "appended", doc: "# T", body: "x\n\n", want: "# T\n\n<!-- begin s -->\nx\n<!-- end s -->\n"},
		{name: "replaced, prose kept", doc: "a\n<!-- begin s -->\nold\nold\n<!-- end s -->\nb\n", body: "new",
			want: "a\n<!-- begin s -->\nnew\n<!-- end s -->\nb\n"},
		{name: "other section untouched", doc: "<!-- begin t -->\nkeep\n<!-- end t -->\n", body: "x",
			want: "<!-- begin t -->\nkeep\n<!-- end t -->\n\n<!-- begin s -->\nx\n<!-- end s -->\n"},
		{name: "no end marker", doc: "<!-- begin s -->\nold\n", body: "x", fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReplaceIn(tt.doc, "s", tt.body)
			if (err != nil) != tt.fails {
				t.Fatalf("err = %v, want failure %v", err, tt.fails)
			}
			if !tt.fails && got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/serverless-ocpp/csms/shared/store"
	"github.com/serverless-ocpp/csms/shared/store/storetest"
)

func TestListPagination(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	for i := range 5 {
		if _, err := st.SaveIDTag(ctx, store.IDTag{IDTag: fmt.Sprintf("T%d", i), Status: "Accepted"}, t0); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	next := ""
	for pages := 1; ; pages++ {
		tags, n, err := st.ListIDTags(ctx, store.Page{Limit: 2, Next: next})
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range tags {
			seen[tag.IDTag] = true
		}
		if n == "" {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		next = n
	}
	if len(seen) != 5 {
		t.Fatalf("seen %v", seen)
	}
	for _, bad := range []string{"!!", "e30", "W10"} {
		if _, _, err := st.ListIDTags(ctx, store.Page{Limit: 2, Next: bad}); !errors.Is(err, store.ErrBadToken) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
}

package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// TestInboxItemsAfterCursor: the journal is read from just after the last id
// the processor saw, oldest first; deleted items are not returned and the
// count follows the deletions.
func TestInboxItemsAfterCursor(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	ids := func(items []*domain.InboxItem) string {
		out := ""
		for _, it := range items {
			out += it.ID + " "
		}
		return out
	}
	if err := s.Update(ctx, func(tx domain.Tx) error {
		for i := 1; i <= 5; i++ {
			it := &domain.InboxItem{ID: fmt.Sprintf("01J%d", i), ActivityID: fmt.Sprintf("https://a.test/%d", i), Raw: []byte("{}")}
			if err := tx.PutInboxItem(it); err != nil {
				return err
			}
		}
		return tx.DeleteInboxItem("01J2")
	}); err != nil {
		t.Fatal(err)
	}
	s.View(ctx, func(tx domain.Tx) error {
		for _, c := range []struct {
			after string
			limit int
			want  string
		}{
			{"", 10, "01J1 01J3 01J4 01J5 "},
			{"", 2, "01J1 01J3 "},
			{"01J1", 2, "01J3 01J4 "},
			{"01J2", 10, "01J3 01J4 01J5 "}, // a deleted cursor still works
			{"01J5", 10, ""},
		} {
			items, err := tx.InboxItems(c.after, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(items); got != c.want {
				t.Errorf("InboxItems(%q, %d) = %q, want %q", c.after, c.limit, got, c.want)
			}
		}
		if n, err := tx.InboxLen(); err != nil || n != 4 {
			t.Errorf("InboxLen = %d, %v; want 4", n, err)
		}
		return nil
	})
}

// TestInboxItemEncoding: journal items round-trip through their binary
// form, items journalled as JSON by earlier versions still read, and a
// damaged item is an error rather than a wrong activity.
func TestInboxItemEncoding(t *testing.T) {
	it := &domain.InboxItem{ID: "01JX", ActivityID: "https://a.test/act/1", Signer: "https://a.test/users/zoe",
		Raw: []byte(`{"type":"Create","content":"é \u0000"}`), Received: time.Date(2026, 11, 28, 18, 0, 0, 123, time.UTC)}
	got, err := decodeInboxItem("01JX", encodeInboxItem(it))
	if err != nil || !reflect.DeepEqual(got, it) {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, it)
	}
	old, _ := json.Marshal(it)
	if got, err := decodeInboxItem("01JX", old); err != nil || !reflect.DeepEqual(got, it) {
		t.Fatalf("JSON item of an earlier version: %+v, %v", got, err)
	}
	enc := encodeInboxItem(it)
	for _, bad := range [][]byte{nil, {0x02}, enc[:3], {journalV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		if got, err := decodeInboxItem("01JX", bad); err == nil {
			t.Errorf("decodeInboxItem(%x) = %+v, want an error", bad, got)
		}
	}
}

package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
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

// TestActivityKeepFor: an outgoing activity with KeepFor is stored with
// that time to live (Badger drops it after), one without is kept.
func TestActivityKeepFor(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	if err := s.Update(ctx, func(tx domain.Tx) error {
		if err := tx.PutActivity(&domain.OutActivity{ID: "https://n.test/activities/accept", Actor: "ada", JSON: []byte(`{}`),
			KeepFor: 30 * 24 * time.Hour}); err != nil {
			return err
		}
		return tx.PutActivity(&domain.OutActivity{ID: "https://n.test/notes/1/activity", Actor: "ada", JSON: []byte(`{}`)})
	}); err != nil {
		t.Fatal(err)
	}
	s.DB().View(func(txn *badger.Txn) error {
		accept, err := txn.Get(key(pActivity, "https://n.test/activities/accept"))
		if err != nil {
			t.Fatal(err)
		}
		left := time.Until(time.Unix(int64(accept.ExpiresAt()), 0))
		if left < 29*24*time.Hour || left > 30*24*time.Hour+time.Minute {
			t.Errorf("the Accept expires in %v, want about 30 days", left)
		}
		create, err := txn.Get(key(pActivity, "https://n.test/notes/1/activity"))
		if err != nil {
			t.Fatal(err)
		}
		if create.ExpiresAt() != 0 {
			t.Errorf("the Create expires at %d, want never", create.ExpiresAt())
		}
		return nil
	})
	s.View(ctx, func(tx domain.Tx) error {
		if _, err := tx.Activity("https://n.test/activities/accept"); err != nil {
			t.Errorf("the Accept is not readable before it expires: %v", err)
		}
		return nil
	})
}

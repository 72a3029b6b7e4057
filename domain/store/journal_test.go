package store

import (
	"context"
	"encoding/binary"
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
			it := &domain.InboxItem{ID: fmt.Sprintf("01J%d", i), ActivityID: fmt.Sprintf("https://a.test/%d", i), Host: "a.test", Raw: []byte("{}")}
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

// TestInboxItemsByHost: the journal is indexed by sending host: each
// host's items read in journal order from a cursor, the backlog counts them
// by host, and a deleted item leaves the index too (its host read from the
// item), so no count outlives its items.
func TestInboxItemsByHost(t *testing.T) {
	s := openMem(t)
	ctx := context.Background()
	hosts := map[int]string{1: "a.test", 2: "b.test", 3: "a.test", 4: "a.test", 5: "b.test", 6: "c.test"}
	if err := s.Update(ctx, func(tx domain.Tx) error {
		for i := 1; i <= 6; i++ {
			it := &domain.InboxItem{ID: fmt.Sprintf("01J%d", i), ActivityID: fmt.Sprintf("https://%s/%d", hosts[i], i), Host: hosts[i], Raw: []byte("{}")}
			if err := tx.PutInboxItem(it); err != nil {
				return err
			}
		}
		if err := tx.PutInboxItem(&domain.InboxItem{ID: "01J9", ActivityID: "https://x.test/9"}); err == nil {
			t.Error("an item without a host was journalled")
		}
		return tx.DeleteInboxItem("01J3")
	}); err != nil {
		t.Fatal(err)
	}
	ids := func(items []*domain.InboxItem) string {
		out := ""
		for _, it := range items {
			out += it.ID + "@" + it.Host + " "
		}
		return out
	}
	s.View(ctx, func(tx domain.Tx) error {
		for _, c := range []struct {
			host, after string
			limit       int
			want        string
		}{
			{"a.test", "", 10, "01J1@a.test 01J4@a.test "},
			{"a.test", "", 1, "01J1@a.test "},
			{"a.test", "01J1", 10, "01J4@a.test "},
			{"a.test", "01J3", 10, "01J4@a.test "}, // a deleted cursor still works
			{"b.test", "", 10, "01J2@b.test 01J5@b.test "},
			{"c.test", "", 10, "01J6@c.test "},
			{"d.test", "", 10, ""},
			{"a.tes", "", 10, ""}, // a prefix of a host is another host
		} {
			items, err := tx.InboxItemsFrom(c.host, c.after, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(items); got != c.want {
				t.Errorf("InboxItemsFrom(%q, %q, %d) = %q, want %q", c.host, c.after, c.limit, got, c.want)
			}
		}
		backlog, err := tx.InboxBacklog()
		if want := map[string]int{"a.test": 2, "b.test": 2, "c.test": 1}; err != nil || !reflect.DeepEqual(backlog, want) {
			t.Errorf("InboxBacklog = %v, %v; want %v", backlog, err, want)
		}
		return nil
	})
	if err := s.Update(ctx, func(tx domain.Tx) error {
		for _, id := range []string{"01J1", "01J2", "01J4", "01J5", "01J6", "01J6", "01JNONE"} {
			if err := tx.DeleteInboxItem(id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.View(ctx, func(tx domain.Tx) error {
		if backlog, err := tx.InboxBacklog(); err != nil || len(backlog) != 0 {
			t.Errorf("InboxBacklog after every item was deleted = %v, %v", backlog, err)
		}
		if n, _ := tx.InboxLen(); n != 0 {
			t.Errorf("InboxLen = %d after every item was deleted", n)
		}
		return nil
	})
}

// TestInboxItemEncoding: journal items round-trip through their binary
// form, items journalled as JSON by earlier versions still read, and a
// damaged item is an error rather than a wrong activity.
func TestInboxItemEncoding(t *testing.T) {
	it := &domain.InboxItem{ID: "01JX", ActivityID: "https://a.test/act/1", Signer: "https://a.test/users/zoe", Host: "a.test",
		Raw: []byte(`{"type":"Create","content":"é \u0000"}`), Received: time.Date(2026, 11, 28, 18, 0, 0, 123, time.UTC)}
	got, err := decodeInboxItem("01JX", encodeInboxItem(it))
	if err != nil || !reflect.DeepEqual(got, it) {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, it)
	}
	if host, err := journalHost(encodeInboxItem(it)); err != nil || host != "a.test" {
		t.Fatalf("journalHost = %q, %v", host, err)
	}
	// Earlier versions: JSON, and the binary form without a host (0x01).
	earlier := *it
	earlier.Host = ""
	asJSON, _ := json.Marshal(earlier)
	v1 := binary.AppendUvarint([]byte{journalV1}, uint64(len(it.ActivityID)))
	v1 = append(v1, it.ActivityID...)
	v1 = binary.AppendUvarint(v1, uint64(len(it.Signer)))
	v1 = append(v1, it.Signer...)
	v1 = binary.AppendVarint(v1, it.Received.UnixNano())
	v1 = append(v1, it.Raw...)
	for name, v := range map[string][]byte{"JSON": asJSON, "0x01": v1} {
		if got, err := decodeInboxItem("01JX", v); err != nil || !reflect.DeepEqual(got, &earlier) {
			t.Fatalf("%s item of an earlier version: %+v, %v", name, got, err)
		}
		if host, err := journalHost(v); err != nil || host != "" {
			t.Fatalf("journalHost of a %s item = %q, %v", name, host, err)
		}
	}
	enc := encodeInboxItem(it)
	for _, bad := range [][]byte{nil, {0x03}, {journalV2}, enc[:3], enc[:len(enc)-len(it.Raw)-1],
		{journalV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
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

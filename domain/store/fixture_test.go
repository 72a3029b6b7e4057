package store

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

// TestB7StoreOfTheFirstVersionOpens (HOSTILE B7): testdata/store-v1 is a
// data directory written by the first released version (commit e189be8:
// inbox journal items in JSON, values over 64 KiB in the value log). This
// version, with its own Badger and options, opens it and reads everything
// back; an upgrade of Badger that cannot read it fails here, not on an
// operator's server.
func TestB7StoreOfTheFirstVersionOpens(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/store-v1")); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("open the first version's store: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	err = s.View(ctx, func(tx domain.Tx) error {
		p, err := tx.Person("ada")
		if err != nil || p.DisplayName != "Ada" {
			t.Errorf("person: %+v, %v", p, err)
		}
		c, err := tx.Course("gentle-python")
		if err != nil || c.Title != "A Gentle Introduction to Python" {
			t.Errorf("course: %+v, %v", c, err)
		}
		if f, err := tx.Follower("gentle-python", "https://mastodon.example/users/zoe"); err != nil || f.State != domain.FollowAccepted {
			t.Errorf("follower: %+v, %v", f, err)
		}
		items, err := tx.InboxItems("", 10)
		if err != nil || len(items) != 1 || items[0].ActivityID != "https://mastodon.example/users/zoe/statuses/1/activity" ||
			!strings.Contains(string(items[0].Raw), `"Like"`) || items[0].Host != "" {
			t.Errorf("journalled activity: %+v, %v", items, err)
		}
		a, err := tx.Activity("https://node.example/notes/big/activity")
		if err != nil || len(a.JSON) < 100<<10 {
			t.Errorf("activity in the value log: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// And it takes writes.
	if err := s.Update(ctx, func(tx domain.Tx) error { return tx.DeleteInboxItem("01JFIXINBOX0000000000000000") }); err != nil {
		t.Fatal(err)
	}
}

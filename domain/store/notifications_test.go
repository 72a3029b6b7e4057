package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// TestNotificationsBoundedNewestFirst: a person's notifications page newest
// first; past domain.MaxNotifications the oldest go, and the unread count
// (a counter) follows the adds, the drops and the read marker.
func TestNotificationsBoundedNewestFirst(t *testing.T) {
	m := openMem(t)
	ctx := context.Background()
	add := func(from, to int) {
		t.Helper()
		err := m.Update(ctx, func(tx domain.Tx) error {
			for i := from; i < to; i++ {
				if err := tx.AddNotification(&domain.Notification{ID: fmt.Sprintf("01%06d", i), Person: "ada", Kind: domain.NotifyReply}); err != nil {
					return err
				}
			}
			return tx.AddNotification(&domain.Notification{ID: fmt.Sprintf("01%06d", to), Person: "bea", Kind: domain.NotifyBadge})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(wantUnread int, wantFirst, wantLast string) {
		t.Helper()
		err := m.View(ctx, func(tx domain.Tx) error {
			if n, err := tx.CountUnread("ada"); err != nil || n != wantUnread {
				t.Errorf("unread: %d, %v; want %d", n, err, wantUnread)
			}
			var ids []string
			cursor := ""
			for {
				page, err := tx.NotificationsPage("ada", cursor, domain.MaxPageSize)
				if err != nil {
					return err
				}
				for _, n := range page.Items {
					ids = append(ids, n.ID)
				}
				if cursor = page.Next; cursor == "" {
					break
				}
			}
			if len(ids) > domain.MaxNotifications || ids[0] != wantFirst || ids[len(ids)-1] != wantLast {
				t.Errorf("%d notifications from %s to %s; want at most %d from %s to %s", len(ids), ids[0], ids[len(ids)-1],
					domain.MaxNotifications, wantFirst, wantLast)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	add(0, 3)
	check(3, "01000002", "01000000")
	if err := m.Update(ctx, func(tx domain.Tx) error { return tx.MarkRead("ada", "01000002") }); err != nil {
		t.Fatal(err)
	}
	check(0, "01000002", "01000000")
	add(3, domain.MaxNotifications+2)
	// Two of the first three (read ones) were dropped: every new one is unread.
	check(domain.MaxNotifications-1, fmt.Sprintf("01%06d", domain.MaxNotifications+1), "01000002")
	add(domain.MaxNotifications+2, domain.MaxNotifications+4)
	// Now unread ones are dropped too, so the count stays at the bound.
	check(domain.MaxNotifications, fmt.Sprintf("01%06d", domain.MaxNotifications+3), "01000004")
	err := m.Update(ctx, func(tx domain.Tx) error {
		if err := tx.DeleteNotificationsOf("ada"); err != nil {
			return err
		}
		page, err := tx.NotificationsPage("ada", "", 10)
		if n, _ := tx.CountUnread("ada"); err != nil || len(page.Items) != 0 || n != 0 {
			t.Errorf("after deleting: %d left, %d unread, %v", len(page.Items), n, err)
		}
		if n, _ := tx.CountUnread("bea"); n != 3 {
			t.Errorf("bea's unread count %d, want 3", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateBuildsOrganiserListsOfSchema3: a store of schema 3 has
// courses but no list of them by organiser; Open builds it, drafts
// included.
func TestMigrateBuildsOrganiserListsOfSchema3(t *testing.T) {
	m := openMem(t)
	ctx := context.Background()
	err := m.Update(ctx, func(tx domain.Tx) error {
		for _, c := range []*domain.Course{
			{Handle: "python", Title: "Python", Organisers: []string{"ada", "bea"}, Status: domain.StatusOpen},
			{Handle: "rust", Title: "Rust", Organisers: []string{"ada"}, Status: domain.StatusDraft},
		} {
			if err := tx.PutCourse(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = m.db.Update(func(txn *badger.Txn) error {
		for _, k := range [][]byte{key(pCourseList, "organiser", "ada", "python"), key(pCourseList, "organiser", "ada", "rust"),
			key(pCourseList, "organiser", "bea", "python")} {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return txn.Set(key(pSchema), binary.BigEndian.AppendUint32(nil, 3))
	})
	if err != nil {
		t.Fatal(err)
	}
	organised := func(who string) string {
		var out []string
		if err := m.View(ctx, func(tx domain.Tx) error {
			page, err := tx.CoursesPage(domain.OrganisedCourses(who), "", 10, nil)
			for _, c := range page.Items {
				out = append(out, c.Handle)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(out)
	}
	if got := organised("ada"); got != "[]" {
		t.Fatalf("ada's list before the migration: %s", got)
	}
	if err := m.migrate(); err != nil {
		t.Fatal(err)
	}
	if got := organised("ada"); got != "[python rust]" {
		t.Errorf("ada organises %s, want [python rust]", got)
	}
	if got := organised("bea"); got != "[python]" {
		t.Errorf("bea organises %s, want [python]", got)
	}
}

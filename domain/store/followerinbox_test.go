package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// TestFollowerInboxesIndex: a course's delivery inboxes are its accepted
// followers' distinct inboxes, kept as followers arrive, are accepted,
// move to another inbox, are rejected and leave; a shared inbox stays as
// long as one accepted follower is behind it.
func TestFollowerInboxesIndex(t *testing.T) {
	m := openMem(t)
	ctx := context.Background()
	put := func(actor, inbox string, state domain.FollowState) {
		t.Helper()
		if err := m.Update(ctx, func(tx domain.Tx) error {
			return tx.PutFollower(&domain.Follower{Local: "python", Actor: actor, ActivityID: actor + "/follow", State: state, Inbox: inbox, Created: time.Now()})
		}); err != nil {
			t.Fatal(err)
		}
	}
	inboxes := func() []string {
		t.Helper()
		var out []string
		if err := m.View(ctx, func(tx domain.Tx) (err error) { out, err = tx.FollowerInboxes("python"); return err }); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	want := func(step string, w ...string) {
		t.Helper()
		if got := inboxes(); !slices.Equal(got, w) {
			t.Fatalf("%s: inboxes %q, want %q", step, got, w)
		}
	}
	put("https://a.example/u/1", "https://a.example/inbox", domain.FollowPending)
	want("pending")
	put("https://a.example/u/1", "https://a.example/inbox", domain.FollowAccepted)
	put("https://a.example/u/2", "https://a.example/inbox", domain.FollowAccepted)
	put("https://b.example/u/3", "https://b.example/u/3/inbox", domain.FollowAccepted)
	put("https://b.example/u/3", "https://b.example/u/3/inbox", domain.FollowAccepted) // the same again
	want("accepted", "https://a.example/inbox", "https://b.example/u/3/inbox")
	put("https://b.example/u/3", "https://b.example/inbox", domain.FollowAccepted) // b got a shared inbox
	want("moved", "https://a.example/inbox", "https://b.example/inbox")
	if err := m.Update(ctx, func(tx domain.Tx) error { return tx.DeleteFollower("python", "https://a.example/u/1") }); err != nil {
		t.Fatal(err)
	}
	want("one of two left", "https://a.example/inbox", "https://b.example/inbox")
	put("https://a.example/u/2", "https://a.example/inbox", domain.FollowPending) // back to pending (a moderated course)
	want("the other pending", "https://b.example/inbox")
	if err := m.Update(ctx, func(tx domain.Tx) error { return tx.DeleteFollower("python", "https://b.example/u/3") }); err != nil {
		t.Fatal(err)
	}
	want("all gone")
}

// TestFollowerInboxesInOneTransaction: within one transaction, what
// FollowerInboxes read is kept, and still follows the follower writes the
// transaction makes.
func TestFollowerInboxesInOneTransaction(t *testing.T) {
	m := openMem(t)
	err := m.Update(context.Background(), func(tx domain.Tx) error {
		got := func() []string {
			out, err := tx.FollowerInboxes("python")
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(out)
			return out
		}
		follow := func(actor, inbox string) {
			if err := tx.PutFollower(&domain.Follower{Local: "python", Actor: actor, State: domain.FollowAccepted, Inbox: inbox, Created: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		follow("https://a.example/u/1", "https://a.example/inbox")
		if g := got(); !slices.Equal(g, []string{"https://a.example/inbox"}) {
			t.Fatalf("first read: %q", g)
		}
		first := got()
		first[0] = "changed by the caller"
		follow("https://b.example/u/2", "https://b.example/inbox")
		if g := got(); !slices.Equal(g, []string{"https://a.example/inbox", "https://b.example/inbox"}) {
			t.Fatalf("after a follow in the same transaction: %q", g)
		}
		if err := tx.DeleteFollower("python", "https://a.example/u/1"); err != nil {
			return err
		}
		if g := got(); !slices.Equal(g, []string{"https://b.example/inbox"}) {
			t.Fatalf("after an unfollow in the same transaction: %q", g)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateBuildsFollowerInboxesOfSchema4: a store of schema 4 has
// followers but no follower-inbox index; Open builds it with the counts the
// writes would have kept.
func TestMigrateBuildsFollowerInboxesOfSchema4(t *testing.T) {
	m := openMem(t)
	ctx := context.Background()
	if err := m.Update(ctx, func(tx domain.Tx) error {
		for i := range 5 {
			actor := fmt.Sprintf("https://a.example/u/%d", i)
			state := domain.FollowAccepted
			if i == 4 {
				state = domain.FollowPending
			}
			if err := tx.PutFollower(&domain.Follower{Local: "python", Actor: actor, State: state, Inbox: "https://a.example/inbox", Created: time.Now()}); err != nil {
				return err
			}
		}
		return tx.PutFollower(&domain.Follower{Local: "python", Actor: "https://p.example/u/x", State: domain.FollowPending, Inbox: "https://p.example/inbox", Created: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	if err := m.db.Update(func(txn *badger.Txn) error {
		if err := txn.Delete(key(pFollowerInbox, "python", "https://a.example/inbox")); err != nil {
			return err
		}
		return txn.Set(key(pSchema), binary.BigEndian.AppendUint32(nil, 4))
	}); err != nil {
		t.Fatal(err)
	}
	if err := m.migrate(); err != nil {
		t.Fatal(err)
	}
	var inboxes []string
	var n int
	if err := m.View(ctx, func(t domain.Tx) (err error) {
		if inboxes, err = t.FollowerInboxes("python"); err != nil {
			return err
		}
		n, err = t.(*tx).counter(key(pFollowerInbox, "python", "https://a.example/inbox"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inboxes, []string{"https://a.example/inbox"}) || n != 4 {
		t.Fatalf("after the migration: %q, %d followers behind it; want the one inbox, 4", inboxes, n)
	}
}

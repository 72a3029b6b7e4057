package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/fetch"
)

// TestRefusedActivityInABatch: activities journalled together are applied
// in one transaction, but a refused one still changes nothing and leaves
// the journal, while the ones before and after it take effect. Bob's Delete
// of alice's note writes a tombstone before the handler refuses it; the
// rollback must take that tombstone away and keep alice's first note, which
// was applied earlier in the same transaction.
func TestRefusedActivityInABatch(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	bob := r.newRemote("https://good.test/users/bob")
	r.enrol(alice)
	r.enrol(bob)
	first, second := "https://good.test/notes/alice-1", "https://good.test/notes/alice-2"
	ctx := context.Background()
	receive := func(a *remoteActor, act map[string]any) {
		t.Helper()
		b, _ := json.Marshal(act)
		if err := r.inbox.Receive(ctx, r.signed(a, b)); err != nil {
			t.Fatal(err)
		}
	}
	receive(alice, wrap("Create", first+"/activity", alice, note(alice, first, "<p>first</p>")))
	receive(bob, wrap("Delete", "https://good.test/deletes/bob-1", bob, first))
	receive(alice, wrap("Create", second+"/activity", alice, note(alice, second, "<p>second</p>")))
	if n := r.journalLen(); n != 3 {
		t.Fatalf("journal holds %d activities before processing, want 3", n)
	}
	r.inbox.ProcessPending(ctx)

	if n := r.journalLen(); n != 0 {
		t.Fatalf("journal holds %d activities after processing, want 0", n)
	}
	if p := r.post(first); p == nil || !strings.Contains(p.Content, "first") {
		t.Fatalf("the note before the refused Delete: %s", brief(p))
	}
	if p := r.post(second); p == nil || !strings.Contains(p.Content, "second") {
		t.Fatalf("the note after the refused Delete: %s", brief(p))
	}
	r.view(func(tx domain.Tx) {
		if _, err := tx.Tombstone(first); !domain.IsNotFound(err) {
			t.Fatalf("the refused Delete left its tombstone: %v", err)
		}
	})
}

// TestLargeActivitiesJournalTogether: large activities arriving together
// are all journalled (one commit of them all would be too big for Badger:
// the journal writer splits it) and processed.
func TestLargeActivitiesJournalTogether(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	r.enrol(alice)
	ctx := context.Background()
	const n = 12
	errs := make(chan error, n)
	for i := range n {
		id := fmt.Sprintf("https://good.test/notes/big-%d", i)
		act := wrap("Create", id+"/activity", alice, note(alice, id, "<p>big</p>"))
		act["padding"] = strings.Repeat("x", 600<<10) // an extension we ignore
		b, _ := json.Marshal(act)
		go func() { errs <- r.inbox.Receive(ctx, r.signed(alice, b)) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatalf("a 600 KiB activity: %v", err)
		}
	}
	r.inbox.ProcessPending(ctx)
	for i := range n {
		if p := r.post(fmt.Sprintf("https://good.test/notes/big-%d", i)); p == nil {
			t.Fatalf("big note %d was not stored", i)
		}
	}
}

// TestStoreFailureKeepsTheActivity: when applying an activity fails in the
// store (not a refusal: the activity is fine), it stays journalled and is
// tried again, a few times, before the processor gives up on it; the
// activities around it are applied. Here the store cannot hold the post:
// the in-memory store takes values up to 1 MiB, and the note's activity
// is kept with it.
func TestStoreFailureKeepsTheActivity(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	r.enrol(alice)
	ctx := context.Background()
	send := func(id string, padding int) {
		t.Helper()
		act := wrap("Create", id+"/activity", alice, note(alice, id, "<p>hello</p>"))
		act["padding"] = strings.Repeat("x", padding)
		b, _ := json.Marshal(act)
		if err := r.inbox.Receive(ctx, r.signed(alice, b)); err != nil {
			t.Fatal(err)
		}
	}
	send("https://good.test/notes/small-1", 0)
	send("https://good.test/notes/too-big", 900<<10)
	send("https://good.test/notes/small-2", 0)
	r.inbox.ProcessPending(ctx)
	if n := r.journalLen(); n != 1 {
		t.Fatalf("journal holds %d activities after a failed one, want 1 (kept for another try)", n)
	}
	for _, id := range []string{"https://good.test/notes/small-1", "https://good.test/notes/small-2"} {
		if r.post(id) == nil {
			t.Fatalf("%s, next to the failing activity, was not applied", id)
		}
	}
	for range 3 {
		r.inbox.ProcessPending(ctx)
	}
	if n := r.journalLen(); n != 1 {
		t.Fatalf("journal holds %d activities after four tries, want 1", n)
	}
	r.inbox.ProcessPending(ctx) // the fifth try
	if n := r.journalLen(); n != 0 {
		t.Fatalf("journal holds %d activities after five tries, want 0 (given up)", n)
	}
}

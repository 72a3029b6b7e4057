package inbox_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// TestRefusedActivityInABatch: activities journalled together are applied
// in one transaction, but a refused one still changes nothing and leaves
// the journal, while the ones before and after it take effect. Bob's Delete
// of alice's note writes a tombstone before the handler refuses it; the
// rollback must take that tombstone away and keep alice's first note, which
// was applied earlier in the same transaction.
func TestRefusedActivityInABatch(t *testing.T) {
	r := newRig(t, federation.FetchConfig{})
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

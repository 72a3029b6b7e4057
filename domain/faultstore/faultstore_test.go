package faultstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/faultstore"
	"github.com/lernejo/lernejo/domain/store"
)

// TestFailHitsOnlyTheCallsNamed: a fault covers the calls of its method
// whose leading arguments match, in View and Update, with an error that is
// not a domain error; Heal lifts it.
func TestFailHitsOnlyTheCallsNamed(t *testing.T) {
	st, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	fs := faultstore.New(st)
	if err := fs.Update(ctx, func(tx domain.Tx) error {
		return tx.PutFollower(&domain.Follower{Local: "course", Actor: "https://x.test/a"})
	}); err != nil {
		t.Fatal(err)
	}
	follower := func(local, actor string) error {
		return fs.View(ctx, func(tx domain.Tx) error { _, err := tx.Follower(local, actor); return err })
	}
	fs.Fail("Follower", "course")
	for _, actor := range []string{"https://x.test/a", "https://x.test/b"} {
		err := follower("course", actor)
		if !errors.Is(err, faultstore.ErrInjected) || domain.IsNotFound(err) || domain.ErrorCode(err) != domain.EINTERNAL {
			t.Fatalf("Follower(course, %s): %v, want the injected I/O failure", actor, err)
		}
	}
	if err := follower("other", "https://x.test/a"); !domain.IsNotFound(err) {
		t.Fatalf("Follower(other, …) is not covered by the fault: %v, want not found", err)
	}
	if err := fs.Update(ctx, func(tx domain.Tx) error { _, err := tx.Follower("course", "https://x.test/a"); return err }); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("in Update: %v, want the injected failure", err)
	}
	if n := fs.Hits(); n != 3 {
		t.Fatalf("%d hits, want 3", n)
	}
	fs.Heal()
	if err := follower("course", "https://x.test/a"); err != nil {
		t.Fatalf("after Heal: %v", err)
	}
}

package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/faultstore"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
)

// TestRememberStopsWhenTheTombstoneCannotBeRead: an actor document is
// cached only when the store says the actor was not deleted. A failed
// read of its tombstone is not "not deleted": Remember fails, and caches
// nothing that a Delete had removed.
func TestRememberStopsWhenTheTombstoneCannotBeRead(t *testing.T) {
	st, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	const id = "https://gone.test/users/ghost"
	if err := st.Update(ctx, func(tx domain.Tx) error {
		return tx.PutTombstone(&domain.Tombstone{ID: id, Deleted: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{"@context": federation.NSActivityStreams, "id": id, "type": "Person",
		"preferredUsername": "ghost", "inbox": id + "/inbox",
		"publicKey": map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": kp.PublicPEM}})
	fs := faultstore.New(st)
	urls, _ := federation.NewURLs("https://node.test")
	r := &Resolver{Store: fs, URLs: urls, Sanitizer: federation.NewSanitizer()}
	fs.Fail("Tombstone", id)
	if _, err := r.Remember(ctx, doc); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("Remember with its tombstone unreadable: %v, want the store's error", err)
	}
	if err := st.View(ctx, func(tx domain.Tx) error { _, err := tx.RemoteActor(id); return err }); !domain.IsNotFound(err) {
		t.Fatalf("the deleted actor was cached again: %v", err)
	}
	fs.Heal()
	if _, err := r.Remember(ctx, doc); !domain.IsNotFound(err) {
		t.Fatalf("Remember of a deleted actor: %v, want not found", err)
	}
}

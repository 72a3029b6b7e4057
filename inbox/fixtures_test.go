package inbox_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/fetch"
)

var peerActors = []string{"gotosocial/actor-alice.json", "gotosocial/actor-instance.json", "snac/actor-alice.json"}

// TestEveryCapturedDeliveryIsVerifiedAndHandled feeds each real POST that
// GoToSocial and snac delivered into the inbox, with the clock at its Date:
// it verifies, is journalled and processed; the same bytes with one body
// byte changed are refused and leave nothing behind.
func TestEveryCapturedDeliveryIsVerifiedAndHandled(t *testing.T) {
	var names []string
	for _, dir := range []string{"gotosocial", "snac"} {
		m, _ := filepath.Glob(filepath.Join("..", "testdata", "fixtures", dir, "inbound-*.json"))
		for _, p := range m {
			if !strings.Contains(p, "inbound-get-") {
				names = append(names, filepath.Join(dir, filepath.Base(p)))
			}
		}
	}
	if len(names) < 30 {
		t.Fatalf("only %d fixtures found", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, fetch.Config{})
			r.remember(peerActors...)
			f := loadFixture(t, name)
			r.now = f.date(t)
			body := f.body(t)

			tampered := append([]byte(nil), body...)
			tampered[len(tampered)/2] ^= 0x01
			if err := r.inbox.Receive(context.Background(), f.request(tampered)); statusOf(err) != 401 {
				t.Fatalf("one changed body byte: %v, want 401", err)
			}
			if r.journalLen() != 0 {
				t.Fatal("a refused request was journalled")
			}

			if err := r.inbox.Receive(context.Background(), f.request(body)); err != nil {
				t.Fatalf("captured request refused: %v", err)
			}
			if r.journalLen() != 1 {
				t.Fatalf("journal holds %d items, want 1", r.journalLen())
			}
			// Delivered twice (retry, or shared + personal inbox): acknowledged, kept once (D3).
			if err := r.inbox.Receive(context.Background(), f.request(body)); err != nil || r.journalLen() != 1 {
				t.Fatalf("duplicate: %v, journal %d", err, r.journalLen())
			}
			r.inbox.ProcessPending(context.Background())
			if r.journalLen() != 0 {
				t.Fatal("journal not emptied by processing")
			}
			if err := r.inbox.Receive(context.Background(), f.request(body)); err != nil || r.journalLen() != 0 {
				t.Fatalf("duplicate after processing: %v, journal %d", err, r.journalLen())
			}
		})
	}
}

// TestCapturedFollowEnrolsAndUndoLeaves: GoToSocial's and snac's Follow of
// the course is accepted with a signed Accept queued to the follower's inbox
// (the Follow embedded), and their Undo removes the follower.
func TestCapturedFollowEnrolsAndUndoLeaves(t *testing.T) {
	for _, peer := range []struct{ dir, actor, inbox string }{
		{"gotosocial", "https://gts.test/users/alice", "https://gts.test/users/alice/inbox"},
		{"snac", "https://snac.test/alice", "https://snac.test/alice/inbox"},
	} {
		t.Run(peer.dir, func(t *testing.T) {
			r := newRig(t, fetch.Config{})
			r.remember(peerActors...)
			follow := loadFixture(t, peer.dir+"/inbound-follow.json")
			r.now = follow.date(t)
			if err := r.inbox.Receive(context.Background(), follow.request(follow.body(t))); err != nil {
				t.Fatal(err)
			}
			r.inbox.ProcessPending(context.Background())
			r.view(func(tx domain.Tx) {
				f, err := tx.Follower("course", peer.actor)
				if err != nil || f.State != domain.FollowAccepted || f.ActivityID != follow.BodyJSON["id"] {
					t.Fatalf("follower: %+v %v", f, err)
				}
			})
			ds := r.deliveries()
			if len(ds) != 1 || !strings.HasPrefix(ds[0], peer.inbox+" ") {
				t.Fatalf("deliveries %v", ds)
			}
			for _, want := range []string{`"type":"Accept"`, `"actor":"https://node.test/courses/course"`, `"id":"` + follow.BodyJSON["id"].(string) + `"`, `"to":["` + peer.actor + `"]`} {
				if !strings.Contains(ds[0], want) {
					t.Errorf("accept lacks %s: %s", want, ds[0])
				}
			}
			undo := loadFixture(t, peer.dir+"/inbound-undo-follow.json")
			r.now = undo.date(t)
			if err := r.inbox.Receive(context.Background(), undo.request(undo.body(t))); err != nil {
				t.Fatal(err)
			}
			r.inbox.ProcessPending(context.Background())
			r.view(func(tx domain.Tx) {
				if _, err := tx.Follower("course", peer.actor); !domain.IsNotFound(err) {
					t.Fatalf("follower after undo: %v", err)
				}
				if n, _ := tx.CountFollowers("course", domain.FollowAccepted); n != 0 {
					t.Fatalf("%d followers after undo", n)
				}
			})
			// A replay of the Follow after its Undo enrols nobody (D10): the
			// seen-set drops it, and so would the tombstone.
			if err := r.inbox.Receive(context.Background(), follow.request(follow.body(t))); err != nil {
				t.Fatal(err)
			}
			r.inbox.ProcessPending(context.Background())
			r.view(func(tx domain.Tx) {
				if _, err := tx.Follower("course", peer.actor); !domain.IsNotFound(err) {
					t.Fatal("a replayed Follow re-enrolled the learner")
				}
			})
		})
	}
}

func TestCapturedDeleteLeavesTombstone(t *testing.T) {
	r := newRig(t, fetch.Config{})
	r.remember(peerActors...)
	f := loadFixture(t, "gotosocial/inbound-delete-note.json")
	r.now = f.date(t)
	if err := r.inbox.Receive(context.Background(), f.request(f.body(t))); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(context.Background())
	note, _ := f.BodyJSON["object"].(string)
	r.view(func(tx domain.Tx) {
		if _, err := tx.Tombstone(note); err != nil {
			t.Fatalf("no tombstone for %s: %v", note, err)
		}
	})
}

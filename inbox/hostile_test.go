package inbox_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/fetch"
)

func followBody(id, actor string) []byte {
	b, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Follow",
		"actor": actor, "object": "https://node.test/courses/course"})
	return b
}

// expectRefused sends req and checks the status and that nothing was stored.
func (r *rig) expectRefused(req interface{}, status int, err error) {
	r.t.Helper()
	if statusOf(err) != status {
		r.t.Fatalf("got %v (%d), want %d", err, statusOf(err), status)
	}
	if n := r.journalLen(); n != 0 {
		r.t.Fatalf("refused request left %d journal items", n)
	}
}

func TestHostileRequestsAreRefusedAndStoreNothing(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, fetch.Config{})
	mallory := r.newRemote("https://evil.test/users/mallory")
	alice := r.newRemote("https://good.test/users/alice")
	body := followBody("https://evil.test/follows/1", mallory.id)

	t.Run("S1 unsigned", func(t *testing.T) {
		req := r.signed(mallory, body)
		req.Header.Del("Signature")
		err := r.inbox.Receive(ctx, req)
		r.expectRefused(req, 401, err)
	})
	t.Run("S1 malformed signature", func(t *testing.T) {
		req := r.signed(mallory, body)
		req.Header.Set("Signature", `keyId="x",,signature=`)
		r.expectRefused(req, 401, r.inbox.Receive(ctx, req))
	})
	t.Run("S2 headers=date only", func(t *testing.T) {
		// A correct signature, but over the date alone: replayable with any body.
		req := r.signed(mallory, body)
		hr, _ := http.NewRequest("POST", "https://node.test/inbox", nil)
		hr.Header.Set("Date", req.Header.Get("Date"))
		sig := signOver(t, mallory, "date: "+req.Header.Get("Date"))
		req.Header.Set("Signature", `keyId="`+mallory.keyID+`",algorithm="rsa-sha256",headers="date",signature="`+sig+`"`)
		r.expectRefused(req, 401, r.inbox.Receive(ctx, req))
	})
	t.Run("S3 body swapped under a valid signature", func(t *testing.T) {
		req := r.signed(mallory, body)
		req.Body = followBody("https://evil.test/follows/2", mallory.id)
		r.expectRefused(req, 401, r.inbox.Receive(ctx, req))
	})
	t.Run("S5 Date 13 hours old", func(t *testing.T) {
		req := r.signed(mallory, body)
		saved := r.now
		r.now = r.now.Add(13 * time.Hour)
		defer func() { r.now = saved }()
		r.expectRefused(req, 401, r.inbox.Receive(ctx, req))
	})
	t.Run("S7 key owner is not the actor", func(t *testing.T) {
		// Mallory signs with her own key and claims to be Alice.
		req := r.signed(mallory, followBody("https://good.test/follows/3", alice.id))
		r.expectRefused(req, 401, r.inbox.Receive(ctx, req))
	})
	t.Run("O1 object on another host", func(t *testing.T) {
		b, _ := json.Marshal(map[string]any{"id": "https://evil.test/create/1", "type": "Create", "actor": mallory.id,
			"object": map[string]any{"id": "https://good.test/notes/1", "type": "Note", "attributedTo": mallory.id, "content": "hi"}})
		req := r.signed(mallory, b)
		r.expectRefused(req, 400, r.inbox.Receive(ctx, req))
	})
	t.Run("O1 attributed to someone else", func(t *testing.T) {
		b, _ := json.Marshal(map[string]any{"id": "https://evil.test/create/2", "type": "Create", "actor": mallory.id,
			"object": map[string]any{"id": "https://evil.test/notes/2", "type": "Note", "attributedTo": alice.id, "content": "hi"}})
		req := r.signed(mallory, b)
		r.expectRefused(req, 400, r.inbox.Receive(ctx, req))
	})
	t.Run("O3 update of another actor", func(t *testing.T) {
		b, _ := json.Marshal(map[string]any{"id": "https://evil.test/update/1", "type": "Update", "actor": mallory.id,
			"object": map[string]any{"id": alice.id, "type": "Person"}})
		req := r.signed(mallory, b)
		r.expectRefused(req, 400, r.inbox.Receive(ctx, req))
	})
	t.Run("O10 id on our host", func(t *testing.T) {
		req := r.signed(mallory, followBody("https://node.test/activities/forged", mallory.id))
		r.expectRefused(req, 403, r.inbox.Receive(ctx, req))
	})
	t.Run("P1 2 MiB body", func(t *testing.T) {
		big := []byte(`{"id":"https://evil.test/x","type":"Note","content":"` + strings.Repeat("a", 2<<20) + `"}`)
		req := r.signed(mallory, big)
		r.expectRefused(req, 413, r.inbox.Receive(ctx, req))
	})
	t.Run("P2 deep JSON", func(t *testing.T) {
		deep := `{"id":"https://evil.test/deep","type":"Follow","actor":"` + mallory.id + `","object":` +
			strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`
		req := r.signed(mallory, []byte(deep))
		r.expectRefused(req, 400, r.inbox.Receive(ctx, req))
	})
	t.Run("P9 wrong content type", func(t *testing.T) {
		req := r.signed(mallory, body)
		req.Header.Set("Content-Type", "text/plain")
		r.expectRefused(req, 415, r.inbox.Receive(ctx, req))
	})
}

// signOver signs an arbitrary signing string with a's key (for S2).
func signOver(t *testing.T, a *remoteActor, s string) string {
	t.Helper()
	return signString(a.key, s)
}

// TestKeyOnLoopbackIsNeverFetched: a keyId on 127.0.0.1 with private
// networks off is refused, and a listener there sees no connection (F1).
func TestKeyOnLoopbackIsNeverFetched(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	defer ln.Close()
	r := newRig(t, fetch.Config{})
	mallory := r.newRemote("https://evil.test/users/mallory")
	for _, keyID := range []string{"http://" + ln.Addr().String() + "/users/x#main-key", "https://" + ln.Addr().String() + "/key"} {
		mallory.keyID = keyID
		req := r.signed(mallory, followBody("https://evil.test/follows/9", mallory.id))
		r.expectRefused(req, 401, r.inbox.Receive(context.Background(), req))
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("the guard let %d connections through to loopback", n)
	}
}

// TestConcurrentDuplicatesAreJournalledOnce: the same activity arriving on
// many connections at once (shared and personal inbox, retries) is
// acknowledged every time and kept once (D3).
func TestConcurrentDuplicatesAreJournalledOnce(t *testing.T) {
	r := newRig(t, fetch.Config{})
	mallory := r.newRemote("https://evil.test/users/mallory")
	req := r.signed(mallory, followBody("https://evil.test/follows/dup", mallory.id))
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.inbox.Receive(context.Background(), req); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := r.journalLen(); n != 1 {
		t.Fatalf("journal holds %d copies", n)
	}
	r.inbox.ProcessPending(context.Background())
	r.view(func(tx domain.Tx) {
		fs, _ := tx.Followers("course")
		if len(fs) != 1 {
			t.Fatalf("%d followers", len(fs))
		}
	})
	if ds := r.deliveries(); len(ds) != 1 {
		t.Fatalf("%d Accepts queued, want 1", len(ds))
	}
}

// TestDeleteOfUnknownActorFetchesNothing (M6): its key is usually gone.
func TestDeleteOfUnknownActorFetchesNothing(t *testing.T) {
	r := newRig(t, fetch.Config{})
	ghost := r.newRemote("https://gone.test/users/ghost")
	r.store.Update(context.Background(), func(tx domain.Tx) error { return tx.DeleteRemoteActor(ghost.id) })
	b, _ := json.Marshal(map[string]any{"id": ghost.id + "#delete", "type": "Delete", "actor": ghost.id, "object": ghost.id})
	if err := r.inbox.Receive(context.Background(), r.signed(ghost, b)); err != nil {
		t.Fatalf("delete of an unknown actor: %v", err)
	}
	if r.journalLen() != 0 {
		t.Fatal("delete of an unknown actor was journalled")
	}
}

// TestDeleteOfActorDropsItsFollows: a follower's account is deleted.
func TestDeleteOfActorDropsItsFollows(t *testing.T) {
	r := newRig(t, fetch.Config{})
	bob := r.newRemote("https://good.test/users/bob")
	ctx := context.Background()
	if err := r.inbox.Receive(ctx, r.signed(bob, followBody("https://good.test/follows/1", bob.id))); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": bob.id + "#delete", "type": "Delete", "actor": bob.id, "object": bob.id})
	if err := r.inbox.Receive(ctx, r.signed(bob, b)); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(ctx)
	r.view(func(tx domain.Tx) {
		if _, err := tx.Follower("course", bob.id); !domain.IsNotFound(err) {
			t.Errorf("follower survived its actor's deletion: %v", err)
		}
		if _, err := tx.RemoteActor(bob.id); !domain.IsNotFound(err) {
			t.Errorf("cached actor survived: %v", err)
		}
		if _, err := tx.Tombstone(bob.id); err != nil {
			t.Errorf("no tombstone: %v", err)
		}
	})
}

// TestCoursesAnswerBySignUpMode: moderated courses hold the follow pending,
// closed and full ones answer Reject, drafts ignore it.
func TestCoursesAnswerBySignUpMode(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		mutate func(*domain.Course)
		state  domain.FollowState // "" = no follower
		answer string             // type of the queued answer, "" = none
	}{
		{"open", func(c *domain.Course) {}, domain.FollowAccepted, "Accept"},
		{"moderated", func(c *domain.Course) { c.SignUp = domain.SignUpModerated }, domain.FollowPending, ""},
		{"closed sign-up", func(c *domain.Course) { c.SignUp = domain.SignUpClosed }, "", "Reject"},
		{"closed course", func(c *domain.Course) { c.Status = domain.StatusClosed }, "", "Reject"},
		{"draft", func(c *domain.Course) { c.Status = domain.StatusDraft }, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, fetch.Config{})
			r.store.Update(ctx, func(tx domain.Tx) error {
				c, _ := tx.Course("course")
				tc.mutate(c)
				return tx.PutCourse(c)
			})
			bob := r.newRemote("https://good.test/users/bob")
			if err := r.inbox.Receive(ctx, r.signed(bob, followBody("https://good.test/follows/1", bob.id))); err != nil {
				t.Fatal(err)
			}
			r.inbox.ProcessPending(ctx)
			r.view(func(tx domain.Tx) {
				f, err := tx.Follower("course", bob.id)
				if tc.state == "" && !domain.IsNotFound(err) || tc.state != "" && (err != nil || f.State != tc.state) {
					t.Errorf("follower %+v %v, want state %q", f, err, tc.state)
				}
			})
			ds := r.deliveries()
			if tc.answer == "" && len(ds) != 0 || tc.answer != "" && (len(ds) != 1 || !strings.Contains(ds[0], `"type":"`+tc.answer+`"`)) {
				t.Errorf("deliveries %v, want %q", ds, tc.answer)
			}
		})
	}
	t.Run("full", func(t *testing.T) {
		r := newRig(t, fetch.Config{})
		r.store.Update(ctx, func(tx domain.Tx) error {
			c, _ := tx.Course("course")
			c.Capacity = 1
			return tx.PutCourse(c)
		})
		for i, name := range []string{"bob", "carol"} {
			a := r.newRemote("https://good.test/users/" + name)
			if err := r.inbox.Receive(ctx, r.signed(a, followBody("https://good.test/follows/"+name, a.id))); err != nil {
				t.Fatal(err)
			}
			r.inbox.ProcessPending(ctx)
			ds := r.deliveries()
			want := []string{"Accept", "Reject"}[i]
			if !strings.Contains(ds[len(ds)-1], `"type":"`+want+`"`) {
				t.Fatalf("%s: %v, want %s", name, ds, want)
			}
		}
	})
}

// TestBlockEndsTheFollow: a remote account that blocks a course no longer
// follows it, so the course stops delivering to it.
func TestBlockEndsTheFollow(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, fetch.Config{})
	bob := r.newRemote("https://good.test/users/bob")
	if err := r.inbox.Receive(ctx, r.signed(bob, followBody("https://good.test/follows/1", bob.id))); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(ctx)
	b, _ := json.Marshal(map[string]any{"id": "https://good.test/blocks/1", "type": "Block", "actor": bob.id,
		"object": "https://node.test/courses/course"})
	if err := r.inbox.Receive(ctx, r.signed(bob, b)); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(ctx)
	r.view(func(tx domain.Tx) {
		if _, err := tx.Follower("course", bob.id); !domain.IsNotFound(err) {
			t.Fatalf("the blocker still follows: %v", err)
		}
	})
}

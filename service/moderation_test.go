package service

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/outbox"
)

// modFixture is a store holding follows, deliveries, cached actors, posts,
// cached course tasks and received badges on a blocked domain, its subdomains, and hosts that must survive.
func modFixture(t *testing.T) (*store.Store, *Moderation) {
	t.Helper()
	st, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	n := 0
	urls, _ := federation.NewURLs("https://node.test")
	newID := func() string { n++; return fmt.Sprintf("01JMOD%020d", n) }
	svc := New(Config{Store: st, Queue: outbox.New(outbox.Config{Store: st, URLs: urls, NewID: newID}),
		Docs: federation.Documents{URLs: urls}, Now: func() time.Time { return now }, NewID: newID,
		NewKeys: func() (domain.KeyPair, error) { return domain.KeyPair{PublicPEM: "P", PrivatePEM: "K"}, nil }})
	ctx := context.Background()
	if err := svc.Accounts.Register(ctx, &domain.Person{Handle: "ada", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "course", Title: "Course", Status: domain.StatusOpen, Organisers: []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	err = st.Update(ctx, func(tx domain.Tx) error {
		for i, actor := range []string{
			"https://blocked.example/users/bad",
			"https://sub.blocked.example/users/worse",
			"https://good.example/users/fine",
			"https://notblocked.example/users/fine",
		} {
			if err := tx.PutRemoteActor(&domain.RemoteActor{ID: actor, KeyID: actor + "#main-key", Inbox: actor + "/inbox"}); err != nil {
				return err
			}
			if err := tx.PutFollower(&domain.Follower{Local: "course", Actor: actor, State: domain.FollowAccepted, Inbox: actor + "/inbox", Created: now}); err != nil {
				return err
			}
			if err := tx.PutFollowing(&domain.Following{Local: "ada", Target: actor, ActivityID: fmt.Sprintf("https://node.test/activities/f%d", i), Created: now}); err != nil {
				return err
			}
			if err := tx.PutDelivery(&domain.Delivery{ID: fmt.Sprintf("01JD%d", i), ActivityID: "https://node.test/activities/a", Actor: "course", Inbox: actor + "/inbox", NextAt: now}); err != nil {
				return err
			}
			course := strings.Replace(actor, "/users/", "/courses/", 1)
			if err := tx.PutRemoteTask(&domain.RemoteTask{ID: course + "/tasks/1", Course: course, Position: 1, Title: "Task", Fetched: now}); err != nil {
				return err
			}
			if err := tx.PutReceivedBadge(&domain.ReceivedBadge{Learner: "ada", Assertion: course + "/awards/1", NoteURI: course + "/notes/award",
				Name: "Badge", Issuer: course, IssuedOn: now}); err != nil {
				return err
			}
			id := fmt.Sprintf("01JP%d", i)
			if err := tx.PutPost(&domain.Post{ID: id, Course: "course", URI: actor + "/notes/1", Author: actor, Thread: id, Content: "<p>hi</p>", Published: now}); err != nil {
				return err
			}
		}
		// A local post always survives, whatever is blocked.
		return tx.PutPost(&domain.Post{ID: "01JPLOCAL", Course: "course", URI: "https://node.test/posts/01JPLOCAL", Author: "https://node.test/courses/course",
			Local: true, Thread: "01JPLOCAL", Content: "<p>ours</p>", Published: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, svc.Moderation
}

// TestBlockDomainPurges (HOSTILE M1, M3): blocking a domain, in any
// spelling, drops follows both ways, queued deliveries, cached actors,
// their posts, the cached tasks of their courses and the badges they gave,
// for the domain and its subdomains, and nothing else.
func TestBlockDomainPurges(t *testing.T) {
	for _, spelling := range []string{"blocked.example", "BLOCKED.example.", "*.blocked.example", "https://Blocked.Example:443/@bad"} {
		t.Run(spelling, func(t *testing.T) {
			st, m := modFixture(t)
			ctx := context.Background()
			b, purged, err := m.BlockDomain(ctx, spelling, "  spam wave ")
			if err != nil {
				t.Fatal(err)
			}
			if b.Domain != "blocked.example" || b.Reason != "spam wave" {
				t.Fatalf("block %+v", b)
			}
			if purged != (Purged{Followers: 2, Followings: 2, Deliveries: 2, Actors: 2, Posts: 2, Tasks: 2, Badges: 2}) {
				t.Errorf("purged %+v", purged)
			}
			st.View(ctx, func(tx domain.Tx) error {
				fs, _ := tx.Followers("course")
				gs, _ := tx.Followings("ada")
				ds, _ := tx.Deliveries()
				as, _ := tx.RemoteActors()
				ps, _ := tx.CoursePosts("course", 0, 0)
				if len(fs) != 2 || len(gs) != 2 || len(ds) != 2 || len(as) != 2 || len(ps) != 3 {
					t.Fatalf("left %d followers, %d followings, %d deliveries, %d actors, %d posts", len(fs), len(gs), len(ds), len(as), len(ps))
				}
				for _, f := range fs {
					if federation.HostCovered(hostOfURL(f.Actor), "blocked.example") {
						t.Errorf("follower %s kept", f.Actor)
					}
				}
				for _, p := range ps {
					if federation.HostCovered(hostOfURL(p.Author), "blocked.example") {
						t.Errorf("post %s kept", p.URI)
					}
				}
				if _, err := tx.RemoteActorByKey("https://sub.blocked.example/users/worse#main-key"); !domain.IsNotFound(err) {
					t.Errorf("key index of a purged actor: %v", err)
				}
				if _, err := tx.FollowingByActivity("https://node.test/activities/f0"); !domain.IsNotFound(err) {
					t.Errorf("following index of a purged follow: %v", err)
				}
				if _, err := tx.Post("https://node.test/posts/01JPLOCAL"); err != nil {
					t.Errorf("local post purged: %v", err)
				}
				tasks, _ := tx.AllRemoteTasks()
				badges, _ := tx.ReceivedBadges("ada")
				if len(tasks) != 2 || len(badges) != 2 {
					t.Fatalf("left %d cached tasks, %d received badges", len(tasks), len(badges))
				}
				for _, rt := range tasks {
					if federation.HostCovered(hostOfURL(rt.Course), "blocked.example") {
						t.Errorf("task %s kept", rt.ID)
					}
				}
				for _, b := range badges {
					if federation.HostCovered(hostOfURL(b.Issuer), "blocked.example") {
						t.Errorf("badge from %s kept", b.Issuer)
					}
				}
				if _, err := tx.ReceivedBadgeByNote("https://blocked.example/courses/bad/notes/award"); !domain.IsNotFound(err) {
					t.Errorf("note index of a purged badge: %v", err)
				}
				if _, err := tx.ReceivedBadgeByNote("https://good.example/courses/fine/notes/award"); err != nil {
					t.Errorf("a badge from a good host: %v", err)
				}
				return nil
			})
			for host, want := range map[string]bool{"blocked.example": true, "x.sub.blocked.example": true, "notblocked.example": false, "good.example": false} {
				if got, err := m.Blocked(host); err != nil || got != want {
					t.Errorf("Blocked(%s) = %v %v", host, got, err)
				}
			}
		})
	}
}

func TestBlockDomainRefusesBadDomainsAndUnblocks(t *testing.T) {
	_, m := modFixture(t)
	ctx := context.Background()
	for _, bad := range []string{"", "  ", "*.", "bad host", "a..b", "xn--", "node.test", "NODE.test.", "test", "127.1", "user@evil.example"} {
		if _, _, err := m.BlockDomain(ctx, bad, ""); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("BlockDomain(%q) = %v, want EINVALID", bad, err)
		}
	}
	// An IDN spelling is stored as its ASCII form (O12).
	b, _, err := m.BlockDomain(ctx, "Bücher.Example", "")
	if err != nil || b.Domain != "xn--bcher-kva.example" {
		t.Fatalf("IDN block %+v %v", b, err)
	}
	if got, _ := m.Blocked("shop.xn--bcher-kva.example"); !got {
		t.Error("subdomain of an IDN block not covered")
	}
	if got, _ := m.Blocked("shop.bücher.example"); !got {
		t.Error("Unicode spelling of an IDN block not covered")
	}
	if err := m.UnblockDomain(ctx, "BÜCHER.example."); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Blocked("xn--bcher-kva.example"); got {
		t.Error("still blocked after unblock")
	}
	if err := m.UnblockDomain(ctx, "never.example"); !domain.IsNotFound(err) {
		t.Errorf("unblocking an unknown domain: %v", err)
	}
	bs, _ := m.DomainBlocks(ctx)
	if len(bs) != 0 {
		t.Errorf("blocks left: %+v", bs)
	}
}

func hostOfURL(id string) string {
	h, _ := federation.HostOf(id)
	return h
}

package web

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/faultstore"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
)

// TestPagesReportStoreFailures: what a page shows is read in one
// transaction; when a lookup in it fails, the page fails (500) rather than
// show the record as absent: a name that is not the actor's. The course
// pages' read models are held to the same in service's
// TestReadModelsReportStoreFailures.
func TestPagesReportStoreFailures(t *testing.T) {
	const raeID = "https://remote.test/users/rae"
	urls, _ := federation.NewURLs("https://node.test")
	bob := urls.Actor(domain.ActorPerson, "bob")
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		fail []string
		read func(s *Server, tx domain.Tx) error
	}{
		{"feed: a local author's name", []string{"Person", "bob"}, func(s *Server, tx domain.Tx) error {
			_, err := s.localName(tx, domain.ActorPerson, "bob")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := store.Open(store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			keys := domain.KeyPair{PublicPEM: "P", PrivatePEM: "K"}
			now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
			if err := st.Update(ctx, func(tx domain.Tx) error {
				if err := tx.CreatePerson(&domain.Person{Handle: "bob", DisplayName: "Bob"}, keys); err != nil {
					return err
				}
				if err := tx.CreateCourse(&domain.Course{Handle: "course", Title: "Course", Status: domain.StatusOpen}, keys); err != nil {
					return err
				}
				if err := tx.PutRemoteActor(&domain.RemoteActor{ID: raeID, Username: "rae", Host: "remote.test", Inbox: raeID + "/inbox"}); err != nil {
					return err
				}
				for _, f := range []*domain.Follower{
					{Local: "course", Actor: bob, State: domain.FollowAccepted},
					{Local: "course", Actor: raeID, State: domain.FollowAccepted, Inbox: raeID + "/inbox"},
				} {
					if err := tx.PutFollower(f); err != nil {
						return err
					}
				}
				for _, p := range []*domain.Post{
					{ID: "01JQ", Course: "course", URI: "https://node.test/posts/q", Author: bob, Thread: "01JQ", Published: now},
					{ID: "01JR", Course: "course", URI: "https://remote.test/notes/r", Author: raeID, Thread: "01JQ",
						InReplyTo: "https://node.test/posts/q", Published: now.Add(time.Minute)},
				} {
					if err := tx.PutPost(p); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			fs := faultstore.New(st)
			s := &Server{urls: urls}
			if err := fs.View(ctx, func(tx domain.Tx) error { return tc.read(s, tx) }); err != nil {
				t.Fatalf("with nothing failing: %v", err)
			}
			fs.Fail(tc.fail[0], tc.fail[1:]...)
			err = fs.View(ctx, func(tx domain.Tx) error { return tc.read(s, tx) })
			if fs.Hits() == 0 {
				t.Fatalf("the page never called %v: the row tests nothing", tc.fail)
			}
			if !errors.Is(err, faultstore.ErrInjected) {
				t.Fatalf("with %v failing the page read %v, want the store's error", tc.fail, err)
			}
		})
	}
}

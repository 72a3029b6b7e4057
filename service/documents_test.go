package service

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/faultstore"
)

// TestPublicReadsReportStoreFailures: what a document or a public page
// shows is read in one transaction; when a lookup in it fails, the read
// fails (500) rather than show the record as absent: an author named by
// their id instead of their name. The course pages' read models are held
// to the same in TestReadModelsReportStoreFailures.
func TestPublicReadsReportStoreFailures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		fail []string
		read func(u *useCases) error
	}{
		{"feed: a local author's name", []string{"Person", "bob"}, func(u *useCases) error {
			_, err := u.svc.Documents.Feed(ctx, "course")
			return err
		}},
		{"feed: a remote author's name", []string{"RemoteActor", raeID}, func(u *useCases) error {
			_, err := u.svc.Documents.Feed(ctx, "course")
			return err
		}},
		{"thread page: a reply's author", []string{"RemoteActor", raeID}, func(u *useCases) error {
			_, err := u.svc.Posts.Thread(ctx, "", "01JQ", "")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUseCases(t)
			u.discussionWithReply()
			u.announced()
			if err := tc.read(u); err != nil {
				t.Fatalf("with nothing failing: %v", err)
			}
			u.fs.Fail(tc.fail[0], tc.fail[1:]...)
			err := tc.read(u)
			if u.fs.Hits() == 0 {
				t.Fatalf("the read never called %v: the row tests nothing", tc.fail)
			}
			if !errors.Is(err, faultstore.ErrInjected) {
				t.Fatalf("with %v failing the read returned %v, want the store's error", tc.fail, err)
			}
		})
	}
}

// announced adds two posts the course sent out, for its feed: one of
// bob's and one of rae's.
func (u *useCases) announced() {
	u.t.Helper()
	now := time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC)
	u.update(func(tx domain.Tx) error {
		for _, p := range []*domain.Post{
			{ID: "01JS", Course: "course", URI: "https://node.test/posts/s", Author: u.person("bob"), Thread: "01JS",
				Activity: "https://node.test/activities/s", Local: true, Published: now},
			{ID: "01JT", Course: "course", URI: "https://remote.test/notes/t", Author: raeID, Thread: "01JT",
				Activity: "https://node.test/activities/t", Published: now.Add(time.Minute)},
		} {
			if err := tx.PutPost(p); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestFeedNamesAuthors: a feed entry names its author as a reader knows
// them: a local person by their display name (or, without one, their
// handle on this node), a remote actor by theirs (or, without one,
// their handle), never by an id.
func TestFeedNamesAuthors(t *testing.T) {
	u := newUseCases(t)
	u.announced()
	f, err := u.svc.Documents.Feed(context.Background(), "course")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range f.Entries {
		got[e.Post.URI] = e.Author
	}
	if len(got) != 2 || got["https://node.test/posts/s"] != "@bob@node.test" || got["https://remote.test/notes/t"] != "@rae@remote.test" {
		t.Fatalf("feed authors %v, want bob as @bob@node.test and rae as @rae@remote.test", got)
	}
}

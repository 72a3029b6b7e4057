package service

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/faultstore"
)

// TestReadModelsReportStoreFailures: what a page shows is read in one
// transaction; when a lookup in it fails, the read fails (the page answers
// 500) rather than show the record as absent: a learner shown "not
// enrolled", a reply shown as a thread of its own, a name that is not the
// actor's, a task shown not done.
func TestReadModelsReportStoreFailures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		fail func(u *useCases) []string
		read func(u *useCases) error
	}{
		{"course page: the viewer's enrolment", func(u *useCases) []string { return []string{"Follower", "course", u.person("bob")} },
			func(u *useCases) error {
				_, err := u.svc.Courses.Page(ctx, "bob", "course", CoursePageQuery{})
				return err
			}},
		{"course page: an author's name", func(u *useCases) []string { return []string{"RemoteActor", raeID} },
			func(u *useCases) error {
				_, err := u.svc.Courses.Page(ctx, "", "course", CoursePageQuery{})
				return err
			}},
		{"discussion: a reply's author", func(u *useCases) []string { return []string{"RemoteActor", raeID} },
			func(u *useCases) error {
				return u.fs.View(ctx, func(tx domain.Tx) error {
					_, err := u.svc.Courses.discussion(tx, "", "course", "")
					return err
				})
			}},
		{"organisers' page: a member's name", func(u *useCases) []string { return []string{"RemoteActor", raeID} },
			func(u *useCases) error {
				_, err := u.svc.Courses.Manage(ctx, "ada", "course", ManageQuery{Tab: TabProgress})
				return err
			}},
		{"organisers' page: a member's progress", func(u *useCases) []string { return []string{"Completion", "course"} },
			func(u *useCases) error {
				_, err := u.svc.Courses.Manage(ctx, "ada", "course", ManageQuery{Tab: TabProgress})
				return err
			}},
		{"organisers' page: a badge's awards", func(u *useCases) []string {
			u.badge(&domain.Badge{Name: "Kind", Criteria: domain.CriteriaOrganiser}, raeID)
			return []string{"BadgeAwardsPage"}
		},
			func(u *useCases) error {
				_, err := u.svc.Courses.Manage(ctx, "ada", "course", ManageQuery{Tab: TabBadges})
				return err
			}},
		{"task page: the viewer's completion", func(u *useCases) []string { return []string{"Completion", "course", u.task(), u.person("bob")} },
			func(u *useCases) error {
				_, err := u.svc.Tasks.Page(ctx, "bob", "course", u.task())
				return err
			}},
		{"remote course page: the viewer's enrolment", func(u *useCases) []string { return []string{"Following", "ada", gID} },
			func(u *useCases) error {
				_, err := u.svc.Enrolment.Remote(ctx, "ada", gID, "")
				return err
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUseCases(t)
			u.discussionWithReply()
			if err := tc.read(u); err != nil {
				t.Fatalf("with nothing failing: %v", err)
			}
			fail := tc.fail(u)
			u.fs.Fail(fail[0], fail[1:]...)
			err := tc.read(u)
			if u.fs.Hits() == 0 {
				t.Fatalf("the read never called %v: the row tests nothing", fail)
			}
			if !errors.Is(err, faultstore.ErrInjected) {
				t.Fatalf("with %v failing the read returned %v, want the store's error", fail, err)
			}
		})
	}
}

// discussionWithReply adds a task of the course, a post of bob's and rae's
// reply to it.
func (u *useCases) discussionWithReply() {
	u.t.Helper()
	if err := u.svc.Tasks.Add(context.Background(), "ada", &domain.Task{Course: "course", Title: "Task"}); err != nil {
		u.t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	u.update(func(tx domain.Tx) error {
		for _, p := range []*domain.Post{
			{ID: "01JQ", Course: "course", URI: "https://node.test/posts/q", Author: u.person("bob"), Thread: "01JQ", Published: now},
			{ID: "01JR", Course: "course", URI: "https://remote.test/notes/r", Author: raeID, Thread: "01JQ",
				InReplyTo: "https://node.test/posts/q", Published: now.Add(time.Minute)},
		} {
			if err := tx.PutPost(p); err != nil {
				return err
			}
		}
		return nil
	})
}

// task is the id of the course's first task.
func (u *useCases) task() string {
	u.t.Helper()
	var id string
	u.view(func(tx domain.Tx) error {
		ts, err := tx.Tasks("course")
		if err == nil && len(ts) > 0 {
			id = ts[0].ID
		}
		return err
	})
	if id == "" {
		u.t.Fatal("the course has no task")
	}
	return id
}

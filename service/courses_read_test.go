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

// TestProgressReadModels: the course page, a task's page and the
// organisers' Progress tab count the tasks a learner did of the course's;
// a task's page names the next task in order, none after the last; the
// Badges tab lists a badge's awards; an unknown tab is not found.
func TestProgressReadModels(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	for _, title := range []string{"One", "Two", "Three"} {
		if err := u.svc.Tasks.Add(ctx, "ada", &domain.Task{Course: "course", Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	tasks, err := u.svc.Tasks.List(ctx, "course")
	if err != nil || len(tasks) != 3 {
		t.Fatalf("tasks %v (%v)", tasks, err)
	}
	if _, err := u.svc.Tasks.Complete(ctx, "bob", "course", tasks[0].ID, "", ""); err != nil {
		t.Fatal(err)
	}
	cp, err := u.svc.Courses.Page(ctx, "bob", "course", CoursePageQuery{})
	if err != nil || cp.DoneCount != 1 || len(cp.Tasks) != 3 {
		t.Fatalf("course page: %d of %d (%v)", cp.DoneCount, len(cp.Tasks), err)
	}
	for i, want := range []string{"Two", "Three", ""} {
		tp, err := u.svc.Tasks.Page(ctx, "bob", "course", tasks[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		next := ""
		if tp.Next != nil {
			next = tp.Next.Title
		}
		if next != want || tp.TaskCount != 3 || tp.DoneCount != 1 || !tp.Enrolled {
			t.Errorf("task %d: next %q (want %q), %d of %d, enrolled %v", i+1, next, want, tp.DoneCount, tp.TaskCount, tp.Enrolled)
		}
	}
	if tp, err := u.svc.Tasks.Page(ctx, "", "course", tasks[0].ID); err != nil || tp.Enrolled || tp.DoneCount != 0 {
		t.Errorf("a visitor's task page: enrolled %v, %d done (%v)", tp.Enrolled, tp.DoneCount, err)
	}
	m, err := u.svc.Courses.Manage(ctx, "ada", "course", ManageQuery{Tab: TabProgress})
	if err != nil {
		t.Fatal(err)
	}
	for _, mb := range m.Members {
		if mb.Actor == u.person("bob") && (mb.DoneCount != 1 || len(mb.Done) != 3) {
			t.Errorf("Progress tab: bob did %d of %d", mb.DoneCount, len(mb.Done))
		}
	}
	badge := u.badge(&domain.Badge{Name: "Kind", Criteria: domain.CriteriaOrganiser}, u.person("bob"))
	m, err = u.svc.Courses.Manage(ctx, "ada", "course", ManageQuery{Tab: TabBadges})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Awards) != 1 || m.Awards[0].Badge.ID != badge || len(m.Awards[0].Awards) != 1 || m.Awards[0].Awards[0].Learner != "@bob" {
		t.Errorf("Badges tab: %+v", m.Awards)
	}
	if _, err := u.svc.Courses.Manage(ctx, "ada", "course", ManageQuery{Tab: "nothing"}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("an unknown tab: %v", err)
	}
}

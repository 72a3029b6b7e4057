package service

import (
	"context"
	"fmt"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

// TestLearningPage: "My learning" lists the courses a person takes, here
// and on other servers, with their progress; the sign-ups that wait; the
// courses they organise, drafts included; and their badges.
func TestLearningPage(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	for _, title := range []string{"One", "Two"} {
		if err := u.svc.Tasks.Add(ctx, "ada", &domain.Task{Course: "course", Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := u.svc.Tasks.Complete(ctx, "bob", "course", u.task(), "", ""); err != nil {
		t.Fatal(err)
	}
	if err := u.svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "draft", Title: "Draft", Organisers: []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	if err := u.svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "moderated", Title: "Moderated", Status: domain.StatusOpen,
		SignUp: domain.SignUpModerated, Organisers: []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Enrolment.EnrolLocal(ctx, "bob", "moderated", ""); err != nil {
		t.Fatal(err)
	}
	u.badge(&domain.Badge{Name: "Gopher", Description: "Wrote Go."}, u.person("bob"))
	u.update(func(tx domain.Tx) error {
		if err := tx.PutFollowing(&domain.Following{Local: "bob", Target: gID, ActivityID: "https://node.test/activities/join-g",
			State: domain.FollowPending}); err != nil {
			return err
		}
		return tx.PutRemoteTask(&domain.RemoteTask{ID: gID + "/tasks/1", Course: gID, Position: 1, Title: "Dig"})
	})
	list := func(cs []LearningCourse) string {
		out := ""
		for _, c := range cs {
			out += fmt.Sprintf("[%s %s %v %s %d/%d]", c.Title, c.URL, c.Remote, c.Status, c.Done, c.Tasks)
		}
		return out
	}
	bob, err := u.svc.Accounts.Learning(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := list(bob.Taking), "[Course /courses/course false open 1/2]"; got != want {
		t.Errorf("bob takes %s, want %s", got, want)
	}
	if got, want := list(bob.Pending), "[Moderated /courses/moderated false open 0/0][@g@remote.test /remote?id=https%3A%2F%2Fremote.test%2Fcourses%2Fg true  0/0]"; got != want {
		t.Errorf("bob waits for %s, want %s", got, want)
	}
	if len(bob.Organising) != 0 || len(bob.Badges) != 1 || bob.Badges[0].Name != "Gopher" {
		t.Errorf("bob organises %s and holds %+v", list(bob.Organising), bob.Badges)
	}
	ada, err := u.svc.Accounts.Learning(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := list(ada.Taking), "[@g@remote.test /remote?id=https%3A%2F%2Fremote.test%2Fcourses%2Fg true  0/1]"; got != want {
		t.Errorf("ada takes %s, want %s", got, want)
	}
	if got, want := list(ada.Organising), "[Course /courses/course false open 0/0][Draft /courses/draft false draft 0/0][Moderated /courses/moderated false open 0/0]"; got != want {
		t.Errorf("ada organises %s, want %s", got, want)
	}
	if len(ada.Pending) != 0 || len(ada.Badges) != 0 {
		t.Errorf("ada waits for %s and holds %+v", list(ada.Pending), ada.Badges)
	}
}

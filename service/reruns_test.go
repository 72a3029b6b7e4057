package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// TestRunAgain: the next run of a course is a draft under a new handle
// with the same tasks, badges (their chosen tasks the new run's) and
// meetings moved to the new start at the same wall-clock time; both runs
// link to each other and the old run's followers get its new actor. A
// course has one next run, and only its organisers make it.
func TestRunAgain(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	for _, title := range []string{"Install Python", "Loops"} {
		if err := u.svc.Tasks.Add(ctx, "ada", &domain.Task{Course: "course", Title: title, Source: "Do it."}); err != nil {
			t.Fatal(err)
		}
	}
	var tasks []*domain.Task
	u.view(func(tx domain.Tx) (err error) { tasks, err = tx.Tasks("course"); return err })
	u.badge(&domain.Badge{Name: "Loops", Criteria: domain.CriteriaChosenTasks, Tasks: []string{tasks[1].ID}}, "")
	m, err := u.svc.Meetings.Create(ctx, "ada", "course", MeetingInput{Title: "Study group", Start: "2026-12-01T18:30",
		Timezone: "Europe/Berlin", Minutes: 90, Repeat: domain.RepeatWeekly, Count: 4, Place: "Room 4"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Meetings.Skip(ctx, "ada", "course", m.ID, m.All()[1].Start, true); err != nil {
		t.Fatal(err)
	}
	old := u.course("course")
	old.Starts, old.Ends = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 22, 0, 0, 0, 0, time.UTC)
	if err := u.svc.Courses.Update(ctx, "ada", old); err != nil {
		t.Fatal(err)
	}
	before := countOf(u.sentObjects(raeID+"/inbox"), "Update "+u.urls.Actor(domain.ActorCourse, "course"))

	if _, err := u.svc.Courses.RunAgain(ctx, "bob", "course", "course-b", time.Time{}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("a learner runs the course again: %v", err)
	}
	if _, err := u.svc.Courses.RunAgain(ctx, "ada", "course", "course", time.Time{}); err == nil {
		t.Fatal("the next run took the course's own handle")
	}
	starts := time.Date(2027, 1, 12, 0, 0, 0, 0, time.UTC)
	next, err := u.svc.Courses.RunAgain(ctx, "ada", "course", "course-2", starts)
	if err != nil {
		t.Fatal(err)
	}
	if next.Status != domain.StatusDraft || next.Previous != "course" || !next.Starts.Equal(starts) ||
		!next.Ends.Equal(time.Date(2027, 2, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("next run: status %s, previous %q, %s to %s", next.Status, next.Previous, next.Starts, next.Ends)
	}
	if got := u.course("course").Next; got != "course-2" {
		t.Fatalf("the old run's next is %q", got)
	}
	if after := countOf(u.sentObjects(raeID+"/inbox"), "Update "+u.urls.Actor(domain.ActorCourse, "course")); after != before+1 {
		t.Errorf("the old run's followers got %d new Updates of it, want 1", after-before)
	}
	var newTasks []*domain.Task
	var newBadges []*domain.Badge
	var newMeetings []*domain.Meeting
	u.view(func(tx domain.Tx) (err error) {
		if newTasks, err = tx.Tasks("course-2"); err != nil {
			return err
		}
		if newBadges, err = tx.Badges("course-2"); err != nil {
			return err
		}
		newMeetings, err = tx.Meetings("course-2")
		return err
	})
	if len(newTasks) != 2 || newTasks[1].Title != "Loops" || newTasks[1].ID == tasks[1].ID || newTasks[1].Position != 2 {
		t.Fatalf("tasks of the next run: %+v", newTasks)
	}
	if len(newBadges) != 1 || len(newBadges[0].Tasks) != 1 || newBadges[0].Tasks[0] != newTasks[1].ID {
		t.Fatalf("badges of the next run: %+v", newBadges)
	}
	if len(newMeetings) != 1 {
		t.Fatalf("%d meetings in the next run", len(newMeetings))
	}
	nm := newMeetings[0]
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if s := nm.Start.In(berlin); s.Format("2006-01-02 15:04") != "2027-01-12 18:30" {
		t.Errorf("the next run's meeting starts %s", s.Format("2006-01-02 15:04"))
	}
	if len(nm.Skipped) != 1 || nm.Skipped[0].In(berlin).Format("2006-01-02 15:04") != "2027-01-19 18:30" {
		t.Errorf("the next run's skipped sessions: %v", nm.Skipped)
	}
	if _, err := u.svc.Courses.RunAgain(ctx, "ada", "course", "course-3", starts); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("a second next run: %v", err)
	}
}

// TestNextRunInvitesThePreviousRunsFollowers: when the next run opens, the
// old run posts to its followers once, with the new run's handle; editing
// the open run later sends no second invitation, and the links between
// runs survive the form.
func TestNextRunInvitesThePreviousRunsFollowers(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	next, err := u.svc.Courses.RunAgain(ctx, "ada", "course", "course-2", time.Date(2027, 1, 12, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	creates := func() int { return countOf(u.sentTo(raeID+"/inbox"), "Create") }
	before := creates()
	next.Status = domain.StatusOpen
	form := *next
	form.Previous, form.Invited = "", false // what a form would post: no links
	if err := u.svc.Courses.Update(ctx, "ada", &form); err != nil {
		t.Fatal(err)
	}
	if got := creates() - before; got != 1 {
		t.Fatalf("the old run's followers got %d posts, want 1", got)
	}
	var posts []*domain.Post
	u.view(func(tx domain.Tx) (err error) { posts, err = tx.CoursePosts("course", 0, 10); return err })
	found := false
	for _, p := range posts {
		if strings.Contains(p.Content, "@course-2@node.test") || strings.Contains(p.Content, "course-2") {
			found = true
		}
	}
	if !found {
		t.Error("the invitation is not in the old run's discussion")
	}
	again := u.course("course-2")
	if !again.Invited || again.Previous != "course" {
		t.Fatalf("after opening: invited %v, previous %q", again.Invited, again.Previous)
	}
	again.Title = "Course, second run"
	if err := u.svc.Courses.Update(ctx, "ada", again); err != nil {
		t.Fatal(err)
	}
	if got := creates() - before; got != 1 {
		t.Fatalf("after an edit the old run's followers got %d posts, want 1", got)
	}
}

package service

import (
	"context"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// twoTasks adds two tasks to the course and returns their ids in order.
func (u *useCases) twoTasks() (string, string) {
	u.t.Helper()
	ctx := context.Background()
	var ids []string
	for _, title := range []string{"Loops", "Functions"} {
		task := &domain.Task{Course: "course", Title: title, Body: "Do it."}
		if err := u.svc.Tasks.Add(ctx, "ada", task); err != nil {
			u.t.Fatal(err)
		}
		ids = append(ids, task.ID)
	}
	return ids[0], ids[1]
}

func (u *useCases) completions(course, learner string) int {
	n := 0
	u.view(func(tx domain.Tx) error { cs, err := tx.CompletionsOf(course, learner); n = len(cs); return err })
	return n
}

// TestRestartSelfPacedCourse: a learner who restarts a self-paced course
// starts from no task done, keeps what they did as earlier attempts (the
// work, the note, when), and keeps the badge it earned; doing one task
// again sets aside that one alone.
func TestRestartSelfPacedCourse(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	bob := u.person("bob")
	loops, funcs := u.twoTasks()
	badge := u.badge(&domain.Badge{Name: "Finisher", Criteria: domain.CriteriaAllTasks}, "")
	if _, err := u.svc.Tasks.Complete(ctx, "bob", "course", loops, "https://code.test/bob/loops", "First try."); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Tasks.Complete(ctx, "bob", "course", funcs, "", ""); err != nil {
		t.Fatal(err)
	}
	if u.awards(bob, badge) != 1 {
		t.Fatal("doing both tasks did not earn the badge")
	}

	if err := u.svc.Tasks.Redo(ctx, "bob", "course", funcs); err != nil {
		t.Fatal(err)
	}
	page, err := u.svc.Tasks.Page(ctx, "bob", "course", funcs)
	if err != nil {
		t.Fatal(err)
	}
	if page.Mine != nil || page.DoneCount != 1 || len(page.Earlier) != 1 || page.Earlier[0].Title != "Functions" {
		t.Fatalf("after doing it again: mine %+v, %d done, earlier %+v", page.Mine, page.DoneCount, page.Earlier)
	}
	if _, err := u.svc.Tasks.Complete(ctx, "bob", "course", funcs, "https://code.test/bob/funcs", ""); err != nil {
		t.Fatal(err)
	}

	n, err := u.svc.Tasks.RestartCourse(ctx, "bob", "course")
	if err != nil || n != 2 {
		t.Fatalf("restart: %d set aside, %v", n, err)
	}
	cp, err := u.svc.Courses.Page(ctx, "bob", "course", CoursePageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if cp.DoneCount != 0 || len(cp.Done) != 0 {
		t.Errorf("after the restart the course page counts %d done: %v", cp.DoneCount, cp.Done)
	}
	if len(cp.Earlier) != 3 {
		t.Fatalf("earlier attempts %+v, want 3 (functions twice, loops once)", cp.Earlier)
	}
	first := cp.Earlier[0]
	if first.Task != funcs || first.Evidence != "" || !first.Restarted.Equal(u.svc.Tasks.Now().UTC()) {
		t.Errorf("the first attempt set aside is %+v", first)
	}
	var lp *domain.PastCompletion
	for _, a := range cp.Earlier[1:] {
		if a.Task == loops {
			lp = a
		}
	}
	if lp == nil || lp.Title != "Loops" || lp.Evidence != "https://code.test/bob/loops" || lp.Note != "First try." || lp.Done.IsZero() {
		t.Errorf("the loops attempt kept is %+v", lp)
	}
	if u.awards(bob, badge) != 1 {
		t.Error("the badge went with the restart")
	}
	if _, err := u.svc.Tasks.RestartCourse(ctx, "bob", "course"); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("restarting with nothing done: %v, want EINVALID", err)
	}
	if err := u.svc.Tasks.Redo(ctx, "bob", "course", loops); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("doing again a task not done: %v, want ENOTFOUND", err)
	}
}

// TestRestartRefusedForCoursesWithDates: a course that runs on dates
// cannot be restarted whole, here or elsewhere, and the refusal changes
// nothing; one task may still be done again.
func TestRestartRefusedForCoursesWithDates(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	bob := u.person("bob")
	loops, funcs := u.twoTasks()
	co := u.course("course")
	co.Starts = time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	if err := u.svc.Courses.Update(ctx, "ada", co); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{loops, funcs} {
		if _, err := u.svc.Tasks.Complete(ctx, "bob", "course", id, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := u.svc.Tasks.RestartCourse(ctx, "bob", "course"); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("restarting a course with dates: %v, want EFORBIDDEN", err)
	}
	if n := u.completions("course", bob); n != 2 {
		t.Errorf("the refused restart left %d completions, want 2", n)
	}
	if err := u.svc.Tasks.Redo(ctx, "bob", "course", loops); err != nil {
		t.Errorf("doing one task of a course with dates again: %v", err)
	}

	// The remote course says it has dates.
	u.update(func(tx domain.Tx) error {
		ra, err := tx.RemoteActor(gID)
		if err != nil {
			return err
		}
		ra.Starts = time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
		return tx.PutRemoteActor(ra)
	})
	if _, err := u.svc.Tasks.Complete(ctx, "ada", gID, gID+"/tasks/t1", "", ""); err != nil {
		t.Fatal(err)
	}
	before := u.deliveries()
	if _, err := u.svc.Tasks.RestartCourse(ctx, "ada", gID); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("restarting a remote course with dates: %v, want EFORBIDDEN", err)
	}
	if u.completions(gID, u.person("ada")) != 1 || u.deliveries() != before {
		t.Error("the refused remote restart changed something")
	}
}

// TestRestartCourseElsewhere: restarting a self-paced course on another
// Lernejo node takes back each completion there with Remove{completion}
// and keeps the attempts here, with their tasks' titles as cached.
func TestRestartCourseElsewhere(t *testing.T) {
	u := newUseCases(t)
	ctx := context.Background()
	ada := u.person("ada")
	u.update(func(tx domain.Tx) error {
		for i, title := range []string{"Loops", "Functions"} {
			id := gID + "/tasks/t" + string(rune('1'+i))
			if err := tx.PutRemoteTask(&domain.RemoteTask{ID: id, Course: gID, Position: i + 1, Title: title}); err != nil {
				return err
			}
		}
		return nil
	})
	var ids []string
	for _, task := range []string{gID + "/tasks/t1", gID + "/tasks/t2"} {
		c, err := u.svc.Tasks.Complete(ctx, "ada", gID, task, "https://code.test/ada", "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	n, err := u.svc.Tasks.RestartCourse(ctx, "ada", gID)
	if err != nil || n != 2 {
		t.Fatalf("restart elsewhere: %d, %v", n, err)
	}
	sent := u.sentObjects(gID + "/inbox")
	removes := map[string]bool{}
	for _, s := range sent {
		for _, id := range ids {
			if s == "Remove "+id {
				removes[id] = true
			}
		}
	}
	if len(removes) != 2 {
		t.Errorf("sent to the course %v, want a Remove of each of %v", sent, ids)
	}
	if u.completions(gID, ada) != 0 {
		t.Error("completions are left after the restart")
	}
	p, err := u.svc.Enrolment.Remote(ctx, "ada", gID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Done) != 0 || len(p.Earlier) != 2 || len(p.Earlier[gID+"/tasks/t2"]) != 1 || p.Earlier[gID+"/tasks/t2"][0].Title != "Functions" {
		t.Errorf("the remote course page: done %v, earlier %+v", p.Done, p.Earlier)
	}
}

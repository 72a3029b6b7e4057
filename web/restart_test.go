package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestDoAgainAndRestart: a learner of the self-paced demo course does a
// task again from its page and restarts the whole course from the
// course's page; what they did is listed as earlier attempts, progress
// starts again, and the flash says how much was set aside. Restarting with
// nothing done, or a course that runs on dates, is refused with a message
// and changes nothing.
func TestDoAgainAndRestart(t *testing.T) {
	n := startNode(t, node.Config{})
	course := "/courses/" + node.DemoCourse
	bea := newBrowser(t, n.base)
	resp, body := bea.post("/signup", signupForm(bea.csrf("/signup"), "bea"))
	wantStatus(t, "sign-up", resp, body, 303)
	resp, _ = bea.post(course+"/join", url.Values{"_csrf": {bea.csrf(course)}})
	wantRedirect(t, "join", resp, course)
	beaID := n.URLs.Actor(domain.ActorPerson, "bea")
	var tasks []*domain.Task
	n.Store.View(context.Background(), func(tx domain.Tx) (err error) { tasks, err = tx.Tasks(node.DemoCourse); return err })
	task := func(i int) string { return course + "/tasks/" + tasks[i].ID }
	for i, work := range []string{"https://work.test/bea/1", "https://work.test/bea/2"} {
		resp, _ = bea.post(task(i)+"/done", url.Values{"_csrf": {bea.csrf(task(i))}, "evidence": {work}})
		wantRedirect(t, "mark done", resp, task(i))
	}
	done := func() int {
		k := 0
		n.Store.View(context.Background(), func(tx domain.Tx) error {
			cs, err := tx.CompletionsOf(node.DemoCourse, beaID)
			k = len(cs)
			return err
		})
		return k
	}

	page := bea.mustGet(t, task(1))
	if !strings.Contains(page, `action="`+task(1)+`/redo"`) || strings.Contains(page, "Your earlier attempts") {
		t.Fatalf("the done task has no Do it again form, or already earlier attempts:\n%s", page)
	}
	resp, _ = bea.post(task(1)+"/redo", url.Values{"_csrf": {bea.csrf(task(1))}})
	wantRedirect(t, "do it again", resp, task(1))
	page = bea.mustGet(t, task(1))
	for _, want := range []string{"You can do it again: your earlier attempt is kept below.", "Your earlier attempts",
		`<a href="https://work.test/bea/2"`, "Mark as done"} {
		if !strings.Contains(page, want) {
			t.Errorf("the task done again does not say %q", want)
		}
	}
	if strings.Contains(page, "You did this task") || done() != 1 {
		t.Errorf("after doing it again: %d completions, page says done: %v", done(), strings.Contains(page, "You did this task"))
	}

	page = bea.mustGet(t, course)
	if !strings.Contains(page, `action="`+course+`/restart"`) {
		t.Fatal("the course page has no Restart form for a learner who did a task")
	}
	resp, _ = bea.post(course+"/restart", url.Values{"_csrf": {bea.csrf(course)}})
	wantRedirect(t, "restart", resp, course)
	page = bea.mustGet(t, course)
	for _, want := range []string{"Restarted: 1 task is set aside with your earlier attempts.", "Your 2 earlier attempts",
		`<a href="` + task(0) + `">` + tasks[0].Title + `</a>: done `, "0 of "} {
		if !strings.Contains(page, want) {
			t.Errorf("the restarted course does not say %q", want)
		}
	}
	if strings.Contains(page, "✓ done") || strings.Contains(page, `action="`+course+`/restart"`) || done() != 0 {
		t.Errorf("after the restart: %d completions; the page still shows done tasks or the Restart form", done())
	}

	// Nothing left to restart (a form posted twice).
	resp, _ = bea.post(course+"/restart", url.Values{"_csrf": {bea.csrf(course)}})
	wantRedirect(t, "restart again", resp, course)
	if page = bea.mustGet(t, course); !strings.Contains(page, "You have done none of its tasks yet, so there is nothing to restart.") {
		t.Error("a restart with nothing done is not refused with its message")
	}

	// The course gets dates: it runs once, and a restart is refused.
	n.Store.Update(context.Background(), func(tx domain.Tx) error {
		c, err := tx.Course(node.DemoCourse)
		if err != nil {
			return err
		}
		c.Starts = time.Now().AddDate(0, 0, -7)
		return tx.PutCourse(c)
	})
	resp, _ = bea.post(task(0)+"/done", url.Values{"_csrf": {bea.csrf(task(0))}})
	wantRedirect(t, "mark done in a course with dates", resp, task(0))
	if page = bea.mustGet(t, course); strings.Contains(page, `action="`+course+`/restart"`) {
		t.Error("a course with dates offers Restart")
	}
	resp, _ = bea.post(course+"/restart", url.Values{"_csrf": {bea.csrf(course)}})
	wantRedirect(t, "restart a course with dates", resp, course)
	if page = bea.mustGet(t, course); !strings.Contains(page, "cannot be restarted: join its next run") || done() != 1 {
		t.Errorf("the restart of a course with dates: %d completions left, want 1; refusal shown: %v", done(),
			strings.Contains(page, "cannot be restarted"))
	}
}

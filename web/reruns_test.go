package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestRunAgainFromTheSettingsTab: the organiser makes the next run from
// the settings tab and lands on its settings; the new run is a draft with
// the demo's tasks and its first day; both pages link to each other; a bad
// date or a second next run is refused with a message and changes nothing;
// a learner cannot make one. Dates set on the settings form show on the
// course page.
func TestRunAgainFromTheSettingsTab(t *testing.T) {
	n := startNode(t, node.Config{})
	course := "/courses/" + node.DemoCourse
	settings := course + "/manage/settings"
	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	if page := ada.mustGet(t, settings); !strings.Contains(page, `action="`+course+`/run-again"`) {
		t.Fatal("the settings tab has no Run this again form")
	}

	bea := newBrowser(t, n.base)
	resp, body := bea.post("/signup", signupForm(bea.csrf("/signup"), "bea"))
	wantStatus(t, "sign-up", resp, body, http.StatusSeeOther)
	resp, body = bea.post(course+"/run-again", url.Values{"_csrf": {bea.csrf(course)}, "handle": {"bea-run"}})
	if resp.StatusCode < 400 {
		t.Fatalf("a learner made the next run: %d %s", resp.StatusCode, body)
	}

	resp, _ = ada.post(course+"/run-again", url.Values{"_csrf": {ada.csrf(settings)}, "handle": {"python-2"}, "starts": {"12/01/2027"}})
	wantRedirect(t, "a bad date", resp, settings)
	if page := ada.mustGet(t, settings); !strings.Contains(page, "Give a date such as 2027-01-12.") {
		t.Error("the bad date's message is not shown")
	}
	courses := func() int {
		k := 0
		n.Store.View(context.Background(), func(tx domain.Tx) error {
			cs, err := tx.Courses()
			k = len(cs)
			return err
		})
		return k
	}
	before := courses()

	resp, _ = ada.post(course+"/run-again", url.Values{"_csrf": {ada.csrf(settings)}, "handle": {"python-2"}, "starts": {"2027-01-12"}})
	wantRedirect(t, "run again", resp, "/courses/python-2/manage/settings")
	if got := courses(); got != before+1 {
		t.Fatalf("%d courses after running again, want %d", got, before+1)
	}
	var next *domain.Course
	var tasks, oldTasks []*domain.Task
	n.Store.View(context.Background(), func(tx domain.Tx) (err error) {
		if next, err = tx.Course("python-2"); err != nil {
			return err
		}
		if oldTasks, err = tx.Tasks(node.DemoCourse); err != nil {
			return err
		}
		tasks, err = tx.Tasks("python-2")
		return err
	})
	if next.Status != domain.StatusDraft || next.Previous != node.DemoCourse || len(tasks) != len(oldTasks) || len(tasks) == 0 {
		t.Fatalf("next run: %s, previous %q, %d tasks (the old run has %d)", next.Status, next.Previous, len(tasks), len(oldTasks))
	}
	resp, _ = ada.post(course+"/run-again", url.Values{"_csrf": {ada.csrf(settings)}, "handle": {"python-3"}})
	wantRedirect(t, "a second next run", resp, settings)
	if got := courses(); got != before+1 {
		t.Fatalf("a second next run was made: %d courses", got)
	}

	// Dates on the settings form.
	form := url.Values{"_csrf": {ada.csrf("/courses/python-2/manage/settings")}, "title": {next.Title}, "kind": {next.Kind},
		"status": {"draft"}, "signup": {string(next.SignUp)}, "starts": {"2027-01-12"}, "ends": {"2027-01-05"}}
	resp, body = ada.post("/courses/python-2/edit", form)
	wantStatus(t, "ends before it starts", resp, body, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "The end date comes before the start date.") {
		t.Error("the refused dates' message is not shown")
	}
	// Opening it, with its dates: its page shows them and links the old
	// run, which links it and invites its people in its discussion.
	form.Set("ends", "2027-03-30")
	form.Set("status", "open")
	resp, body = ada.post("/courses/python-2/edit", form)
	wantStatus(t, "dates", resp, body, http.StatusSeeOther)
	nextPage := ada.mustGet(t, "/courses/python-2")
	if !strings.Contains(nextPage, "From 12 Jan 2027 to 30 Mar 2027") || !strings.Contains(nextPage, "Previous run:") ||
		!strings.Contains(nextPage, `href="`+course+`"`) {
		t.Errorf("the next run's page does not show its dates or link the old one: %s", section(t, nextPage, "main"))
	}
	if page := bea.mustGet(t, course); !strings.Contains(page, "Next run:") || !strings.Contains(page, `href="/courses/python-2"`) ||
		!strings.Contains(page, "runs again!") {
		t.Error("the old run's page does not link the next one or show the invitation")
	}
	n.Store.View(context.Background(), func(tx domain.Tx) (err error) { next, err = tx.Course("python-2"); return err })
	if next.Previous != node.DemoCourse {
		t.Errorf("saving the settings lost the link to the previous run")
	}
}

package browsertest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/node"
)

// pressOKIn presses the button whose text is text in the form labelled
// form (a page with several meetings has a Going button for each), and
// the page it leads to must answer 200.
func (u *user) pressOKIn(form, text string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	in := chromedp.JSPath(`(() => {
	const f = [...document.querySelectorAll("form")].find(f => f.getAttribute("aria-label") === ` + jsString(form) + `);
	return f ? [...f.querySelectorAll("button")].find(b => b.textContent.replace(/\s+/g, " ").trim() === ` + jsString(text) + `) || null : null;
})()`)
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(in, chromedp.NodeVisible))
	if err != nil {
		u.t.Fatalf("%s: press %q in %q: %v\n%s", u.name, text, form, err, u.where())
	}
	u.checkPage()
	if resp.Status != 200 {
		u.t.Fatalf("%s: pressing %q in %q led to a %d page\n%s", u.name, text, form, resp.Status, u.where())
	}
}

// TestCalendarLinkReset: on /settings/calendar a logged-in person finds
// their calendar's link, which serves their sessions as text/calendar;
// they make a new link, the page says so and shows it, the old link no
// longer serves anything and the new one does.
func TestCalendarLinkReset(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	demoLearner(t, n)
	b := newBrowser(t)
	pat := b.as("pat", n.Base).in(t)
	pat.logIn("pat", pw)
	pat.openOK("/settings/calendar")
	pat.sees("My sessions in a calendar", "Your calendar link")
	old := js[string](pat, `document.getElementById("calendar-url").value`)
	prefix := n.Base + "/people/pat/calendar.ics?key="
	if !strings.HasPrefix(old, prefix) || len(old) == len(prefix) {
		t.Fatalf("the calendar link reads %q", old)
	}
	if status, typ, body := fetchCalendar(t, old); status != http.StatusOK || !strings.HasPrefix(typ, "text/calendar") ||
		!strings.Contains(body, "BEGIN:VCALENDAR") || !strings.Contains(body, "SUMMARY:Weekly session") {
		t.Fatalf("GET the link: %d %s\n%s", status, typ, body)
	}
	// The link stays the same until it is replaced.
	pat.openOK("/settings/calendar")
	if again := js[string](pat, `document.getElementById("calendar-url").value`); again != old {
		t.Fatalf("a second visit shows another link: %q, then %q", old, again)
	}

	pat.pressOK("Make a new link")
	pat.sees("Here is your new link; the old one no longer works.")
	renewed := js[string](pat, `document.getElementById("calendar-url").value`)
	if !strings.HasPrefix(renewed, prefix) || renewed == old {
		t.Fatalf("the new link reads %q (the old one %q)", renewed, old)
	}
	if status, _, body := fetchCalendar(t, old); status != http.StatusNotFound || strings.Contains(body, "BEGIN:VCALENDAR") {
		t.Errorf("the old link after the reset: %d\n%s", status, body)
	}
	if status, typ, body := fetchCalendar(t, renewed); status != http.StatusOK || !strings.HasPrefix(typ, "text/calendar") ||
		!strings.Contains(body, "SUMMARY:Weekly session") {
		t.Errorf("the new link: %d %s\n%s", status, typ, body)
	}
	pat.openOK("/settings/calendar")
	if now := js[string](pat, `document.getElementById("calendar-url").value`); now != renewed {
		t.Errorf("after the reset the page shows %q, want %q", now, renewed)
	}
}

// fetchCalendar GETs a calendar link as a calendar app does: no cookie.
func fetchCalendar(t *testing.T, link string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestPeerReviewForm: the organiser adds a task that asks for peer review
// with two criteria; pat marks it done with a link to the work; quinn
// opens the task, sees pat's work with its link, and sends a review
// (approve, a rating for each criterion, a comment); pat then reads it on
// the task's page. A review with a rating left out is refused, and the
// comment typed stays in the form.
func TestPeerReviewForm(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	demoLearner(t, n)
	ctx := context.Background()
	hash, err := password.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Services.Accounts.Register(ctx, &domain.Person{Handle: "quinn", DisplayName: "Quinn Reviewer", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Services.Enrolment.EnrolLocal(ctx, "quinn", node.DemoCourse, ""); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)

	// The organiser's task, through the task form.
	course := "/courses/" + node.DemoCourse
	ada := b.as("ada", n.Base).in(t)
	ada.logIn("ada", n.AdaPassword)
	ada.openOK(course + "/manage/tasks")
	ada.fill("New task title", "Share a tiny program")
	ada.fill("Text", "Write a program of ten lines and share a link to it.")
	ada.tick("Fellow learners review the work submitted for this task", true)
	ada.fill("Criteria to rate, one per line", "It runs\nIts names are clear")
	ada.pressOK("Add task")
	var task *domain.Task
	n.view(t, func(tx domain.Tx) error {
		ts, err := tx.Tasks(node.DemoCourse)
		for _, x := range ts {
			if x.Title == "Share a tiny program" {
				task = x
			}
		}
		return err
	})
	if task == nil || !task.PeerReview || len(task.Rubric) != 2 || task.Rubric[1] != "Its names are clear" {
		t.Fatalf("the task kept: %+v", task)
	}
	page := course + "/tasks/" + task.ID

	pat := b.as("pat", n.Base).in(t)
	pat.logIn("pat", pw)
	pat.openOK(page)
	pat.fill("Link to your work (optional)", "https://code.example/pat/tiny.py")
	pat.pressOK("Mark as done")
	pat.sees("You did this task", "Reviews of your work", "No reviews yet")

	quinn := b.as("quinn", n.Base).in(t)
	quinn.logIn("quinn", pw)
	quinn.openOK(page)
	quinn.sees("Your fellow learners’ work", "@pat", "Review it against these criteria:", "It runs", "0 reviews")
	if got := js[string](quinn, `[...document.querySelectorAll("article.submission a")].map(a => a.href).join(" ")`); got != "https://code.example/pat/tiny.py" {
		t.Fatalf("the link to pat's work reads %q", got)
	}

	// A rating left out: the form is not sent, says which field is
	// missing, and keeps the comment.
	quinn.choose("It runs", "4")
	quinn.fill("A comment (optional)", "Nice and short.")
	quinn.step("send with a rating left out", chromedp.Click(button("Send the review"), chromedp.NodeVisible))
	if msg := js[string](quinn, `(`+string(labelled("Its names are clear"))+`).validationMessage`); msg == "" {
		t.Errorf("the missing rating has no message\n%s", quinn.where())
	}
	if got := js[string](quinn, `(`+string(labelled("A comment (optional)"))+`).value`); got != "Nice and short." {
		t.Errorf("the comment reads %q after the refusal", got)
	}
	// The same sent all the same (a browser that checks nothing): the
	// node refuses it with its message and keeps nothing.
	quinn.step("skip the browser's checks", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("article.submission form").forEach(f => f.noValidate = true)`))
	quinn.pressOK("Send the review")
	quinn.sees("Rate the work on each of the task's 2 criteria.")
	n.view(t, func(tx domain.Tx) error {
		if _, found, err := domain.Found(tx.Review(node.DemoCourse, task.ID, n.person("pat"), n.person("quinn"))); err != nil || found {
			t.Errorf("a review with a rating left out was kept (%v)", err)
		}
		return nil
	})

	quinn.openOK(page)
	quinn.choose("It runs", "4")
	quinn.choose("Its names are clear", "5")
	quinn.tick("I approve this work", true)
	quinn.fill("A comment (optional)", "Nice and short. Try a loop next.")
	quinn.pressOK("Send the review")
	quinn.sees("Your review is saved: the learner can read it.", "You reviewed it and approve.", "1 review, 1 approves")

	pat.openOK(page)
	pat.sees("Reviews of your work", "@quinn", "approves", "It runs: 4 of 5", "Its names are clear: 5 of 5", "Nice and short. Try a loop next.")
}

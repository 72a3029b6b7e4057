package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

// The organisers' page in tabs, progress on the course and task pages, the
// next task, and the discussion's older posts: each journey runs at phone
// and desktop width (every page it opens gets the harness's overflow and
// axe-core checks, and its screenshots with LERNEJO_SCREENSHOTS).

// atWidth sets the person's tab to a viewport of viewports; pages opened
// after keep it.
func (u *user) atWidth(name string) {
	u.t.Helper()
	for _, vp := range viewports {
		if vp.name != name {
			continue
		}
		var opts []chromedp.EmulateViewportOption
		if vp.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
		}
		u.step("resize to "+name, chromedp.EmulateViewport(vp.width, vp.height, opts...))
		return
	}
	u.t.Fatalf("no viewport %q", name)
}

// js evaluates expr in the person's page and fails the test on an error.
func js[T any](u *user, expr string) T {
	u.t.Helper()
	v, err := runJS[T](u, expr)
	if err != nil {
		u.t.Fatalf("%s: %s: %v\n%s", u.name, expr, err, u.where())
	}
	return v
}

// tab follows the link of the organisers' page's tab bar named label (the
// overview's counts link to tabs too, so follow's first link of that text
// would be ambiguous).
func (u *user) tab(label string) {
	u.t.Helper()
	sel := chromedp.JSPath(`[...document.querySelectorAll("nav.tabs a")].find(a => a.textContent.trim() === ` + jsString(label) + `) || null`)
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(sel, chromedp.NodeVisible))
	if err != nil || resp.Status != 200 {
		u.t.Fatalf("%s: the tab %q: %v\n%s", u.name, label, err, u.where())
	}
	u.checkPage() // as follow: the tab's page gets the harness's checks
}

// openDetails opens the <details> whose summary's text is summary, as a
// click on it does.
func (u *user) openDetails(summary string) {
	u.t.Helper()
	sel := chromedp.JSPath(`[...document.querySelectorAll("summary")].find(s => s.textContent.trim() === ` + jsString(summary) + ` && s.offsetParent !== null) || null`)
	u.step("open "+summary, chromedp.Click(sel, chromedp.NodeVisible))
}

// demoLearner registers pat, enrols them in the demo course and marks its
// first task done; it returns the course's tasks.
func demoLearner(t *testing.T, n *testNode) []*domain.Task {
	t.Helper()
	ctx := context.Background()
	hash, err := password.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Services.Accounts.Register(ctx, &domain.Person{Handle: "pat", DisplayName: "Pat Learner", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Services.Enrolment.EnrolLocal(ctx, "pat", node.DemoCourse, ""); err != nil {
		t.Fatal(err)
	}
	var tasks []*domain.Task
	n.view(t, func(tx domain.Tx) error {
		var err error
		tasks, err = tx.Tasks(node.DemoCourse)
		return err
	})
	if len(tasks) != 3 {
		t.Fatalf("the demo course has %d tasks, want 3", len(tasks))
	}
	if _, err := n.Services.Tasks.Complete(ctx, "pat", node.DemoCourse, tasks[0].ID, "", ""); err != nil {
		t.Fatal(err)
	}
	return tasks
}

// TestJourneyOrganiserWalksTheTabs: the organiser walks each tab of the
// organisers' page by its tab bar (the one shown marked aria-current),
// sees the progress table's columns named by the tasks with "1 of 3" for
// the learner, awards a badge on the Badges tab and revokes it there with
// a reason; the award's page and the store then say it is revoked.
func TestJourneyOrganiserWalksTheTabs(t *testing.T) {
	t.Parallel()
	for _, width := range []string{"phone", "desktop"} {
		t.Run(width, func(t *testing.T) {
			n := startNode(t, node.Config{Demo: true})
			tasks := demoLearner(t, n)
			b := newBrowser(t)
			ada := b.as("ada", n.Base).in(t)
			ada.logIn("ada", n.AdaPassword)
			ada.atWidth(width)
			manage := "/courses/" + node.DemoCourse + "/manage"
			ada.openOK(manage)
			current := func() string {
				return js[string](ada, `[...document.querySelectorAll('nav.tabs a[aria-current="page"]')].map(a => a.textContent + " " + a.getAttribute("href")).join("|")`)
			}
			if got := current(); got != "Overview "+manage {
				t.Fatalf("the current tab is %q, want the overview", got)
			}
			ada.sees("1 member", "0 waiting to join", "3 tasks", "1 badge", "No one is waiting.")

			ada.tab("Progress")
			if got := current(); got != "Progress "+manage+"/progress" {
				t.Fatalf("on Progress the current tab is %q", got)
			}
			cols := js[string](ada, `[...document.querySelectorAll('table.progress thead th[scope="col"]')].map(th => th.textContent).join("|")`)
			want := "Learner|Done|" + tasks[0].Title + "|" + tasks[1].Title + "|" + tasks[2].Title + "|Actions"
			if cols != want {
				t.Fatalf("the progress table's columns are %q, want %q", cols, want)
			}
			row := js[string](ada, `[...document.querySelectorAll('table.progress tbody tr')].map(tr => tr.innerText.replace(/\s+/g, " ").trim()).join("|")`)
			if !strings.HasPrefix(row, "@pat 1 of 3 ✓ done · not yet · not yet") {
				t.Fatalf("pat's row is %q", row)
			}
			if got := js[string](ada, `getComputedStyle(document.querySelector(".scroll")).overflowX`); got != "auto" {
				t.Errorf("the progress table's box does not scroll: overflow-x %q", got)
			}

			ada.tab("Tasks")
			ada.sees(tasks[0].Title, tasks[2].Title)
			if js[int](ada, `document.querySelectorAll("form[action$='/tasks']").length`) != 1 {
				t.Errorf("the Tasks tab has no form to add a task\n%s", ada.where())
			}

			ada.tab("Badges")
			ada.sees("Python Basics", "No one yet.")
			ada.choose("Award to", n.person("pat"))
			ada.pressOK("Award")
			if p := ada.path(); p != manage+"/badges" {
				t.Fatalf("after awarding ada is on %s, want the Badges tab", p)
			}
			ada.sees("Awarded to @pat")
			ada.openDetails("Revoke…")
			ada.fill("Reason for revoking", "Awarded by mistake.")
			ada.pressOK("Revoke @pat’s badge")
			if p := ada.path(); p != manage+"/badges" {
				t.Fatalf("after revoking ada is on %s, want the Badges tab", p)
			}
			ada.sees("@pat", "revoked: Awarded by mistake.")
			var award *domain.Award
			n.view(t, func(tx domain.Tx) error {
				as, err := tx.AwardsOf(n.person("pat"))
				if len(as) == 1 {
					award = as[0]
				}
				return err
			})
			if award == nil || !award.Revoked || award.Reason != "Awarded by mistake." {
				t.Fatalf("the award in the store after revoking: %+v", award)
			}
			ada.follow("@pat")
			ada.sees("This badge was revoked", "The reason: Awarded by mistake.")

			ada.openOK(manage + "/badges")
			ada.tab("Discussion")
			ada.sees("Reports about its posts", "No reports.")
			if got := current(); got != "Discussion "+manage+"/discussion" {
				t.Fatalf("on Discussion the current tab is %q", got)
			}
			ada.tab("Settings")
			ada.sees("Settings", "School")
			if js[int](ada, `document.querySelectorAll("form[action$='/edit']").length`) != 1 {
				t.Errorf("the Settings tab has no settings form\n%s", ada.where())
			}
			ada.tab("Overview")
			if got := current(); got != "Overview "+manage {
				t.Fatalf("back on the overview the current tab is %q", got)
			}
		})
	}
}

// TestJourneyLearnerProgressAndNextTask: a learner who did one task of
// three sees "1 of 3" with a progress bar on the course page and on a task
// page, and goes through the tasks by "Next task" to the last, which leads
// back to the course. The organiser is offered Manage there, not Join.
func TestJourneyLearnerProgressAndNextTask(t *testing.T) {
	t.Parallel()
	for _, width := range []string{"phone", "desktop"} {
		t.Run(width, func(t *testing.T) {
			n := startNode(t, node.Config{Demo: true})
			tasks := demoLearner(t, n)
			b := newBrowser(t)
			pat := b.as("pat", n.Base).in(t)
			pat.logIn("pat", pw)
			pat.atWidth(width)
			course := "/courses/" + node.DemoCourse
			pat.openOK(course)
			pat.sees("You take part in this Study Group", "1 of 3 tasks done")
			bar := func() string {
				return js[string](pat, `(() => { const p = document.querySelector("progress"); return p ? p.value + "/" + p.max + " " + p.labels[0].textContent : "none"; })()`)
			}
			if got := bar(); got != "1/3 1 of 3 tasks done" {
				t.Fatalf("the course page's progress bar: %q", got)
			}

			// position checks the task page says which task of three it is.
			position := func(i string) {
				t.Helper()
				if got := js[string](pat, `document.querySelector("p.kind").textContent`); !strings.HasSuffix(got, "task "+i+" of 3") {
					t.Fatalf("the task page says %q, want task %s of 3", got, i)
				}
			}
			pat.follow(tasks[0].Title)
			pat.sees("You did this task")
			position("1")
			if got := bar(); got != "1/3 1 of 3 tasks done" {
				t.Fatalf("the task page's progress bar: %q", got)
			}
			pat.follow("Next task: " + tasks[1].Title + " →")
			pat.sees(tasks[1].Title)
			position("2")
			pat.pressOK("Mark as done")
			pat.sees("You did this task", "2 of 3 tasks done")
			pat.follow("Next task: " + tasks[2].Title + " →")
			position("3")
			if js[int](pat, `document.querySelectorAll("nav.next-task a[rel=next]").length`) != 0 {
				t.Errorf("the last task links a next task\n%s", pat.where())
			}
			pat.follow("Back to the Study Group →")
			if p := pat.path(); p != course {
				t.Fatalf("after the last task pat is on %s, want the course", p)
			}
			pat.sees("2 of 3 tasks done")

			ada := b.as("ada", n.Base).in(t)
			ada.logIn("ada", n.AdaPassword)
			ada.atWidth(width)
			ada.openOK(course)
			ada.sees("You organise this Study Group")
			if got := js[string](ada, `[...document.querySelectorAll("button")].map(b => b.textContent).filter(t => t.includes("Join")).join("|")`); got != "" {
				t.Fatalf("the organiser is offered %q on their own course", got)
			}
			ada.follow("Manage")
			if p := ada.path(); p != course+"/manage" {
				t.Fatalf("Manage led to %s", p)
			}
		})
	}
}

// TestJourneyOlderPostsReachable: a discussion of more than a page of
// posts shows the newest first, and "Older posts" links lead, page by page,
// to the oldest; "Newer posts" leads back.
func TestJourneyOlderPostsReachable(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	ctx := context.Background()
	const posts = 45 // more than two pages of 20
	for i := range posts {
		if _, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: "ada", Course: node.DemoCourse,
			Text: fmt.Sprintf("Message number %02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t)
	for _, width := range []string{"phone", "desktop"} {
		t.Run(width, func(t *testing.T) {
			v := b.as("visitor", n.Base).in(t)
			v.atWidth(width)
			v.openOK("/courses/" + node.DemoCourse)
			v.sees(fmt.Sprintf("Message number %02d", posts-1))
			seen := map[string]bool{}
			read := func() {
				for _, m := range strings.Split(js[string](v, `[...document.querySelectorAll("#discussion article.post p")].map(p => p.textContent).filter(t => t.startsWith("Message number")).join("|")`), "|") {
					seen[m] = true
				}
			}
			read()
			pages := 1
			for js[int](v, `document.querySelectorAll("#discussion a[rel=next]").length`) == 1 {
				if pages > posts {
					t.Fatal("the Older posts links do not end")
				}
				v.follow("Older posts →")
				read()
				pages++
			}
			if pages < 3 {
				t.Errorf("%d posts on %d pages, want at least 3", posts, pages)
			}
			for i := range posts {
				if m := fmt.Sprintf("Message number %02d", i); !seen[m] {
					t.Errorf("%q is on no page", m)
				}
			}
			v.sees("Message number 00")
			v.follow("← Newer posts")
			v.doesNotSee("Message number 00")
		})
	}
}

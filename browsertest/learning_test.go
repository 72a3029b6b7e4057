package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lernejo/lernejo/node"
)

// fitsOnPhone reloads the page at phone width and fails when it is wider
// than the screen, then goes back to the desktop width.
func (u *user) fitsOnPhone() {
	u.t.Helper()
	loc := u.location()
	u.step("resize to phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait),
		chromedp.Navigate(loc))
	wide, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](
		`document.documentElement.scrollWidth > window.innerWidth ? document.documentElement.scrollWidth + " > " + window.innerWidth : ""`))
	if err != nil {
		u.t.Fatal(err)
	}
	if wide != "" {
		u.t.Errorf("%s: %s is wider than a phone: %s px", u.name, loc, wide)
	}
	u.step("back to desktop width", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(loc))
}

// progressBar is the value and max of the first <progress> of the page.
func (u *user) progressBar() string {
	u.t.Helper()
	s, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](
		`(() => { const p = document.querySelector("main progress"); return p ? p.value + "/" + p.max : "none"; })()`))
	if err != nil {
		u.t.Fatal(err)
	}
	return s
}

// TestJourneyMyLearningAndNotifications: a learner with nothing yet is
// sent to find a course; they ask to join a course whose organiser
// approves learners, and wait on "My learning"; the organiser is told of
// the request and approves it; the learner's header then counts one
// notification, the list says they were approved and links to the
// course, and reading it clears the count. "My learning" shows the course
// with its progress, and after the last task the badge it earned; the
// organiser's shows the courses they organise, a draft marked.
func TestJourneyMyLearningAndNotifications(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)

	olga := b.as("olga", n.Base)
	olga.signUp("olga", "Olga Organiser", pw)
	olga.openOK("/new/course")
	olga.fill("Handle", "garden-club")
	olga.fill("Title", "Garden Club")
	olga.fill("What is it about?", "We grow vegetables on the balcony.")
	olga.choose("Kind", "Challenge")
	olga.choose("Status", "open")
	olga.choose("Sign-up", "moderated")
	olga.pressOK("Create")
	olga.follow("Tasks") // the organisers' page's tab holding the task form
	olga.fill("New task title", "Plant a seed")
	olga.fill("Text", "Plant one seed in a pot.")
	olga.pressOK("Add task")
	olga.follow("Badges")
	olga.fill("New badge name", "Gardener")
	olga.fill("Description", "Planted a seed.")
	olga.choose("Earned by", "all_tasks")
	olga.pressOK("Create badge")
	olga.openOK("/new/course")
	olga.fill("Handle", "compost")
	olga.fill("Title", "Compost Corner")
	olga.fill("What is it about?", "Turning scraps into soil.")
	olga.choose("Status", "draft")
	olga.pressOK("Create")

	pat := b.as("pat", n.Base)
	pat.signUp("pat", "Pat Learner", pw)
	pat.openOK("/")
	pat.follow("My learning")
	pat.sees("You are not taking a course yet.", "No badges yet")
	pat.fitsOnPhone()
	pat.follow("Find a course")
	if p := pat.path(); p != "/" {
		t.Fatalf("“Find a course” led to %s", p)
	}
	pat.follow("Garden Club")
	pat.pressOK("Join this Challenge")
	pat.sees("Your request is pending")
	pat.openOK("/learning")
	pat.sees("Waiting for approval", "Garden Club: an organiser will answer your sign-up.", "You are not taking a course yet.")

	olga.openOK("/")
	olga.sees("Notifications 1 unread")
	olga.follow("Notifications 1 unread")
	olga.sees("@pat asks to join Garden Club.")
	olga.follow("@pat asks to join Garden Club.")
	if p := olga.path(); p != "/courses/garden-club/manage" {
		t.Fatalf("the sign-up notification led to %s", p)
	}
	olga.pressOK("Approve")

	pat.openOK("/")
	pat.sees("Notifications 1 unread")
	pat.follow("Notifications 1 unread")
	pat.sees("Your sign-up to Garden Club was approved. Welcome!")
	pat.screenshot("notifications")
	pat.fitsOnPhone()
	pat.follow("Your sign-up to Garden Club was approved. Welcome!")
	if p := pat.path(); p != "/courses/garden-club" {
		t.Fatalf("the approval led to %s", p)
	}
	if text := pat.text(); strings.Contains(text, "unread") {
		t.Fatalf("the header still counts unread notifications after the list was read: %s", text)
	}
	pat.follow("My learning")
	pat.sees("Courses I take", "Garden Club", "0 of 1 tasks done")
	if got := pat.progressBar(); got != "0/1" {
		t.Errorf("the progress bar shows %s, want 0/1", got)
	}

	pat.openOK("/courses/garden-club")
	pat.follow("Plant a seed")
	pat.pressOK("Mark as done")
	pat.sees("You did this task")
	pat.follow("My learning")
	pat.sees("1 of 1 tasks done", "My badges", "Gardener")
	if got := pat.progressBar(); got != "1/1" {
		t.Errorf("the progress bar shows %s, want 1/1", got)
	}
	pat.screenshot("learning")
	pat.fitsOnPhone()
	pat.sees("Notifications 1 unread") // the badge
	pat.follow("Notifications 1 unread")
	pat.sees("You earned the badge “Gardener”.", "Your sign-up to Garden Club was approved.")

	olga.follow("My learning")
	olga.sees("Courses I organise", "Garden Club", "Compost Corner draft", "You are not taking a course yet.")
	olga.screenshot("learning-organiser")
	olga.follow("publish it")
	if p := olga.path(); p != "/courses/compost/manage" {
		t.Fatalf("“publish it” led to %s", p)
	}
}

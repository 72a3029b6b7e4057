package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// Errors, messages and confirmations (issue 15): a refused form keeps what
// was typed and says what to fix beside the field; messages are one-time
// flashes kept with the session, never read from the URL; every
// destructive action asks first, without JavaScript.

// summary selects the visible disclosure button (a <summary>) whose text is text.
func summary(text string) chromedp.JSPath {
	return chromedp.JSPath(`(() => {
	const want = ` + jsString(text) + `;
	return [...document.querySelectorAll("summary")].find(s => s.textContent.replace(/\s+/g, " ").trim() === want && s.offsetParent !== null) || null;
})()`)
}

// reveal opens the disclosure whose button reads text: the first press of
// a destructive action, which shows its question and the real button.
func (u *user) reveal(text string) {
	u.t.Helper()
	u.step(fmt.Sprintf("open %q", text), chromedp.Click(summary(text), chromedp.NodeVisible))
}

// postSummary selects the disclosure button text of the post (an article)
// that says says, not one of the replies under it.
func postSummary(says, text string) chromedp.JSPath {
	return chromedp.JSPath(`(() => {
	const says = ` + jsString(says) + `, want = ` + jsString(text) + `;
	const arts = [...document.querySelectorAll("article.post")].filter(a => a.innerText.includes(says));
	const art = arts[arts.length - 1];
	if (!art) return null;
	return [...art.querySelectorAll("summary")].find(s => s.closest("article") === art && s.textContent.trim() === want) || null;
})()`)
}

// snap saves the page as it is (no reload, which would take a flash or
// resend a form) at phone and desktop width, as ../screenshots/NAME-*.png,
// and fails if the phone layout is wider than the screen.
func (u *user) snap(name string) {
	u.t.Helper()
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		u.t.Fatal(err)
	}
	for _, vp := range viewports {
		u.step("resize to "+vp.name, chromedp.EmulateViewport(vp.width, vp.height))
		if vp.mobile {
			// What this file's part adds (messages, fields' errors, the
			// confirm disclosures, the forms) fits; other content's overflow
			// is checked where it is made.
			culprits, err := runJS[[]string](u, `[...document.querySelectorAll("#flash, #flash *, .field-error, details.confirm, details.confirm *, main form, main form *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`)
			if err != nil || len(culprits) > 0 {
				u.t.Errorf("%s: on %s, these are wider than a %d px screen (%v): %v", u.name, name, vp.width, err, culprits)
			}
		}
		ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			u.t.Fatalf("screenshot %s at %s: %v", name, vp.name, err)
		}
		if err := os.WriteFile(filepath.Join(screenshotDir, name+"-"+vp.name+".png"), png, 0o644); err != nil {
			u.t.Fatal(err)
		}
	}
	u.step("back to desktop width", chromedp.EmulateViewport(1280, 900))
}

// noFlash fails if the page shows a flash message.
func (u *user) noFlash(what string) {
	u.t.Helper()
	n, err := runJS[int](u, `document.querySelectorAll("#flash").length`)
	if err != nil || n != 0 {
		u.t.Errorf("%s: %s shows a message (%v)\n%s", u.name, what, err, u.where())
	}
}

// TestPostErrorsKeepTheText: an empty post and one too long come back in
// the form with the text typed and the message beside the field, marked
// invalid; the post that will do is published, with a notice shown once.
func TestPostErrorsKeepTheText(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)
	mia := b.as("mia", n.Base)
	mia.signUp("mia", "Mia", pw)
	mia.sees("Welcome, @mia! Your account is ready.")
	course := "/courses/" + node.DemoCourse
	mia.openOK(course)
	mia.pressOK("Join this Study Group")
	mia.sees("You are in: welcome!")

	// Only spaces: the browser's required lets it through, the node does not.
	mia.fill("Write a post", "   ")
	if st := mia.press("Post"); st != 422 {
		t.Fatalf("an empty post answered %d, want 422\n%s", st, mia.where())
	}
	mia.sees("The post is required.", "At most 5,000 characters.")
	invalid, err := runJS[string](mia, `document.querySelector("#text-").getAttribute("aria-invalid") + " " + document.querySelector("#text-").getAttribute("aria-describedby")`)
	if err != nil || invalid != "true text--hint text--error" {
		t.Errorf("the post field is %q, want aria-invalid and described by its hint and error (%v)", invalid, err)
	}

	// Too long: typed past maxlength by a paste the browser let through
	// (set here as a script would, since maxlength stops typing).
	long := strings.Repeat("Learning SQL together is fun. ", 170) // 5,100 characters
	if _, err := runJS[bool](mia, `(() => { document.querySelector("#text-").value = `+jsString(long)+`; return true })()`); err != nil {
		t.Fatal(err)
	}
	if st := mia.press("Post"); st != 422 {
		t.Fatalf("a post too long answered %d, want 422\n%s", st, mia.where())
	}
	mia.sees("The post can have at most 5000 characters.")
	kept, err := runJS[string](mia, `document.querySelector("#text-").value`)
	if err != nil || kept != strings.TrimSpace(long) && kept != long {
		t.Errorf("the text typed is not kept: %d characters of %d (%v)", len(kept), len(long), err)
	}
	mia.snap("forms-post-too-long")

	mia.fill("Write a post", "Hello, I am new here.")
	mia.pressOK("Post")
	mia.sees("Your post is published.", "Hello, I am new here.")
	mia.openOK(course)
	mia.noFlash("the course page, reloaded")
}

// TestMessagesAreNotReadFromTheURL: the crafted link of the issue shows no
// warning; a real refusal is told once and gone on reload.
func TestMessagesAreNotReadFromTheURL(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)
	ada := b.as("ada", n.Base)
	ada.logIn(node.DemoOrganiser, n.AdaPassword)
	manage := "/courses/" + node.DemoCourse + "/manage"
	fake := "Your session expired. Log in again at https://evil.example/login"
	for _, q := range []string{"error", "saved", "asked", "done"} {
		ada.openOK(manage + "?" + q + "=" + url.QueryEscape(fake))
		if strings.Contains(ada.text(), "evil.example") {
			t.Errorf("?%s= shows its message on the manage page\n%s", q, ada.where())
		}
		ada.noFlash("the manage page with ?" + q + "=")
	}

	// A real refusal: a domain block of something that is no domain.
	ada.openOK("/admin/settings")
	ada.fill("Domain", "not a domain!")
	ada.pressOK("Block")
	if p := ada.path(); p != "/admin/settings" {
		t.Errorf("the refusal came back to %s, want /admin/settings without a query", p)
	}
	alert, err := runJS[string](ada, `(document.querySelector("#flash.error[role=alert]") || {}).innerText || ""`)
	if err != nil || alert == "" {
		t.Fatalf("the refusal is not told (%v)\n%s", err, ada.where())
	}
	ada.snap("forms-flash-error")
	ada.openOK("/admin/settings")
	ada.noFlash("the settings page, reloaded")
}

// TestCreatedCourseIsADraftToPublish: after creating a draft the organiser
// is told it is a draft, with a Publish button in the notice; pressing it
// opens the course, said in a notice of its own.
func TestCreatedCourseIsADraftToPublish(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)
	olga := b.as("olga", n.Base)
	olga.signUp("olga", "Olga Organiser", pw)
	olga.openOK("/new/course")

	// A refused handle first: the form keeps the title typed.
	olga.fill("Handle", "no")
	olga.fill("Title", "Watercolour Evenings")
	if _, err := runJS[bool](olga, `(() => { document.querySelector("#handle").value = "Not A Handle"; return true })()`); err != nil {
		t.Fatal(err)
	}
	if _, err := runJS[bool](olga, `(() => { document.querySelector("#handle").removeAttribute("pattern"); return true })()`); err != nil {
		t.Fatal(err)
	}
	if st := olga.press("Create"); st != 422 {
		t.Fatalf("a bad handle answered %d, want 422\n%s", st, olga.where())
	}
	olga.sees("A handle may use only lower-case letters")
	if title, _ := runJS[string](olga, `document.querySelector("#title").value`); title != "Watercolour Evenings" {
		t.Errorf("the title typed is lost: %q", title)
	}
	olga.snap("forms-course-refused")

	olga.fill("Handle", "watercolour")
	olga.choose("Status", "draft")
	olga.pressOK("Create")
	olga.sees("Your course Watercolour Evenings is created as a draft: only its organisers see it.")
	olga.snap("forms-course-created")
	olga.pressOK("Publish Watercolour Evenings")
	olga.sees("Watercolour Evenings is published: people can find it and join.")
	var c *domain.Course
	n.view(t, func(tx domain.Tx) error {
		var err error
		c, err = tx.Course("watercolour")
		return err
	})
	if c.Status != domain.StatusOpen {
		t.Errorf("after Publish the course is %s, want open", c.Status)
	}
	olga.openOK("/courses/watercolour/manage")
	olga.noFlash("the manage page, reloaded")
	if strings.Contains(olga.text(), "is a draft") {
		t.Error("the published course's page still says it is a draft")
	}
}

// TestRemovingAPostAsksFirst: with scripts off, an organiser's Remove only
// opens the question; the post goes when its real button is pressed.
func TestRemovingAPostAsksFirst(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)
	mia := b.as("mia", n.Base)
	mia.signUp("mia", "Mia", pw)
	course := "/courses/" + node.DemoCourse
	mia.openOK(course)
	mia.pressOK("Join this Study Group")
	mia.fill("Write a post", "Buy cheap watches at spam.example")
	mia.pressOK("Post")

	ada := b.as("ada", n.Base)
	ada.scripts(false)
	ada.logIn(node.DemoOrganiser, n.AdaPassword)
	ada.openOK(course)
	ada.sees("Buy cheap watches")
	if strings.Contains(ada.text(), "Remove this post from the discussion?") {
		t.Fatal("the question shows before Remove is pressed")
	}
	remove := postSummary("Buy cheap watches", "Remove")
	ada.step("open Remove", chromedp.Click(remove, chromedp.NodeVisible))
	ada.sees("Remove this post from the discussion? No one sees it here any more.")
	ada.snap("forms-confirm-remove")
	// Closing the disclosure is the cancel: nothing was sent.
	ada.step("close Remove", chromedp.Click(remove, chromedp.NodeVisible))
	ada.openOK(course)
	ada.sees("Buy cheap watches")
	ada.step("open Remove", chromedp.Click(remove, chromedp.NodeVisible))
	ada.pressOK("Remove this post")
	ada.sees("The post is removed from the discussion.")
	if strings.Contains(ada.text(), "Buy cheap watches") {
		t.Errorf("the removed post is still shown\n%s", ada.where())
	}
}

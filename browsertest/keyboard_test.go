package browsertest

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// focusedJS names the element that has the keyboard's focus as a person
// hears it: a field by its label, a link or button by its text, and says
// whether the focus is drawn (an outline).
const focusedJS = `(() => {
	const el = document.activeElement;
	if (!el || el === document.body) return {name: "", shown: false};
	let name = "";
	if (el.labels && el.labels.length) name = el.labels[0].innerText;
	else name = el.getAttribute("aria-label") || el.innerText || el.value || "";
	const st = getComputedStyle(el);
	return {name: name.trim().replace(/\s+/g, " "), shown: st.outlineStyle !== "none" && parseFloat(st.outlineWidth) > 0};
})()`

// focused is what focusedJS reports.
type focused struct {
	Name  string `json:"name"`
	Shown bool   `json:"shown"`
}

// maxTabs bounds the Tab presses to reach one control: a page whose
// control is further away than this is not usable from the keyboard.
const maxTabs = 120

// tabTo presses Tab until the control named name has the focus, and fails
// if it never does or its focus is not drawn.
func (u *user) tabTo(name string) {
	u.t.Helper()
	var seen []string
	for range maxTabs {
		u.step("press Tab", chromedp.KeyEvent(kb.Tab))
		f, err := runJS[focused](u, focusedJS)
		if err != nil {
			u.t.Fatalf("%s: read the focus: %v", u.name, err)
		}
		if f.Name == name {
			if !f.Shown {
				u.t.Fatalf("%s: %q has the focus on %s but no outline shows it", u.name, name, u.path())
			}
			return
		}
		seen = append(seen, f.Name)
	}
	u.t.Fatalf("%s: Tab never reaches %q on %s; it went through %q", u.name, name, u.path(), seen)
}

// typeIn types text into the focused field.
func (u *user) typeIn(text string) {
	u.t.Helper()
	u.step("type", chromedp.KeyEvent(text))
}

// enter presses Enter on the focused link or button and waits for the page
// it leads to, which must answer 200.
func (u *user) enter() {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(kb.Enter))
	if err != nil {
		u.t.Fatalf("%s: press Enter: %v\n%s", u.name, err, u.where())
	}
	if resp.Status != 200 {
		u.t.Fatalf("%s: Enter led to a %d page\n%s", u.name, resp.Status, u.where())
	}
	u.checkPage()
}

// TestKeyboardOnlyJourney: a learner who uses only the keyboard (Tab to
// move, typing, Enter to follow or press) joins the study group, opens the
// first task, marks it done with a link to their work, and posts to the
// discussion; every control on the way shows where the focus is.
func TestKeyboardOnlyJourney(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)
	kim := b.as("kim", n.Base)
	kim.signUp("kim", "Kim", pw)
	course := "/courses/" + node.DemoCourse

	kim.openOK(course)
	kim.tabTo("Join this Study Group")
	kim.enter()
	kim.sees("You take part in this Study Group")

	kim.tabTo("Say hello to Python")
	kim.enter()
	kim.sees("Say hello to Python", "Link to your work (optional)")
	kim.tabTo("Link to your work (optional)")
	kim.typeIn("https://example.org/kim/hello")
	kim.tabTo("Mark as done")
	kim.enter()
	kim.sees("You did this task")

	kim.openOK(course)
	kim.tabTo("Write a post")
	kim.typeIn("Hello from the keyboard!")
	kim.tabTo("Post")
	kim.enter()
	kim.sees("Hello from the keyboard!")
	// What the keyboard did is stored: the completion with its evidence.
	n.view(t, func(tx domain.Tx) error {
		cs, err := tx.CompletionsOf(node.DemoCourse, n.person("kim"))
		if err != nil {
			return err
		}
		if len(cs) != 1 || cs[0].Evidence != "https://example.org/kim/hello" {
			t.Errorf("kim's completions: %+v", cs)
		}
		return nil
	})
}

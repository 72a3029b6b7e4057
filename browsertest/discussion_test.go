package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// inPost is the element of a post's own controls (not its replies') that
// matches selector and shows text: the post is the article whose own
// paragraphs contain post.
func inPost(post, selector, text string) chromedp.JSPath {
	return chromedp.JSPath(`(() => {
	const post = ` + jsString(post) + `, sel = ` + jsString(selector) + `, want = ` + jsString(text) + `;
	const norm = s => s.replace(/\s+/g, " ").trim();
	const a = [...document.querySelectorAll("article.post")].find(a => [...a.children].some(c => c.tagName === "P" && c.textContent.includes(post)));
	if (!a) return null;
	return [...a.querySelectorAll(sel)].find(e => e.closest("article") === a && (want === "" || norm(e.textContent) === want)) || null;
})()`)
}

// openIn opens the part of a post's controls under the summary text.
func (u *user) openIn(post, text string) {
	u.t.Helper()
	u.step(fmt.Sprintf("open %q on %q", text, post), chromedp.Click(inPost(post, "summary", text), chromedp.NodeVisible))
}

// fillIn types value into the field that selector picks among a post's
// controls.
func (u *user) fillIn(post, selector, value string) {
	u.t.Helper()
	field := inPost(post, selector, "")
	u.step(fmt.Sprintf("fill %s on %q", selector, post),
		chromedp.WaitVisible(field),
		chromedp.Evaluate[chromedp.Void](`(`+string(field)+`).value = ""`),
		chromedp.SendKeys(field, value))
}

// pressIn presses a button among a post's controls; its page must answer 200.
func (u *user) pressIn(post, text string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(inPost(post, "button", text), chromedp.NodeVisible))
	if err != nil || resp.Status != 200 {
		u.t.Fatalf("%s: press %q on %q: %v\n%s", u.name, text, post, err, u.where())
	}
	u.checkPage()
}

// doesNotSee fails if the page shows text.
func (u *user) doesNotSee(text string) {
	u.t.Helper()
	if strings.Contains(u.text(), text) {
		u.t.Fatalf("%s: the page still shows %q\n%s", u.name, text, u.where())
	}
}

// TestJourneyDiscussion: a learner writes a post, edits it and deletes it;
// the organiser pins an older post and sees it first, reports a learner's
// top-level post (the report is on the manage page and the operator's),
// then removes it; a deep thread shows four levels, the deeper replies at
// the fourth saying whom they answer.
func TestJourneyDiscussion(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)
	course := "/courses/" + node.DemoCourse
	start := time.Now().UTC().Add(-time.Hour)
	err := n.Store.Update(context.Background(), func(tx domain.Tx) error {
		if err := tx.PutPost(&domain.Post{ID: "01JOLDQUESTION", Course: node.DemoCourse, URI: n.URLs.Path("/posts/01JOLDQUESTION"),
			Author: n.URLs.Actor(domain.ActorCourse, node.DemoCourse), Local: true, Thread: "01JOLDQUESTION",
			Content: "<p>An old question</p>", Published: start.Add(-48 * time.Hour)}); err != nil {
			return err
		}
		root := "01JDEEP00"
		parent := ""
		for i := range 6 {
			id := fmt.Sprintf("01JDEEP%02d", i)
			uri := n.URLs.Path("/posts/" + id)
			if err := tx.PutPost(&domain.Post{ID: id, Course: node.DemoCourse, URI: uri, Author: n.person(node.DemoOrganiser), Local: true,
				Thread: root, InReplyTo: parent, Content: fmt.Sprintf("<p>Deep level %d</p>", i), Published: start.Add(time.Duration(i) * time.Minute)}); err != nil {
				return err
			}
			parent = uri
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	lea := b.as("lea", n.Base)
	lea.signUp("lea", "Lea Learner", pw)
	lea.openOK(course)
	lea.pressOK("Join this Study Group")
	lea.fill("Write a post", "My first try")
	lea.pressOK("Post")
	lea.sees("My first try")
	lea.openIn("My first try", "Edit")
	lea.fillIn("My first try", `details.edit textarea`, "My second try")
	lea.pressIn("My first try", "Save")
	lea.sees("My second try", "edited")
	lea.doesNotSee("My first try")
	lea.openIn("My second try", "Delete") // the one confirm pattern (forms_test.go)
	lea.pressIn("My second try", "Delete this post")
	lea.doesNotSee("My second try")
	lea.fill("Write a post", "Buy cheap watches")
	lea.pressOK("Post")

	ada := b.as("ada", n.Base)
	ada.logIn(node.DemoOrganiser, n.AdaPassword)
	ada.openOK(course + "/manage/discussion")
	ada.pressIn("An old question", "Pin")
	ada.openOK(course)
	first, err := chromedp.Run(ada.ctx, chromedp.Evaluate[string](`document.querySelector("#discussion article.post").innerText`))
	if err != nil || !strings.Contains(first, "An old question") || !strings.Contains(first, "pinned") {
		t.Fatalf("the first post of the discussion is %q (%v), want the pinned one", first, err)
	}
	// Four levels of replies indented; the fifth and sixth at the fourth.
	for i, want := range []struct {
		depth   int
		replyTo bool
	}{{0, false}, {1, false}, {2, false}, {3, false}, {4, false}, {4, true}} {
		got, err := chromedp.Run(ada.ctx, chromedp.Evaluate[string](`(() => {
	const a = (`+string(inPost(fmt.Sprintf("Deep level %d", i), "p", ""))+`).closest("article");
	return a.dataset.depth + " " + (a.offsetParent !== null) + " " + a.querySelector("p.byline").innerText.includes("in reply to");
})()`))
		if wantS := fmt.Sprintf("%d true %v", want.depth, want.replyTo); err != nil || got != wantS {
			t.Errorf("Deep level %d: depth, shown, in reply to: %q (%v), want %q", i, got, err, wantS)
		}
	}
	ada.openIn("Buy cheap watches", "Report")
	ada.fillIn("Buy cheap watches", `details.report input[name="comment"]`, "spam")
	ada.pressIn("Buy cheap watches", "Report")
	ada.openOK(course + "/manage/discussion")
	ada.sees("Reports about its posts", "@lea", "spam", "Buy cheap watches")
	ada.openOK("/admin/settings")
	ada.sees("spam", "about a post in "+node.DemoCourse)
	ada.openOK(course)
	ada.openIn("Buy cheap watches", "Remove")
	ada.pressIn("Buy cheap watches", "Remove this post")
	ada.doesNotSee("Buy cheap watches")
}

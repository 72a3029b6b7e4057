package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestJourneyMarkdown: a learner writes a post in Markdown (bold and a
// meeting link), previews it (the typed text kept, the rendered HTML above
// it, nothing posted yet), posts it and sees <strong> and a link that
// opens the meeting; the edit form holds the Markdown as typed, and an
// edit is previewed and saved too. The organiser adds a task in Markdown
// the same way and edits it from its Markdown.
func TestJourneyMarkdown(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)
	course := "/courses/" + node.DemoCourse

	lea := b.as("lea", n.Base)
	lea.signUp("lea", "Lea Learner", pw)
	lea.openOK(course)
	lea.pressOK("Join this Study Group")
	lea.sees("Markdown: **bold**, _italic_, [link](url), lists")
	typed := "This is **bold**. Meet at https://meet.example/room-1"
	lea.fill("Write a post", typed)
	lea.pressOK("Preview")
	lea.sees("How it will look (not saved yet)", "This is bold. Meet at https://meet.example/room-1")
	lea.is("the preview's bold text", `document.querySelector(".preview-body strong").textContent`, "bold")
	lea.is("the preview's link", `document.querySelector(".preview-body a").href`, "https://meet.example/room-1")
	lea.is("the text kept", `document.querySelector("textarea[name=text]").value`, typed)
	lea.shotHere("markdown-preview")
	lea.openOK(course)
	lea.doesNotSee("This is bold") // previewing posted nothing
	lea.fill("Write a post", typed)
	lea.pressOK("Preview")
	lea.pressOK("Post")
	post := `[...document.querySelectorAll("article.post")].find(a => a.textContent.includes("This is bold"))`
	lea.is("the post's bold text", post+`.querySelector("strong").textContent`, "bold")
	lea.is("the post's link", post+`.querySelector("a[href='https://meet.example/room-1']").textContent`, "https://meet.example/room-1")
	lea.is("the link opens elsewhere, safely", post+`.querySelector("a[href='https://meet.example/room-1']").rel`, "nofollow noreferrer noopener")

	lea.openIn("This is bold", "Edit")
	lea.is("the edit form's text", post+`.querySelector("details.edit textarea").value`, typed)
	lea.fillIn("This is bold", "details.edit textarea", "Now _italic_ and **bold**")
	ctx, cancel := context.WithTimeout(lea.ctx, stepTimeout)
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(inPost("This is bold", "details.edit button", "Preview"), chromedp.NodeVisible))
	cancel()
	if err != nil || resp.Status != 200 {
		t.Fatalf("preview the edit: %v\n%s", err, lea.where())
	}
	lea.is("the edit's preview", `document.querySelector(".preview-body em").textContent`, "italic")
	lea.pressOK("Save")
	lea.sees("Now italic and bold", "edited")
	var source string
	n.view(t, func(tx domain.Tx) error {
		posts, err := tx.PostsBy(n.person("lea"))
		for _, p := range posts {
			source = p.Source
		}
		return err
	})
	if source != "Now _italic_ and **bold**" {
		t.Errorf("stored source %q", source)
	}

	ada := b.as("ada", n.Base)
	ada.logIn(node.DemoOrganiser, n.AdaPassword)
	ada.openOK(course + "/manage/tasks")
	ada.fill("New task title", "Share a link")
	ada.fill("Text", "# Step one\n\n- open https://pad.example/p\n- write *one* line")
	ada.pressOK("Preview")
	ada.is("the task preview's heading", `document.querySelector(".preview-body h2").textContent`, "Step one")
	ada.is("the task preview's list", `document.querySelectorAll(".preview-body li").length`, "2")
	ada.pressOK("Add task")
	ada.follow("Share a link") // the task's edit form
	page := strings.TrimSuffix(ada.path(), "/edit")
	ada.is("the task's edit form", `document.querySelector("textarea[name=body]").value`, "# Step one\n\n- open https://pad.example/p\n- write *one* line")
	ada.fill("Text", "Only **this** now")
	ada.pressOK("Preview")
	ada.is("the edit form's preview", `document.querySelector(".preview-body strong").textContent`, "this")
	ada.is("the edit form keeps the text", `document.querySelector("textarea[name=body]").value`, "Only **this** now")
	ada.is("the edit form keeps the title", `document.querySelector("input[name=title]").value`, "Share a link")
	ada.shotHere("markdown-task-preview")
	ada.openOK(page)
	ada.is("the task before saving", `document.querySelector("article.task a[href='https://pad.example/p']").textContent`, "https://pad.example/p")
	// The course's summary: previewed from the settings form, then saved.
	ada.openOK(course + "/manage/settings")
	ada.fill("What is it about?", "We meet at https://meet.example/weekly, **every** week.")
	settings := `document.querySelector("form[action$='/edit'] button[name=preview]")`
	ctx, cancel = context.WithTimeout(ada.ctx, stepTimeout)
	resp, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.JSPath(settings), chromedp.NodeVisible))
	cancel()
	if err != nil || resp.Status != 200 {
		t.Fatalf("preview the summary: %v\n%s", err, ada.where())
	}
	ada.is("the summary's preview", `document.querySelector(".preview-body strong").textContent`, "every")
	ada.pressOK("Save")
	ada.openOK(course)
	ada.is("the course's summary link", `document.querySelector("main a[href='https://meet.example/weekly']").textContent`, "https://meet.example/weekly")

	ada.openOK(page + "/edit")
	ada.fill("Text", "Only **this** now")
	ada.pressOK("Save")
	ada.openOK(page)
	ada.is("the edited task", `document.querySelector("article.task strong").textContent`, "this")
}

// is fails unless the JavaScript expression js, run on the page, has the
// value want (as text).
func (u *user) is(what, js, want string) {
	u.t.Helper()
	got, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](`String(`+js+`)`))
	if err != nil || got != want {
		u.t.Fatalf("%s: %s is %q (%v), want %q\n%s", u.name, what, got, err, want, u.where())
	}
}

// shotHere checks that the page (one a form answered, which cannot be
// opened again) fits a phone's width, and writes its screenshot at each
// width to the screenshot folder when LERNEJO_SCREENSHOTS is set.
func (u *user) shotHere(name string) {
	u.t.Helper()
	dir := os.Getenv("LERNEJO_SCREENSHOTS")
	for _, vp := range viewports {
		var opts []chromedp.EmulateViewportOption
		if vp.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
		}
		u.step("resize to "+vp.name, chromedp.EmulateViewport(vp.width, vp.height, opts...))
		fits, err := chromedp.Run(u.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
		if err != nil || !fits {
			u.t.Errorf("%s: %s overflows at %s (%v)", u.name, name, vp.name, err)
		}
		if dir == "" {
			continue
		}
		ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			u.t.Fatalf("screenshot %s at %s: %v", name, vp.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+vp.name+".png"), png, 0o644); err != nil {
			u.t.Fatal(err)
		}
	}
	u.step("back to desktop width", chromedp.EmulateViewport(1280, 900))
}

package browsertest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

// recorder is a testing.TB that keeps the first failure instead of
// reporting it, so a test can assert that a check fails.
type recorder struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	if r.msg == "" {
		r.msg = fmt.Sprintf(format, args...)
	}
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

func (r *recorder) Helper() {}

// failure runs fn with the person's failures going to a recorder and
// returns the failure, or "" when fn passed.
func (u *user) failure(fn func(u *user)) string {
	r := &recorder{TB: u.t}
	c := *u
	c.t = r
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(&c)
	}()
	<-done
	return r.msg
}

// TestPageChecksCatchFaults proves the checks every page gets can fail: a
// page wider than the phone fails the overflow check naming the element, an
// image without a text alternative and low-contrast text fail axe-core, and
// text that is readable in light but not in dark fails in the dark scheme.
func TestPageChecksCatchFaults(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	u := b.as("visitor", "")
	page := func(body string) string {
		return "data:text/html;charset=utf-8," + strings.ReplaceAll(`<!DOCTYPE html><html lang="en"><head><title>Canary</title>`+
			`<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main><h1>Canary</h1>`+body+`</main></body></html>`, "#", "%23")
	}
	for _, c := range []struct{ name, body, want string }{
		{"fine", `<p>Nothing wrong here.</p>`, ""},
		{"overflow", `<p id="wide" style="width:2000px">wide</p>`, `<p#wide> "wide" reaching`},
		{"image", `<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">`, "image-alt"},
		{"contrast", `<p style="color:#ccc">pale</p>`, "color-contrast"},
		{"dark", `<style>@media (prefers-color-scheme: dark) { body { background: #000; } p { color: #222; } }</style><p>dim</p>`, "dark colour scheme"},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := u.in(t)
			u.step("open the canary", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(page(c.body)))
			got := u.failure(func(u *user) { u.checkPage() })
			switch {
			case c.want == "" && got != "":
				t.Errorf("a fine page fails the checks: %s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Errorf("the checks say %q, want a failure naming %q", got, c.want)
			}
		})
	}
}

// Content that used to make pages wider than a phone: a 300-character word,
// a long URL and a long line of code.
var (
	longWord = strings.Repeat("Pneumonoultramicroscopicsilicovolcanoconiosis", 7)[:300]
	longURL  = "https://example.org/a/very/long/path/that/keeps/going/" + strings.Repeat("segment-", 20) + "end?query=" + strings.Repeat("x", 60)
	longCode = "print(" + strings.Repeat(`"spam", `, 30) + `"eggs")`
)

// TestLayoutWithLongContent: a course, its summary, a task, a post, a
// profile, a school and a badge hold a 300-character word, a long URL and a
// long code line, and the node has a long name. Every page a visitor, a
// learner, an organiser and the operator see is opened at phone and desktop
// width, in English and in Esperanto: each passes the overflow and
// axe-core checks (light and dark) and says its language, the
// header stays on one line and "Log out" is a quiet button.
func TestLayoutWithLongContent(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	ctx := context.Background()
	sv := n.Services
	long := "Words like " + longWord + " and links like " + longURL + " must wrap."

	st := n.settings(t)
	st.Name = "The Northern Valleys Community Learning Network and Friends of the Evening Classes"
	if _, err := sv.Settings.Update(ctx, st); err != nil {
		t.Fatal(err)
	}
	hash, err := password.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*domain.Person{
		{Handle: "olga", DisplayName: "Olga Organiser", Bio: long, PasswordHash: hash},
		{Handle: "lena", DisplayName: "Lena " + longWord[:60], Bio: long, PasswordHash: hash},
	} {
		if err := sv.Accounts.Register(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := sv.Schools.Create(ctx, "ada", &domain.School{Handle: "valleys", Name: "Valley School", Summary: long, Organisers: []string{"olga"}}); err != nil {
		t.Fatal(err)
	}
	course := &domain.Course{Handle: "long-words", Title: "Long " + longWord[:40], Summary: long, Kind: "Course",
		Status: domain.StatusOpen, SignUp: domain.SignUpOpen, Language: "en", Tags: []string{"python"}, Organisers: []string{"olga"}}
	if err := sv.Courses.Create(ctx, "olga", course); err != nil {
		t.Fatal(err)
	}
	task := &domain.Task{Course: "long-words", Title: "Read " + longWord[:50],
		Body: "<p>" + long + "</p><pre><code>" + longCode + "</code></pre><p><code>" + longCode + "</code></p>"}
	if err := sv.Tasks.Add(ctx, "olga", task); err != nil {
		t.Fatal(err)
	}
	badge := &domain.Badge{Issuer: "long-words", Name: "Finisher", Description: long, Criteria: domain.CriteriaOrganiser}
	if err := sv.Badges.Add(ctx, "olga", badge); err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Enrolment.EnrolLocal(ctx, "lena", "long-words", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Tasks.Complete(ctx, "lena", "long-words", task.ID, longURL, long); err != nil {
		t.Fatal(err)
	}
	award, err := sv.Badges.Award(ctx, "olga", badge.ID, "lena")
	if err != nil {
		t.Fatal(err)
	}
	post, err := sv.Posts.Publish(ctx, service.PostInput{Author: "lena", Course: "long-words",
		Text: long + " Code: `" + longCode + "` #python"})
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t)
	visitor := b.as("visitor", n.Base)
	lena := b.as("lena", n.Base)
	lena.logIn("lena", pw)
	olga := b.as("olga", n.Base)
	olga.logIn("olga", pw)
	ada := b.as("ada", n.Base)
	ada.logIn("ada", n.AdaPassword)

	seen := []string{"/", "/courses/long-words", "/courses/long-words/tasks/" + task.ID, post.URI,
		"/people/lena", "/people/olga", "/schools/valleys", "/tags/python", "/awards/" + award.ID, "/about"}
	for _, pv := range []struct {
		who   *user
		pages []string
	}{
		{visitor, append([]string{"/login", "/signup"}, seen...)},
		{lena, append([]string{"/lookup", "/learning", "/notifications", "/settings/profile", "/settings/email",
			"/settings/language", "/settings/password", "/settings/delete"}, seen...)},
		{olga, append([]string{"/courses/long-words/manage", "/courses/long-words/manage/progress", "/courses/long-words/manage/tasks",
			"/courses/long-words/manage/badges", "/courses/long-words/manage/discussion", "/courses/long-words/manage/settings", "/new/course"}, seen...)},
		{ada, []string{"/admin/settings", "/admin/users", "/admin/schools", "/"}},
	} {
		for _, lang := range []string{"en", "eo"} {
			for _, vp := range viewports {
				t.Run(pv.who.name+"-"+lang+"-"+vp.name, func(t *testing.T) {
					u := pv.who.in(t)
					u.language(lang)
					defer u.language("")
					var opts []chromedp.EmulateViewportOption
					if vp.mobile {
						opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
					}
					u.step("resize to "+vp.name, chromedp.EmulateViewport(vp.width, vp.height, opts...))
					for _, p := range pv.pages {
						u.openOK(p)
						if got, err := runJS[string](u, `document.documentElement.lang`); err != nil || got != lang {
							t.Errorf("%s in %s: the page says lang=%q (%v)", p, lang, got, err)
						}
						u.headerFits()
					}
				})
			}
		}
	}

	// On paper the course's task list stands alone: no navigation, no forms.
	lena.openOK("/courses/long-words")
	lena.media("print")
	defer lena.media("")
	hidden, err := runJS[[]string](lena, `[...document.querySelectorAll("header.site, footer.site, form, main nav")].
	filter(el => getComputedStyle(el).display !== "none").map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""))`)
	if err != nil || len(hidden) > 0 {
		t.Errorf("printed, the course page still shows %v (%v)", hidden, err)
	}
	if shown, err := runJS[bool](lena, `getComputedStyle(document.querySelector("ol.tasks")).display !== "none" && document.querySelector("ol.tasks").innerText.includes("Read")`); err != nil || !shown {
		t.Errorf("printed, the course page does not show its task list (%v)", err)
	}
	lena.shoot(lena.path(), "print")
}

// media emulates a CSS media type ("print"; "" for the screen again).
func (u *user) media(kind string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: kind}); err != nil {
		u.t.Fatalf("%s: emulate media %q: %v", u.name, kind, err)
	}
}

// language has the person's browser ask for the pages in lang (its
// Accept-Language), "" for the browser's own.
func (u *user) language(lang string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	h := network.Headers{}
	if lang != "" {
		h["Accept-Language"] = lang
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h}); err != nil {
		u.t.Fatalf("%s: ask for %q: %v", u.name, lang, err)
	}
}

// headerFits fails unless the site header's bar is one line high with the
// node's name in it, and a logged-in person's "Log out" is a quiet button
// (no filled background), not styled as the page's main action.
func (u *user) headerFits() {
	u.t.Helper()
	msg, err := runJS[string](u, `(() => {
	const brand = document.querySelector("header.site .brand");
	if (!brand) return "the header has no brand link";
	const r = brand.getBoundingClientRect();
	const line = parseFloat(getComputedStyle(brand).lineHeight) || 1.6 * parseFloat(getComputedStyle(brand).fontSize);
	if (r.height > 1.5 * line) return "the node's name takes " + Math.round(r.height) + " px, more than one line of " + Math.round(line) + " px";
	const out = [...document.querySelectorAll("header.site button")].find(b => b.textContent.trim() === "Log out");
	if (out) {
		const bg = getComputedStyle(out).backgroundColor;
		if (bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") return "Log out is a filled button (" + bg + ")";
	}
	return "";
})()`)
	if err != nil {
		u.t.Fatalf("%s: header check: %v", u.name, err)
	}
	if msg != "" {
		u.t.Fatalf("%s: the header on %s: %s", u.name, u.path(), msg)
	}
}

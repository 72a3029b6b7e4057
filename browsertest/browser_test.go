// Package browsertest drives the web UI of real Lernejo nodes with a real
// headless Chromium (Debian package "chromium", installed by .ci/run), and
// checks what plain HTTP clients can check: CSRF, access control, escaping
// and HTML validity (DESIGN.md §8 and §10).
//
// This file holds the helpers: nodes, the browser, people in the browser,
// and a plain HTTP client with a cookie jar.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// Widths of the screenshots the issue asks for.
var viewports = []struct {
	name          string
	width, height int64
	mobile        bool
}{
	{"phone", 390, 844, true},
	{"desktop", 1280, 900, false},
}

// screenshotDir is where screenshots go: /screenshots at the repository
// root, which .gitignore keeps out of commits. Tests run in browsertest/.
const screenshotDir = "../screenshots"

// stepTimeout bounds one browser step (a navigation, a click and the page it
// loads, a query). It catches a hung step; it measures nothing.
const stepTimeout = 30 * time.Second

// ---------------------------------------------------------------- nodes

// testNode is a running node and what a test needs to reach it.
type testNode struct {
	*node.Node
	Base string // http://127.0.0.1:PORT
	Host string // 127.0.0.1:PORT, the WebFinger domain
	// AdaPassword is the demo organiser's password, printed once by --demo.
	AdaPassword string
}

var demoPassword = regexp.MustCompile(`password: (\S+)`)

// startNode starts a real node on 127.0.0.1:0 (URL empty, so its base is
// http://127.0.0.1:PORT) and stops it when the test ends.
func startNode(t testing.TB, cfg node.Config) *testNode {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	tn := &testNode{}
	cfg.DemoOutput = func(format string, args ...any) {
		if m := demoPassword.FindStringSubmatch(fmt.Sprintf(format, args...)); m != nil {
			tn.AdaPassword = m[1]
		}
	}
	n, err := node.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n.Close(ctx)
	})
	tn.Node = n
	tn.Base = n.URLs.Base()
	tn.Host = n.URLs.Host()
	if cfg.Demo && tn.AdaPassword == "" {
		t.Fatal("the demo node printed no password for ada")
	}
	return tn
}

// view runs fn in a read-only transaction of the node's store.
func (n *testNode) view(t testing.TB, fn func(tx domain.Tx) error) {
	t.Helper()
	if err := n.Store.View(context.Background(), fn); err != nil {
		t.Fatalf("store: %v", err)
	}
}

// person is the actor id of a local person.
func (n *testNode) person(handle string) string {
	return n.URLs.Actor(domain.ActorPerson, handle)
}

// follower returns the follow of a local course by an actor, or nil.
func (n *testNode) follower(t testing.TB, course, actor string) *domain.Follower {
	var f *domain.Follower
	n.view(t, func(tx domain.Tx) error {
		f, _ = tx.Follower(course, actor)
		return nil
	})
	return f
}

func (n *testNode) settings(t testing.TB) domain.Settings {
	var st domain.Settings
	n.view(t, func(tx domain.Tx) error {
		var err error
		st, err = tx.Settings()
		return err
	})
	return st
}

// eventually polls cond until it holds or a generous bound passes; it waits
// for deliveries between nodes, it does not measure speed.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("never happened: %s", what)
}

// ---------------------------------------------------------------- browser

// browser is one headless Chromium for one test. Each person gets their own
// browser context in it (their own cookies), like a separate profile.
type browser struct {
	t   testing.TB
	ctx context.Context // the first tab; its first Do started the browser

	mu      sync.Mutex
	dialogs []string // JavaScript dialogs that opened: each is an XSS that ran
}

// chromiumPath finds Debian's chromium. Its absence is a failure, never a
// skip: CI installs the package (.ci/run).
func chromiumPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: the browser tests need Debian's package \"chromium\" " +
		"(apt-get install -y chromium; .ci/run installs it when /usr/bin/chromium is missing)")
	return ""
}

// newBrowser starts chromium headless with a fresh profile. The machine may
// have no internet, so everything that phones home is off.
func newBrowser(t testing.TB) *browser {
	t.Helper()
	path := chromiumPath(t)
	profile := t.TempDir() // removed after the browser has exited (cleanups run last-in first-out)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &browser{t: t}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(b.listen))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout
		t.Fatalf("start chromium (%s): %v", path, err)
	}
	b.ctx = ctx
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, d := range b.dialogs {
			t.Errorf("a JavaScript dialog opened (injected script ran): %s", d)
		}
	})
	return b
}

// listen records every JavaScript dialog. It runs in the tab's event loop,
// so it sends no command; a goroutine dismisses the dialog so the page does
// not stay blocked.
func (b *browser) listen(ev any) {
	d, ok := ev.(*page.EventJavascriptDialogOpening)
	if !ok {
		return
	}
	b.mu.Lock()
	b.dialogs = append(b.dialogs, fmt.Sprintf("%s(%q) on %s", d.Type, d.Message, d.URL))
	b.mu.Unlock()
}

// user is one person at one node, in their own browser context and tab.
type user struct {
	t    testing.TB
	b    *browser
	ctx  context.Context
	base string
	name string // for messages
	// noScripts is set while the person's tab runs no scripts (scripts);
	// a pointer, as copies of the person (in, failure) share the tab.
	noScripts *bool
}

// as opens a new browser context (its own cookie jar) for a person visiting base.
func (b *browser) as(name, base string) *user {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(b.listen))
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("open a tab for %s: %v", name, err)
	}
	u := &user{t: b.t, b: b, ctx: ctx, base: base, name: name, noScripts: new(bool)}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return u
}

// step runs one bounded browser step.
func (u *user) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		u.t.Fatalf("%s: %s: %v\n%s", u.name, what, err, u.where())
	}
}

// where describes the page the person is on, for failure messages.
func (u *user) where() string {
	ctx, cancel := context.WithTimeout(u.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main") ? document.querySelector("main").innerText : document.body.innerText`))
	if len(text) > 800 {
		text = text[:800] + "…"
	}
	return fmt.Sprintf("  on %s:\n  %s", loc, strings.ReplaceAll(text, "\n", "\n  "))
}

// open navigates to a path on the person's node and returns the status.
func (u *user) open(path string) int64 {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u.abs(path)))
	if err != nil {
		u.t.Fatalf("%s: open %s: %v", u.name, path, err)
	}
	u.checkPage()
	return resp.Status
}

// openOK opens a page that must answer 200.
func (u *user) openOK(path string) {
	u.t.Helper()
	if st := u.open(path); st != 200 {
		u.t.Fatalf("%s: GET %s answered %d, want 200\n%s", u.name, path, st, u.where())
	}
}

func (u *user) abs(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return u.base + path
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x2028 || r == 0x2029 || r == '<' || r == '>':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// labelled selects the form control of the label whose text is label
// (whitespace collapsed), or else starts with it: how a person finds a field.
func labelled(label string) chromedp.JSPath {
	return chromedp.JSPath(`(() => {
	const want = ` + jsString(label) + `;
	const norm = s => s.replace(/\s+/g, " ").trim();
	const labels = [...document.querySelectorAll("label")];
	const l = labels.find(l => norm(l.textContent) === want) || labels.find(l => norm(l.textContent).startsWith(want));
	return l && l.control ? l.control : null;
})()`)
}

// button selects the visible button whose text is text.
func button(text string) chromedp.JSPath {
	return chromedp.JSPath(`(() => {
	const want = ` + jsString(text) + `;
	return [...document.querySelectorAll("button")].find(b => b.textContent.replace(/\s+/g, " ").trim() === want && b.offsetParent !== null) || null;
})()`)
}

// link selects the visible link whose text is text.
func link(text string) chromedp.JSPath {
	return chromedp.JSPath(`(() => {
	const want = ` + jsString(text) + `;
	return [...document.querySelectorAll("a")].find(a => a.textContent.replace(/\s+/g, " ").trim() === want && a.offsetParent !== null) || null;
})()`)
}

// fill types value into the field labelled label, replacing what was there.
func (u *user) fill(label, value string) {
	u.t.Helper()
	clear := chromedp.Evaluate[chromedp.Void](`(` + string(labelled(label)) + `).value = ""`)
	u.step(fmt.Sprintf("fill %q", label),
		chromedp.WaitVisible(labelled(label)),
		clear,
		chromedp.SendKeys(labelled(label), value))
}

// follow clicks the link with this text and waits for the page it opens.
func (u *user) follow(text string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(link(text), chromedp.NodeVisible))
	if err != nil {
		u.t.Fatalf("%s: follow the link %q: %v\n%s", u.name, text, err, u.where())
	}
	u.checkPage()
	if resp.Status != 200 {
		u.t.Fatalf("%s: the link %q led to a %d page\n%s", u.name, text, resp.Status, u.where())
	}
}

// choose picks an option of the select labelled label by its value.
func (u *user) choose(label, value string) {
	u.t.Helper()
	u.step(fmt.Sprintf("choose %q in %q", value, label), chromedp.WaitVisible(labelled(label)))
	ok, err := chromedp.Run(u.ctx, chromedp.Evaluate[bool](`(() => {
	const el = (`+string(labelled(label))+`);
	const want = `+jsString(value)+`;
	const o = [...el.options].find(o => o.value === want || o.textContent.trim() === want);
	if (!o) return false;
	el.value = o.value;
	el.dispatchEvent(new Event("change", {bubbles: true}));
	return true;
})()`))
	if err != nil || !ok {
		u.t.Fatalf("%s: the select %q has no option %q (%v)\n%s", u.name, label, value, err, u.where())
	}
}

// tick sets the checkbox labelled label.
func (u *user) tick(label string, on bool) {
	u.t.Helper()
	checked, err := chromedp.Run(u.ctx, chromedp.JavascriptAttribute[bool](labelled(label), "checked"))
	if err != nil {
		u.t.Fatalf("%s: checkbox %q: %v\n%s", u.name, label, err, u.where())
	}
	if checked != on {
		u.step(fmt.Sprintf("tick %q", label), chromedp.Click(labelled(label)))
	}
}

// press clicks the button with this text and waits for the page it leads
// to; it returns that page's status.
func (u *user) press(text string) int64 {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(button(text), chromedp.NodeVisible))
	if err != nil {
		u.t.Fatalf("%s: press %q: %v\n%s", u.name, text, err, u.where())
	}
	u.checkPage()
	return resp.Status
}

// pressOK presses a button whose page must answer 200.
func (u *user) pressOK(text string) {
	u.t.Helper()
	if st := u.press(text); st != 200 {
		u.t.Fatalf("%s: pressing %q led to a %d page\n%s", u.name, text, st, u.where())
	}
}

// text is the visible text of the page.
func (u *user) text() string {
	u.t.Helper()
	s, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		u.t.Fatalf("%s: read the page: %v", u.name, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// sees fails unless the page shows every one of want.
func (u *user) sees(want ...string) {
	u.t.Helper()
	text := u.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			u.t.Fatalf("%s: the page does not show %q\n%s", u.name, w, u.where())
		}
	}
}

// location is the page's URL.
func (u *user) location() string {
	u.t.Helper()
	loc, err := chromedp.Run(u.ctx, chromedp.Location())
	if err != nil {
		u.t.Fatal(err)
	}
	return loc
}

// path is the page's path and query.
func (u *user) path() string {
	loc, err := url.Parse(u.location())
	if err != nil {
		u.t.Fatal(err)
	}
	return loc.RequestURI()
}

// signUp creates an account through the sign-up form.
func (u *user) signUp(handle, displayName, password string) {
	u.t.Helper()
	u.openOK("/signup")
	u.fill("Handle", handle)
	u.fill("Display name (optional)", displayName)
	u.fill("Password", password)
	u.fill("Password again", password)
	u.pressOK("Sign up")
	u.sees("@" + handle) // the header shows who is logged in
}

// logIn logs in through the log-in form.
func (u *user) logIn(handle, password string) {
	u.t.Helper()
	u.openOK("/login")
	u.fill("Handle", handle)
	u.fill("Password", password)
	u.pressOK("Log in")
	u.sees("@" + handle)
}

// screenshot saves full-page PNGs of the current page at phone and desktop
// width as ../screenshots/NAME-phone.png and NAME-desktop.png, then goes
// back to the desktop width.
func (u *user) screenshot(name string) {
	u.t.Helper()
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		u.t.Fatal(err)
	}
	loc := u.location()
	for _, vp := range viewports {
		var opts []chromedp.EmulateViewportOption
		if vp.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
		}
		// Reload at the new size, so that the layout is the one a phone gets.
		u.step("resize to "+vp.name, chromedp.EmulateViewport(vp.width, vp.height, opts...), chromedp.Navigate(loc))
		ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			u.t.Fatalf("screenshot %s at %s: %v", name, vp.name, err)
		}
		file := filepath.Join(screenshotDir, name+"-"+vp.name+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			u.t.Fatal(err)
		}
	}
	u.step("back to desktop width", chromedp.EmulateViewport(1280, 900))
}

// ---------------------------------------------------------------- page checks

// Every page a person opens, follows a link to or reaches by pressing a
// button is checked as it loads (checkPage): nothing is wider than the
// viewport, and axe-core finds no WCAG 2.1 A or AA violation, in the light
// and in the dark colour scheme. With LERNEJO_SCREENSHOTS=DIR each checked
// page is also saved there as full-page PNGs, light and dark.

// pagesChecked counts the pages checkPage has checked; TestMain reports it.
var pagesChecked atomic.Int64

// shotSeq numbers the screenshots, so that their names sort in the order
// the tests took them and a page seen twice is not overwritten.
var shotSeq atomic.Int64

// TestMain runs the tests and then says how many pages were checked.
func TestMain(m *testing.M) {
	code := m.Run()
	fmt.Printf("browsertest: checked %d pages (overflow, axe-core WCAG 2.1 AA light and dark)\n", pagesChecked.Load())
	os.Exit(code)
}

// axeTags are the axe-core rule tags of WCAG 2.1 levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeScript is axe.min.js from the validator's node_modules (pinned by its
// package-lock.json), read once. It is injected into each page with
// Evaluate, so no page loads anything from the network.
func axeScript(t testing.TB) string {
	t.Helper()
	axeOnce.Do(func() {
		var b []byte
		b, axeErr = os.ReadFile(filepath.Join(validatorDir, "node_modules", "axe-core", "axe.min.js"))
		axeSource = string(b)
	})
	if axeErr != nil {
		t.Fatalf("axe-core is not installed: run `npm ci --prefix browsertest/testdata/validator` at the repository root (.ci/run does): %v", axeErr)
	}
	return axeSource
}

// overflowJS describes the overflow of the page, or is empty when the page
// is no wider than its viewport. It names the element reaching farthest to
// the right that is not inside a box that scrolls or clips it.
const overflowJS = `(() => {
	const de = document.documentElement;
	const limit = Math.min(window.innerWidth, de.clientWidth);
	if (de.scrollWidth <= limit) return "";
	const clipped = el => {
		for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
			if (getComputedStyle(a).overflowX !== "visible") return true;
		}
		return false;
	};
	let worst = null, right = limit;
	for (const el of document.body.querySelectorAll("*")) {
		const r = el.getBoundingClientRect();
		if (r.right > right + 0.5 && !clipped(el)) { right = r.right; worst = el; }
	}
	let what = "no single element";
	if (worst) {
		what = "<" + worst.tagName.toLowerCase() + (worst.id ? "#" + worst.id : "") +
			(worst.className && typeof worst.className === "string" ? "." + worst.className.trim().split(/\s+/).join(".") : "") + ">";
		const text = (worst.textContent || "").replace(/\s+/g, " ").trim();
		if (text) what += " " + JSON.stringify(text.length > 80 ? text.slice(0, 80) + "…" : text);
		what += " reaching " + Math.round(right) + " px";
	}
	return "the page is " + de.scrollWidth + " px wide in a " + limit + " px viewport; widest: " + what;
})()`

// axeViolation is what checkPage reports of one axe-core violation.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  string `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeRunJS runs axe-core on the document with the given options (a JSON
// object) and returns its violations.
func axeRunJS(options string) string {
	return `axe.run(document, ` + options + `).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""}))})))`
}

// colorScheme emulates prefers-color-scheme (light or dark) in the tab.
func (u *user) colorScheme(scheme string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		u.t.Fatalf("%s: emulate prefers-color-scheme: %s: %v", u.name, scheme, err)
	}
}

// scripts turns the person's tab's scripts on or off (a journey that
// must work without JavaScript).
func (u *user) scripts(on bool) {
	u.t.Helper()
	*u.noScripts = !on
	u.setScripts(on)
}

func (u *user) setScripts(on bool) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		u.t.Fatalf("%s: turn scripts on=%v: %v", u.name, on, err)
	}
}

// checkPage checks the page the person is on now (see the section comment).
// Documents that are not HTML pages (JSON, images) are not checked.
func (u *user) checkPage() {
	u.t.Helper()
	kind, err := runJS[string](u, `document.contentType`)
	if err != nil {
		u.t.Fatalf("%s: read the page: %v", u.name, err)
	}
	if kind != "text/html" {
		return
	}
	where := u.path()
	if msg, err := runJS[string](u, overflowJS); err != nil {
		u.t.Fatalf("%s: overflow check on %s: %v", u.name, where, err)
	} else if msg != "" {
		u.t.Fatalf("%s: %s overflows: %s", u.name, where, msg)
	}
	u.shoot(where, "")
	// axe-core is a script: a tab with scripts off runs it with them on
	// for the check, and off again for the journey.
	if *u.noScripts {
		u.setScripts(true)
		defer u.setScripts(false)
	}
	if has, _ := runJS[bool](u, `typeof axe === "object"`); !has {
		if _, err := runJS[chromedp.Void](u, axeScript(u.t)); err != nil {
			u.t.Fatalf("%s: inject axe-core into %s: %v", u.name, where, err)
		}
	}
	tags, _ := json.Marshal(axeTags)
	u.axe(where, "light", `{runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]}`)
	// Only colour contrast depends on the colour scheme.
	u.colorScheme("dark")
	u.axe(where, "dark", `{runOnly: {type: "rule", values: ["color-contrast"]}, resultTypes: ["violations"]}`)
	u.shoot(where, "dark")
	u.colorScheme("light")
	pagesChecked.Add(1)
}

// axe runs axe-core on the page and fails the test on any violation, with
// its rule, the elements and the help.
func (u *user) axe(where, scheme, options string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRunJS(options), chromedp.EvalAwaitPromise))
	if err != nil {
		u.t.Fatalf("%s: axe-core on %s: %v", u.name, where, err)
	}
	if len(vs) == 0 {
		return
	}
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  %s (%s): %s (%s)", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    %s: %s", n.Target, strings.Join(strings.Fields(n.Summary), " "))
		}
	}
	u.t.Fatalf("%s: axe-core finds %d WCAG 2.1 AA violations on %s (%s colour scheme):%s", u.name, len(vs), where, scheme, b.String())
}

// unsafeName matches what a screenshot's file name leaves out.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// shoot saves a full-page PNG of the page to $LERNEJO_SCREENSHOTS, if set,
// named by number, test, path, viewport width and scheme.
func (u *user) shoot(where, scheme string) {
	u.t.Helper()
	dir := os.Getenv("LERNEJO_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		u.t.Fatal(err)
	}
	width, err := runJS[int](u, `window.innerWidth`)
	if err != nil {
		u.t.Fatalf("%s: read the viewport: %v", u.name, err)
	}
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		u.t.Fatalf("%s: screenshot of %s: %v", u.name, where, err)
	}
	page := strings.Trim(where, "/")
	if page == "" {
		page = "index"
	}
	if len(page) > 80 {
		page = page[:80]
	}
	name := fmt.Sprintf("%04d-%s-%s-%d", shotSeq.Add(1), u.t.Name(), page, width)
	if scheme != "" {
		name += "-" + scheme
	}
	name = strings.Trim(unsafeName.ReplaceAllString(name, "_"), "_")
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		u.t.Fatal(err)
	}
}

// ---------------------------------------------------------------- HTTP

// client is a person with a plain HTTP client: a cookie jar and no
// automatic redirects, so tests see every status.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
}

func newClient(t testing.TB, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, hc: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	Status   int
	Location string
	Body     string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b)}
}

func (c *client) abs(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return c.base + path
}

// get fetches a page as a browser would (Accept: text/html).
func (c *client) get(path string) response {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.abs(path), nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	return c.do(req)
}

// getOK fetches a page that must answer 200.
func (c *client) getOK(path string) string {
	c.t.Helper()
	r := c.get(path)
	if r.Status != 200 {
		c.t.Fatalf("GET %s: %d, want 200\n%.600s", path, r.Status, r.Body)
	}
	return r.Body
}

// post sends a form the way a browser on the node's own pages does.
func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.abs(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	return c.do(req)
}

// token reads the _csrf value of the first form on a page; for a logged-out
// visitor the page also sets the double-submit cookie.
func (c *client) token(path string) string {
	c.t.Helper()
	doc := parseHTML(c.t, c.getOK(path))
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") == "_csrf" {
			if v := attr(n, "value"); v != "" {
				return v
			}
		}
	}
	c.t.Fatalf("GET %s: no form with a _csrf field", path)
	return ""
}

// submit posts a form with the token of the page it is on.
func (c *client) submit(page, action string, form url.Values) response {
	c.t.Helper()
	form.Set("_csrf", c.token(page))
	return c.post(action, form)
}

func (c *client) logIn(handle, password string) {
	c.t.Helper()
	r := c.submit("/login", "/login", url.Values{"handle": {handle}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("log in as %s: %d\n%.600s", handle, r.Status, r.Body)
	}
}

func (c *client) signUp(handle, displayName, password string) {
	c.t.Helper()
	r := c.submit("/signup", "/signup", url.Values{"handle": {handle}, "display_name": {displayName},
		"password": {password}, "password_confirm": {password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("sign up as %s: %d\n%.600s", handle, r.Status, r.Body)
	}
}

// ---------------------------------------------------------------- HTML

func parseHTML(t testing.TB, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is the text content of a node, whitespace collapsed.
func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// runJS evaluates a JavaScript expression in the person's page.
func runJS[T any](u *user, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// in returns the person for use inside a subtest: failures go to t.
func (u *user) in(t testing.TB) *user {
	c := *u
	c.t = t
	return &c
}

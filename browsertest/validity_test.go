package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	stdhtml "html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// validatorDir holds html-validate, pinned by package-lock.json; .ci/run
// installs it with `npm ci --prefix browsertest/testdata/validator`.
const validatorDir = "testdata/validator"

// ruleChanges are the rules of html-validate:recommended that this check
// changes, each with the reason. Only rules stricter than the HTML standard
// for style's sake belong here, never rules about validity or accessibility.
// None is turned off.
var ruleChanges = map[string]struct {
	setting any
	reason  string
}{
	"valid-id": {[]any{"error", map[string]any{"relaxed": true}},
		"By default the rule also wants ids that are handy CSS selectors (letters, digits, - and _ only). " +
			"HTML only forbids empty ids and whitespace in them, and pages key per-item controls by actor or post " +
			"URLs (id=\"reason-https://…\"), which label for= matches exactly. relaxed keeps the HTML rules."},
	"form-dup-name": {[]any{"error", map[string]any{"shared": []string{"radio", "button", "reset", "submit", "checkbox"}}},
		"A group of checkboxes sharing one name is standard HTML for a multi-valued field (the badge form's " +
			"\"tasks\", read as form.Value[\"tasks\"]); the rule allows it only for radios and buttons by default."},
}

// validatorConfig is html-validate:recommended on the HTML5 element set,
// with ruleChanges.
func validatorConfig() map[string]any {
	rules := map[string]any{}
	for r, c := range ruleChanges {
		rules[r] = c.setting
	}
	return map[string]any{
		"root":     true,
		"extends":  []string{"html-validate:recommended"},
		"elements": []string{"html5"},
		"rules":    rules,
	}
}

// htmlValidate returns the command that runs the validator, or fails the
// test saying what to install.
func htmlValidate(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: the HTML validity check runs html-validate on Node.js (Debian packages nodejs and npm)")
	}
	bin, err := filepath.Abs(filepath.Join(validatorDir, "node_modules", ".bin", "html-validate"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("html-validate is not installed: run `npm ci --prefix browsertest/testdata/validator` at the repository root (.ci/run does): %v", err)
	}
	return bin
}

type validateResult struct {
	FilePath string `json:"filePath"`
	Messages []struct {
		RuleID   string `json:"ruleId"`
		Severity int    `json:"severity"`
		Message  string `json:"message"`
		Line     int    `json:"line"`
		Column   int    `json:"column"`
		Selector string `json:"selector"`
	} `json:"messages"`
	Source string `json:"source"`
}

// TestEveryPageIsValidHTML fetches every page of the web UI, as a visitor,
// a learner and an organiser who is the node's operator, and checks each with
// html-validate (html-validate:recommended), and that each has one <main>,
// one <h1> and a lang.
func TestEveryPageIsValidHTML(t *testing.T) {
	t.Parallel()
	bin := htmlValidate(t)
	n := startNode(t, node.Config{Demo: true, AllowPrivateNetworks: true})
	other := startNode(t, node.Config{Demo: true, AllowPrivateNetworks: true})
	task := seedStory(t, n)
	var post, award string
	n.view(t, func(tx domain.Tx) error {
		ps, err := tx.CoursePosts("gentle-python", 0, 0)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if !p.IsReply() && p.Task == "" {
				post = p.URI
			}
		}
		as, err := tx.AwardsOf(n.person("pat"))
		if len(as) > 0 {
			award = "/awards/" + as[0].ID
		}
		return err
	})
	if post == "" || award == "" {
		t.Fatalf("seeded story lacks a post (%q) or an award (%q)", post, award)
	}

	thread := seedLongLists(t, n)
	meeting, remoteMeeting := seedMeetings(t, n, other)
	anon := newClient(t, n.Base)
	pat := newClient(t, n.Base)
	pat.logIn("pat", pw)
	ada := newClient(t, n.Base)
	ada.logIn("ada", n.AdaPassword)
	r := ada.get("/lookup?q=" + url.QueryEscape("@gentle-python@"+other.Host))
	if r.Status != 303 || !strings.HasPrefix(r.Location, "/remote?id=") {
		t.Fatalf("look up gentle-python on the other node: %d %q", r.Status, r.Location)
	}
	remote := r.Location
	// The middle page of a list links both ways.
	secondPage := stdhtml.UnescapeString(pagerNext.FindStringSubmatch(anon.getOK("/courses/" + bigCourse))[1])
	secondPage = stdhtml.UnescapeString(pagerNext.FindStringSubmatch(anon.getOK(secondPage))[1])

	pages := []struct {
		name   string
		who    *client
		path   string
		status int
	}{
		{"home", anon, "/", 200},
		{"about", anon, "/about", 200},
		{"course", anon, "/courses/gentle-python", 200},
		{"task", anon, "/courses/gentle-python/tasks/" + task, 200},
		{"school", anon, "/schools/webcraft", 200},
		{"profile", anon, "/people/pat", 200},
		{"post", anon, post, 200},
		{"tag", anon, "/tags/python", 200},
		{"award", anon, award, 200},
		{"login", anon, "/login", 200},
		{"signup", anon, "/signup", 200},
		{"lookup", anon, "/lookup", 200},
		{"not-found", anon, "/courses/no-such-course", 404},
		{"home-learner", pat, "/", 200},
		{"course-learner", pat, "/courses/gentle-python", 200},
		{"task-learner", pat, "/courses/gentle-python/tasks/" + task, 200},
		{"password", pat, "/settings/password", 200},
		{"course-organiser", ada, "/courses/gentle-python", 200},
		{"manage", ada, "/courses/gentle-python/manage", 200},
		{"manage-progress", ada, "/courses/gentle-python/manage/progress", 200},
		{"manage-tasks", ada, "/courses/gentle-python/manage/tasks", 200},
		{"manage-badges", ada, "/courses/gentle-python/manage/badges", 200},
		{"manage-discussion", ada, "/courses/gentle-python/manage/discussion", 200},
		{"manage-settings", ada, "/courses/gentle-python/manage/settings", 200},
		{"task-edit", ada, "/courses/gentle-python/tasks/" + task + "/edit", 200},
		{"new-course", ada, "/new/course", 200},
		{"settings", ada, "/admin/settings", 200},
		{"admin-schools", ada, "/admin/schools", 200},
		{"school-organiser", ada, "/schools/webcraft", 200},
		{"lookup-not-found", ada, "/lookup?q=" + url.QueryEscape("@nobody@nowhere.invalid"), 200},
		{"remote", ada, remote, 200},
		// Lists longer than a page, with their page links.
		{"course-paged", anon, "/courses/" + bigCourse, 200},
		{"course-paged-middle", anon, secondPage, 200},
		{"manage-paged", ada, "/courses/" + bigCourse + "/manage", 200},
		{"manage-progress-paged", ada, "/courses/" + bigCourse + "/manage/progress", 200},
		{"thread", anon, "/threads/" + thread, 200},
		{"home-paged", anon, "/", 200},
		// Meetings (web/meetings.go): a page as each sees it, the forms,
		// and a course elsewhere with one.
		{"meeting", anon, meeting, 200},
		{"meeting-learner", pat, meeting, 200},
		{"meeting-organiser", ada, meeting, 200},
		{"meeting-new", ada, "/courses/gentle-python/meetings/new", 200},
		{"meeting-edit", ada, meeting + "/edit", 200},
		{"remote-meetings", ada, remoteMeeting, 200},
	}
	dir := t.TempDir()
	var files []string
	names := map[string]string{}
	for i, pg := range pages {
		r := pg.who.get(pg.path)
		if r.Status != pg.status {
			t.Errorf("%s: GET %s: %d, want %d", pg.name, pg.path, r.Status, pg.status)
			continue
		}
		file := filepath.Join(dir, fmt.Sprintf("%02d-%s.html", i, pg.name))
		if err := os.WriteFile(file, []byte(r.Body), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, file)
		names[file] = pg.name + " (" + pg.path + ")"
		for _, p := range structureProblems(parseHTML(t, r.Body)) {
			t.Errorf("%s: %s", names[file], p)
		}
		if strings.HasSuffix(pg.name, "-paged") && !strings.Contains(r.Body, `<nav class="pager"`) {
			t.Errorf("%s: no page links on a list longer than a page", names[file])
		}
	}

	// A canary with a known fault proves the validator really checks.
	canary := filepath.Join(dir, "canary.html")
	if err := os.WriteFile(canary, []byte("<!DOCTYPE html>\n<html lang=\"en\"><head><title>c</title></head><body><main><h1>c</h1><img src=\"c.png\"></main></body></html>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, canary)

	cfg, _ := json.Marshal(validatorConfig())
	cfgFile := filepath.Join(dir, "htmlvalidate.json")
	if err := os.WriteFile(cfgFile, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"--config", cfgFile, "--formatter", "json"}, files...)...)
	out, err := cmd.Output()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok || len(out) == 0 {
			stderr := ""
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("run html-validate: %v\n%s", err, stderr)
		}
	}
	var results []validateResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("read html-validate's report: %v\n%.2000s", err, out)
	}
	sawCanary := false
	for _, res := range results {
		if res.FilePath == canary {
			for _, m := range res.Messages {
				sawCanary = sawCanary || m.RuleID == "wcag/h37"
			}
			continue
		}
		lines := strings.Split(res.Source, "\n")
		for _, m := range res.Messages {
			src := ""
			if m.Line >= 1 && m.Line <= len(lines) {
				src = strings.TrimSpace(lines[m.Line-1])
				if len(src) > 160 {
					src = src[:160] + "…"
				}
			}
			t.Errorf("%s line %d: %s [%s] at %s\n\t%s", names[res.FilePath], m.Line, m.Message, m.RuleID, m.Selector, src)
		}
	}
	if !sawCanary {
		t.Errorf("html-validate did not report the <img> without alt in the canary page, so its silence proves nothing\n%.2000s", out)
	}
}

// structureProblems checks what html-validate leaves to the page's author:
// one main landmark, one top-level heading, and the document's language.
func structureProblems(doc *html.Node) []string {
	var mains, h1s int
	lang := ""
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "main":
			mains++
		case "h1":
			h1s++
		case "html":
			lang = attr(n, "lang")
		}
	}
	var out []string
	if mains != 1 {
		out = append(out, fmt.Sprintf("%d <main> elements, want 1", mains))
	}
	if h1s != 1 {
		out = append(out, fmt.Sprintf("%d <h1> elements, want 1", h1s))
	}
	if lang == "" {
		out = append(out, "<html> has no lang")
	}
	return out
}

// bigCourse is a course whose lists are longer than a page.
const bigCourse = "big-course"

var pagerNext = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// seedLongLists starts bigCourse (organised by ada) with more members,
// sign-up requests and threads than a page shows, one thread longer than
// its page, and more open courses than the home page shows. It returns
// the long thread's id.
func seedLongLists(t *testing.T, n *testNode) string {
	t.Helper()
	ctx := context.Background()
	if err := n.Services.Courses.Create(ctx, node.DemoOrganiser, &domain.Course{Handle: bigCourse, Title: "A Big Course", Kind: "Course",
		Status: domain.StatusOpen, SignUp: domain.SignUpModerated, Organisers: []string{node.DemoOrganiser}}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ada := n.person(node.DemoOrganiser)
	long := "01JLONGTHREAD0000000000000"
	err := n.Store.Update(ctx, func(tx domain.Tx) error {
		for i := range 130 {
			f := &domain.Follower{Local: bigCourse, Actor: fmt.Sprintf("https://h%d.example/users/u%03d", i%5, i),
				State: domain.FollowAccepted, Created: start.Add(time.Duration(i) * time.Minute)}
			if i%5 == 4 {
				f.State, f.Answers = domain.FollowPending, "I would like to learn."
			}
			if err := tx.PutFollower(f); err != nil {
				return err
			}
		}
		for i := range 45 {
			id := fmt.Sprintf("01JBIGPOST%016d", i)
			if i == 44 {
				id = long
			}
			if err := tx.PutPost(&domain.Post{ID: id, Course: bigCourse, URI: n.Base + "/posts/" + id, Author: ada, Local: true,
				Thread: id, Content: fmt.Sprintf("<p>Post %d</p>", i), Published: start.Add(time.Duration(i) * time.Hour)}); err != nil {
				return err
			}
		}
		for i := range 60 {
			id := fmt.Sprintf("01JLONGTHREADR%012d", i)
			if err := tx.PutPost(&domain.Post{ID: id, Course: bigCourse, URI: n.Base + "/posts/" + id, Author: ada, Local: true,
				InReplyTo: n.Base + "/posts/" + long, Thread: long, Content: fmt.Sprintf("<p>Reply %d</p>", i),
				Published: start.Add(time.Duration(50+i) * time.Hour)}); err != nil {
				return err
			}
		}
		for i := range 35 {
			if err := tx.PutCourse(&domain.Course{Handle: fmt.Sprintf("open-%02d", i), Title: fmt.Sprintf("Open course %d", i),
				Kind: "Course", Status: domain.StatusOpen, Organisers: []string{node.DemoOrganiser}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return long
}

package browsertest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// ---------------------------------------------------------------- CSRF

// TestCSRF: every state-changing form refuses a request whose _csrf field
// is missing, belongs to someone else, or is made up — 403, and nothing in
// the store changes. The same form with the page's own token works, so the
// refusals are the token's doing and not a broken request.
func TestCSRF(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	ada := newClient(t, n.Base)
	ada.logIn("ada", n.AdaPassword)
	bob := newClient(t, n.Base)
	bob.signUp("bob", "Bob", pw)
	anon := newClient(t, n.Base)

	madeUp, err := domain.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	adaToken, bobToken := ada.token("/"), bob.token("/")
	anon.token("/signup") // the visitor has a double-submit cookie: only the field is wrong

	count := func(f func(tx domain.Tx) (int, error)) func() string {
		return func() string {
			var c int
			n.view(t, func(tx domain.Tx) error {
				var err error
				c, err = f(tx)
				return err
			})
			return fmt.Sprint(c)
		}
	}
	exists := func(f func(tx domain.Tx) error) func() string {
		return func() string {
			var err error
			n.view(t, func(tx domain.Tx) error { err = f(tx); return nil })
			return fmt.Sprint(err == nil)
		}
	}

	for _, tc := range []struct {
		name         string
		who          *client
		page, action string
		form         url.Values
		others       []string // tokens that are valid, but not this person's
		state        func() string
	}{
		{"create a course", ada, "/new/course", "/new/course",
			url.Values{"handle": {"csrf-course"}, "title": {"CSRF course"}, "kind": {"Course"}, "status": {"open"}, "signup": {"open"}},
			[]string{bobToken},
			exists(func(tx domain.Tx) error { _, err := tx.Course("csrf-course"); return err })},
		{"add a task", ada, "/courses/gentle-python/manage/tasks", "/courses/gentle-python/tasks",
			url.Values{"title": {"A task nobody asked for"}, "body": {"<p>forged</p>"}},
			[]string{bobToken},
			count(func(tx domain.Tx) (int, error) { ts, err := tx.Tasks("gentle-python"); return len(ts), err })},
		{"post in a discussion", ada, "/courses/gentle-python", "/courses/gentle-python/posts",
			url.Values{"text": {"forged post"}},
			[]string{bobToken},
			count(func(tx domain.Tx) (int, error) { return tx.CountCoursePosts("gentle-python") })},
		{"change the node's settings", ada, "/admin/settings", "/admin/settings",
			url.Values{"name": {"Hijacked"}, "description": {"x"}, "kinds": {"Course\nChallenge"}, "default_kind": {"Course"}, "registration_open": {"1"}},
			[]string{bobToken},
			func() string { st := n.settings(t); return st.Name + "|" + strings.Join(st.Kinds, ",") }},
		{"join a course", bob, "/courses/gentle-python", "/courses/gentle-python/join",
			url.Values{},
			[]string{adaToken},
			func() string { return fmt.Sprint(n.follower(t, "gentle-python", n.person("bob"))) }},
		{"sign up", anon, "/signup", "/signup",
			url.Values{"handle": {"eve"}, "password": {pw}, "password_confirm": {pw}},
			[]string{adaToken, bobToken},
			exists(func(tx domain.Tx) error { _, err := tx.Person("eve"); return err })},
		// Last: it ends ada's session.
		{"log out", ada, "/", "/logout",
			url.Values{},
			[]string{bobToken},
			func() string { return fmt.Sprint(ada.get("/settings/password").Status) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.state()
			tries := map[string]*string{"missing": nil, "empty": new(string), "made up": &madeUp}
			for i, o := range tc.others {
				tries[fmt.Sprintf("someone else's #%d", i+1)] = &o
			}
			for what, tok := range tries {
				form := url.Values{}
				for k, v := range tc.form {
					form[k] = v
				}
				if tok != nil {
					form.Set("_csrf", *tok)
				}
				r := tc.who.post(tc.action, form)
				if r.Status != http.StatusForbidden {
					t.Errorf("POST %s with a %s token: %d, want 403", tc.action, what, r.Status)
				}
				if after := tc.state(); after != before {
					t.Errorf("POST %s with a %s token changed the store: %s → %s", tc.action, what, before, after)
				}
			}
			// Control: the page's own token works.
			r := tc.who.submit(tc.page, tc.action, tc.form)
			if r.Status == http.StatusForbidden || r.Status >= 500 {
				t.Fatalf("POST %s with the page's own token: %d, want success\n%.500s", tc.action, r.Status, r.Body)
			}
			if after := tc.state(); after == before {
				t.Errorf("POST %s with the page's own token (%d) changed nothing (%s), so the refusals above prove nothing", tc.action, r.Status, after)
			}
		})
	}
}

// ---------------------------------------------------------------- access

// TestLoggedOutCannotReachOrganiserOrOperatorPages: organiser and operator
// pages send a logged-out visitor to the log-in page (or refuse), and never
// show the page; their forms refuse a logged-out visitor even with a valid
// double-submit token. A logged-in person who is neither organiser nor
// operator is refused too.
func TestLoggedOutCannotReachOrganiserOrOperatorPages(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	var task string
	n.view(t, func(tx domain.Tx) error {
		ts, err := tx.Tasks("gentle-python")
		if len(ts) > 0 {
			task = ts[0].ID
		}
		return err
	})
	pages := []struct{ path, marker string }{
		{"/courses/gentle-python/manage", "Sign-up requests"},
		{"/courses/gentle-python/tasks/" + task + "/edit", "Edit task"},
		{"/admin/settings", "Blocked domains"},
		{"/new/course", "Start something new"},
	}
	anon := newClient(t, n.Base)
	bob := newClient(t, n.Base)
	bob.signUp("bob", "Bob", pw)

	for _, pg := range pages {
		r := anon.get(pg.path)
		switch {
		case r.Status == http.StatusSeeOther || r.Status == http.StatusFound:
			if !strings.HasPrefix(r.Location, "/login") {
				t.Errorf("logged out, GET %s redirects to %q, want /login", pg.path, r.Location)
			}
		case r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden:
		default:
			t.Errorf("logged out, GET %s: %d, want a redirect to /login, 401 or 403", pg.path, r.Status)
		}
		if strings.Contains(r.Body, pg.marker) {
			t.Errorf("logged out, GET %s shows the page (%q)", pg.path, pg.marker)
		}
	}
	for _, pg := range pages[:3] { // anyone logged in may start a course
		r := bob.get(pg.path)
		if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Errorf("bob (no organiser, no operator), GET %s: %d, want 403", pg.path, r.Status)
		}
		if strings.Contains(r.Body, pg.marker) {
			t.Errorf("bob, GET %s shows the page (%q)", pg.path, pg.marker)
		}
	}

	// Forms: with a valid token (the CSRF check passes), still refused.
	settingsBefore := n.settings(t)
	tasksNow := func() int {
		var c int
		n.view(t, func(tx domain.Tx) error { ts, err := tx.Tasks("gentle-python"); c = len(ts); return err })
		return c
	}
	tasksBefore := tasksNow()
	for _, who := range []struct {
		name, page string
		c          *client
	}{{"logged out", "/login", anon}, {"bob", "/", bob}} {
		tok := who.c.token(who.page)
		for _, f := range []struct {
			action string
			form   url.Values
		}{
			{"/admin/settings", url.Values{"name": {"Hijacked"}, "kinds": {"Course"}, "default_kind": {"Course"}, "registration_open": {"1"}}},
			{"/courses/gentle-python/tasks", url.Values{"title": {"Hijacked task"}}},
			{"/courses/gentle-python/edit", url.Values{"title": {"Hijacked"}, "kind": {"Course"}, "status": {"open"}, "signup": {"open"}}},
		} {
			f.form.Set("_csrf", tok)
			r := who.c.post(f.action, f.form)
			if r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden && r.Status != http.StatusSeeOther {
				t.Errorf("%s, POST %s: %d, want 401 or 403", who.name, f.action, r.Status)
			}
			if r.Status == http.StatusSeeOther && !strings.HasPrefix(r.Location, "/login") {
				t.Errorf("%s, POST %s: redirected to %q", who.name, f.action, r.Location)
			}
		}
	}
	if st := n.settings(t); st.Name != settingsBefore.Name || strings.Join(st.Kinds, ",") != strings.Join(settingsBefore.Kinds, ",") {
		t.Errorf("the settings changed: %+v", st)
	}
	if c := tasksNow(); c != tasksBefore {
		t.Errorf("gentle-python has %d tasks, had %d", c, tasksBefore)
	}
	var co *domain.Course
	n.view(t, func(tx domain.Tx) error { var err error; co, err = tx.Course("gentle-python"); return err })
	if co.Title != "A Gentle Introduction to Python" {
		t.Errorf("the course's title changed to %q", co.Title)
	}

	// In the browser: a logged-out visitor ends up on the log-in form.
	b := newBrowser(t)
	visitor := b.as("visitor", n.Base)
	for _, pg := range pages {
		visitor.open(pg.path)
		if p := visitor.path(); !strings.HasPrefix(p, "/login") {
			t.Errorf("a logged-out browser opening %s ends on %s, want the log-in form", pg.path, p)
			continue
		}
		visitor.sees("Log in")
		if strings.Contains(visitor.text(), pg.marker) {
			t.Errorf("a logged-out browser opening %s sees %q", pg.path, pg.marker)
		}
	}
}

// ---------------------------------------------------------------- XSS

const (
	xssScript = `<script>alert(1)</script>`
	xssImg    = `<img src=x onerror=alert(1)>`
)

// xss is a payload with a marker that shows it reached the page.
func xss(marker string) string { return marker + " " + xssScript + xssImg }

// fakeRemote is another server's actor whose name and summary are hostile.
func fakeRemote(t *testing.T) (id string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := srv.URL
		if r.URL.Path != "/groups/evil" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{
			"@context":          []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":                base + "/groups/evil",
			"type":              "Group",
			"preferredUsername": "evil",
			"name":              xss("XSSREMOTENAME"),
			"summary":           `<p>XSSREMOTESUMMARY</p>` + xssScript + xssImg + `<a href="javascript:alert(1)">click</a><iframe src="javascript:alert(1)"></iframe>`,
			"url":               base + "/@evil",
			"inbox":             base + "/groups/evil/inbox",
			"outbox":            base + "/groups/evil/outbox",
			"followers":         base + "/groups/evil/followers",
			"publicKey":         map[string]string{"id": base + "/groups/evil#main-key", "owner": base + "/groups/evil", "publicKeyPem": pub},
		})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/groups/evil"
}

// activeContent lists what in a page could run script: script, iframe,
// object and embed elements, on* attributes and javascript: URLs.
func activeContent(doc *html.Node) []string {
	var found []string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script", "iframe", "object", "embed", "frame":
			found = append(found, "<"+n.Data+"> element")
		}
		for _, a := range n.Attr {
			k := strings.ToLower(a.Key)
			if strings.HasPrefix(k, "on") {
				found = append(found, fmt.Sprintf("<%s %s=%q>", n.Data, a.Key, a.Val))
			}
			switch k {
			case "href", "src", "action", "formaction", "xlink:href", "data":
				if v := strings.ToLower(strings.Join(strings.Fields(a.Val), "")); strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:text/html") {
					found = append(found, fmt.Sprintf("<%s %s=%q>", n.Data, a.Key, a.Val))
				}
			}
		}
	}
	return found
}

// TestXSSRendersInert: script in names, summaries, titles, task bodies,
// badge names, posts, a looked-up query and another server's actor is shown
// as text or sanitised away, never as markup that runs: the HTML has no
// script, handler or javascript: URL, and Chromium opens no dialog.
func TestXSSRendersInert(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true, AllowPrivateNetworks: true})
	remote := fakeRemote(t)

	m := newClient(t, n.Base)
	m.signUp("mallory", xss("XSSNAME"), pw)
	if r := m.submit("/new/course", "/new/course", url.Values{"handle": {"xss-course"}, "title": {xss("XSSTITLE")},
		"summary": {xss("XSSSUMMARY")}, "kind": {"Course"}, "status": {"open"}, "signup": {"open"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("create the course: %d\n%.600s", r.Status, r.Body)
	}
	for _, f := range []struct {
		action string
		form   url.Values
	}{
		{"/courses/xss-course/tasks", url.Values{"title": {xss("XSSTASK")},
			"body": {`<p>XSSBODY</p>` + xssScript + xssImg + `<a href="javascript:alert(1)">click</a>`}}},
		{"/courses/xss-course/badges", url.Values{"name": {xss("XSSBADGE")}, "description": {xss("XSSBADGEDESC")}, "criteria": {"organiser"}}},
		{"/courses/xss-course/posts", url.Values{"text": {xss("XSSPOST")}}},
	} {
		r := m.submit("/courses/xss-course/manage/tasks", f.action, f.form)
		if r.Status != http.StatusSeeOther || strings.Contains(r.Location, "error=") {
			t.Fatalf("POST %s: %d %s", f.action, r.Status, r.Location)
		}
	}
	var task, post string
	n.view(t, func(tx domain.Tx) error {
		ts, err := tx.Tasks("xss-course")
		if err != nil || len(ts) != 1 {
			return fmt.Errorf("tasks %v %v", ts, err)
		}
		task = ts[0].ID
		ps, err := tx.CoursePosts("xss-course", 0, 0)
		for _, p := range ps {
			if strings.Contains(p.Content, "XSSPOST") {
				post = p.URI
			}
		}
		return err
	})
	if post == "" {
		t.Fatal("the post is not in the store")
	}
	r := m.get("/lookup?q=" + url.QueryEscape(remote))
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/remote?id=") {
		t.Fatalf("look up %s: %d %q\n%.600s", remote, r.Status, r.Location, r.Body)
	}
	remotePage := r.Location

	pages := []struct{ path, markers string }{
		{"/", "XSSTITLE XSSSUMMARY"},
		{"/courses/xss-course", "XSSTITLE XSSSUMMARY XSSTASK XSSBADGE XSSPOST"},
		{"/courses/xss-course/tasks/" + task, "XSSTASK XSSBODY"},
		{"/courses/xss-course/manage", "XSSTITLE"},
		{"/courses/xss-course/manage/progress", "XSSTITLE"},
		{"/courses/xss-course/manage/tasks", "XSSTITLE XSSTASK"},
		{"/courses/xss-course/manage/badges", "XSSTITLE XSSBADGE"},
		{"/courses/xss-course/manage/discussion", "XSSTITLE XSSPOST"},
		{"/courses/xss-course/manage/settings", "XSSTITLE"},
		{"/people/mallory", "XSSNAME"},
		{post, "XSSPOST"},
		{remotePage, "XSSREMOTENAME XSSREMOTESUMMARY"},
		{"/lookup?q=" + url.QueryEscape(xss("@XSSQUERY@nowhere.invalid")), "XSSQUERY"},
	}
	for _, pg := range pages {
		r := m.get(pg.path)
		doc := parseHTML(t, r.Body)
		text := textOf(doc)
		for _, mk := range strings.Fields(pg.markers) {
			if !strings.Contains(text, mk) {
				t.Errorf("GET %s (%d): %s does not appear, so the payload was not tested there", pg.path, r.Status, mk)
			}
		}
		for _, a := range activeContent(doc) {
			t.Errorf("GET %s: active content %s", pg.path, a)
		}
	}

	// The same pages in Chromium: nothing runs (a dialog fails the test in
	// newBrowser's cleanup), and the live DOM holds no script or handler.
	b := newBrowser(t)
	mb := b.as("mallory", n.Base)
	mb.logIn("mallory", pw)
	for _, pg := range pages {
		mb.open(pg.path)
		bad, err := runJS[[]string](mb, `(() => {
	const out = [];
	for (const el of document.querySelectorAll("*")) {
		const tag = el.tagName.toLowerCase();
		if (["script", "iframe", "object", "embed", "frame"].includes(tag)) out.push("<" + tag + ">");
		for (const a of el.attributes) {
			if (a.name.toLowerCase().startsWith("on")) out.push("<" + tag + " " + a.name + ">");
			if (["href", "src", "action", "formaction"].includes(a.name) && /^\s*javascript:/i.test(a.value)) out.push("<" + tag + " " + a.name + "=" + a.value + ">");
		}
	}
	return out;
})()`)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range bad {
			t.Errorf("in Chromium, %s has active content %s", pg.path, x)
		}
	}
}

package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// testNode is a real demo node on 127.0.0.1:0 and the demo organiser's password.
type testNode struct {
	*node.Node
	base  string
	adaPW string
}

func startNode(t *testing.T, cfg node.Config) *testNode {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	cfg.Demo = true
	tn := &testNode{}
	cfg.DemoOutput = func(_ string, args ...any) {
		if len(args) == 2 {
			tn.adaPW, _ = args[1].(string)
		}
	}
	n, err := node.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n.Close(ctx)
	})
	if tn.adaPW == "" {
		t.Fatal("demo password not captured")
	}
	tn.Node, tn.base = n, "http://"+n.Addr()
	return tn
}

// fakeClock is a settable clock for the rate limits.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// browser is an HTTP client with a cookie jar that does not follow redirects.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	req.Header.Set("Accept", "text/html")
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post sends a form; headers are name, value pairs.
func (b *browser) post(path string, form url.Values, headers ...string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([0-9a-f]{64})"`)

// csrf loads a page and returns the token its forms carry.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	resp, body := b.get(path)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("GET %s: %d, no _csrf field in %s", path, resp.StatusCode, body)
	}
	return m[1]
}

func (b *browser) login(handle, pw, next string) *http.Response {
	b.t.Helper()
	resp, _ := b.post("/login", url.Values{"_csrf": {b.csrf("/login")}, "handle": {handle}, "password": {pw}, "next": {next}})
	return resp
}

// cookie returns the value of a cookie in the jar.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *browser) setCookie(name, value string) {
	u, _ := url.Parse(b.base)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// loggedInAs returns the handle in the nav, or "" when logged out.
func (b *browser) loggedInAs() string {
	b.t.Helper()
	_, body := b.get("/")
	m := regexp.MustCompile(`<a class="me" href="/people/([a-z0-9_.-]+)">@`).FindStringSubmatch(body)
	if m == nil {
		if !strings.Contains(body, `href="/login"`) {
			b.t.Fatalf("nav shows neither a person nor Log in: %s", body)
		}
		return ""
	}
	if !strings.Contains(body, `action="/logout"`) {
		b.t.Error("logged-in nav has no log-out form")
	}
	return m[1]
}

func wantStatus(t *testing.T, what string, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d, want %d: %s", what, resp.StatusCode, want, body)
	}
}

func wantRedirect(t *testing.T, what string, resp *http.Response, want string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("%s: %d to %q, want 303 to %q", what, resp.StatusCode, resp.Header.Get("Location"), want)
	}
}

func personExists(t *testing.T, n *testNode, handle string) bool {
	t.Helper()
	err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		_, err := tx.Person(handle)
		return err
	})
	if err != nil && !domain.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

func signupForm(csrf, handle string) url.Values {
	return url.Values{"_csrf": {csrf}, "handle": {handle}, "display_name": {"Grace H."},
		"password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}}
}

func TestSignupLogoutLogin(t *testing.T) {
	n := startNode(t, node.Config{})
	b := newBrowser(t, n.base)
	if got := b.loggedInAs(); got != "" {
		t.Fatalf("logged in as %q before anything", got)
	}
	_, home := b.get("/")
	if !strings.Contains(home, `href="/signup"`) {
		t.Error("logged-out nav lacks Sign up")
	}

	resp, body := b.post("/signup", signupForm(b.csrf("/signup"), "Grace"))
	wantRedirect(t, "sign up", resp, "/")
	if got := b.loggedInAs(); got != "grace" {
		t.Fatalf("after sign-up, nav shows %q: %s", got, body)
	}
	if !personExists(t, n, "grace") {
		t.Fatal("grace was not created")
	}
	resp, _ = b.get("/people/grace")
	if resp.StatusCode != 200 {
		t.Errorf("profile: %d", resp.StatusCode)
	}

	// A taken handle shows the form again.
	other := newBrowser(t, n.base)
	resp, body = other.post("/signup", signupForm(other.csrf("/signup"), "grace"))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "taken") {
		t.Errorf("taken handle: %d %s", resp.StatusCode, body)
	}
	// Passwords that differ or are too short.
	f := signupForm(other.csrf("/signup"), "hopper")
	f.Set("password_confirm", "something else")
	resp, body = other.post("/signup", f)
	if resp.StatusCode != 400 || !strings.Contains(body, "not the same") {
		t.Errorf("mismatched passwords: %d %s", resp.StatusCode, body)
	}
	f.Set("password", "short")
	f.Set("password_confirm", "short")
	resp, _ = other.post("/signup", f)
	if resp.StatusCode != 400 || personExists(t, n, "hopper") {
		t.Errorf("short password: %d", resp.StatusCode)
	}

	sid := b.cookie("lernejo_session")
	_, page := b.get("/")
	resp, _ = b.post("/logout", url.Values{"_csrf": {csrfRE.FindStringSubmatch(page)[1]}})
	wantRedirect(t, "log out", resp, "/")
	if got := b.loggedInAs(); got != "" {
		t.Fatalf("after log-out, nav shows %q", got)
	}
	// The session is gone on the server, not only from the browser (W3).
	replay := newBrowser(t, n.base)
	replay.setCookie("lernejo_session", sid)
	if got := replay.loggedInAs(); got != "" {
		t.Fatal("the logged-out session id still works")
	}

	resp = b.login("ada", n.adaPW, "")
	wantRedirect(t, "log in", resp, "/")
	if got := b.loggedInAs(); got != "ada" {
		t.Fatalf("after log-in, nav shows %q", got)
	}
	// "@ada@host" works too.
	c := newBrowser(t, n.base)
	wantRedirect(t, "log in with @handle@host", c.login("@ada@"+n.URLs.Host(), n.adaPW, "/about"), "/about")
}

func TestWrongPasswordShowsFormAgain(t *testing.T) {
	n := startNode(t, node.Config{})
	b := newBrowser(t, n.base)
	for _, handle := range []string{"ada", "nobody"} {
		resp, body := b.post("/login", url.Values{"_csrf": {b.csrf("/login")}, "handle": {handle}, "password": {"wrong password"}})
		wantStatus(t, "wrong password for "+handle, resp, body, http.StatusUnauthorized)
		if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `action="/login"`) || !strings.Contains(body, `value="`+handle+`"`) {
			t.Errorf("%s: the form with an error is not shown again: %s", handle, body)
		}
		if strings.Contains(body, "wrong password") {
			t.Error("the password is echoed back")
		}
		for _, sc := range resp.Header.Values("Set-Cookie") {
			if strings.HasPrefix(sc, "lernejo_session=") && !strings.HasPrefix(sc, "lernejo_session=;") {
				t.Errorf("a failed log-in set a session: %s", sc)
			}
		}
		if b.cookie("lernejo_session") != "" || b.loggedInAs() != "" {
			t.Error("logged in with a wrong password")
		}
	}
}

func TestCookieAttributes(t *testing.T) {
	n := startNode(t, node.Config{})
	b := newBrowser(t, n.base)
	resp, _ := b.get("/login")
	check := func(name string, resp *http.Response, secure bool) {
		t.Helper()
		var sc string
		for _, v := range resp.Header.Values("Set-Cookie") {
			if strings.HasPrefix(v, name+"=") {
				sc = v
			}
		}
		if sc == "" {
			t.Fatalf("no %s cookie in %v", name, resp.Header.Values("Set-Cookie"))
		}
		low := strings.ToLower(sc)
		for _, want := range []string{"httponly", "samesite=lax", "path=/"} {
			if !strings.Contains(low, want) {
				t.Errorf("%s lacks %s: %s", name, want, sc)
			}
		}
		if strings.Contains(low, "domain=") {
			t.Errorf("%s is not host-only: %s", name, sc)
		}
		if strings.Contains(low, "; secure") != secure {
			t.Errorf("%s: Secure should be %v: %s", name, secure, sc)
		}
	}
	check("lernejo_csrf", resp, false)
	check("lernejo_session", b.login("ada", n.adaPW, "/"), false)

	// On an https node, both cookies are Secure.
	h := startNode(t, node.Config{URL: "https://lernejo.example"})
	hb := newBrowser(t, h.base)
	resp, body := hb.get("/login")
	check("lernejo_csrf", resp, true)
	token := csrfRE.FindStringSubmatch(body)[1]
	// The jar will not send a Secure cookie over http; send it by hand.
	req, _ := http.NewRequest("POST", h.base+"/login", strings.NewReader(url.Values{"_csrf": {token}, "handle": {"ada"}, "password": {h.adaPW}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://lernejo.example")
	req.AddCookie(&http.Cookie{Name: "lernejo_csrf", Value: token})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("https log-in: %d", resp.StatusCode)
	}
	check("lernejo_session", resp, true)
}

// TestSessionFixation: an id planted before log-in never becomes the
// logged-in session (HOSTILE W2).
func TestSessionFixation(t *testing.T) {
	n := startNode(t, node.Config{})

	// A made-up id.
	b := newBrowser(t, n.base)
	planted := strings.Repeat("ab", 32)
	b.setCookie("lernejo_session", planted)
	b.login("ada", n.adaPW, "/")
	if got := b.cookie("lernejo_session"); got == "" || got == planted {
		t.Fatalf("session id after log-in %q (planted %q)", got, planted)
	}

	// A real session of the attacker's, planted in the victim's browser.
	attacker := newBrowser(t, n.base)
	resp, _ := attacker.post("/signup", signupForm(attacker.csrf("/signup"), "mallory"))
	wantRedirect(t, "attacker signs up", resp, "/")
	stolen := attacker.cookie("lernejo_session")
	victim := newBrowser(t, n.base)
	victim.setCookie("lernejo_session", stolen)
	if got := victim.loggedInAs(); got != "mallory" {
		t.Fatalf("planted session shows %q", got)
	}
	// Logged in (as mallory), GET /login moves on; post the form with the page's token.
	resp, _ = victim.post("/login", url.Values{"_csrf": {victim.csrf("/")}, "handle": {"ada"}, "password": {n.adaPW}})
	wantRedirect(t, "victim logs in", resp, "/")
	if got := victim.cookie("lernejo_session"); got == stolen {
		t.Fatal("the planted session id survived log-in")
	}
	if got := victim.loggedInAs(); got != "ada" {
		t.Fatalf("victim is %q", got)
	}
	if got := attacker.loggedInAs(); got != "" {
		t.Fatalf("the replaced session still works for the attacker (as %q)", got)
	}
}

// TestCSRF: every form POST needs the token and a same-origin Origin or
// Referer; refused requests change nothing (HOSTILE W1).
func TestCSRF(t *testing.T) {
	n := startNode(t, node.Config{})
	b := newBrowser(t, n.base)
	token := b.csrf("/signup")
	for _, tc := range []struct {
		name    string
		token   string
		headers []string
	}{
		{"no token", "", nil},
		{"wrong token", strings.Repeat("0", 64), nil},
		{"malformed token", "x", nil},
		{"evil origin", token, []string{"Origin", "https://evil.example"}},
		{"null origin", token, []string{"Origin", "null"}},
		{"evil referer", token, []string{"Referer", "https://evil.example/form"}},
		{"look-alike origin", token, []string{"Origin", n.base + ".evil.example"}},
	} {
		resp, body := b.post("/signup", signupForm(tc.token, "victim"), tc.headers...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, resp.StatusCode)
		}
		if !strings.Contains(body, "form") {
			t.Errorf("%s: no explanation: %s", tc.name, body)
		}
	}
	if personExists(t, n, "victim") {
		t.Fatal("a refused sign-up created the account")
	}

	// A token without its cookie (another browser's) is refused too.
	other := newBrowser(t, n.base)
	resp, _ := other.post("/signup", signupForm(token, "victim"))
	if resp.StatusCode != http.StatusForbidden || personExists(t, n, "victim") {
		t.Fatalf("token without the cookie: %d", resp.StatusCode)
	}

	// The same form with the node's own Origin or Referer passes.
	resp, body := b.post("/signup", signupForm(token, "victim"), "Origin", n.base)
	wantRedirect(t, "same origin: "+body, resp, "/")
	if !personExists(t, n, "victim") {
		t.Fatal("sign-up failed")
	}

	// Logged in, the session's token is needed: log-out without it fails.
	resp, _ = b.post("/logout", url.Values{"_csrf": {token}}, "Referer", n.base+"/")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("log-out with the pre-login token: %d", resp.StatusCode)
	}
	resp, _ = b.post("/logout", url.Values{})
	if resp.StatusCode != http.StatusForbidden || b.loggedInAs() != "victim" {
		t.Errorf("log-out without a token: %d", resp.StatusCode)
	}
	resp, _ = b.post("/logout", url.Values{"_csrf": {b.csrf("/")}}, "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden || b.loggedInAs() != "victim" {
		t.Errorf("log-out from another site: %d", resp.StatusCode)
	}

	// The inboxes are signed, not CSRF-protected: the inbox answers itself.
	for _, p := range []string{"/inbox", "/actor/inbox", "/people/ada/inbox", "/courses/gentle-python/inbox/"} {
		req, _ := http.NewRequest("POST", n.base+p, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/activity+json")
		req.Header.Set("Origin", "https://evil.example")
		resp, body := b.do(req)
		if strings.Contains(body, "This form") || resp.StatusCode == http.StatusOK {
			t.Errorf("POST %s: %d %s", p, resp.StatusCode, body)
		}
	}
}

// TestOpenRedirect: next= leads only to this node's paths (HOSTILE W7).
func TestOpenRedirect(t *testing.T) {
	n := startNode(t, node.Config{})
	b := newBrowser(t, n.base)
	// Through a log-in.
	wantRedirect(t, "log in with next=//evil", b.login("ada", n.adaPW, "//evil.example"), "/")
	// Then through GET /login, which sends a logged-in visitor on to next.
	for next, want := range map[string]string{
		"":                          "/",
		"//evil.example":            "/",
		"/\\evil.example":           "/",
		"\\\\evil.example":          "/",
		"https:evil.example":        "/",
		"https://evil.example/":     "/",
		"%2F%2Fevil.example":        "/",
		"/%2F/evil.example":         "/",
		"/%2F%2Fevil.example":       "/",
		"/%252F%252Fevil.example":   "/",
		"/%5Cevil.example":          "/",
		"/\t/evil.example":          "/",
		"/%09/evil.example":         "/",
		"javascript:alert(1)":       "/",
		"/javascript:alert(1)":      "/javascript:alert(1)",
		"JavaScript:alert(1)":       "/",
		"evil.example":              "/",
		"/courses/gentle-python":    "/courses/gentle-python",
		"/tags/python?page=2":       "/tags/python?page=2",
		"/people/ada#badges":        "/people/ada#badges",
		"http://" + n.Addr() + "/x": "/",
	} {
		resp, _ := b.get("/login?next=" + url.QueryEscape(next))
		wantRedirect(t, "next="+next, resp, want)
	}

	// Logged out, a page that needs a log-in sends there and back.
	o := newBrowser(t, n.base)
	resp, _ := o.get("/settings/password")
	wantRedirect(t, "logged-out settings", resp, "/login?next=%2Fsettings%2Fpassword")
	wantRedirect(t, "log in and back", o.login("ada", n.adaPW, "/settings/password"), "/settings/password")
	resp, body := o.get("/settings/password")
	wantStatus(t, "settings", resp, body, 200)
	// And the login form's next field holds only safe values.
	resp, body = newBrowser(t, n.base).get("/login?next=%2F%2Fevil.example")
	if strings.Contains(body, "evil") {
		t.Errorf("the form keeps an unsafe next: %s", body)
	}
}

// behindProxy starts a node that believes X-Forwarded-For from loopback, as
// behind nginx on the same machine, so a test can speak from any address.
func behindProxy(t *testing.T, clock *fakeClock) *testNode {
	t.Helper()
	_, lo, _ := net.ParseCIDR("127.0.0.1/32")
	return startNode(t, node.Config{Now: clock.Now, TrustedProxies: []*net.IPNet{lo}})
}

// loginFrom returns a function that posts the log-in form from addr (through
// the trusted proxy) with a fresh cookie jar each time, like a new browser.
func loginFrom(t *testing.T, n *testNode, addr string) func(handle, pw string) (*http.Response, string) {
	return func(handle, pw string) (*http.Response, string) {
		t.Helper()
		b := newBrowser(t, n.base)
		return b.post("/login", url.Values{"_csrf": {b.csrf("/login")}, "handle": {handle}, "password": {pw}}, "X-Forwarded-For", addr)
	}
}

// retryAfter checks a 429 answer: Retry-After in whole seconds, and the form
// again saying when to try again. It returns the seconds. It is curried so
// that a request's two results can be passed straight in:
// retryAfter(t, "what")(x("ada", pw)).
func retryAfter(t *testing.T, what string) func(resp *http.Response, body string) int {
	return func(resp *http.Response, body string) int {
		t.Helper()
		return checkRetryAfter(t, what, resp, body)
	}
}

func checkRetryAfter(t *testing.T, what string, resp *http.Response, body string) int {
	t.Helper()
	wantStatus(t, what, resp, body, http.StatusTooManyRequests)
	s, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || s < 1 {
		t.Fatalf("%s: Retry-After %q", what, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "try again") || !strings.Contains(body, `action="/login"`) && !strings.Contains(body, `action="/settings/password"`) {
		t.Errorf("%s: the form does not say when to try again: %s", what, body)
	}
	return s
}

// TestLoginFailuresDelayOnlyThatAddress (HOSTILE W6): 30 wrong passwords for
// ada from one address make that address wait longer and longer (429 and
// Retry-After: 1 s after the fifth failure, doubling, at most 15 minutes),
// while ada's right password from another address logs her in at once.
func TestLoginFailuresDelayOnlyThatAddress(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	n := behindProxy(t, clock)
	x, y := loginFrom(t, n, "203.0.113.7"), loginFrom(t, n, "198.51.100.20")

	var waits []int
	for fails := 0; fails < 30; {
		resp, body := x("ada", "wrong password")
		if resp.StatusCode == http.StatusUnauthorized {
			fails++
			continue
		}
		s := checkRetryAfter(t, "X delayed", resp, body)
		waits = append(waits, s)
		// The right password from a new address works while X waits.
		if resp, _ := y("ada", n.adaPW); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("ada from a new address while X waits after %d failures: %d, want 303", fails, resp.StatusCode)
		}
		clock.Add(time.Duration(s) * time.Second)
	}
	var want []int
	for i := range 25 {
		want = append(want, min(1<<i, 900))
	}
	if !slices.Equal(waits, want) {
		t.Errorf("X's delays %v, want %v", waits, want)
	}

	// X is delayed whatever it sends, the right password too: the answer
	// must not tell whether a guess was right.
	s := retryAfter(t, "X with the right password while delayed")(x("ada", n.adaPW))
	wantRedirect(t, "ada from a new address after 30 failures from X", firstResp(y("ada", n.adaPW)), "/")
	if s != 900 {
		t.Errorf("X's delay after 30 failures: %d s, want 900", s)
	}
	// Another account from X is not delayed by ada's failures.
	resp, body := x("nobody", "wrong password")
	wantStatus(t, "another account from X", resp, body, http.StatusUnauthorized)

	// After the delay X may try again; a success clears its failures.
	clock.Add(900 * time.Second)
	resp, _ = x("ada", n.adaPW)
	wantRedirect(t, "X after the delay", resp, "/")
	for i := range 5 {
		resp, body := x("ada", "wrong password")
		wantStatus(t, fmt.Sprintf("failure %d after a success", i+1), resp, body, http.StatusUnauthorized)
	}
	if s := retryAfter(t, "sixth failure after a success")(x("ada", "wrong password")); s != 1 {
		t.Errorf("delay after five new failures: %d s, want 1", s)
	}
}

func firstResp(resp *http.Response, _ string) *http.Response { return resp }

// TestLoginConcurrentGuessesAreCounted: 20 wrong passwords for ada sent at
// once from one address do not all slip past while the first are still
// being hashed: each attempt counts from its start, so exactly five are
// checked and the other fifteen wait.
func TestLoginConcurrentGuessesAreCounted(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	n := behindProxy(t, clock)
	forms := make([]url.Values, 20)
	browsers := make([]*browser, 20)
	for i := range browsers {
		browsers[i] = newBrowser(t, n.base)
		forms[i] = url.Values{"_csrf": {browsers[i].csrf("/login")}, "handle": {"ada"}, "password": {"wrong password"}}
	}
	statuses := make([]int, 20)
	var wg sync.WaitGroup
	for i := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", n.base+"/login", strings.NewReader(forms[i].Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			resp, err := browsers[i].c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	if count[http.StatusUnauthorized] != 5 || count[http.StatusTooManyRequests] != 15 {
		t.Fatalf("20 concurrent guesses: %v, want 5×401 and 15×429", count)
	}
}

// TestLoginSuccessesDoNotCount: 40 log-ins in a row from one address, with
// no time passing, all work: only failures count.
func TestLoginSuccessesDoNotCount(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	n := behindProxy(t, clock)
	x := loginFrom(t, n, "203.0.113.7")
	for i := range 40 {
		resp, body := x("ada", n.adaPW)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("log-in %d: %d, want 303: %s", i+1, resp.StatusCode, body)
		}
	}
}

// TestLoginSprayIsCapped: one address guessing many accounts once each gets
// 25 failures in 5 minutes, then 429 for every account until the window
// moves on; its own successes neither count nor buy it more guesses.
func TestLoginSprayIsCapped(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	n := behindProxy(t, clock)
	x, y := loginFrom(t, n, "203.0.113.7"), loginFrom(t, n, "198.51.100.20")
	for i := range 10 {
		resp, _ := x("ada", n.adaPW)
		wantRedirect(t, fmt.Sprintf("X's own log-in %d", i+1), resp, "/")
	}
	for i := range 25 {
		resp, body := x(fmt.Sprintf("victim%d", i), "password123")
		wantStatus(t, fmt.Sprintf("spray %d", i+1), resp, body, http.StatusUnauthorized)
	}
	if s := retryAfter(t, "26th account from X")(x("victim25", "password123")); s != 300 {
		t.Errorf("X's wait: %d s, want 300", s)
	}
	retryAfter(t, "X with ada's right password")(x("ada", n.adaPW))
	// A client-written X-Forwarded-For entry left of X's does not move it.
	b := newBrowser(t, n.base)
	resp, body := b.post("/login", url.Values{"_csrf": {b.csrf("/login")}, "handle": {"victim26"}, "password": {"password123"}},
		"X-Forwarded-For", "192.0.2.1, 203.0.113.7")
	checkRetryAfter(t, "X behind a forged entry", resp, body)
	// Others are not held up.
	resp, _ = y("ada", n.adaPW)
	wantRedirect(t, "ada from another address", resp, "/")
	clock.Add(5*time.Minute + time.Second)
	resp, body = x("victim26", "password123")
	wantStatus(t, "X five minutes later", resp, body, http.StatusUnauthorized)
}

// TestLoginLimitIgnoresSpoofedForwarding (HOSTILE W6): without trusted
// proxies, forwarding headers do not make a new address.
func TestLoginLimitIgnoresSpoofedForwarding(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	n := startNode(t, node.Config{Now: clock.Now})
	b := newBrowser(t, n.base)
	token := b.csrf("/login")
	try := func(handle, pw string, headers ...string) (*http.Response, string) {
		return b.post("/login", url.Values{"_csrf": {token}, "handle": {handle}, "password": {pw}}, headers...)
	}
	for i := range 25 {
		resp, body := try(fmt.Sprintf("nobody%d", i), "wrong password")
		wantStatus(t, fmt.Sprintf("attempt %d", i+1), resp, body, http.StatusUnauthorized)
	}
	retryAfter(t, "26th attempt")(try("nobody", "wrong password"))
	for _, h := range []string{"X-Forwarded-For", "X-Real-IP", "Forwarded", "CF-Connecting-IP"} {
		v := "203.0.113.7"
		if h == "Forwarded" {
			v = "for=203.0.113.7"
		}
		retryAfter(t, "spoofed "+h)(try("ada", n.adaPW, h, v))
	}
	if b.cookie("lernejo_session") != "" {
		t.Fatal("logged in while limited")
	}
	clock.Add(5*time.Minute + time.Second)
	resp, body := try("nobody", "wrong password")
	wantStatus(t, "after five minutes", resp, body, http.StatusUnauthorized)
}

// TestPasswordChangeGuessingIsDelayed: wrong current passwords on the
// password form count like wrong log-ins; the right one after the delay works.
func TestPasswordChangeGuessingIsDelayed(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	n := startNode(t, node.Config{Now: clock.Now})
	a := newBrowser(t, n.base)
	wantRedirect(t, "log in", a.login("ada", n.adaPW, "/"), "/")
	token := a.csrf("/settings/password")
	change := func(current string) (*http.Response, string) {
		return a.post("/settings/password", url.Values{"_csrf": {token}, "current_password": {current},
			"new_password": {"a new password"}, "new_password_confirm": {"a new password"}})
	}
	for i := range 5 {
		resp, body := change("not my password")
		wantStatus(t, fmt.Sprintf("wrong current password %d", i+1), resp, body, http.StatusUnauthorized)
	}
	if s := retryAfter(t, "sixth guess")(change(n.adaPW)); s != 1 {
		t.Errorf("delay: %d s, want 1", s)
	}
	clock.Add(time.Second)
	resp, _ := change(n.adaPW)
	wantRedirect(t, "the right password after the delay", resp, "/settings/password")
}
func TestSignupRateLimit(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	n := startNode(t, node.Config{Now: clock.Now})
	b := newBrowser(t, n.base)
	token := b.csrf("/signup")
	f := signupForm(token, "x")
	f.Set("password_confirm", "different") // fails fast, still counts
	for range 25 {
		resp, body := b.post("/signup", f)
		wantStatus(t, "sign-up attempt", resp, body, http.StatusBadRequest)
	}
	resp, body := b.post("/signup", signupForm(token, "late"), "X-Forwarded-For", "198.51.100.1")
	wantStatus(t, "26th sign-up", resp, body, http.StatusTooManyRequests)
	if personExists(t, n, "late") {
		t.Fatal("a limited sign-up created the account")
	}
	clock.Add(5*time.Minute + time.Second)
	resp, _ = b.post("/signup", signupForm(token, "late"))
	wantRedirect(t, "sign-up after five minutes", resp, "/")
}

func TestPasswordChangeLogsOutOtherSessions(t *testing.T) {
	n := startNode(t, node.Config{})
	a, other := newBrowser(t, n.base), newBrowser(t, n.base)
	wantRedirect(t, "a logs in", a.login("ada", n.adaPW, "/"), "/")
	wantRedirect(t, "other logs in", other.login("ada", n.adaPW, "/"), "/")
	before := a.cookie("lernejo_session")

	token := a.csrf("/settings/password")
	change := func(current, pw, confirm string) (*http.Response, string) {
		return a.post("/settings/password", url.Values{"_csrf": {token}, "current_password": {current}, "new_password": {pw}, "new_password_confirm": {confirm}})
	}
	resp, body := change("not my password", "a new password", "a new password")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `role="alert"`) {
		t.Fatalf("wrong current password: %d %s", resp.StatusCode, body)
	}
	resp, body = change(n.adaPW, "a new password", "a new passwort")
	wantStatus(t, "mismatch", resp, body, http.StatusBadRequest)
	if other.loggedInAs() != "ada" {
		t.Fatal("a refused change logged the other session out")
	}

	resp, _ = change(n.adaPW, "a new password", "a new password")
	wantRedirect(t, "change", resp, "/settings/password")
	if a.cookie("lernejo_session") == before {
		t.Error("the session id was not renewed on password change")
	}
	// The confirmation is a flash of the new session: shown once.
	_, body = a.get("/settings/password")
	if !strings.Contains(body, `role="status"><p>Your password has been changed`) {
		t.Errorf("no confirmation: %s", body)
	}
	if _, body = a.get("/settings/password"); strings.Contains(body, "Your password has been changed") {
		t.Error("the confirmation is shown again on reload")
	}
	if got := a.loggedInAs(); got != "ada" {
		t.Fatalf("the changing browser is %q", got)
	}
	if got := other.loggedInAs(); got != "" {
		t.Fatalf("the other session is still logged in as %q", got)
	}
	x := newBrowser(t, n.base)
	if resp := x.login("ada", n.adaPW, "/"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password: %d", resp.StatusCode)
	}
	wantRedirect(t, "new password", x.login("ada", "a new password", "/"), "/")

	// Logged out, the form's POST is refused.
	resp, _ = newBrowser(t, n.base).post("/settings/password", url.Values{})
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("logged-out POST: %d", resp.StatusCode)
	}
}

func TestSignupClosed(t *testing.T) {
	n := startNode(t, node.Config{})
	st := domain.DefaultSettings()
	st.RegistrationOpen = false
	if _, err := n.Services.Settings.Update(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, n.base)
	resp, body := b.get("/signup")
	wantStatus(t, "GET /signup", resp, body, http.StatusForbidden)
	if !strings.Contains(body, "Registration is closed") {
		t.Errorf("no explanation: %s", body)
	}
	_, home := b.get("/")
	if strings.Contains(home, `href="/signup"`) {
		t.Error("the nav offers sign-up while registration is closed")
	}
	resp, body = b.post("/signup", signupForm(b.csrf("/login"), "sneaky"))
	wantStatus(t, "POST /signup", resp, body, http.StatusForbidden)
	if personExists(t, n, "sneaky") {
		t.Fatal("an account was created while registration is closed")
	}
	// Logging in still works.
	wantRedirect(t, "log in", b.login("ada", n.adaPW, "/"), "/")
}

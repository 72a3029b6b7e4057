package web_test

// Rows of ../shared/HOSTILE.md checked against a real node over HTTP; the
// index is docs/hostile-coverage.md.

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/httpsig"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/web"
)

// serveOnly builds a demo node and serves its HTTP app, without starting the
// inbox processor or the delivery workers: what arrives stays in the
// journal, and nothing is sent anywhere (no DNS for the test's made-up
// remote hosts). The app is served on a listener of the test's, which the
// node's public URL names.
func serveOnly(t *testing.T) (*node.Node, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	n, err := node.New(node.Config{Listen: "127.0.0.1:0", URL: base, Demo: true, DemoOutput: func(string, ...any) {}})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); n.Web.App.Listener(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n.Close(ctx)
		ln.Close()
		<-served
	})
	return n, base
}

// fakeRemote is a remote account cached on the node, with its private key.
type fakeRemote struct {
	id, keyID string
	kp        domain.KeyPair
}

func rememberRemote(t *testing.T, n *node.Node, id string) *fakeRemote {
	t.Helper()
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Person",
		"preferredUsername": id[strings.LastIndex(id, "/")+1:], "inbox": id + "/inbox",
		"publicKey": map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": kp.PublicPEM}})
	if _, err := n.Resolver.Remember(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	return &fakeRemote{id: id, keyID: id + "#main-key", kp: kp}
}

func (f *fakeRemote) signedPost(t *testing.T, url string, body []byte) *http.Request {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/activity+json")
	key, err := domain.ParsePrivateKeyPEM(f.kp.PrivatePEM)
	if err != nil {
		t.Fatal(err)
	}
	if err := httpsig.Sign(req, body, f.keyID, key, time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestW12ConcurrentInboxPostsKeepTheirBytes (HOSTILE W12): Fiber reuses its
// request buffers once a handler returns. 200 signed activities of
// different sizes posted at once are all journalled byte for byte as sent.
// Run with -race.
func TestW12ConcurrentInboxPostsKeepTheirBytes(t *testing.T) {
	n, base := serveOnly(t)
	alice := rememberRemote(t, n, "https://good.test/users/alice")
	const total = 200
	sent := make(map[string][]byte, total)
	reqs := make([]*http.Request, total)
	for i := 0; i < total; i++ {
		id := fmt.Sprintf("https://good.test/likes/%d", i)
		body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Like",
			"actor": alice.id, "object": "https://good.test/notes/1",
			"content": strings.Repeat(string(rune('a'+i%26)), 50+(i*97)%4000)})
		sent[id] = body
		reqs[i] = alice.signedPost(t, base+"/inbox", body)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 50}, Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan string, total)
	for _, req := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := client.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				errs <- fmt.Sprintf("%d %s", resp.StatusCode, b)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("inbox POST: %s", e)
	}
	var items []*domain.InboxItem
	if err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		var err error
		items, err = tx.InboxItems("", 10*total)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(items) != total {
		t.Fatalf("%d journalled, want %d", len(items), total)
	}
	for _, it := range items {
		if !bytes.Equal(it.Raw, sent[it.ActivityID]) {
			t.Fatalf("journalled bytes of %s differ from the bytes sent (%d vs %d bytes)", it.ActivityID, len(it.Raw), len(sent[it.ActivityID]))
		}
	}
}

// get fetches path with an Accept header and returns the response and body.
func get(t *testing.T, c *http.Client, url, accept string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// cspDirectives splits a Content-Security-Policy into its directives.
func cspDirectives(csp string) map[string]string {
	out := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[strings.ToLower(f[0])] = strings.Join(f[1:], " ")
		}
	}
	return out
}

// TestH8CSPOnEveryPage (HOSTILE H8): every HTML page, logged out and in,
// and the error page, carries a CSP that allows no inline or foreign script,
// no plugins and no framing, and nosniff.
func TestH8CSPOnEveryPage(t *testing.T) {
	n := startNode(t, node.Config{})
	visitor := newBrowser(t, n.base)
	member := newBrowser(t, n.base)
	member.login(node.DemoOrganiser, n.adaPW, "/")
	pages := []string{"/", "/about", "/login", "/signup", "/courses/" + node.DemoCourse, "/schools/" + node.DemoSchool,
		"/people/" + node.DemoOrganiser, "/no/such/page"}
	for _, b := range []*browser{visitor, member} {
		for _, p := range append(pages, "/settings/password") {
			resp, body := b.get(p)
			if !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
				if resp.StatusCode == http.StatusSeeOther {
					continue // logged out: /settings/password sends to the log-in page
				}
				t.Errorf("%s: %d %s, want an HTML page", p, resp.StatusCode, resp.Header.Get("Content-Type"))
				continue
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: no nosniff", p)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			d := cspDirectives(csp)
			for _, name := range []string{"script-src", "object-src"} {
				v, ok := d[name]
				if !ok {
					v, ok = d["default-src"]
				}
				if !ok || strings.Contains(v, "unsafe") || strings.Contains(v, "*") || strings.Contains(v, "data:") ||
					strings.Contains(v, "http") || (name == "object-src" && v != "'none'") {
					t.Errorf("%s: %s is %q in %q", p, name, v, csp)
				}
			}
			if d["frame-ancestors"] != "'none'" {
				t.Errorf("%s: frame-ancestors %q in %q", p, d["frame-ancestors"], csp)
			}
			if strings.Contains(strings.ToLower(body), "<script") && !strings.Contains(d["script-src"], "'self'") {
				t.Errorf("%s: the page has a script that its CSP blocks", p)
			}
		}
	}
}

// TestO7H7UploadsNeverServedAsAS (HOSTILE O7, H7): the only upload is a
// badge's image. A JSON actor document is refused as one; and whatever
// bytes a badge image holds, it is served as image/png with nosniff and a
// sandboxing CSP, never as ActivityStreams, even to an AS Accept header.
func TestO7H7UploadsNeverServedAsAS(t *testing.T) {
	n := startNode(t, node.Config{})
	ctx := context.Background()
	var badge *domain.Badge
	n.Store.View(ctx, func(tx domain.Tx) error {
		bs, err := tx.Badges(node.DemoCourse)
		if err != nil || len(bs) == 0 {
			t.Fatalf("demo badge: %v", err)
		}
		badge = bs[0]
		return nil
	})
	person, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": n.base + "/badges/" + badge.ID + "/image.png",
		"type": "Person", "preferredUsername": "mallory", "inbox": n.base + "/inbox"})
	if err := n.Services.Badges.SetImage(ctx, node.DemoOrganiser, badge.ID, person); err == nil {
		t.Fatal("a JSON Person was accepted as a badge image")
	}
	// Even if such bytes were stored, they go out as a PNG.
	if err := n.Store.Update(ctx, func(tx domain.Tx) error {
		b, err := tx.Badge(badge.ID)
		if err != nil {
			return err
		}
		b.Image = person
		return tx.PutBadge(b)
	}); err != nil {
		t.Fatal(err)
	}
	for _, accept := range []string{"application/activity+json", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, "text/html", ""} {
		resp, _ := get(t, http.DefaultClient, n.base+"/badges/"+badge.ID+"/image.png", accept)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Errorf("Accept %q: %d %q, want 200 image/png", accept, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if federation.IsActivityStreamsContentType(resp.Header.Get("Content-Type")) {
			t.Errorf("Accept %q: served as ActivityStreams", accept)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("Accept %q: no nosniff", accept)
		}
		if d := cspDirectives(resp.Header.Get("Content-Security-Policy")); d["default-src"] != "'none'" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("Accept %q: CSP %q", accept, resp.Header.Get("Content-Security-Policy"))
		}
	}
}

// TestW8CORSOnlyOnPublicGETs (HOSTILE W8): WebFinger answers with CORS *;
// the session routes (log-in, settings, the logged-in home page, their
// preflights) never carry Access-Control-Allow-Origin, and no response
// allows credentials.
func TestW8CORSOnlyOnPublicGETs(t *testing.T) {
	n := startNode(t, node.Config{})
	host := strings.TrimPrefix(n.base, "http://")
	resp, _ := get(t, http.DefaultClient, n.base+"/.well-known/webfinger?resource=acct:"+node.DemoCourse+"@"+host, "")
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("webfinger: ACAO %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatal("webfinger allows credentials")
	}
	b := newBrowser(t, n.base)
	check := func(what string, resp *http.Response) {
		t.Helper()
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q on a session route", what, v)
		}
		if v := resp.Header.Get("Access-Control-Allow-Credentials"); v != "" {
			t.Errorf("%s: Access-Control-Allow-Credentials %q", what, v)
		}
	}
	for _, p := range []string{"/login", "/signup", "/"} {
		r, _ := b.get(p)
		check("GET "+p, r)
	}
	check("POST /login", b.login(node.DemoOrganiser, n.adaPW, "/"))
	for _, p := range []string{"/", "/settings/password", "/courses/" + node.DemoCourse + "/manage"} {
		r, _ := b.get(p)
		check("logged-in GET "+p, r)
	}
	for _, p := range []string{"/login", "/settings/password", "/logout", "/courses/" + node.DemoCourse + "/join"} {
		req, _ := http.NewRequest("OPTIONS", n.base+p, nil)
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		r, _ := b.do(req)
		check("preflight "+p, r)
	}
}

// TestW9NoCtxFormat (HOSTILE W9, fiber CVE-2026-42554): no handler uses
// Ctx.Format or Ctx.AutoFormat (the source is scanned), and the Fiber in
// go.mod is past 2.52.12.
func TestW9NoCtxFormat(t *testing.T) {
	root := ".."
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		checked++
		fiberName := ""
		for _, imp := range f.Imports {
			if strings.Trim(imp.Path.Value, `"`) == "github.com/gofiber/fiber/v2" {
				fiberName = "fiber"
				if imp.Name != nil {
					fiberName = imp.Name.Name
				}
			}
		}
		if fiberName == "" {
			return nil
		}
		// Names of *fiber.Ctx parameters, per function; then calls of
		// .Format/.AutoFormat on them.
		ast.Inspect(f, func(nd ast.Node) bool {
			var ft *ast.FuncType
			var body *ast.BlockStmt
			switch fn := nd.(type) {
			case *ast.FuncDecl:
				ft, body = fn.Type, fn.Body
			case *ast.FuncLit:
				ft, body = fn.Type, fn.Body
			default:
				return true
			}
			ctxs := map[string]bool{}
			for _, p := range ft.Params.List {
				if st, ok := p.Type.(*ast.StarExpr); ok {
					if sel, ok := st.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "Ctx" {
						if id, ok := sel.X.(*ast.Ident); ok && id.Name == fiberName {
							for _, nm := range p.Names {
								ctxs[nm.Name] = true
							}
						}
					}
				}
			}
			if body == nil || len(ctxs) == 0 {
				return true
			}
			ast.Inspect(body, func(m ast.Node) bool {
				call, ok := m.(*ast.CallExpr)
				if !ok {
					return true
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Format" || sel.Sel.Name == "AutoFormat") {
					if id, ok := sel.X.(*ast.Ident); ok && ctxs[id.Name] {
						t.Errorf("%s: %s.%s: Ctx.Format on request data (HOSTILE W9)", fset.Position(call.Pos()), id.Name, sel.Sel.Name)
					}
				}
				return true
			})
			return true
		})
		src, _ := os.ReadFile(path)
		if bytes.Contains(src, []byte(".AutoFormat(")) {
			t.Errorf("%s uses AutoFormat", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d Go files scanned: wrong root?", checked)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`github\.com/gofiber/fiber/v2 v2\.(\d+)\.(\d+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("fiber not found in go.mod")
	}
	minor, _ := strconv.Atoi(string(m[1]))
	patch, _ := strconv.Atoi(string(m[2]))
	if minor < 52 || minor == 52 && patch <= 12 {
		t.Fatalf("fiber v2.%d.%d is affected by CVE-2026-42554 (fixed after 2.52.12)", minor, patch)
	}
}

// TestP11ServerTimeoutsSet (HOSTILE P11): the node's Fiber app has read,
// write and idle timeouts (Fiber's defaults are unlimited), so a slow
// client cannot hold a connection forever. They are not configurable, so a
// slow-writer test would take 30 s; the values are checked instead (the
// in-flight cap with its 503 is TestP11InFlightCap).
func TestP11ServerTimeoutsSet(t *testing.T) {
	n := startNode(t, node.Config{})
	cfg := n.Web.App.Config()
	for name, d := range map[string]time.Duration{"ReadTimeout": cfg.ReadTimeout, "WriteTimeout": cfg.WriteTimeout, "IdleTimeout": cfg.IdleTimeout} {
		if d <= 0 || d > 2*time.Minute {
			t.Errorf("%s = %v, want set and at most 2 minutes", name, d)
		}
	}
	if cfg.ReadTimeout != web.ReadTimeout || cfg.WriteTimeout != web.WriteTimeout || cfg.IdleTimeout != web.IdleTimeout {
		t.Errorf("the app does not use web's timeouts: %+v", cfg)
	}
	if !cfg.Immutable {
		t.Error("Immutable is off (HOSTILE W12)")
	}
	if cfg.BodyLimit <= 0 || cfg.BodyLimit > 4<<20 {
		t.Errorf("BodyLimit %d", cfg.BodyLimit)
	}
}

// TestW4TokensFromCryptoRand (HOSTILE W4): session and CSRF tokens are 32
// random bytes, hex; a thousand are all different and all valid, and other
// shapes are refused before they reach the store.
func TestW4TokensFromCryptoRand(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		tok, err := domain.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != 64 || !domain.ValidToken(tok) || seen[tok] {
			t.Fatalf("token %q (repeat %v)", tok, seen[tok])
		}
		seen[tok] = true
	}
	for _, bad := range []string{"", "00000000-0000-4000-8000-000000000000", strings.Repeat("g", 64), strings.Repeat("a", 63)} {
		if domain.ValidToken(bad) {
			t.Errorf("ValidToken(%q) = true", bad)
		}
	}
}

// TestS14DirectNoteNotServedUnsigned (HOSTILE S14): a direct note (a
// moderated course's sign-up questions, a decline reason) is addressed to
// one remote person. An unsigned GET of its id or of its Create's, or one
// signed by another server, must not return it (401, 403 or 404); a GET
// signed by the addressee's server gets it.
func TestS14DirectNoteNotServedUnsigned(t *testing.T) {
	n, base := serveOnly(t)
	bob := rememberRemote(t, n, "https://good.test/users/bob")
	var uri string
	if err := n.Store.Update(context.Background(), func(tx domain.Tx) error {
		var err error
		uri, err = n.Services.Posts.Direct(tx, node.DemoCourse, "Your request was declined: private reasons", []federation.Mention{{ID: bob.id, Name: "@bob@good.test"}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(uri, base) {
		t.Fatalf("note id %q not on %s", uri, base)
	}
	// The note, and the Create it went in (its id is the note's followed by
	// /activity): the same rules for both.
	carol := rememberRemote(t, n, "https://other.test/users/carol")
	for _, id := range []string{uri, uri + "/activity"} {
		for _, accept := range []string{"application/activity+json", "text/html"} {
			resp, body := get(t, http.DefaultClient, id, accept)
			if strings.Contains(body, "private reasons") || resp.StatusCode == 200 {
				t.Errorf("HOSTILE S14: unsigned GET %s (Accept %s): %d, the direct note is served to anyone "+
					"(fix: web/posts.go note must answer 404 unless the note is public, or the GET is signed by an addressee's server)",
					id, accept, resp.StatusCode)
			}
		}
		// A signed fetch by the addressee's server gets it; one by another
		// server does not. Both signature schemes: the node is plain http,
		// and an RFC 9421 @target-uri names that scheme (a signature over
		// https://… of the same path is not for this node).
		type signer func(r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, now time.Time) error
		for _, tc := range []struct {
			scheme string
			sign   signer
			who    *fakeRemote
			want   int
		}{
			{"cavage", httpsig.Sign, bob, 200}, {"cavage", httpsig.Sign, carol, 404},
			{"rfc9421", httpsig.Sign9421, bob, 200}, {"rfc9421", httpsig.Sign9421, carol, 404},
			{"rfc9421 over https", sign9421As("https"), bob, 404},
		} {
			req, _ := http.NewRequest("GET", id, nil)
			req.Header.Set("Accept", "application/activity+json")
			key, _ := domain.ParsePrivateKeyPEM(tc.who.kp.PrivatePEM)
			if err := tc.sign(req, nil, tc.who.keyID, key, time.Now()); err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want || (tc.want == 200) != strings.Contains(string(body), "private reasons") {
				t.Errorf("GET %s signed (%s) by %s: %d, want %d", id, tc.scheme, tc.who.id, resp.StatusCode, tc.want)
			}
		}
	}
}

// sign9421As signs an RFC 9421 request as if it were sent to the same host
// and path over another scheme, then sends it as it is: what a signer that
// assumed https would send to a plain-http node.
func sign9421As(scheme string) func(r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, now time.Time) error {
	return func(r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, now time.Time) error {
		u := *r.URL
		real := r.URL
		u.Scheme = scheme
		r.URL = &u
		err := httpsig.Sign9421(r, body, keyID, key, now)
		r.URL = real
		return err
	}
}

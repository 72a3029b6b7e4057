package node

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// startNode starts a real node on 127.0.0.1:0 and stops it when the test ends.
func startNode(t testing.TB, cfg Config) *Node {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.DemoOutput == nil {
		cfg.DemoOutput = func(string, ...any) {}
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n.Close(ctx)
	})
	return n
}

func get(t testing.TB, rawURL, accept string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", rawURL, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func getJSON(t testing.TB, rawURL, accept string) map[string]any {
	t.Helper()
	resp, b := get(t, rawURL, accept)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", rawURL, resp.StatusCode, b)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("GET %s: %v in %s", rawURL, err, b)
	}
	return m
}

const asAccept = "application/activity+json"

// TestDemoActorsAreDiscoverable walks what Mastodon does to find a course,
// a school, a person and the node's own actor: WebFinger, then the self link
// with an ActivityPub Accept, then the collections the actor names. Fields
// are checked against what Mastodon requires of an actor.
func TestDemoActorsAreDiscoverable(t *testing.T) {
	n := startNode(t, Config{Demo: true})
	base := n.URLs.Base()
	host := n.URLs.Host()
	for _, tc := range []struct {
		handle, typ, path, name string
	}{
		{DemoCourse, "Group", "/courses/gentle-python", "A Gentle Introduction to Python"},
		{DemoSchool, "Organization", "/schools/webcraft", "School of Webcraft"},
		{DemoOrganiser, "Person", "/people/ada", "Ada"},
		{domain.InstanceActorName, "Application", "/actor", "Lernejo"},
	} {
		t.Run(tc.handle, func(t *testing.T) {
			acct := "acct:" + tc.handle + "@" + host
			resp, b := get(t, base+"/.well-known/webfinger?resource="+url.QueryEscape(acct), "")
			if resp.StatusCode != 200 {
				t.Fatalf("webfinger: %d %s", resp.StatusCode, b)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/jrd+json") {
				t.Errorf("webfinger content type %q", ct)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Error("webfinger lacks CORS *")
			}
			var jrd struct {
				Subject string
				Aliases []string
				Links   []struct{ Rel, Type, Href string }
			}
			if err := json.Unmarshal(b, &jrd); err != nil {
				t.Fatal(err)
			}
			if jrd.Subject != acct {
				t.Errorf("subject %q, want %q", jrd.Subject, acct)
			}
			var self, profile string
			for _, l := range jrd.Links {
				switch l.Rel {
				case "self":
					if l.Type != "application/activity+json" {
						t.Errorf("self link type %q", l.Type)
					}
					self = l.Href
				case "http://webfinger.net/rel/profile-page":
					profile = l.Href
				}
			}
			id := base + tc.path
			if self != id || len(jrd.Aliases) != 1 || jrd.Aliases[0] != id {
				t.Fatalf("self %q aliases %v, want %q", self, jrd.Aliases, id)
			}
			if profile == "" {
				t.Error("no profile-page link")
			}

			resp, b = get(t, self, asAccept)
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/activity+json") {
				t.Fatalf("actor content type %q", ct)
			}
			if !strings.Contains(resp.Header.Get("Vary"), "Accept") {
				t.Error("actor response lacks Vary: Accept")
			}
			a := map[string]any{}
			if err := json.Unmarshal(b, &a); err != nil {
				t.Fatal(err)
			}
			ctx, _ := a["@context"].([]any)
			if len(ctx) == 0 || ctx[0] != "https://www.w3.org/ns/activitystreams" {
				t.Errorf("@context %v", a["@context"])
			}
			want := map[string]any{
				"id": id, "type": tc.typ, "preferredUsername": tc.handle, "name": tc.name,
				"inbox": id + "/inbox", "outbox": id + "/outbox",
				"followers": id + "/followers", "following": id + "/following",
			}
			for k, v := range want {
				if a[k] != v {
					t.Errorf("%s = %v, want %v", k, a[k], v)
				}
			}
			if tc.typ != "Application" {
				icon, _ := a["icon"].(map[string]any)
				if icon["type"] != "Image" || icon["mediaType"] != "image/png" {
					t.Errorf("icon %v", a["icon"])
				}
				if resp, img := get(t, fmt.Sprint(icon["url"]), ""); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || len(img) < 100 {
					t.Errorf("icon url answers %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
				}
			}
			for _, k := range []string{"url", "published", "manuallyApprovesFollowers", "discoverable"} {
				if _, ok := a[k]; !ok {
					t.Errorf("actor lacks %s", k)
				}
			}
			if ep, _ := a["endpoints"].(map[string]any); ep["sharedInbox"] != base+"/inbox" {
				t.Errorf("endpoints %v", a["endpoints"])
			}
			pk, _ := a["publicKey"].(map[string]any)
			if pk["id"] != id+"#main-key" || pk["owner"] != id {
				t.Errorf("publicKey id/owner %v %v", pk["id"], pk["owner"])
			}
			block, _ := pem.Decode([]byte(fmt.Sprint(pk["publicKeyPem"])))
			if block == nil {
				t.Fatal("publicKeyPem is not PEM")
			}
			key, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if rk, ok := key.(*rsa.PublicKey); !ok || rk.N.BitLen() != 2048 {
				t.Errorf("key is not RSA-2048: %T", key)
			}
			// Mastodon shows summary as HTML; it must be sanitised paragraphs.
			if s, ok := a["summary"].(string); ok && !strings.HasPrefix(s, "<p>") {
				t.Errorf("summary %q", s)
			}
			for _, coll := range []string{"inbox", "outbox", "followers", "following"} {
				c := getJSON(t, fmt.Sprint(a[coll]), asAccept)
				items := 0
				switch {
				case coll == "outbox" && tc.typ == "Group":
					items = len(demoTasks) + 1 // each task announced in a post, and its meeting
				case coll == "outbox" && tc.typ == "Organization":
					items = 1 // the note that announced the demo course
				}
				if coll != "outbox" || tc.typ == "Application" {
					// A collection that shows its size only, and the
					// Application's (empty, items listed), have no pages.
					if c["type"] != "OrderedCollection" || c["totalItems"] != float64(items) || c["first"] != nil {
						t.Errorf("%s: %v", coll, c)
					}
					continue
				}
				if c["type"] != "OrderedCollection" || c["totalItems"] != float64(items) || c["first"] != a[coll].(string)+"?page=1" {
					t.Errorf("%s: %v", coll, c)
				}
				p := getJSON(t, fmt.Sprint(c["first"]), asAccept)
				if p["type"] != "OrderedCollectionPage" || p["partOf"] != a[coll] {
					t.Errorf("%s page: %v", coll, p)
				}
			}
			if tc.typ == "Group" {
				if a["attributedTo"] != base+"/people/ada" || a["kind"] != "Study Group" || a["courseStatus"] != "open" ||
					a["signUpMode"] != "open" || a["manuallyApprovesFollowers"] != false || a["school"] != base+"/schools/webcraft" {
					t.Errorf("course fields: %v", a)
				}
			}
		})
	}
}

func TestWebFingerErrors(t *testing.T) {
	n := startNode(t, Config{Demo: true})
	base, host := n.URLs.Base(), n.URLs.Host()
	for _, tc := range []struct {
		resource string
		status   int
	}{
		{"", 400},
		{"acct:", 400},
		{"acct:nobody", 400},
		{"acct:@" + host, 400},
		{"ftp://" + host + "/people/ada", 400},
		{"acct:nobody@" + host, 404},
		{"acct:ada@other.example", 404},
		{"acct:admin@" + host, 404},
		{base + "/people/nobody", 404},
		{base + "/courses/ada", 404}, // ada is a person, not a course
		{"https://other.example/people/ada", 404},
		{"acct:ADA@" + strings.ToUpper(host), 200},
		{"@ada@" + host, 200},
		{base + "/people/ada", 200},
		{base + "/courses/gentle-python", 200},
		{base + "/actor", 200},
	} {
		resp, b := get(t, base+"/.well-known/webfinger?resource="+url.QueryEscape(tc.resource), "")
		if resp.StatusCode != tc.status {
			t.Errorf("resource %q: %d %s, want %d", tc.resource, resp.StatusCode, b, tc.status)
		}
	}
}

func TestContentNegotiation(t *testing.T) {
	n := startNode(t, Config{Demo: true})
	u := n.URLs.Base() + "/courses/gentle-python"
	for _, tc := range []struct {
		accept, wantType string
	}{
		{"application/activity+json", "application/activity+json"},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, "application/activity+json"},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams",application/activity+json`, "application/activity+json"},
		{"application/ld+json", "application/activity+json"},
		{`application/ld+json; profile="https://example.org/other"`, "text/html"},
		{"text/html,application/xhtml+xml", "text/html"},
		{"application/json", "text/html"},
		{"*/*", "text/html"},
		{"", "text/html"},
	} {
		resp, b := get(t, u, tc.accept)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.wantType) {
			t.Errorf("Accept %q: %d %s", tc.accept, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept") {
			t.Errorf("Accept %q: no Vary: Accept", tc.accept)
		}
		if tc.wantType == "text/html" && !strings.Contains(string(b), "A Gentle Introduction to Python</h1>") {
			t.Errorf("Accept %q: page lacks the title", tc.accept)
		}
	}
}

func TestNodeInfoCountsFollowChanges(t *testing.T) {
	n := startNode(t, Config{Demo: true})
	base := n.URLs.Base()
	wk := getJSON(t, base+"/.well-known/nodeinfo", "")
	links, _ := wk["links"].([]any)
	if len(links) == 0 || links[0].(map[string]any)["href"] != base+"/nodeinfo/2.1" {
		t.Fatalf("well-known nodeinfo: %v", wk)
	}
	count := func() (float64, float64) {
		ni := getJSON(t, base+"/nodeinfo/2.1", "")
		if ni["version"] != "2.1" || ni["openRegistrations"] != true {
			t.Fatalf("nodeinfo: %v", ni)
		}
		if sw := ni["software"].(map[string]any); sw["name"] != "lernejo" {
			t.Fatalf("software %v", sw)
		}
		users := ni["usage"].(map[string]any)["users"].(map[string]any)["total"].(float64)
		courses := ni["metadata"].(map[string]any)["courses"].(float64)
		return users, courses
	}
	users, courses := count()
	if users != 1 || courses != 1 {
		t.Fatalf("demo node: users %v courses %v", users, courses)
	}
	err := n.Services.Courses.Create(context.Background(), DemoOrganiser, &domain.Course{Handle: "sql-sprint", Title: "SQL sprint",
		Kind: "Challenge", Status: domain.StatusOpen, Organisers: []string{DemoOrganiser}})
	if err != nil {
		t.Fatal(err)
	}
	if _, courses = count(); courses != 2 {
		t.Fatalf("after adding a course: courses %v", courses)
	}
}

func TestHostMetaAndHealth(t *testing.T) {
	n := startNode(t, Config{})
	resp, b := get(t, n.URLs.Base()+"/.well-known/host-meta", "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `template="`+n.URLs.Base()+`/.well-known/webfinger?resource={uri}"`) {
		t.Fatalf("host-meta: %d %s", resp.StatusCode, b)
	}
	resp, _ = get(t, n.URLs.Base()+"/healthz", "")
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
}

func TestDraftCoursesAreInvisible(t *testing.T) {
	n := startNode(t, Config{Demo: true})
	err := n.Services.Courses.Create(context.Background(), DemoOrganiser, &domain.Course{Handle: "secret-plans", Title: "Not yet",
		Organisers: []string{DemoOrganiser}})
	if err != nil {
		t.Fatal(err)
	}
	base := n.URLs.Base()
	for _, u := range []string{
		base + "/courses/secret-plans",
		base + "/courses/secret-plans/outbox",
		base + "/.well-known/webfinger?resource=acct:secret-plans@" + n.URLs.Host(),
	} {
		if resp, _ := get(t, u, asAccept); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404 for a draft", u, resp.StatusCode)
		}
	}
}

// TestRestartKeepsActorsAndKeys stops a node and starts another on the same
// data directory: every actor is there with the same key, and --demo on a
// seeded node changes nothing (no new password printed).
func TestRestartKeepsActorsAndKeys(t *testing.T) {
	dir := t.TempDir()
	printed := 0
	out := func(string, ...any) { printed++ }
	keys := func(n *Node) map[string]string {
		m := map[string]string{}
		for _, p := range []string{"/courses/gentle-python", "/schools/webcraft", "/people/ada", "/actor"} {
			a := getJSON(t, n.URLs.Base()+p, asAccept)
			m[p] = a["publicKey"].(map[string]any)["publicKeyPem"].(string)
		}
		return m
	}
	n1, err := New(Config{Listen: "127.0.0.1:0", DataDir: dir, Demo: true, DemoOutput: out})
	if err != nil {
		t.Fatal(err)
	}
	n1.Start()
	before := keys(n1)
	n1.Close(context.Background())
	if printed != 1 {
		t.Fatalf("password printed %d times on first start", printed)
	}
	n2 := startNode(t, Config{DataDir: dir, Demo: true, DemoOutput: out})
	after := keys(n2)
	for p, k := range before {
		if after[p] != k {
			t.Errorf("%s: key changed across a restart", p)
		}
	}
	if printed != 1 {
		t.Fatalf("--demo on a seeded node printed a password again")
	}
	var tasks int
	n2.Store.View(context.Background(), func(tx domain.Tx) error {
		ts, _ := tx.Tasks(DemoCourse)
		tasks = len(ts)
		return nil
	})
	if tasks != 3 {
		t.Fatalf("%d demo tasks after a second --demo, want 3", tasks)
	}
}

func TestBadConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"malformed url", Config{Listen: "127.0.0.1:0", URL: "localhost:8080"}, "bad --url"},
		{"url with path", Config{Listen: "127.0.0.1:0", URL: "https://example.org/lernejo"}, "bad --url"},
		{"bad listen", Config{Listen: "127.0.0.1:99999"}, "cannot listen on 127.0.0.1:99999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line containing %q", err, tc.want)
			}
		})
	}
}

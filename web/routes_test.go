package web_test

import (
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/node"
)

// privatePage tells the pages that show a person's own tools: forms to
// fill, courses to manage, the settings, a course elsewhere seen as a
// member.
func privatePage(path string) bool {
	return strings.HasPrefix(path, "/new/") || strings.HasPrefix(path, "/settings/") || path == "/remote" ||
		strings.HasSuffix(path, "/manage") || strings.Contains(path, "/manage/") || strings.HasSuffix(path, "/edit")
}

// TestEveryRouteHasItsGuard reads the routes table of a running node:
// every form (POST) but the inboxes and the account forms is behind
// loggedIn or operator, the operator's routes behind operator, and every
// guarded page sends a visitor to log in.
func TestEveryRouteHasItsGuard(t *testing.T) {
	n := startNode(t, node.Config{})
	open := map[string]bool{"/inbox": true, "/actor/inbox": true, "/login": true, "/logout": true, "/signup": true,
		// The links mailed to confirm an address and reset a password: whoever holds the link.
		"/password/forgot": true, "/password/reset/:token": true, "/email/confirm/:token": true}
	seen := map[string]bool{}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, r := range n.Web.App.GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue
		}
		guard := ""
		for _, h := range r.Handlers {
			name := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
			switch {
			case strings.HasSuffix(name, ".loggedIn-fm"):
				guard = "loggedIn"
			case strings.HasSuffix(name, ".operator-fm"):
				guard = "operator"
			}
		}
		seen[guard] = true
		switch {
		case strings.HasPrefix(r.Path, "/admin/") && guard != "operator":
			t.Errorf("%s %s: an operator's route behind %q", r.Method, r.Path, guard)
		case r.Method == http.MethodPost && guard == "" && !open[r.Path] && !strings.HasSuffix(r.Path, "/inbox"):
			t.Errorf("%s %s: a form with no guard", r.Method, r.Path)
		case r.Method == http.MethodGet && guard == "" && privatePage(r.Path):
			t.Errorf("%s %s: a page of one's own, with no guard", r.Method, r.Path)
		}
		if r.Method != http.MethodGet || guard == "" {
			continue
		}
		path := strings.NewReplacer(":handle", node.DemoCourse, ":id", "01JNOSUCHTASK00000000000000").Replace(r.Path)
		resp, err := client.Get(n.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("a visitor at GET %s: %d %q, want 303 to /login", path, resp.StatusCode, loc)
		}
	}
	if !seen["loggedIn"] || !seen["operator"] || !seen[""] {
		t.Fatalf("guards seen: %v (the check reads handler names: did a guard get renamed?)", seen)
	}
}

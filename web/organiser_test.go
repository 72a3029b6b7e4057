package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestManageTabs: each tab of the organisers' page is its own URL, marked
// current in the tab bar; an unknown tab is not found, and someone who
// does not organise the course gets none of them.
func TestManageTabs(t *testing.T) {
	n := startNode(t, node.Config{})
	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	manage := "/courses/" + node.DemoCourse + "/manage"
	for path, want := range map[string]string{
		manage: "Overview", manage + "/progress": "Progress", manage + "/tasks": "Tasks",
		manage + "/badges": "Badges", manage + "/discussion": "Discussion", manage + "/settings": "Settings",
	} {
		resp, body := ada.get(path)
		wantStatus(t, "GET "+path, resp, body, http.StatusOK)
		current := regexp.MustCompile(`<a href="([^"]+)" aria-current="page">([^<]+)</a>`).FindAllStringSubmatch(body, -1)
		if len(current) != 1 || current[0][1] != path || current[0][2] != want {
			t.Errorf("%s: the current tabs are %q, want %s", path, current, want)
		}
	}
	resp, body := ada.get(manage + "/nothing")
	wantStatus(t, "an unknown tab", resp, body, http.StatusNotFound)

	bea := newBrowser(t, n.base)
	resp, body = bea.post("/signup", signupForm(bea.csrf("/signup"), "bea"))
	wantStatus(t, "sign-up", resp, body, http.StatusSeeOther)
	for _, tab := range []string{"", "/badges", "/settings"} {
		if resp, body := bea.get(manage + tab); resp.StatusCode == http.StatusOK || strings.Contains(body, "Organise “") {
			t.Errorf("someone else opens %s: %d", manage+tab, resp.StatusCode)
		}
	}
}

// TestRevokeFromBadgesTab: the Badges tab lists an award with a Revoke
// form; someone who does not organise the course cannot use it, the
// organiser can, with a reason, and lands back on the tab, which then
// shows the award revoked.
func TestRevokeFromBadgesTab(t *testing.T) {
	n := startNode(t, node.Config{})
	course := "/courses/" + node.DemoCourse
	bea := newBrowser(t, n.base)
	resp, body := bea.post("/signup", signupForm(bea.csrf("/signup"), "bea"))
	wantStatus(t, "sign-up", resp, body, http.StatusSeeOther)
	resp, _ = bea.post(course+"/join", url.Values{"_csrf": {bea.csrf(course)}})
	wantRedirect(t, "join", resp, course)
	beaID := n.URLs.Actor(domain.ActorPerson, "bea")

	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	tab := course + "/manage/badges"
	m := regexp.MustCompile(`action="(` + regexp.QuoteMeta(course) + `/badges/[^"/]+/award)"`).FindStringSubmatch(ada.mustGet(t, tab))
	if m == nil {
		t.Fatal("the Badges tab has no award form")
	}
	resp, _ = ada.post(m[1], url.Values{"_csrf": {ada.csrf(tab)}, "learner": {beaID}})
	wantRedirect(t, "award", resp, tab)
	page := section(t, ada.mustGet(t, tab), "badges")
	rm := regexp.MustCompile(`action="(` + regexp.QuoteMeta(course) + `/manage/badges/awards/([^"/]+)/revoke)"`).FindStringSubmatch(page)
	if rm == nil || !strings.Contains(page, "@bea</a>") {
		t.Fatalf("the award is not listed with a Revoke form: %s", page)
	}
	revoked := func() bool {
		var a *domain.Award
		n.Store.View(context.Background(), func(tx domain.Tx) error {
			a, _ = tx.Award(rm[2])
			return nil
		})
		return a != nil && a.Revoked
	}

	resp, _ = bea.post(rm[1], url.Values{"_csrf": {bea.csrf(course)}, "reason": {"I do not want it."}})
	if resp.StatusCode == http.StatusSeeOther && !strings.Contains(resp.Header.Get("Location"), "error=") || revoked() {
		t.Fatalf("a learner revoked from the organisers' tab: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = ada.post(rm[1], url.Values{"_csrf": {ada.csrf(tab)}, "reason": {"Given by mistake."}})
	wantRedirect(t, "revoke", resp, tab)
	if !revoked() {
		t.Fatal("the award is not revoked")
	}
	if page := section(t, ada.mustGet(t, tab), "badges"); !strings.Contains(page, "<strong>revoked</strong>: Given by mistake.") || strings.Contains(page, rm[1]) {
		t.Errorf("the tab does not show the award revoked, or still offers Revoke: %s", page)
	}
}

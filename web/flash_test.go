package web_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/node"
)

// TestFlashIsNeverInTheURL: a message in a link's query is not shown (the
// page once printed ?error=); a refused change is told on the next page
// once, kept with the session, and gone on reload (issue 15).
func TestFlashIsNeverInTheURL(t *testing.T) {
	n := startNode(t, node.Config{})
	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	manage := "/courses/" + node.DemoCourse + "/manage"
	fake := "Your session expired. Log in again at https://evil.example/login"
	for _, q := range []string{"error", "saved", "done", "asked", "deleted", "notice", "flash"} {
		resp, body := ada.get(manage + "?" + q + "=" + url.QueryEscape(fake))
		wantStatus(t, "manage with ?"+q, resp, body, http.StatusOK)
		if strings.Contains(body, "evil.example") || strings.Contains(body, `id="flash"`) {
			t.Errorf("?%s= is shown on the page", q)
		}
	}

	// A refused change: the flash waits in the session, not the Location.
	resp, _ := ada.post("/courses/"+node.DemoCourse+"/queue/approve", url.Values{"_csrf": {ada.csrf(manage)}, "actor": {"https://nowhere.test/users/x"}})
	wantRedirect(t, "approving no one", resp, manage)
	_, body := ada.get(manage)
	if !strings.Contains(body, `<div class="flash error" id="flash" role="alert"><p>`) {
		t.Fatalf("the refusal is not told: %s", body)
	}
	if _, body = ada.get(manage); strings.Contains(body, `id="flash"`) {
		t.Error("the refusal is told again on reload")
	}

	// A notice after a change that was made.
	resp, _ = ada.post("/courses/"+node.DemoCourse+"/tasks", url.Values{"_csrf": {ada.csrf(manage)}, "title": {"Read the notes"}})
	wantRedirect(t, "add a task", resp, manage+"/tasks") // the tab holding the form
	if _, body = ada.get(manage + "/tasks"); !strings.Contains(body, `<div class="flash notice" id="flash" role="status"><p>The task “Read the notes” is added.`) {
		t.Errorf("no notice after adding a task: %s", body)
	}
}

// TestVisitorFlashCookieIsSigned: a visitor's flash rides in a cookie the
// node signed; one made up elsewhere (another site of the same domain can
// set cookies) is dropped unread.
func TestVisitorFlashCookieIsSigned(t *testing.T) {
	n := startNode(t, node.Config{})
	b := newBrowser(t, n.base)
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"Error":true,"Text":"Your session expired: log in at https://evil.example"}`))
	for _, v := range []string{forged, forged + ".AAAA", forged + "." + forged} {
		b.setCookie("lernejo_flash", v)
		if _, body := b.get("/"); strings.Contains(body, "evil.example") {
			t.Errorf("a forged flash cookie %q is shown", v)
		}
	}
}

package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/node"
)

// getActor fetches a person's actor as an ActivityPub client does.
func (b *browser) getActor(handle string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+"/people/"+handle, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestOperatorSuspendsAndUnsuspends: the operator finds the users page
// from the settings, suspends a person there, who is logged out, cannot
// log in, and whose actor says suspended; unsuspending lets them back.
func TestOperatorSuspendsAndUnsuspends(t *testing.T) {
	n := startNode(t, node.Config{})
	grace := newBrowser(t, n.base)
	wantRedirect(t, "sign up", mustPost(grace.post("/signup", signupForm(grace.csrf("/signup"), "grace"))), "/")
	op := newBrowser(t, n.base)
	wantRedirect(t, "log in", op.login("ada", n.adaPW, ""), "/")
	if _, body := op.get("/admin/settings"); !strings.Contains(body, `href="/admin/users"`) {
		t.Error("the settings page does not link the users page")
	}
	resp, body := op.get("/admin/users")
	wantStatus(t, "users page", resp, body, http.StatusOK)
	if !strings.Contains(body, "@grace") || !strings.Contains(body, "@ada") {
		t.Fatalf("users page lacks the accounts: %s", body)
	}
	if resp, _ := grace.get("/admin/users"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a member reaches the users page: %d", resp.StatusCode)
	}
	csrf := csrfRE.FindStringSubmatch(body)[1]
	if resp, _ := op.post("/admin/users/suspend", url.Values{"handle": {"grace"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("suspend without a CSRF token: %d", resp.StatusCode)
	}
	wantRedirect(t, "suspend", mustPost(op.post("/admin/users/suspend", url.Values{"_csrf": {csrf}, "handle": {"grace"}})), "/admin/users")
	if _, body := op.get("/admin/users"); !strings.Contains(body, "@grace is suspended and logged out.") {
		t.Errorf("the users page does not say the suspension was done: %s", body)
	}
	if got := grace.loggedInAs(); got != "" {
		t.Errorf("the suspended person is still logged in as %q", got)
	}
	resp, body = grace.post("/login", url.Values{"_csrf": {grace.csrf("/login")}, "handle": {"grace"}, "password": {"correct horse battery"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "suspended") {
		t.Errorf("log-in of a suspended person: %d %s", resp.StatusCode, body)
	}
	resp, body = grace.getActor("grace")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"suspended":true`) || strings.Contains(body, "Grace H.") {
		t.Errorf("suspended actor: %d %s", resp.StatusCode, body)
	}
	if _, body := op.get("/admin/users"); !strings.Contains(body, "suspended") || !strings.Contains(body, `action="/admin/users/unsuspend"`) {
		t.Errorf("users page does not show the suspension: %s", body)
	}
	wantRedirect(t, "unsuspend", mustPost(op.post("/admin/users/unsuspend", url.Values{"_csrf": {csrf}, "handle": {"grace"}})), "/admin/users")
	wantRedirect(t, "log in after unsuspend", grace.login("grace", "correct horse battery", ""), "/")
	if resp, body := grace.getActor("grace"); strings.Contains(body, `"suspended"`) || !strings.Contains(body, "Grace H.") {
		t.Errorf("actor after unsuspend: %d %s", resp.StatusCode, body)
	}
}

// TestDeleteOwnAccount: a person deletes their account from the settings
// with their password; they are logged out, their actor answers 410 with
// a Tombstone and their handle cannot be signed up again. The demo's sole
// organiser is told to add an organiser or archive the course first.
func TestDeleteOwnAccount(t *testing.T) {
	n := startNode(t, node.Config{})
	grace := newBrowser(t, n.base)
	wantRedirect(t, "sign up", mustPost(grace.post("/signup", signupForm(grace.csrf("/signup"), "grace"))), "/")
	if _, body := grace.get("/settings/password"); !strings.Contains(body, `href="/settings/delete"`) {
		t.Error("the password page does not link the deletion page")
	}
	csrf := grace.csrf("/settings/delete")
	resp, body := grace.post("/settings/delete", url.Values{"_csrf": {csrf}, "password": {"not my password"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `role="alert"`) || !personExists(t, n, "grace") {
		t.Fatalf("deletion with a wrong password: %d %s", resp.StatusCode, body)
	}
	wantRedirect(t, "delete", mustPost(grace.post("/settings/delete", url.Values{"_csrf": {csrf}, "password": {"correct horse battery"}})), "/")
	// The notice waits in the visitor's signed cookie, for one page.
	if _, body := grace.get("/"); !strings.Contains(body, "Your account is deleted.") {
		t.Errorf("the start page does not say the account was deleted: %s", body)
	}
	if _, body := grace.get("/"); strings.Contains(body, "Your account is deleted.") {
		t.Error("the deletion notice is shown again on reload")
	}
	if personExists(t, n, "grace") {
		t.Error("the account is still there")
	}
	if got := grace.loggedInAs(); got != "" {
		t.Errorf("still logged in as %q", got)
	}
	resp, body = grace.getActor("grace")
	if resp.StatusCode != http.StatusGone || !strings.Contains(body, `"Tombstone"`) {
		t.Errorf("deleted actor: %d %s", resp.StatusCode, body)
	}
	if resp, _ := grace.get("/people/grace"); resp.StatusCode != http.StatusGone {
		t.Errorf("deleted person's page: %d", resp.StatusCode)
	}
	other := newBrowser(t, n.base)
	if resp, _ := other.post("/signup", signupForm(other.csrf("/signup"), "grace")); resp.StatusCode != http.StatusConflict {
		t.Errorf("the deleted handle is signed up again: %d", resp.StatusCode)
	}

	ada := newBrowser(t, n.base)
	wantRedirect(t, "log in", ada.login("ada", n.adaPW, ""), "/")
	resp, body = ada.post("/settings/delete", url.Values{"_csrf": {ada.csrf("/settings/delete")}, "password": {n.adaPW}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "only organiser") || !personExists(t, n, "ada") {
		t.Errorf("the sole organiser deletes their account: %d %s", resp.StatusCode, body)
	}
}

// mustPost keeps the response of a post.
func mustPost(resp *http.Response, _ string) *http.Response { return resp }

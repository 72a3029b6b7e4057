package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/node"
)

// TestRefusedFormsKeepWhatWasTyped: a post, a task and a school that will
// not do come back in their form with the text typed, the message beside
// the field, the field marked invalid and described by it (issue 15).
func TestRefusedFormsKeepWhatWasTyped(t *testing.T) {
	n := startNode(t, node.Config{})
	ada := newBrowser(t, n.base)
	ada.login(node.DemoOrganiser, n.adaPW, "/")
	course := "/courses/" + node.DemoCourse
	field := func(what, body, id, message string) {
		t.Helper()
		if !strings.Contains(body, `aria-describedby="`+id+`-hint `+id+`-error" aria-invalid="true"`) &&
			!strings.Contains(body, `aria-describedby="`+id+`-error" aria-invalid="true"`) {
			t.Errorf("%s: the field %s is not marked invalid and described by its message", what, id)
		}
		if !strings.Contains(body, `<span class="error field-error" id="`+id+`-error" role="alert">`+message) {
			t.Errorf("%s: no message %q beside %s", what, message, id)
		}
	}

	long := strings.Repeat("word ", 1001) // 5,005 characters once trimmed
	resp, body := ada.post(course+"/posts", url.Values{"_csrf": {ada.csrf(course)}, "text": {long}})
	wantStatus(t, "a post too long", resp, body, http.StatusUnprocessableEntity)
	field("a post too long", body, "text-", "The post can have at most 5000 characters.")
	if !strings.Contains(body, ">"+strings.TrimSpace(long)) {
		t.Error("a post too long: the text typed is lost")
	}
	// A line break sent as CR LF counts once, as the browser's maxlength
	// counted it: 4,999 characters and a break are a post.
	crlf := strings.Repeat("a", 2500) + "\r\n" + strings.Repeat("b", 2499)
	resp, _ = ada.post(course+"/posts", url.Values{"_csrf": {ada.csrf(course)}, "text": {crlf}})
	wantRedirect(t, "5,000 characters with a CR LF", resp, course+"#discussion")

	manage := course + "/manage"
	resp, body = ada.post(course+"/tasks", url.Values{"_csrf": {ada.csrf(manage)}, "title": {"  "}, "body": {"<p>Read chapter 2.</p>"}})
	wantStatus(t, "a task without a title", resp, body, http.StatusUnprocessableEntity)
	field("a task without a title", body, "title", "The task title is required.")
	if !strings.Contains(body, "&lt;p&gt;Read chapter 2.&lt;/p&gt;</textarea>") || !strings.Contains(body, `action="`+course+`/tasks"`) {
		t.Errorf("a task without a title: the text typed is lost or the form is not the new task's: %s", body)
	}

	resp, body = ada.post("/admin/schools", url.Values{"_csrf": {ada.csrf("/admin/schools")}, "handle": {"Bad Handle!"},
		"name": {"Night school"}, "organisers": {"ada"}})
	wantStatus(t, "a school with a bad handle", resp, body, http.StatusUnprocessableEntity)
	field("a school with a bad handle", body, "school-handle", "A handle may use only")
	if !strings.Contains(body, `value="Night school"`) {
		t.Error("a school with a bad handle: the name typed is lost")
	}
}

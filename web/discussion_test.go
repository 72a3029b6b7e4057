package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestDiscussionHTML: the course page shows a pinned post before newer
// ones, a thread nested four levels deep (deeper replies at the fourth,
// saying whom they answer), remote authors by display name and handle and
// an unfetched one by host and path; the post's page shows the same thread.
// The organiser sees Remove and Report on the top-level post.
func TestDiscussionHTML(t *testing.T) {
	n := startNode(t, node.Config{})
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) // newer than the demo's posts
	rae, zed := "https://remote.test/users/rae", "https://far.test/users/zed"
	authors := []string{rae, zed}
	root := "7ZZDEEP0000000000000000000"
	rootURI := n.URLs.Path("/posts/" + root)
	fill(t, n, 1, func(tx domain.Tx, _ int) error {
		if err := tx.PutRemoteActor(&domain.RemoteActor{ID: rae, Type: "Person", Name: "Rae Remote", Username: "rae", Host: "remote.test", Inbox: rae + "/inbox"}); err != nil {
			return err
		}
		if err := tx.PutPost(&domain.Post{ID: "01JOLDPIN", Course: node.DemoCourse, URI: n.URLs.Path("/posts/01JOLDPIN"),
			Author: n.URLs.Actor(domain.ActorCourse, node.DemoCourse), Local: true, Thread: "01JOLDPIN", Pinned: true,
			Content: "<p>pinned-old</p>", Published: start.Add(-24 * time.Hour)}); err != nil {
			return err
		}
		// A learner's post here, answered from elsewhere.
		if err := tx.PutPost(&domain.Post{ID: root, Course: node.DemoCourse, URI: rootURI, Author: n.URLs.Actor(domain.ActorPerson, "bea"), Local: true, Thread: root,
			Content: "<p>deep-0</p>", Published: start}); err != nil {
			return err
		}
		parent := rootURI
		for i := 1; i <= 6; i++ {
			id := fmt.Sprintf("7ZZDEEP%019d", i)
			uri := "https://remote.test/notes/" + id
			if err := tx.PutPost(&domain.Post{ID: id, Course: node.DemoCourse, URI: uri, Author: authors[i%2], Thread: root,
				InReplyTo: parent, Content: fmt.Sprintf("<p>deep-%d</p>", i), Published: start.Add(time.Duration(i) * time.Minute)}); err != nil {
				return err
			}
			parent = uri
		}
		return nil
	})
	b := newBrowser(t, n.base)
	if resp := b.login(node.DemoOrganiser, n.adaPW, "/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("log in: %d", resp.StatusCode)
	}
	_, body := b.get("/courses/" + node.DemoCourse)
	d := section(t, body, "discussion")
	pin, deep := strings.Index(d, "<p>pinned-old</p>"), strings.Index(d, "<p>deep-0</p>")
	if pin < 0 || deep < 0 || pin > deep {
		t.Fatalf("the pinned post is not first (at %d, the newest at %d): %s", pin, deep, d)
	}
	for i, want := range []string{
		`<a href="https://remote.test/users/rae">Rae Remote (@rae@remote.test)</a>`,
		`<a href="https://far.test/users/zed">far.test/users/zed</a>`,
		` · in reply to Rae Remote (@rae@remote.test)</p>`,
	} {
		if !strings.Contains(d, want) {
			t.Errorf("%d: the discussion does not show %s", i, want)
		}
	}
	for _, page := range []string{d, section(t, b.mustGet(t, "/posts/"+root), "replies"), section(t, b.mustGet(t, "/threads/"+root), "posts")} {
		for i := 1; i <= 6; i++ {
			depth := min(i, 4)
			at := strings.Index(page, fmt.Sprintf("<p>deep-%d</p>", i))
			open := strings.LastIndex(page[:max(at, 0)], "<article")
			if at < 0 || open < 0 || !strings.Contains(page[open:at], fmt.Sprintf(`data-depth="%d"`, depth)) {
				t.Errorf("deep-%d is not at depth %d: %s", i, depth, page)
				break
			}
		}
	}
	// The organiser's buttons on the top-level post, before its first reply.
	top := d[deep:strings.Index(d, "<p>deep-1</p>")]
	for _, action := range []string{"/posts/remove", "/posts/report"} {
		if !strings.Contains(top, `action="/courses/`+node.DemoCourse+action+`"`) {
			t.Errorf("no %s on the top-level post: %s", action, top)
		}
	}
	// Reporting it lists the report on the manage page and the operator's.
	resp, _ := b.post("/courses/"+node.DemoCourse+"/posts/report", url.Values{"_csrf": {b.csrf("/courses/" + node.DemoCourse)},
		"post": {rootURI}, "comment": {"off topic"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("report: %d", resp.StatusCode)
	}
	if r := section(t, b.mustGet(t, "/courses/"+node.DemoCourse+"/manage/discussion"), "reports"); !strings.Contains(r, "off topic") || !strings.Contains(r, "deep-0") {
		t.Errorf("the manage page does not list the report: %s", r)
	}
	if r := section(t, b.mustGet(t, "/admin/settings"), "reports"); !strings.Contains(r, "off topic") || !strings.Contains(r, "about a post in") {
		t.Errorf("the operator's reports do not list it: %s", r)
	}
}

func (b *browser) mustGet(t *testing.T, path string) string {
	t.Helper()
	resp, body := b.get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

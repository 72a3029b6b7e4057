package node

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/federation"
)

// TestDemoAnnouncesItsTasks: a fresh demo node's course outbox has a "New
// task" post for each of its three tasks, linking the task's Page, so a
// Mastodon follower can reply #done to it (seeding goes through the same
// Tasks.Add as an organiser).
func TestDemoAnnouncesItsTasks(t *testing.T) {
	n := startNode(t, Config{Demo: true})
	course := n.URLs.Actor(domain.ActorCourse, DemoCourse)
	tasks := getJSON(t, course+"/tasks", asAccept)
	list, _ := tasks["orderedItems"].([]any)
	var ids []string
	for _, it := range list {
		ids = append(ids, itemID(it))
	}
	if len(ids) != 3 {
		t.Fatalf("demo course has %d tasks: %v", len(ids), tasks)
	}
	_, items := walkCollection(t, course+"/outbox")
	announced := map[string]bool{}
	for _, id := range items {
		act := getJSON(t, id, asAccept)
		note, _ := act["object"].(map[string]any)
		if note == nil {
			if oid, _ := act["object"].(string); oid != "" {
				note = getJSON(t, oid, asAccept)
			}
		}
		content, _ := note["content"].(string)
		if !strings.Contains(content, "New task") {
			continue
		}
		for _, task := range ids {
			if strings.Contains(content, `href="`+task+`"`) {
				announced[task] = true
			}
		}
	}
	for i, task := range ids {
		if !announced[task] {
			t.Errorf("task %d (%s) has no New task post in the course outbox %v", i+1, task, items)
		}
		if !strings.HasPrefix(task, federation.TaskURL(n.URLs, DemoCourse, "")) {
			t.Errorf("task id %s is not a task URL of the course", task)
		}
	}
}

// TestDoneReplyToTaskPage: a Mastodon learner who opens a task's link and
// replies to the Page itself with #done (inReplyTo is the Page's id, not
// the announcement post's) completes the task.
func TestDoneReplyToTaskPage(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, Config{Demo: true, AllowPrivateNetworks: true})
	zoe := newFakePeer(t)
	zoe.status.Store(202)
	course := n.URLs.Actor(domain.ActorCourse, DemoCourse)
	if st := zoe.follow(course, n.URLs.SharedInbox(), "1"); st != 202 {
		t.Fatalf("follow: %d", st)
	}
	eventually(t, "zoe enrolled", func() bool {
		f := follower(n, DemoCourse, zoe.zoe())
		return f != nil && f.State == domain.FollowAccepted
	})
	var tasks []*domain.Task
	n.Store.View(ctx, func(tx domain.Tx) error { tasks, _ = tx.Tasks(DemoCourse); return nil })
	page := federation.TaskURL(n.URLs, DemoCourse, tasks[1].ID)
	note := zoe.URL + "/users/zoe/statuses/1"
	st := zoe.send(n.URLs.SharedInbox(), map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": note + "/activity", "type": "Create", "actor": zoe.zoe(),
		"to": []string{federation.Public}, "cc": []string{course},
		"object": map[string]any{"id": note, "type": "Note", "attributedTo": zoe.zoe(), "inReplyTo": page,
			"to": []string{federation.Public}, "cc": []string{course},
			"content": `<p><span class="h-card"><a href="` + course + `" class="u-url mention">@<span>gentle-python</span></a></span> <a href="https://example.social/tags/done" class="mention hashtag" rel="tag">#<span>done</span></a> names and types: <a href="https://example.org/zoe/names.py">https://example.org/zoe/names.py</a></p>`,
			"tag": []map[string]any{{"type": "Mention", "href": course, "name": "@gentle-python"},
				{"type": "Hashtag", "href": "https://example.social/tags/done", "name": "#done"}},
			"published": "2026-01-02T10:00:00Z"},
	})
	if st != 202 {
		t.Fatalf("create: %d", st)
	}
	eventually(t, "the reply to the Page completes the task", func() bool {
		var c *domain.Completion
		n.Store.View(ctx, func(tx domain.Tx) error { c, _ = tx.Completion(DemoCourse, tasks[1].ID, zoe.zoe()); return nil })
		return c != nil && c.Evidence == "https://example.org/zoe/names.py"
	})
	var others int
	n.Store.View(ctx, func(tx domain.Tx) error {
		for _, task := range []string{tasks[0].ID, tasks[2].ID} {
			if _, found, _ := domain.Found(tx.Completion(DemoCourse, task, zoe.zoe())); found {
				others++
			}
		}
		return nil
	})
	if others != 0 {
		t.Errorf("the reply completed %d other tasks", others)
	}
}

// TestRemoteJoinAsksTheQuestions: cem on A opens a moderated course on B
// through the remote course page, which asks B's sign-up questions, one
// answer field each; his answers reach B in the Join, each after its
// question, as the organisers read them.
func TestRemoteJoinAsksTheQuestions(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	questions := []string{"What do you want to build?", "How many hours a week can you give?"}
	if err := b.Services.Courses.Create(ctx, DemoOrganiser, &domain.Course{Handle: "sql-sprint", Title: "SQL sprint", Kind: "Challenge",
		Status: domain.StatusOpen, SignUp: domain.SignUpModerated, Questions: questions, Organisers: []string{DemoOrganiser}}); err != nil {
		t.Fatal(err)
	}
	hash, err := password.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Services.Accounts.Register(ctx, &domain.Person{Handle: "cem", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	// logIn reads its token from the demo course, which A has not: log in
	// the same way, on A's home page.
	jar, _ := cookiejar.New(nil)
	cem := &webClient{t: t, base: a.URLs.Base(), c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	cem.refreshToken("/login")
	if st := cem.post("/login", url.Values{"handle": {"cem"}, "password": {"correct horse battery"}}); st != 303 {
		t.Fatalf("log in as cem: %d", st)
	}
	cem.refreshToken("/")
	course := b.URLs.Actor(domain.ActorCourse, "sql-sprint")
	resp, err := cem.c.Get(a.URLs.Base() + "/lookup?q=" + url.QueryEscape(course))
	if err != nil || resp.StatusCode != 303 {
		t.Fatalf("lookup: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = cem.c.Get(a.URLs.Base() + resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for i, q := range questions {
		if !strings.Contains(string(page), fmt.Sprintf(`<label for="answer-%d">%s</label>`, i, q)) {
			t.Errorf("the remote join page does not ask %q:\n%s", q, page)
		}
	}
	if strings.Contains(string(page), "A word to the organisers") {
		t.Error("the remote join page of a course with questions still offers only a word to the organisers")
	}
	st := cem.post("/lookup/join", url.Values{"target": {course}, "question": questions,
		"answer": {"A shop for my bakery.", "Five"}})
	if st != 303 {
		t.Fatalf("join: %d", st)
	}
	cemID := a.URLs.Actor(domain.ActorPerson, "cem")
	eventually(t, "B holds cem's request", func() bool { return follower(b, "sql-sprint", cemID) != nil })
	// The Join's content is HTML, a paragraph per question; B keeps it as
	// plain text, on one line.
	want := questions[0] + " A shop for my bakery. " + questions[1] + " Five"
	if f := follower(b, "sql-sprint", cemID); f.State != domain.FollowPending || f.Answers != want {
		t.Fatalf("B's record of cem's request: %q, want %q", f.Answers, want)
	}
}

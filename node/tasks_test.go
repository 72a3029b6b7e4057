package node

import (
	"context"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
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

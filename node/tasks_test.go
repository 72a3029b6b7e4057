package node

import (
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

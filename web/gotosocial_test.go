package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/node"
)

// The documents GoToSocial tripped on (issue 13), read as it reads them.

// fetchJSON GETs an ActivityPub document and decodes it.
func fetchJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fetchDocument(t, url, "application/activity+json"), &m); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return m
}

// ids is a JSON list of strings (nil when absent or not a list).
func ids(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// demoTaskPosts are the demo course's posts that announce its tasks.
func demoTaskPosts(t *testing.T, n *testNode) []*domain.Post {
	t.Helper()
	var out []*domain.Post
	err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		ps, err := tx.CoursePostsPage(node.DemoCourse, "", 50)
		for _, p := range ps.Items {
			if p.Task != "" {
				out = append(out, p)
			}
		}
		return err
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("the demo course's task posts: %d, %v", len(out), err)
	}
	return out
}

// TestServedObjectsAreAddressed: every public object the node serves by
// id is addressed to Public with the course's followers in cc. GoToSocial
// answers a search for an object that is not TO or CC anyone with 500.
func TestServedObjectsAreAddressed(t *testing.T) {
	n := startNode(t, node.Config{})
	course := n.base + "/courses/" + node.DemoCourse
	followers := course + "/followers"
	objects := map[string]map[string]any{}
	tasks := fetchJSON(t, course+"/tasks")
	items, _ := tasks["orderedItems"].([]any)
	if len(items) == 0 {
		t.Fatal("the tasks collection lists no tasks")
	}
	for i, it := range items {
		page, _ := it.(map[string]any)
		objects[fmt.Sprintf("tasks item %d", i)] = page
		id, _ := page["id"].(string)
		objects[id] = fetchJSON(t, id)
	}
	for _, p := range demoTaskPosts(t, n) {
		objects[p.URI] = fetchJSON(t, p.URI)
	}
	for name, o := range objects {
		if to := ids(o["to"]); !slices.Contains(to, federation.Public) {
			t.Errorf("%s (%v): to is %v, want Public", name, o["type"], o["to"])
		}
		if cc := ids(o["cc"]); !slices.Contains(cc, followers) {
			t.Errorf("%s (%v): cc is %v, want the course's followers", name, o["type"], o["cc"])
		}
	}
}

// TestInstanceActorHasFeatured: the Application actor names a featured
// collection, and it is served (empty); GoToSocial dereferences an empty
// URL otherwise.
func TestInstanceActorHasFeatured(t *testing.T) {
	n := startNode(t, node.Config{})
	actor := fetchJSON(t, n.base+"/actor")
	featured, _ := actor["featured"].(string)
	if featured != n.base+"/actor/featured" {
		t.Fatalf("featured is %q", actor["featured"])
	}
	c := fetchJSON(t, featured)
	if c["id"] != featured || c["type"] != "OrderedCollection" || c["totalItems"] != 0.0 {
		t.Fatalf("featured collection: %v", c)
	}
	if items, ok := c["orderedItems"].([]any); !ok || len(items) != 0 {
		t.Fatalf("featured items: %v", c["orderedItems"])
	}
}

// TestTaskPostsAreNotTaggedDone: a task's post says to reply with #done,
// but is not tagged #done (and does not link the tag), so it does not land
// in every server's public #done timeline.
func TestTaskPostsAreNotTaggedDone(t *testing.T) {
	n := startNode(t, node.Config{})
	for _, p := range demoTaskPosts(t, n) {
		doc := fetchJSON(t, p.URI)
		content, _ := doc["content"].(string)
		if !strings.Contains(content, "#done") {
			t.Errorf("%s: the instruction lost its word: %s", p.URI, content)
		}
		if strings.Contains(content, "/tags/done") {
			t.Errorf("%s: #done is a hashtag link: %s", p.URI, content)
		}
		tags, _ := doc["tag"].([]any)
		for _, tag := range tags {
			if m, _ := tag.(map[string]any); m["name"] == "#done" {
				t.Errorf("%s: tagged #done: %v", p.URI, tags)
			}
		}
		if slices.Contains(p.Tags, "done") {
			t.Errorf("%s: stored with the tag done", p.URI)
		}
	}
}

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
	"github.com/lernejo/lernejo/service"
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

// TestRepliesAreAnEmbeddedCollection: a note's replies are an embedded
// Collection whose first page is embedded too, with the first replies'
// ids and a next page when there are more, as Mastodon serves them:
// GoToSocial walks no other shape. The replies collection at its id is the
// same, and serves the pages the next links point at.
func TestRepliesAreAnEmbeddedCollection(t *testing.T) {
	n := startNode(t, node.Config{})
	ctx := context.Background()
	publish := func(text, inReplyTo string) *domain.Post {
		t.Helper()
		p, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: node.DemoCourse, Course: node.DemoCourse,
			Text: text, InReplyTo: inReplyTo})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	lonely := publish("No one answers this.", "")
	root := publish("Tell us about your week.", "")
	var want []string
	for i := range federation.PageSize + 3 {
		want = append(want, publish(fmt.Sprintf("Reply %d.", i), root.URI).URI)
	}

	// check reads a replies Collection with its first page embedded, and
	// returns the page's items and next link.
	check := func(name string, v any, id string) ([]string, string) {
		t.Helper()
		c, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: replies is %T, not an embedded collection: %v", name, v, v)
		}
		if c["id"] != id || c["type"] != "Collection" {
			t.Fatalf("%s: replies is %v %v, want the Collection %s", name, c["type"], c["id"], id)
		}
		first, ok := c["first"].(map[string]any)
		if !ok {
			t.Fatalf("%s: first is %T, not an embedded page: %v", name, c["first"], c["first"])
		}
		if first["type"] != "CollectionPage" || first["partOf"] != id {
			t.Fatalf("%s: first is %v partOf %v, want a CollectionPage of %s", name, first["type"], first["partOf"], id)
		}
		if _, ok := first["items"].([]any); !ok {
			t.Fatalf("%s: first has no items list: %v", name, first)
		}
		next, _ := first["next"].(string)
		return ids(first["items"]), next
	}

	doc := fetchJSON(t, lonely.URI)
	items, next := check("a note without replies", doc["replies"], lonely.URI+"/replies")
	if len(items) != 0 || next != "" {
		t.Errorf("a note without replies: items %v, next %q", items, next)
	}

	doc = fetchJSON(t, root.URI)
	items, next = check("a note", doc["replies"], root.URI+"/replies")
	if !slices.Equal(items, want[:federation.PageSize]) {
		t.Errorf("first page: %v\nwant %v", items, want[:federation.PageSize])
	}
	if next == "" {
		t.Fatal("first page: no next, and there are more replies")
	}
	served, servedNext := check("the replies collection", fetchJSON(t, root.URI+"/replies"), root.URI+"/replies")
	if !slices.Equal(served, items) || servedNext != next {
		t.Errorf("the collection at its id differs from the embedded one: %v %q", served, servedNext)
	}
	page := fetchJSON(t, next)
	if page["type"] != "CollectionPage" || page["partOf"] != root.URI+"/replies" || page["id"] != next {
		t.Fatalf("next page: %v %v partOf %v", page["type"], page["id"], page["partOf"])
	}
	if got := ids(page["items"]); !slices.Equal(got, want[federation.PageSize:]) {
		t.Errorf("next page: %v\nwant %v", got, want[federation.PageSize:])
	}
	if _, more := page["next"]; more {
		t.Errorf("last page has a next: %v", page["next"])
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

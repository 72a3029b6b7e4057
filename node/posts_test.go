package node

import (
	"context"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

func post(n *Node, uri string) *domain.Post {
	var p *domain.Post
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		p, _ = tx.Post(uri)
		return nil
	})
	return p
}

// TestCourseDiscussionAcrossNodes: a course on B posts; it reaches bea on A
// and zoe on a Mastodon-like peer. Bea replies from A: the reply is
// threaded on B and Announced to zoe (the course redistributes replies).
// Edits and deletions on either side are reflected on the other, and a
// reply from someone not enrolled is refused.
func TestCourseDiscussionAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	if err := b.Store.Update(ctx, func(tx domain.Tx) error {
		c, err := tx.Course(DemoCourse)
		if err != nil {
			return err
		}
		c.RedistributeReplies = true
		return tx.PutCourse(c)
	}); err != nil {
		t.Fatal(err)
	}
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	zoe := newFakePeer(t)
	zoe.status.Store(202)
	if st := zoe.follow(course, b.URLs.SharedInbox(), "z1"); st != 202 {
		t.Fatalf("zoe's follow: %d", st)
	}
	if _, err := a.Services.Enrolment.Follow(ctx, "bea", course); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bea and zoe enrolled", func() bool {
		f := following(a, "bea", course)
		return f != nil && f.State == domain.FollowAccepted && zoe.received("Accept") == 1
	})

	// The course posts.
	p, err := b.Services.Posts.Publish(ctx, service.PostInput{Author: DemoCourse, Course: DemoCourse, Text: "Welcome! Say hello to the group. #python"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the post reaches A", func() bool { q := post(a, p.URI); return q != nil && q.Course == course })
	eventually(t, "the post reaches zoe", func() bool { return len(zoe.activities("Create")) == 1 })
	create := zoe.activities("Create")[0]
	note := create["object"].(map[string]any)
	if note["id"] != p.URI || !strings.HasPrefix(p.URI, b.URLs.Base()+"/") || create["actor"] != course ||
		note["attributedTo"] != course || note["type"] != "Note" {
		t.Fatalf("create: %v", create)
	}
	if to := note["to"].([]any); len(to) != 1 || to[0] != "https://www.w3.org/ns/activitystreams#Public" {
		t.Errorf("to %v", to)
	}
	if cc := note["cc"].([]any); len(cc) != 1 || cc[0] != course+"/followers" {
		t.Errorf("cc %v", cc)
	}
	if _, has := note["summary"]; has {
		t.Error("a note with summary shows as a content warning on Mastodon")
	}
	if tags := note["tag"].([]any); len(tags) != 1 || tags[0].(map[string]any)["type"] != "Hashtag" || tags[0].(map[string]any)["name"] != "#python" {
		t.Errorf("tags %v", note["tag"])
	}
	for _, k := range []string{"url", "replies", "context", "published", "content"} {
		if _, ok := note[k]; !ok {
			t.Errorf("note lacks %s", k)
		}
	}
	// The note's id answers with the note and its own @context.
	doc := getJSON(t, p.URI, asAccept)
	if doc["id"] != p.URI || doc["@context"] == nil {
		t.Fatalf("note document: %v", doc)
	}

	// Bea replies from A.
	reply, err := a.Services.Posts.Publish(ctx, service.PostInput{Author: "bea", Course: course, Text: "Hello from node A!", InReplyTo: p.URI})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the reply is threaded on B", func() bool {
		q := post(b, reply.URI)
		return q != nil && q.Course == DemoCourse && q.InReplyTo == p.URI && q.Thread == p.Thread
	})
	eventually(t, "B announces the reply to zoe", func() bool {
		for _, an := range zoe.activities("Announce") {
			if an["object"] == reply.URI && an["actor"] == course {
				return true
			}
		}
		return false
	})
	page := getJSON(t, course+"/outbox?page=1", asAccept)
	if items := page["orderedItems"].([]any); len(items) != 3+len(demoTasks) {
		t.Fatalf("course outbox holds %d items, want the Create and the Announce after the demo's %d task posts and its meeting", len(items), len(demoTasks))
	}
	replies := getJSON(t, p.URI+"/replies?page=1", asAccept)
	if items := replies["items"].([]any); len(items) != 1 || items[0] != reply.URI {
		t.Fatalf("replies: %v", replies)
	}

	// Pinned posts are the course's featured collection.
	if err := b.Services.Posts.Pin(ctx, "bea", p.URI, true); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("pin by a non-organiser: %v", err)
	}
	if err := b.Services.Posts.Pin(ctx, DemoOrganiser, p.URI, true); err != nil {
		t.Fatal(err)
	}
	actor := getJSON(t, course, asAccept)
	feat := getJSON(t, actor["featured"].(string), asAccept)
	if items := feat["orderedItems"].([]any); len(items) != 1 || items[0] != p.URI {
		t.Fatalf("featured: %v", feat)
	}

	// Edits travel both ways.
	if _, err := b.Services.Posts.Edit(ctx, DemoOrganiser, p.URI, "Welcome, everyone! #python"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Services.Posts.Edit(ctx, "bea", reply.URI, "Hello from node A (edited)"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A sees the edited post", func() bool { q := post(a, p.URI); return q != nil && strings.Contains(q.Content, "everyone") })
	eventually(t, "B sees the edited reply", func() bool { q := post(b, reply.URI); return q != nil && strings.Contains(q.Content, "edited") })

	// A reply from someone not enrolled is refused.
	stranger := newFakePeer(t)
	stranger.send(b.URLs.SharedInbox(), map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": stranger.URL + "/notes/1/activity", "type": "Create", "actor": stranger.zoe(),
		"object": map[string]any{"id": stranger.URL + "/notes/1", "type": "Note", "attributedTo": stranger.zoe(),
			"inReplyTo": p.URI, "content": "<p>spam</p>", "to": []string{"https://www.w3.org/ns/activitystreams#Public"}}})

	// Deletions travel both ways.
	if err := a.Services.Posts.Delete(ctx, "bea", reply.URI); err != nil {
		t.Fatal(err)
	}
	if err := b.Services.Posts.Delete(ctx, DemoOrganiser, p.URI); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B drops the deleted reply", func() bool { return post(b, reply.URI) == nil })
	eventually(t, "A drops the deleted post", func() bool { return post(a, p.URI) == nil })
	if resp, _ := get(t, p.URI, asAccept); resp.StatusCode != 410 {
		t.Fatalf("deleted post answers %d, want 410", resp.StatusCode)
	}
	eventually(t, "zoe gets the Delete", func() bool { return len(zoe.activities("Delete")) >= 1 })
	del := zoe.activities("Delete")[0]
	if obj, _ := del["object"].(map[string]any); obj["type"] != "Tombstone" || obj["id"] != p.URI || del["actor"] != course {
		t.Fatalf("delete: %v", del)
	}
	for _, an := range zoe.activities("Announce") {
		if _, isString := an["object"].(string); !isString {
			t.Fatalf("Mastodon boosts objects by id: announce object %v", an["object"])
		}
	}
	if q := post(b, stranger.URL+"/notes/1"); q != nil {
		t.Fatal("a reply from someone not enrolled was kept")
	}
}

package node

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/service"
)

// getStatusJSON GETs a document with an ActivityPub Accept and returns its
// status and the document decoded (nil when it is not JSON).
func getStatusJSON(t *testing.T, u string) (int, map[string]any) {
	t.Helper()
	resp, b := get(t, u, asAccept)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// itemID is the id of an item of a collection page: the item itself when
// it is a link, its id when it is embedded.
func itemID(item any) string {
	switch x := item.(type) {
	case string:
		return x
	case map[string]any:
		s, _ := x["id"].(string)
		return s
	}
	return ""
}

// walkCollection follows a collection's first and every next page to the
// end, as a consumer does, and returns its totalItems and the ids of the
// items its pages list.
func walkCollection(t *testing.T, u string) (total int, items []string) {
	t.Helper()
	c := getJSON(t, u, asAccept)
	n, ok := c["totalItems"].(float64)
	if !ok {
		t.Fatalf("%s has no totalItems: %v", u, c)
	}
	next := itemID(c["first"])
	for seen := map[string]bool{}; next != ""; {
		if seen[next] {
			t.Fatalf("%s: page %s comes twice", u, next)
		}
		seen[next] = true
		page := getJSON(t, next, asAccept)
		list, _ := page["orderedItems"].([]any)
		for _, it := range list {
			items = append(items, itemID(it))
		}
		next = itemID(page["next"])
	}
	return int(n), items
}

// checkOutbox walks an outbox: its totalItems is the number of items its
// pages list, and every item's id answers 200 with that item.
func checkOutbox(t *testing.T, u string) []string {
	t.Helper()
	total, items := walkCollection(t, u)
	if total != len(items) {
		t.Errorf("%s says totalItems %d and its pages list %d: %v", u, total, len(items), items)
	}
	for _, id := range items {
		if status, doc := getStatusJSON(t, id); status != 200 || doc["id"] != id {
			t.Errorf("%s lists %s, which answers %d %v", u, id, status, doc)
		}
	}
	return items
}

// TestPostActivitiesResolve: a learner's post is sent in a Create whose id
// is the post's followed by /activity, and the course Announces it. Both
// ids answer with the activity, and the Create is in the learner's outbox.
// Once the post is deleted, both answer 410 Gone with a Tombstone and the
// outbox is empty again.
func TestPostActivitiesResolve(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, Config{Demo: true})
	if err := n.Services.Accounts.Register(ctx, &domain.Person{Handle: "bea", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Services.Enrolment.EnrolLocal(ctx, "bea", DemoCourse, ""); err != nil {
		t.Fatal(err)
	}
	bea := n.URLs.Actor(domain.ActorPerson, "bea")
	if total, items := walkCollection(t, bea+"/outbox"); total != 0 || len(items) != 0 {
		t.Fatalf("bea's outbox before she posts: totalItems %d, %v", total, items)
	}
	p, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: "bea", Course: DemoCourse, Text: "Hello, group!"})
	if err != nil {
		t.Fatal(err)
	}
	createID := p.URI + "/activity"
	status, create := getStatusJSON(t, createID)
	obj, _ := create["object"].(map[string]any)
	if status != 200 || create["id"] != createID || create["type"] != "Create" || create["actor"] != bea || obj == nil || obj["id"] != p.URI {
		t.Fatalf("GET %s: %d %v, want the Create of %s", createID, status, create, p.URI)
	}
	if p.Activity == "" {
		t.Fatal("a learner's top-level post is not announced by the course")
	}
	status, announce := getStatusJSON(t, p.Activity)
	if status != 200 || announce["type"] != "Announce" || announce["object"] != p.URI ||
		announce["actor"] != n.URLs.Actor(domain.ActorCourse, DemoCourse) {
		t.Fatalf("unsigned GET of the public Announce %s: %d %v", p.Activity, status, announce)
	}
	if total, items := walkCollection(t, bea+"/outbox"); total != 1 || len(items) != 1 || items[0] != createID {
		t.Fatalf("bea's outbox after she posts: totalItems %d, %v; want her Create %s", total, items, createID)
	}
	checkOutbox(t, bea+"/outbox")

	if err := n.Services.Posts.Delete(ctx, "bea", p.URI); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{createID, p.Activity} {
		if status, doc := getStatusJSON(t, id); status != 410 || doc["type"] != "Tombstone" || doc["id"] != id {
			t.Errorf("GET %s after the post is deleted: %d %v, want 410 and a Tombstone", id, status, doc)
		}
	}
	if total, items := walkCollection(t, bea+"/outbox"); total != 0 || len(items) != 0 {
		t.Errorf("bea's outbox after she deleted her post: totalItems %d, %v", total, items)
	}
}

// TestJoinAndFlagNotServedUnsigned: a Join (a sign-up with its answers)
// and a Flag (a report) are for the servers they are sent to. Their ids
// answer 404 to an unsigned GET; the reported server's signed GET of the
// Flag gets it.
func TestJoinAndFlagNotServedUnsigned(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)

	// Bea on A signs up for B's course: A sends a Join.
	f, err := a.Services.Enrolment.Enrol(ctx, "bea", course, "My private reasons.")
	if err != nil {
		t.Fatal(err)
	}
	var join struct{ Type string }
	if err := a.Store.View(ctx, func(tx domain.Tx) error {
		act, err := tx.Activity(f.ActivityID)
		if err != nil {
			return err
		}
		return json.Unmarshal(act.JSON, &join)
	}); err != nil || join.Type != "Join" {
		t.Fatalf("the sign-up's activity %s: %q %v, want a Join", f.ActivityID, join.Type, err)
	}
	if status, doc := getStatusJSON(t, f.ActivityID); status != 404 {
		t.Errorf("unsigned GET of the Join %s: %d %v, want 404", f.ActivityID, status, doc)
	}
	// Bea leaves: A would otherwise fetch zoe's reply below from zoe's
	// server when the course announces it to A (it takes part).
	if err := a.Services.Enrolment.Unfollow(ctx, "bea", course); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B drops bea", func() bool { return follower(b, DemoCourse, a.URLs.Actor(domain.ActorPerson, "bea")) == nil })

	// Zoe, on a Mastodon-like peer, replies to a post of B's course, and
	// the organiser reports her reply: B sends a Flag to her server.
	zoe := newFakePeer(t)
	zoe.status.Store(202)
	if st := zoe.follow(course, b.URLs.SharedInbox(), "z1"); st != 202 {
		t.Fatalf("zoe's follow: %d", st)
	}
	eventually(t, "zoe enrolled", func() bool { return zoe.received("Accept") == 1 })
	p, err := b.Services.Posts.Publish(ctx, service.PostInput{Author: DemoCourse, Course: DemoCourse, Text: "Welcome!"})
	if err != nil {
		t.Fatal(err)
	}
	note := zoe.URL + "/notes/1"
	if st := zoe.send(b.URLs.SharedInbox(), map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": note + "/activity", "type": "Create", "actor": zoe.zoe(), "to": []string{federation.Public}, "cc": []string{course},
		"object": map[string]any{"id": note, "type": "Note", "attributedTo": zoe.zoe(), "content": "<p>Buy my pills</p>",
			"inReplyTo": p.URI, "to": []string{federation.Public}, "cc": []string{course}}}); st != 202 {
		t.Fatalf("zoe's reply: %d", st)
	}
	eventually(t, "zoe's reply is stored on B", func() bool { return post(b, note) != nil })
	if err := b.Services.Moderation.Report(ctx, DemoOrganiser, note, "spam"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the Flag reaches zoe's server", func() bool { return len(zoe.activities("Flag")) == 1 })
	flag, _ := zoe.activities("Flag")[0]["id"].(string)
	if status, doc := getStatusJSON(t, flag); status != 404 {
		t.Errorf("unsigned GET of the Flag %s: %d %v, want 404", flag, status, doc)
	}
	if doc := zoe.signedGet(t, flag); doc["type"] != "Flag" || doc["id"] != flag {
		t.Errorf("GET of the Flag %s signed by the reported server: %v, want the Flag", flag, doc)
	}
}

// TestOutboxesCountWhatTheyList: every outbox's totalItems is the number
// of items its pages list, and each item's id answers. A learner's reply,
// which the course announces only to the Lernejo nodes among its followers
// (it redistributes only top-level posts to all), is listed and counted in
// the course's outbox all the same: a node that joins later reads it there.
func TestOutboxesCountWhatTheyList(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, Config{Demo: true})
	if err := n.Store.Update(ctx, func(tx domain.Tx) error {
		c, err := tx.Course(DemoCourse)
		if err != nil {
			return err
		}
		c.RedistributeReplies = false
		return tx.PutCourse(c)
	}); err != nil {
		t.Fatal(err)
	}
	if err := n.Services.Accounts.Register(ctx, &domain.Person{Handle: "bea", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Services.Enrolment.EnrolLocal(ctx, "bea", DemoCourse, ""); err != nil {
		t.Fatal(err)
	}
	course := n.URLs.Actor(domain.ActorCourse, DemoCourse)
	before := checkOutbox(t, course+"/outbox")
	if len(before) != len(demoTasks)+1 {
		t.Fatalf("the demo course's outbox lists %d items, want its %d task posts and its meeting", len(before), len(demoTasks))
	}
	p, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: DemoCourse, Course: DemoCourse, Text: "Welcome!"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: "bea", Course: DemoCourse, Text: "Hello!", InReplyTo: p.URI})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Activity == "" {
		t.Fatal("the course did not announce bea's reply")
	}
	after := checkOutbox(t, course+"/outbox")
	if len(after) != len(before)+2 || after[0] != reply.Activity || after[1] != p.URI+"/activity" {
		t.Errorf("the course outbox after its post and a reply: %v, want the reply's Announce, then its Create, and %d items", after, len(before)+2)
	}
	if items := checkOutbox(t, n.URLs.Actor(domain.ActorPerson, "bea")+"/outbox"); len(items) != 1 || items[0] != reply.URI+"/activity" {
		t.Errorf("bea's outbox: %v, want the Create of her reply", items)
	}
	checkOutbox(t, n.URLs.Actor(domain.ActorPerson, DemoOrganiser)+"/outbox")
	if items := checkOutbox(t, n.URLs.Actor(domain.ActorSchool, DemoSchool)+"/outbox"); len(items) == 0 {
		t.Error("the demo school's outbox is empty: it announced the demo course")
	}
}

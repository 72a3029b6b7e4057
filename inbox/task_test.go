package inbox_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
)

// newLernejoCourse is a fake course of another Lernejo node (its actor
// names a kind and a tasks collection), cached as newRemote caches a person.
func (r *rig) newLernejoCourse(id string) *remoteActor {
	r.t.Helper()
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		r.t.Fatal(err)
	}
	key, _ := domain.ParsePrivateKeyPEM(kp.PrivatePEM)
	doc, _ := json.Marshal(map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", map[string]any{"lernejo": "https://lernejo.org/ns#",
			"kind": "lernejo:kind", "tasks": map[string]string{"@id": "lernejo:tasks", "@type": "@id"}}},
		"id": id, "type": "Group", "name": "Pottery", "kind": "Course", "tasks": id + "/tasks",
		"preferredUsername": id[strings.LastIndex(id, "/")+1:], "inbox": id + "/inbox",
		"publicKey": map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": kp.PublicPEM},
	})
	if _, err := r.res.Remember(context.Background(), doc); err != nil {
		r.t.Fatal(err)
	}
	return &remoteActor{id: id, keyID: id + "#main-key", key: key, edSeed: kp.AssertionSeed}
}

// TestAddedTaskOfAFollowedCourse (through the inbox's Receive, as a peer
// reaches it): a Lernejo course ada follows adds a task with Add{Page} to
// its tasks collection: the node keeps the task and tells ada, once. An
// Add to another collection, a Page on another origin, an Add by a course
// no one here follows and one by a person change nothing.
func TestAddedTaskOfAFollowedCourse(t *testing.T) {
	r := newRig(t, fetch.Config{})
	ctx := context.Background()
	pottery := r.newLernejoCourse("https://good.test/courses/pottery")
	other := r.newLernejoCourse("https://good.test/courses/weaving")
	if err := r.store.Update(ctx, func(tx domain.Tx) error {
		return tx.PutFollowing(&domain.Following{Local: "ada", Target: pottery.id, ActivityID: "https://node.test/activities/j1", State: domain.FollowAccepted})
	}); err != nil {
		t.Fatal(err)
	}
	page := func(id, attributedTo string) map[string]any {
		return map[string]any{"id": id, "type": "Page", "attributedTo": attributedTo, "name": "Throw a bowl",
			"content": "<p>Centre the clay.</p><script>alert(1)</script>", "position": 1,
			"to": []string{federation.Public}, "cc": []string{attributedTo + "/followers"}}
	}
	add := func(id string, a *remoteActor, obj map[string]any, target string) map[string]any {
		m := wrap("Add", id, a, obj)
		m["target"] = target
		return m
	}
	cached := func(course string) []*domain.RemoteTask {
		var ts []*domain.RemoteTask
		r.view(func(tx domain.Tx) { ts, _ = tx.RemoteTasks(course) })
		return ts
	}

	mallory := r.newRemote("https://evil.test/users/mallory")
	for name, act := range map[string]struct {
		by  *remoteActor
		doc map[string]any
	}{
		"another collection":    {pottery, add("https://good.test/activities/a1", pottery, page(pottery.id+"/tasks/t0", pottery.id), pottery.id+"/featured")},
		"a course not followed": {other, add("https://good.test/activities/a2", other, page(other.id+"/tasks/t9", other.id), other.id+"/tasks")},
		"a person's Add":        {mallory, add("https://evil.test/activities/a3", mallory, page("https://evil.test/tasks/t1", mallory.id), pottery.id+"/tasks")},
		"a Page of elsewhere":   {pottery, add("https://good.test/activities/a4", pottery, page("https://evil.test/tasks/t2", pottery.id), pottery.id+"/tasks")},
	} {
		err := r.deliver(act.by, act.doc)
		if err != nil && statusOf(err) >= 500 {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if n := len(cached(pottery.id)) + len(cached(other.id)) + len(cached(mallory.id)); n != 0 {
		t.Fatalf("%d tasks kept from Adds that change nothing", n)
	}
	if told := r.told("ada"); len(told) != 0 {
		t.Fatalf("ada was told %q", told)
	}

	if err := r.deliver(pottery, add("https://good.test/activities/a5", pottery, page(pottery.id+"/tasks/t1", pottery.id), pottery.id+"/tasks")); err != nil {
		t.Fatal(err)
	}
	ts := cached(pottery.id)
	if len(ts) != 1 || ts[0].Title != "Throw a bowl" || strings.Contains(ts[0].Content, "script") {
		t.Fatalf("kept %+v", ts)
	}
	if told := r.told("ada"); len(told) != 1 || !strings.HasPrefix(told[0], `task `) || !strings.Contains(told[0], `"Throw a bowl" `+pottery.id+"/tasks/t1") {
		t.Fatalf("ada was told %q", told)
	}
	// The same task again (a redelivery under a new id) tells no one twice.
	if err := r.deliver(pottery, add("https://good.test/activities/a6", pottery, page(pottery.id+"/tasks/t1", pottery.id), pottery.id+"/tasks")); err != nil {
		t.Fatal(err)
	}
	if told := r.told("ada"); len(told) != 1 {
		t.Fatalf("a task added twice told ada %d times", len(told))
	}
}

package inbox_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/federation/integrity"
)

// TestCompletionProofs: a learner on another Lernejo node adds a signed
// completion (FEP-8b32 proof by their FEP-521a key). A valid one is
// recorded; one changed field, a proof by another actor's key, or no proof
// at all is refused.
func TestCompletionProofs(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, fetch.Config{})
	kim := r.newRemote("https://other.test/people/kim")
	eve := r.newRemote("https://other.test/people/eve")
	if err := r.inbox.Receive(ctx, r.signed(kim, followBody("https://other.test/follows/kim", kim.id))); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(ctx)
	task := &domain.Task{Course: "course", Title: "Task one"}
	if err := r.svc.Tasks.Add(ctx, "ada", task); err != nil {
		t.Fatal(err)
	}
	taskURL := "https://node.test/courses/course/tasks/" + task.ID
	record := func(id, evidence string) map[string]any {
		return federation.CompletionObject(&domain.Completion{ID: id, Learner: kim.id, Task: taskURL,
			Evidence: evidence, At: r.now})
	}
	add := func(n int, obj json.RawMessage) error {
		body := federation.AddCompletion("https://other.test/activities/add"+string(rune('0'+n)), kim.id, obj, taskURL+"/completions", "https://node.test/courses/course")
		if err := r.inbox.Receive(ctx, r.signed(kim, body)); err != nil {
			return err
		}
		r.inbox.ProcessPending(ctx)
		return nil
	}
	recorded := func() bool {
		found := false
		r.view(func(tx domain.Tx) { _, err := tx.Completion("course", task.ID, kim.id); found = err == nil })
		return found
	}

	signed, err := integrity.SignRecord(record("https://other.test/completions/1", "https://example.org/kim"), kim.id, kim.edSeed, r.now)
	if err != nil {
		t.Fatal(err)
	}
	// One changed field after signing.
	var m map[string]any
	json.Unmarshal(signed, &m)
	m["url"] = "https://example.org/someone-else"
	tampered, _ := json.Marshal(m)
	// Signed with eve's key but claiming to be kim's record.
	byEve, _ := integrity.SignRecord(record("https://other.test/completions/1", "https://example.org/kim"), eve.id, eve.edSeed, r.now)
	unsigned, _ := json.Marshal(record("https://other.test/completions/1", ""))

	for i, bad := range []json.RawMessage{tampered, byEve, unsigned} {
		if err := add(i+1, bad); err != nil {
			t.Fatal(err)
		}
		if recorded() {
			t.Fatalf("bad record %d was recorded", i+1)
		}
	}
	if err := add(5, signed); err != nil {
		t.Fatal(err)
	}
	if !recorded() {
		t.Fatal("a valid signed completion was not recorded")
	}
	// Anyone can check the kept record against kim's actor document.
	r.view(func(tx domain.Tx) {
		c, _ := tx.Completion("course", task.ID, kim.id)
		a, _ := tx.RemoteActor(kim.id)
		if err := integrity.VerifyRecord(c.Raw, a); err != nil {
			t.Fatalf("kept record does not verify: %v", err)
		}
	})
}

// TestAwardNoteProofs: a badge announced to a local person by a course on
// another server is kept only when the note's proof verifies with the
// course's assertion key.
func TestAwardNoteProofs(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, fetch.Config{})
	course := r.newRemote("https://other.test/courses/py")
	note := func(id string) map[string]any {
		return map[string]any{"id": id, "type": "Note", "attributedTo": course.id, "content": "<p>ada earned a badge</p>",
			"to": []string{federation.Public}, "cc": []string{"https://node.test/people/ada"},
			"tag":        []any{map[string]string{"type": "Mention", "href": "https://node.test/people/ada", "name": "@ada@node.test"}},
			"openBadge":  "https://other.test/awards/1",
			"attachment": []any{map[string]string{"type": "Image", "mediaType": "image/png", "url": "https://other.test/badges/b/image.png", "name": "Badge: Py"}},
			"published":  r.now.Format(time.RFC3339)}
	}
	send := func(id string, obj json.RawMessage) {
		body, _ := json.Marshal(map[string]any{"id": id + "/activity", "type": "Create", "actor": course.id, "object": obj,
			"to": []string{federation.Public}, "cc": []string{"https://node.test/people/ada"}})
		if err := r.inbox.Receive(ctx, r.signed(course, body)); err != nil {
			t.Fatal(err)
		}
		r.inbox.ProcessPending(ctx)
	}
	good, _ := integrity.SignRecord(note("https://other.test/notes/1"), course.id, course.edSeed, r.now)
	var m map[string]any
	json.Unmarshal(good, &m)
	m["openBadge"] = "https://other.test/awards/forged"
	m["id"] = "https://other.test/notes/2"
	tampered, _ := json.Marshal(m)
	send("https://other.test/notes/2", tampered)
	send("https://other.test/notes/1", good)
	var got []*domain.ReceivedBadge
	r.view(func(tx domain.Tx) { got, _ = tx.ReceivedBadges("ada") })
	if len(got) != 1 || got[0].Assertion != "https://other.test/awards/1" || got[0].Name != "Py" {
		t.Fatalf("received badges: %+v", got)
	}
}

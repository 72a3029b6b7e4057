package inbox_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/federation/integrity"
)

// TestReviewsFromElsewhere: kim, a learner on another Lernejo node,
// submits work for a task of ours that asks for peer review; the course
// shows it in a post that carries it as a submission. lea, a participant
// on a third node, reviews it with a signed Review record, and zoe, on
// Mastodon, by replying "#approve 5/5 4/5" to the post; with their two
// approvals kim earns the badge, and is told of each review in a direct
// note. Refused, changing nothing: kim reviewing her own work, lea
// reviewing it again, eve (who takes no part) reviewing it, a record
// tampered with after signing, a record signed by someone else, ratings
// that do not match the rubric, a review added to another task's reviews,
// and a Mastodon reply from someone who takes no part.
func TestReviewsFromElsewhere(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, fetch.Config{})
	kim := r.newRemote("https://other.test/people/kim")
	lea := r.newRemote("https://third.test/people/lea")
	zoe := r.newRemote("https://social.test/users/zoe")
	eve := r.newRemote("https://evil.test/users/eve")
	send := func(a *remoteActor, body []byte) {
		t.Helper()
		if err := r.inbox.Receive(ctx, r.signed(a, body)); err != nil {
			t.Fatal(err)
		}
		r.inbox.ProcessPending(ctx)
	}
	for _, a := range []*remoteActor{kim, lea, zoe} {
		send(a, followBody(a.id+"/follows/1", a.id))
	}
	task := &domain.Task{Course: "course", Title: "Write a loop", Source: "A loop.", PeerReview: true, Rubric: []string{"It runs", "It reads well"}}
	if err := r.svc.Tasks.Add(ctx, "ada", task); err != nil {
		t.Fatal(err)
	}
	other := &domain.Task{Course: "course", Title: "Another", Source: "Else.", PeerReview: true}
	if err := r.svc.Tasks.Add(ctx, "ada", other); err != nil {
		t.Fatal(err)
	}
	badge := &domain.Badge{Issuer: "course", Name: "Reviewed loop", Description: "Two approvals.", Criteria: domain.CriteriaReviewed,
		Tasks: []string{task.ID}, Approvals: 2}
	if err := r.svc.Badges.Add(ctx, "ada", badge); err != nil {
		t.Fatal(err)
	}
	taskURL := "https://node.test/courses/course/tasks/" + task.ID

	// kim submits her work.
	record, err := integrity.SignRecord(federation.CompletionObject(&domain.Completion{ID: "https://other.test/completions/1",
		Learner: kim.id, Task: taskURL, Evidence: "https://example.org/kims-loop", At: r.now}), kim.id, kim.edSeed, r.now)
	if err != nil {
		t.Fatal(err)
	}
	send(kim, federation.AddCompletion("https://other.test/activities/c1", kim.id, record, taskURL+"/completions", "https://node.test/courses/course"))
	var shown *domain.Post
	r.view(func(tx domain.Tx) {
		page, _ := tx.CoursePostsPage("course", "", 20)
		for _, p := range page.Items {
			if p.Work != nil {
				shown = p
			}
		}
	})
	if shown == nil || shown.Work.Completion != "https://other.test/completions/1" || shown.Work.Learner != kim.id {
		t.Fatalf("kim's work is not shown for review: %+v", shown)
	}
	sent := strings.Join(r.deliveries(), "\n")
	for _, want := range []string{`"submission":{"id":"https://other.test/completions/1"`, `"reviews":"` + taskURL + `/reviews"`, `"rubric":["It runs","It reads well"]`, "#approve"} {
		if !strings.Contains(sent, want) {
			t.Errorf("the post that shows kim's work does not carry %s", want)
		}
	}

	reviews := func() []*domain.Review {
		var rs []*domain.Review
		r.view(func(tx domain.Tx) { rs, _ = tx.Reviews("course", task.ID, kim.id) })
		return rs
	}
	rec := func(by *remoteActor, id string, ratings []int, target string) map[string]any {
		return federation.ReviewObject(id, &domain.Review{Reviewer: by.id, Completion: "https://other.test/completions/1",
			Approve: true, Ratings: ratings, Comment: "<p>Runs well.</p>", At: r.now}, target)
	}
	adds := 0
	add := func(by *remoteActor, obj json.RawMessage, reviewsOf string) {
		adds++
		id := by.id + "/activities/r" + string(rune('a'+adds))
		send(by, federation.AddReview(id, by.id, obj, reviewsOf+"/reviews", "https://node.test/courses/course"))
	}
	sign := func(by *remoteActor, m map[string]any) json.RawMessage {
		raw, err := integrity.SignRecord(m, by.id, by.edSeed, r.now)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	good := sign(lea, rec(lea, "https://third.test/reviews/1", []int{5, 4}, taskURL))
	var tampered map[string]any
	json.Unmarshal(good, &tampered)
	tampered["approve"] = false
	tamperedRaw, _ := json.Marshal(tampered)
	byEve := sign(eve, rec(lea, "https://third.test/reviews/1", []int{5, 4}, taskURL))

	for what, bad := range map[string]struct {
		by        *remoteActor
		obj       json.RawMessage
		reviewsOf string
	}{
		"kim's own work":        {kim, sign(kim, rec(kim, "https://other.test/reviews/1", []int{5, 5}, taskURL)), taskURL},
		"eve takes no part":     {eve, sign(eve, rec(eve, "https://evil.test/reviews/1", []int{5, 5}, taskURL)), taskURL},
		"tampered":              {lea, tamperedRaw, taskURL},
		"signed by eve":         {lea, byEve, taskURL},
		"one rating missing":    {lea, sign(lea, rec(lea, "https://third.test/reviews/2", []int{5}, taskURL)), taskURL},
		"added to another task": {lea, good, "https://node.test/courses/course/tasks/" + other.ID},
		"not on the signer's":   {lea, sign(lea, rec(lea, "https://other.test/reviews/9", []int{5, 4}, taskURL)), taskURL},
		"no proof": {lea, func() json.RawMessage {
			b, _ := json.Marshal(rec(lea, "https://third.test/reviews/3", []int{5, 4}, taskURL))
			return b
		}(), taskURL},
		"the other task's named": {lea, sign(lea, rec(lea, "https://third.test/reviews/4", []int{5, 4}, "https://node.test/courses/course/tasks/"+other.ID)), taskURL},
	} {
		add(bad.by, bad.obj, bad.reviewsOf)
		if got := reviews(); len(got) != 0 {
			t.Fatalf("%s: the review was kept: %+v", what, got[0])
		}
	}

	add(lea, good, taskURL)
	got := reviews()
	if len(got) != 1 || got[0].Reviewer != lea.id || !got[0].Approve || got[0].Average() != 4.5 || !strings.Contains(got[0].Comment, "Runs well") {
		t.Fatalf("lea's review: %+v", got)
	}
	again := sign(lea, rec(lea, "https://third.test/reviews/5", []int{1, 1}, taskURL))
	add(lea, again, taskURL)
	if got := reviews(); len(got) != 1 || got[0].Average() != 4.5 {
		t.Fatalf("lea reviewed the same work twice: %+v", got)
	}
	held := func() bool {
		found := false
		r.view(func(tx domain.Tx) { _, err := tx.AwardOf(badge.ID, kim.id); found = err == nil })
		return found
	}
	if held() {
		t.Fatal("one approval earned a badge that asks for two")
	}

	// A Mastodon reply under the post: from eve (no part), then from zoe.
	reply := func(by *remoteActor, id, text string) []byte {
		body, _ := json.Marshal(map[string]any{"id": id + "/activity", "type": "Create", "actor": by.id,
			"to": []string{federation.Public}, "cc": []string{"https://node.test/courses/course"},
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": by.id, "inReplyTo": shown.URI,
				"content": "<p>" + text + "</p>", "published": r.now.Format(time.RFC3339),
				"to": []string{federation.Public}, "cc": []string{"https://node.test/courses/course"},
				"tag": []any{map[string]string{"type": "Hashtag", "name": "#approve", "href": "https://social.test/tags/approve"}}}})
		return body
	}
	send(eve, reply(eve, "https://evil.test/notes/1", "#approve 5/5 5/5"))
	if got := reviews(); len(got) != 1 {
		t.Fatalf("eve's reply reviewed the work: %+v", got[len(got)-1])
	}
	send(zoe, reply(zoe, "https://social.test/notes/1", "#approve 5/5 4/5 Clear."))
	got = reviews()
	if len(got) != 2 {
		t.Fatalf("zoe's reply did not review the work: %d reviews", len(got))
	}
	for _, rv := range got {
		if rv.Reviewer == zoe.id && (!rv.Approve || rv.Average() != 4.5 || !strings.Contains(rv.Comment, "Clear")) {
			t.Fatalf("zoe's review: %+v", rv)
		}
	}
	if !held() {
		t.Fatal("two approvals did not earn kim the badge")
	}
	// kim is told of each review, in a direct note in reply to her record.
	told := 0
	for _, d := range r.deliveries() {
		if strings.HasPrefix(d, kim.id+"/inbox ") && strings.Contains(d, "reviewed your work") &&
			strings.Contains(d, `"inReplyTo":"https://other.test/completions/1"`) && !strings.Contains(d, federation.Public) {
			told++
		}
	}
	if told != 2 {
		t.Errorf("kim got %d direct notes of reviews, want 2", told)
	}
}

// TestFeedbackFromACourseElsewhere: ada, here, did a task of a course on
// another Lernejo node. The course's direct note in reply to her
// completion record (a review, a comment) is kept with her work; the same
// note from anyone else, or in reply to something else, is not, and the
// same note delivered twice is kept once.
func TestFeedbackFromACourseElsewhere(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, fetch.Config{})
	course := r.newRemote("https://other.test/courses/py")
	eve := r.newRemote("https://evil.test/users/eve")
	ada := "https://node.test/people/ada"
	done := &domain.Completion{ID: "https://node.test/completions/c1", Course: course.id, Task: course.id + "/tasks/t1", Learner: ada, At: r.now}
	if err := r.store.Update(ctx, func(tx domain.Tx) error { return tx.PutCompletion(done) }); err != nil {
		t.Fatal(err)
	}
	dm := func(by *remoteActor, id, inReplyTo string) []byte {
		body, _ := json.Marshal(map[string]any{"id": id + "/activity", "type": "Create", "actor": by.id, "to": []string{ada},
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": by.id, "inReplyTo": inReplyTo, "to": []string{ada},
				"content": "<p>@ada bea reviewed your work and approves it.</p>", "published": r.now.Format(time.RFC3339)}})
		return body
	}
	kept := func() []*domain.EvidenceComment {
		var cs []*domain.EvidenceComment
		r.view(func(tx domain.Tx) { cs, _ = tx.EvidenceComments(course.id, done.Task, ada) })
		return cs
	}
	for _, bad := range []struct {
		by        *remoteActor
		id, reply string
	}{
		{eve, "https://evil.test/notes/1", done.ID},
		{course, "https://other.test/notes/0", "https://node.test/completions/nope"},
	} {
		if err := r.inbox.Receive(ctx, r.signed(bad.by, dm(bad.by, bad.id, bad.reply))); err != nil {
			t.Fatal(err)
		}
		r.inbox.ProcessPending(ctx)
		if got := kept(); len(got) != 0 {
			t.Fatalf("a note from %s in reply to %s was kept: %+v", bad.by.id, bad.reply, got[0])
		}
	}
	if err := r.inbox.Receive(ctx, r.signed(course, dm(course, "https://other.test/notes/1", done.ID))); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(ctx)
	// Delivered again (a retry, under another activity id): kept once.
	again, _ := json.Marshal(map[string]any{"id": "https://other.test/notes/1/again", "type": "Create", "actor": course.id, "to": []string{ada},
		"object": map[string]any{"id": "https://other.test/notes/1", "type": "Note", "attributedTo": course.id, "inReplyTo": done.ID,
			"to": []string{ada}, "content": "<p>@ada bea reviewed your work and approves it.</p>"}})
	if err := r.inbox.Receive(ctx, r.signed(course, again)); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(ctx)
	if got := kept(); len(got) != 1 || !strings.Contains(got[0].Content, "approves it") || got[0].NoteURI != "https://other.test/notes/1" {
		t.Fatalf("the course's note about ada's work: %+v", got)
	}
}

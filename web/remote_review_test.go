package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/node"
)

// TestRemoteReviewForm: a learner here who takes part in a course on
// another Lernejo node sees, on its page here, the work its post showed
// for review, with the review form; someone who takes no part sees none.
// A review without the ratings is refused and kept nowhere; a full one is
// kept here and queued to the course, and the form then says it was sent.
func TestRemoteReviewForm(t *testing.T) {
	n := startNode(t, node.Config{})
	bea := member(t, n, "bea", false)
	carol := member(t, n, "carol", false)
	course := "https://school.example/courses/go-circle"
	task := course + "/tasks/01JREMOTETASK"
	post := "https://school.example/posts/01JSHOWN"
	if err := n.Store.Update(context.Background(), func(tx domain.Tx) error {
		if err := tx.PutRemoteActor(&domain.RemoteActor{ID: course, Type: "Group", Username: "go-circle", Host: "school.example",
			Name: "Go circle", Inbox: course + "/inbox", Lernejo: true}); err != nil {
			return err
		}
		if err := tx.PutFollowing(&domain.Following{Local: "bea", Target: course, ActivityID: "https://x/follow", State: domain.FollowAccepted,
			Created: time.Now()}); err != nil {
			return err
		}
		return tx.PutPost(&domain.Post{ID: "01JSHOWN", Course: course, URI: post, Author: course, Thread: "01JSHOWN",
			Content: "<p>kim submitted work</p>", Published: time.Now().UTC(),
			Work: &domain.Work{Task: task, Learner: "https://other.example/people/kim", Completion: "https://other.example/completions/1",
				Evidence: "https://example.org/kims-loop", Rubric: []string{"It runs", "It reads well"}, Reviews: task + "/reviews"}})
	}); err != nil {
		t.Fatal(err)
	}
	remote := "/remote?id=" + url.QueryEscape(course)
	body := section(t, bea.mustGet(t, remote), "work")
	for _, want := range []string{`href="https://example.org/kims-loop"`, ">It reads well</label>", "Send the review"} {
		if !strings.Contains(body, want) {
			t.Fatalf("the work to review lacks %q: %s", want, body)
		}
	}
	if strings.Contains(carol.mustGet(t, remote), "Send the review") {
		t.Error("someone who takes no part is offered the review form")
	}
	kept := func() *domain.Review {
		var r *domain.Review
		n.Store.View(context.Background(), func(tx domain.Tx) error {
			r, _ = tx.Review(course, task, "https://other.example/people/kim", n.URLs.Actor(domain.ActorPerson, "bea"))
			return nil
		})
		return r
	}
	form := url.Values{"_csrf": {bea.csrf(remote)}, "target": {course}, "post": {post}, "approve": {"1"}, "rating0": {"5"}, "comment": {"Neat."}}
	resp, _ := bea.post("/remote/review", form)
	wantRedirect(t, "a rating missing", resp, remote+"#work")
	if kept() != nil {
		t.Fatal("a review with a rating missing was kept")
	}
	if !strings.Contains(bea.mustGet(t, remote), "Rate the work on each of the task") {
		t.Error("the page does not say a rating is missing")
	}
	form.Set("rating1", "4")
	resp, _ = bea.post("/remote/review", form)
	wantRedirect(t, "review", resp, remote+"#work")
	r := kept()
	if r == nil || !r.Approve || r.Average() != 4.5 || r.Completion != "https://other.example/completions/1" {
		t.Fatalf("bea's review: %+v", r)
	}
	var queued int
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		ds, _ := tx.Deliveries()
		for _, d := range ds {
			if d.Inbox == course+"/inbox" {
				queued++
			}
		}
		return nil
	})
	if queued != 1 {
		t.Errorf("%d deliveries to the course, want the review's Add", queued)
	}
	if body := bea.mustGet(t, remote); !strings.Contains(section(t, body, "work"), "Your review is sent") || strings.Contains(body, "Send the review") {
		t.Errorf("the page does not say the review was sent: %s", section(t, body, "work"))
	}
}

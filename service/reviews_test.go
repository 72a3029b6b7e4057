package service

import (
	"context"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
)

// reviewed adds a task that asks for peer review on two criteria, and bob
// submits work for it. It returns the task's id.
func (u *useCases) reviewed() string {
	u.t.Helper()
	ctx := context.Background()
	task := &domain.Task{Course: "course", Title: "Write a loop", Source: "Loop.", PeerReview: true, Rubric: []string{"It runs", "It reads well"}}
	if err := u.svc.Tasks.Add(ctx, "ada", task); err != nil {
		u.t.Fatal(err)
	}
	if _, err := u.svc.Tasks.Complete(ctx, "bob", "course", task.ID, "https://example.org/bobs-loop", ""); err != nil {
		u.t.Fatal(err)
	}
	return task.ID
}

func (u *useCases) reviews(task, learner string) []*domain.Review {
	u.t.Helper()
	var rs []*domain.Review
	u.view(func(tx domain.Tx) (err error) { rs, err = tx.Reviews("course", task, learner); return err })
	return rs
}

// TestPeerReviewRules: a fellow participant reviews a learner's submitted
// work with a rating per criterion; nobody reviews their own work, work in
// a course they take no part in, work not submitted, a task that asks for
// no review, or the same work twice; bad ratings are refused; every
// refusal changes nothing. The learner is told of the review.
func TestPeerReviewRules(t *testing.T) {
	u := newUseCases(t)
	u.withLearner("cy")
	if err := u.svc.Accounts.Register(context.Background(), &domain.Person{Handle: "dan", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	task := u.reviewed()
	bob := u.person("bob")
	good := ReviewInput{Approve: true, Ratings: []int{4, 5}, Comment: "Neat, and it runs."}
	for what, c := range map[string]struct {
		reviewer, task, learner string
		in                      ReviewInput
		code                    string
	}{
		"one's own work":       {"bob", task, bob, good, domain.EFORBIDDEN},
		"not taking part":      {"dan", task, bob, good, domain.EFORBIDDEN},
		"one rating missing":   {"cy", task, bob, ReviewInput{Approve: true, Ratings: []int{4}}, domain.EINVALID},
		"a rating of 6":        {"cy", task, bob, ReviewInput{Approve: true, Ratings: []int{4, 6}}, domain.EINVALID},
		"a rating of 0":        {"cy", task, bob, ReviewInput{Ratings: []int{0, 3}}, domain.EINVALID},
		"work not submitted":   {"bob", task, u.person("cy"), good, domain.ENOTFOUND},
		"a comment too long":   {"cy", task, bob, ReviewInput{Approve: true, Ratings: []int{4, 5}, Comment: strings.Repeat("a", domain.MaxCommentLen+1)}, domain.EINVALID},
		"a remote learner too": {"cy", task, raeID, good, domain.ENOTFOUND},
	} {
		if _, err := u.svc.Reviews.Review(ctx, c.reviewer, "course", c.task, c.learner, c.in); domain.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", what, err, c.code)
		}
	}
	if got := u.reviews(task, bob); len(got) != 0 {
		t.Fatalf("refused reviews were kept: %d", len(got))
	}
	before := len(u.told("bob", 1)) // the new task
	r, err := u.svc.Reviews.Review(ctx, "cy", "course", task, bob, good)
	if err != nil {
		t.Fatal(err)
	}
	if r.Reviewer != u.person("cy") || !r.Approve || r.Average() != 4.5 || !strings.Contains(r.Comment, "Neat") {
		t.Fatalf("review kept as %+v", r)
	}
	if told := u.told("bob", 1); len(told) != before+1 || !strings.HasPrefix(told[0], "review @cy") {
		t.Errorf("bob was told %q", told)
	}
	if _, err := u.svc.Reviews.Review(ctx, "cy", "course", task, bob, ReviewInput{Ratings: []int{1, 1}}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("a second review by the same reviewer: %v", err)
	}
	if got := u.reviews(task, bob); len(got) != 1 || !got[0].Approve {
		t.Fatalf("after a second try: %d reviews", len(got))
	}

	plain := &domain.Task{Course: "course", Title: "Read", Source: "Read."}
	if err := u.svc.Tasks.Add(ctx, "ada", plain); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Tasks.Complete(ctx, "bob", "course", plain.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Reviews.Review(ctx, "cy", "course", plain.ID, bob, ReviewInput{Approve: true}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("a review of a task that asks for none: %v", err)
	}
}

// TestReviewedBadge: a badge that needs two approvals with a mean rating
// of at least 3.5 is awarded on the review that meets the bar, with the
// work and the reviews as evidence; work redone after an undo is new work,
// which the earlier reviews no longer count for.
func TestReviewedBadge(t *testing.T) {
	u := newUseCases(t)
	u.withLearner("cy")
	u.withLearner("eve")
	ctx := context.Background()
	task := u.reviewed()
	bob := u.person("bob")
	id := u.badge(&domain.Badge{Name: "Reviewed loop", Criteria: domain.CriteriaReviewed, Tasks: []string{task}, Approvals: 2, MinRating: 3.5}, "")
	if _, err := u.svc.Reviews.Review(ctx, "cy", "course", task, bob, ReviewInput{Approve: true, Ratings: []int{4, 5}}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Reviews.Review(ctx, "eve", "course", task, bob, ReviewInput{Approve: false, Ratings: []int{2, 2}}); err != nil {
		t.Fatal(err)
	}
	if n := u.awards(bob, id); n != 0 {
		t.Fatalf("awarded on one approval: %d", n)
	}
	if _, err := u.svc.Reviews.Review(ctx, "ada", "course", task, bob, ReviewInput{Approve: true, Ratings: []int{3, 3}}); err != nil {
		t.Fatal(err)
	}
	// Two approvals, but the mean of 4.5, 2 and 3 is under 3.5.
	if n := u.awards(bob, id); n != 0 {
		t.Fatalf("awarded under the lowest mean rating: %d", n)
	}

	// Redone: the earlier reviews are of other work.
	if err := u.svc.Tasks.Redo(ctx, "bob", "course", task); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Tasks.Complete(ctx, "bob", "course", task, "https://example.org/bobs-loop-2", ""); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"cy", "eve"} {
		if _, err := u.svc.Reviews.Review(ctx, h, "course", task, bob, ReviewInput{Approve: true, Ratings: []int{4, 4}}); err != nil {
			t.Fatalf("%s reviews the redone work: %v", h, err)
		}
	}
	if n := u.awards(bob, id); n != 1 {
		t.Fatalf("%d awards after two approvals of the redone work at 4, want 1", n)
	}
	var a *domain.Award
	u.view(func(tx domain.Tx) (err error) { a, err = tx.AwardOf(id, bob); return err })
	reviews := 0
	for _, e := range a.Evidence {
		if strings.Contains(e, "#review-") {
			reviews++
		}
	}
	if len(a.Evidence) != 3 || reviews != 2 {
		t.Errorf("the award's evidence: %q, want the work and its two current reviews", a.Evidence)
	}
}

// shownWork is the id of the course's post that shows learner's work.
func (u *useCases) shownWork(learner string) string {
	u.t.Helper()
	var id string
	u.view(func(tx domain.Tx) error {
		ps, err := tx.CoursePosts("course", 0, 0)
		for _, p := range ps {
			if p.Work != nil && p.Work.Learner == learner {
				id = p.URI
			}
		}
		return err
	})
	if id == "" {
		u.t.Fatalf("no post shows the work of %s", learner)
	}
	return id
}

// TestReviewByLocalReply: a participant here reviews by replying #approve
// with ratings to the post that shows the work, as one on Mastodon does;
// the reply stays in the discussion. A reply that reviews one's own work,
// or work set aside, is refused with the review's reason and is not
// posted; a reply without the tags is a reply.
func TestReviewByLocalReply(t *testing.T) {
	u := newUseCases(t)
	u.withLearner("cy")
	ctx := context.Background()
	task := u.reviewed()
	bob := u.person("bob")
	shown := u.shownWork(bob)
	if _, err := u.svc.Posts.Publish(ctx, PostInput{Author: "bob", Course: "course", InReplyTo: shown, Text: "#approve 5/5 5/5 mine is great"}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("reviewing one's own work by reply: %v, want EFORBIDDEN", err)
	}
	if _, err := u.svc.Posts.Publish(ctx, PostInput{Author: "cy", Course: "course", InReplyTo: shown, Text: "Nice idea, I will look later."}); err != nil {
		t.Fatal(err)
	}
	if rs := u.reviews(task, bob); len(rs) != 0 {
		t.Fatalf("reviews before any #approve: %+v", rs)
	}
	p, err := u.svc.Posts.Publish(ctx, PostInput{Author: "cy", Course: "course", InReplyTo: shown, Text: "#approve 4/5 3/5 clear and it runs"})
	if err != nil {
		t.Fatal(err)
	}
	rs := u.reviews(task, bob)
	if len(rs) != 1 || rs[0].Reviewer != u.person("cy") || !rs[0].Approve || len(rs[0].Ratings) != 2 || rs[0].Ratings[1] != 3 ||
		!strings.Contains(rs[0].Comment, "clear and it runs") {
		t.Fatalf("the review by reply: %+v", rs)
	}
	u.view(func(tx domain.Tx) error {
		if _, err := tx.Post(p.URI); err != nil {
			t.Errorf("the reviewing reply is not in the discussion: %v", err)
		}
		return nil
	})

	if err := u.svc.Tasks.Redo(ctx, "bob", "course", task); err != nil {
		t.Fatal(err)
	}
	u.withLearner("dee")
	if _, err := u.svc.Posts.Publish(ctx, PostInput{Author: "dee", Course: "course", InReplyTo: shown, Text: "#approve 4/5 4/5"}); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("reviewing work set aside: %v, want EINVALID", err)
	}
	if rs := u.reviews(task, bob); len(rs) != 1 {
		t.Errorf("a refused reply left reviews %+v", rs)
	}
}

package node

import (
	"context"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

func reviewsOf(n *Node, course, task, learner string) []*domain.Review {
	var rs []*domain.Review
	n.Store.View(context.Background(), func(tx domain.Tx) error {
		rs, _ = tx.Reviews(course, task, learner)
		return nil
	})
	return rs
}

// TestPeerReviewAcrossNodes: gentle-python on B has a task that asks for
// peer review and a badge that needs one approval. cy, on B, and bea, on
// A, take part. cy submits work: A keeps the course's post that shows it,
// and bea reviews it from A (a signed Review record to B), which B keeps;
// her second review is refused on A already. bea submits work from A: cy
// reviews it on B, B awards bea the badge, and it shows on A, where bea
// reads the review with her task.
func TestPeerReviewAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	bea := a.URLs.Actor(domain.ActorPerson, "bea")
	cy := b.URLs.Actor(domain.ActorPerson, "cy")
	if err := b.Services.Accounts.Register(ctx, &domain.Person{Handle: "cy", DisplayName: "Cy", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Services.Enrolment.EnrolLocal(ctx, "cy", DemoCourse, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Services.Enrolment.Enrol(ctx, "bea", course, ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bea takes part in the course", func() bool {
		f, fl := following(a, "bea", course), follower(b, DemoCourse, bea)
		return f != nil && f.State == domain.FollowAccepted && fl != nil && fl.State == domain.FollowAccepted
	})
	task := &domain.Task{Course: DemoCourse, Title: "Write a loop", Source: "Any loop.", PeerReview: true, Rubric: []string{"It runs", "It reads well"}}
	if err := b.Services.Tasks.Add(ctx, DemoOrganiser, task); err != nil {
		t.Fatal(err)
	}
	badge := &domain.Badge{Issuer: DemoCourse, Name: "Reviewed loop", Description: "A loop a fellow learner approved.",
		Criteria: domain.CriteriaReviewed, Tasks: []string{task.ID}, Approvals: 1}
	if err := b.Services.Badges.Add(ctx, DemoOrganiser, badge); err != nil {
		t.Fatal(err)
	}
	taskURL := course + "/tasks/" + task.ID
	eventually(t, "A caches the task", func() bool {
		p, err := a.Services.Enrolment.Remote(ctx, "bea", course, "")
		return err == nil && len(p.Tasks) > 0 && p.Tasks[len(p.Tasks)-1].ID == taskURL
	})

	// cy's work, reviewed by bea from A.
	if _, err := b.Services.Tasks.Complete(ctx, "cy", DemoCourse, task.ID, "https://example.org/cys-loop", ""); err != nil {
		t.Fatal(err)
	}
	var work []service.RemoteWork
	eventually(t, "A shows bea cy's work to review", func() bool {
		work, _ = a.Services.Reviews.RemoteWork(ctx, "bea", course)
		return len(work) == 1
	})
	if w := work[0]; w.Learner != cy || w.Evidence != "https://example.org/cys-loop" || len(w.Rubric) != 2 || w.Task != "Write a loop" || w.Reviewed {
		t.Fatalf("the work A shows: %+v", w)
	}
	in := service.ReviewInput{Approve: true, Ratings: []int{5, 4}, Comment: "Runs, and reads well."}
	if err := a.Services.Reviews.ReviewElsewhere(ctx, "bea", work[0].Post, service.ReviewInput{Approve: true, Ratings: []int{5}}); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("a review with a rating missing: %v", err)
	}
	if err := a.Services.Reviews.ReviewElsewhere(ctx, "bea", work[0].Post, in); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B keeps bea's review of cy's work", func() bool { return len(reviewsOf(b, DemoCourse, task.ID, cy)) == 1 })
	if r := reviewsOf(b, DemoCourse, task.ID, cy)[0]; r.Reviewer != bea || !r.Approve || r.Average() != 4.5 {
		t.Fatalf("B's copy of bea's review: %+v", r)
	}
	if err := a.Services.Reviews.ReviewElsewhere(ctx, "bea", work[0].Post, in); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("bea's second review: %v", err)
	}
	if work, _ = a.Services.Reviews.RemoteWork(ctx, "bea", course); len(work) != 1 || !work[0].Reviewed {
		t.Fatalf("A does not say bea reviewed it: %+v", work)
	}

	// bea's work, done on A, reviewed by cy on B: the badge shows on A.
	if _, err := a.Services.Tasks.Complete(ctx, "bea", course, taskURL, "https://example.org/beas-loop", ""); err != nil {
		t.Fatal(err)
	}
	var done *domain.Completion
	eventually(t, "B records bea's work", func() bool {
		b.Store.View(ctx, func(tx domain.Tx) error { done, _ = tx.Completion(DemoCourse, task.ID, bea); return nil })
		return done != nil
	})
	if work, _ = a.Services.Reviews.RemoteWork(ctx, "bea", course); len(work) != 1 {
		t.Fatalf("A offers bea her own work to review: %+v", work)
	}
	if _, err := b.Services.Reviews.Review(ctx, "cy", DemoCourse, task.ID, bea, in); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bea's badge shows on A", func() bool {
		var got []*domain.ReceivedBadge
		a.Store.View(ctx, func(tx domain.Tx) error { got, _ = tx.ReceivedBadges("bea"); return nil })
		return len(got) == 1 && got[0].Name == "Reviewed loop"
	})
	// A keeps the course's note of the review with bea's task.
	eventually(t, "bea reads cy's review on A", func() bool {
		p, err := a.Services.Enrolment.Remote(ctx, "bea", course, "")
		if err != nil || len(p.Feedback[taskURL]) != 1 {
			return false
		}
		fb := p.Feedback[taskURL][0].Content
		return strings.Contains(fb, "reviewed your work") && strings.Contains(fb, "It runs: 5/5") && strings.Contains(fb, "reads well.")
	})
}

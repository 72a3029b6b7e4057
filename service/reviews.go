package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/lernejo/lernejo/domain"
)

// Reviews is the use case of peer review (Lernanta's badge submissions
// with peer votes and ratings): on a task that asks for it, the work a
// learner submitted with their completion is shown to their fellow
// participants, who approve it or not, rate it against the task's rubric
// and comment; the learner reads the reviews on the task's page, and a
// badge may need a number of approvals and a mean rating.
type Reviews struct {
	*env
	badges *Badges
}

// ReviewInput is a review as the form gives it.
type ReviewInput struct {
	Approve bool
	Ratings []int // one per criterion of the task's rubric
	Comment string
}

// reviewTx is what a review reads and writes: the course (its organisers),
// the task, the completion, the reviewer's part in the course, the
// reviews, and what the awards it may earn need.
type reviewTx interface {
	checkAwardsTx
	domain.CourseStore
}

// Review keeps reviewer's (a local handle's) review of learner's (an
// actor id's) work for a task of a local course. Refused: a task that asks
// for no review, a reviewer who does not take part in the course, one's
// own work, work that was not submitted (no completion), and a second
// review of the same work by the same reviewer. The learner is told, and
// is awarded the badges the reviews now earn them.
func (s *Reviews) Review(ctx context.Context, reviewer, course, task, learner string, in ReviewInput) (*domain.Review, error) {
	text, err := domain.ReviewText(in.Comment)
	if err != nil {
		return nil, err
	}
	me := s.URLs.Actor(domain.ActorPerson, reviewer)
	var out *domain.Review
	err = s.update(ctx, func(tx domain.Tx) error {
		c, err := tx.Course(course)
		if err != nil {
			return err
		}
		t, err := tx.Task(course, task)
		if err != nil {
			return err
		}
		r := &domain.Review{ID: s.NewID(), Course: course, Task: task, Learner: learner, Reviewer: me,
			Approve: in.Approve, Ratings: in.Ratings, At: s.Now().UTC()}
		if err := domain.CheckReview(t, r); err != nil {
			return err
		}
		ok, err := s.takesPart(tx, c, me)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Errorf(domain.EFORBIDDEN, "Only the people who take part in this %s can review its work.", domain.KindName(c.Kind))
		}
		done, found, err := domain.Found(tx.Completion(course, task, learner))
		if err != nil {
			return fmt.Errorf("service: review: %w", err)
		}
		if !found {
			return domain.Errorf(domain.ENOTFOUND, "This learner has not submitted work for this task.")
		}
		r.Completion = done.ID
		if old, found, err := domain.Found(tx.Review(course, task, learner, me)); err != nil {
			return err
		} else if found && old.Completion == done.ID {
			return domain.Errorf(domain.EINVALID, "You have reviewed this work already.")
		}
		if text != "" {
			r.Comment, _ = s.Docs.PostHTML(text, nil)
		}
		if err := tx.PutReview(r); err != nil {
			return err
		}
		if err := s.notify(tx, learner, domain.Notification{Kind: domain.NotifyReview, Actor: me, Subject: t.Title,
			URL: "/courses/" + course + "/tasks/" + task}); err != nil {
			return err
		}
		out = r
		return s.badges.CheckAwards(tx, course, learner)
	})
	return out, err
}

// currentReviews are, inside tx, the reviews of the work learner submitted
// for a task now: those of an earlier completion, undone since, are left
// out. Nil when there is no completion.
func currentReviews(tx domain.CompletionStore, course, task, learner string) ([]*domain.Review, *domain.Completion, error) {
	done, found, err := domain.Found(tx.Completion(course, task, learner))
	if err != nil || !found {
		return nil, nil, err
	}
	rs, err := tx.Reviews(course, task, learner)
	if err != nil {
		return nil, nil, err
	}
	return slices.DeleteFunc(rs, func(r *domain.Review) bool { return r.Completion != done.ID }), done, nil
}

// checkReviewed awards, inside tx, the badge b for reviewed work when each
// of its tasks is done by learner and the reviews of that work meet its
// bar, and learner does not hold it yet. The award's evidence are the
// completions and the reviews.
func (s *Badges) checkReviewed(tx checkAwardsTx, b *domain.Badge, learner string) error {
	var evidence []string
	for _, task := range b.Tasks {
		rs, done, err := currentReviews(tx, b.Issuer, task, learner)
		if err != nil {
			return err
		}
		if done == nil || !domain.ReviewsMeet(rs, b.Approvals, b.MinRating) {
			return nil
		}
		evidence = append(evidence, done.ID)
		for _, r := range rs {
			evidence = append(evidence, reviewEvidence(s.URLs.Base(), r))
		}
	}
	if _, held, err := domain.Found(tx.AwardOf(b.ID, learner)); err != nil || held {
		return err
	}
	_, err := s.award(tx, b, learner, evidence, "")
	return err
}

// reviewEvidence is how an award's evidence names a review: the task's
// page, where the learner reads it, with the review's id.
func reviewEvidence(base string, r *domain.Review) string {
	return base + "/courses/" + r.Course + "/tasks/" + r.Task + "#review-" + r.ID
}

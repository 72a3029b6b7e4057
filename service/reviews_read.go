package service

import (
	"github.com/lernejo/lernejo/domain"
)

// maxSubmissions bounds the fellow learners' work a task's page lists.
const maxSubmissions = 100

// Submission is a fellow learner's work for a task that asks for peer
// review, as a participant sees it on the task's page.
type Submission struct {
	Learner    string // actor id
	Name       string // how the page names them
	Completion *domain.Completion
	Approvals  int            // of its current reviews
	Reviews    int            // how many current reviews it has
	Mine       *domain.Review // the viewer's review of it, or nil
}

// ReviewView is a review of the viewer's work, with its reviewer's name.
type ReviewView struct {
	*domain.Review
	Name string
}

// peerReviewTx is what peerReview reads.
type peerReviewTx interface {
	domain.CompletionStore
	domain.FollowStore
	domain.ActorCache
}

// peerReview fills in, inside tx, the reviews of the viewer's (learner's)
// work for the page's task, and, when the viewer takes part in the course,
// the work of the others to review.
func (s *Tasks) peerReview(tx peerReviewTx, p *TaskPage, learner string) error {
	rs, _, err := currentReviews(tx, p.Course.Handle, p.Task.ID, learner)
	if err != nil {
		return err
	}
	for _, r := range rs {
		p.Reviews = append(p.Reviews, ReviewView{Review: r, Name: actorName(tx, s.env, r.Reviewer)})
	}
	if ok, err := s.takesPart(tx, p.Course, learner); err != nil || !ok {
		return err
	}
	done, err := tx.TaskCompletions(p.Course.Handle, p.Task.ID)
	if err != nil {
		return err
	}
	for _, c := range done {
		if c.Learner == learner {
			continue
		}
		if len(p.Submissions) == maxSubmissions {
			break
		}
		rs, _, err := currentReviews(tx, p.Course.Handle, p.Task.ID, c.Learner)
		if err != nil {
			return err
		}
		sub := Submission{Learner: c.Learner, Name: actorName(tx, s.env, c.Learner), Completion: c, Reviews: len(rs)}
		for _, r := range rs {
			if r.Approve {
				sub.Approvals++
			}
			if r.Reviewer == learner {
				sub.Mine = r
			}
		}
		p.Submissions = append(p.Submissions, sub)
	}
	return nil
}

package service

import (
	"context"

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
	authorTx
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
		name, _, err := s.authorOf(tx, r.Reviewer)
		if err != nil {
			return err
		}
		p.Reviews = append(p.Reviews, ReviewView{Review: r, Name: name})
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
		name, _, err := s.authorOf(tx, c.Learner)
		if err != nil {
			return err
		}
		sub := Submission{Learner: c.Learner, Name: name, Completion: c, Reviews: len(rs)}
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

// RemoteWork is work a course on another Lernejo node shows for review, as
// the review form under it needs it.
type RemoteWork struct {
	Post     string // the course's note that shows it: what the form names
	Learner  string // actor id
	Name     string
	Task     string // the task's title, as cached here, or its id
	Evidence string
	Rubric   []string
	Reviewed bool // the viewer sent a review of it
}

// RemoteWork is the work the course courseID (on another Lernejo node)
// shows for review in the newest of its posts kept here, for viewer (a
// local handle) who takes part in it: not viewer's own. Nothing for a
// course viewer has not joined.
func (s *Reviews) RemoteWork(ctx context.Context, viewer, courseID string) ([]RemoteWork, error) {
	me := s.URLs.Actor(domain.ActorPerson, viewer)
	var out []RemoteWork
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		f, _, err := domain.Found(tx.Following(viewer, courseID))
		if err != nil || f == nil || f.State != domain.FollowAccepted {
			return err
		}
		titles := map[string]string{}
		tasks, err := tx.RemoteTasks(courseID)
		if err != nil {
			return err
		}
		for _, t := range tasks {
			titles[t.ID] = t.Title
		}
		posts, err := tx.CoursePostsPage(courseID, "", maxSubmissions)
		if err != nil {
			return err
		}
		for _, p := range posts.Items {
			w := p.Work
			if w == nil || w.Learner == me || p.Author != courseID {
				continue
			}
			rw := RemoteWork{Post: p.URI, Learner: w.Learner, Name: actorName(tx, s.env, w.Learner), Task: titles[w.Task],
				Evidence: w.Evidence, Rubric: w.Rubric}
			if rw.Task == "" {
				rw.Task = w.Task
			}
			old, found, err := domain.Found(tx.Review(courseID, w.Task, w.Learner, me))
			if err != nil {
				return err
			}
			rw.Reviewed = found && old.Completion == w.Completion
			out = append(out, rw)
		}
		return nil
	})
	return out, err
}

package service

import (
	"context"
	"slices"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// The read models of tasks and progress: a course's tasks, a task's page
// and edit form, how many did a task, and the completion records this node
// signed.

// List is a course's tasks in order, for its tasks collection. Unknown
// courses and drafts are not found.
func (s *Tasks) List(ctx context.Context, course string) ([]*domain.Task, error) {
	var out []*domain.Task
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		if _, err := visibleCourse(tx, course); err != nil {
			return err
		}
		var err error
		out, err = tx.Tasks(course)
		return err
	})
	return out, err
}

// TaskPage is what a task's page shows to one viewer.
type TaskPage struct {
	Task      *domain.Task
	Course    *domain.Course
	Revisions []*domain.TaskRevision // earlier versions, oldest first
	Done      int                    // how many learners did it
	Mine      *domain.Completion     // the viewer's completion, or nil
	// Earlier are the viewer's attempts at it they set aside to do it
	// again (restart.go), in the order they were, each with the comments
	// on it.
	Earlier []Attempt
	// Comments are the organisers' comments on the viewer's current work,
	// oldest first (service/evidence.go).
	Comments  []*domain.EvidenceComment
	Organiser bool // the viewer organises the course
	// Next is the task after this one in the course's order, nil after
	// the last.
	Next *domain.Task
	// TaskCount is how many tasks the course has; DoneCount how many of
	// them the viewer did, and Enrolled whether they take part (their
	// progress is shown then).
	TaskCount, DoneCount int
	Enrolled             bool
	// For a task that asks for peer review: the reviews of the viewer's
	// work, and their fellow learners' work to review (reviews.go).
	Reviews     []ReviewView
	Submissions []Submission
}

// Page is a task of a visible course as viewer (a local handle, "" for a
// visitor) sees it.
func (s *Tasks) Page(ctx context.Context, viewer, course, id string) (*TaskPage, error) {
	var out *TaskPage
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		co, err := visibleCourse(tx, course)
		if err != nil {
			return err
		}
		p := &TaskPage{Course: co}
		if p.Task, err = tx.Task(course, id); err != nil {
			return err
		}
		if p.Revisions, err = tx.TaskRevisions(course, id); err != nil {
			return err
		}
		if p.Done, err = tx.CountTaskCompletions(course, id); err != nil {
			return err
		}
		tasks, err := tx.Tasks(course)
		if err != nil {
			return err
		}
		p.TaskCount = len(tasks)
		if i := slices.IndexFunc(tasks, func(t *domain.Task) bool { return t.ID == id }); i >= 0 && i+1 < len(tasks) {
			p.Next = tasks[i+1]
		}
		if viewer != "" {
			learner := s.URLs.Actor(domain.ActorPerson, viewer)
			if p.Mine, _, err = domain.Found(tx.Completion(course, id, learner)); err != nil {
				return err
			}
			comments, err := tx.EvidenceComments(course, id, learner)
			if err != nil {
				return err
			}
			past, err := tx.PastCompletions(course, learner)
			if err != nil {
				return err
			}
			past = slices.DeleteFunc(past, func(a *domain.PastCompletion) bool { return a.Task != id })
			p.Comments, p.Earlier = attempts(past, comments, p.Mine)
			p.Organiser = co.IsOrganiser(viewer)
			f, enrolled, err := domain.Found(tx.Follower(course, learner))
			if err != nil {
				return err
			}
			p.Enrolled = enrolled && f.State == domain.FollowAccepted
			cs, err := tx.CompletionsOf(course, learner)
			if err != nil {
				return err
			}
			done := map[string]bool{}
			for _, c := range cs {
				done[c.Task] = true
			}
			for _, t := range tasks {
				if done[t.ID] {
					p.DoneCount++
				}
			}
			if p.Task.PeerReview {
				if err := s.peerReview(tx, p, learner); err != nil {
					return err
				}
			}
		}
		out = p
		return nil
	})
	return out, err
}

// Completions is how many learners did a task of a visible course (not
// who: that is for the organisers and each learner to see).
func (s *Tasks) Completions(ctx context.Context, course, id string) (int, error) {
	n := 0
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		if _, err := visibleCourse(tx, course); err != nil {
			return err
		}
		if _, err := tx.Task(course, id); err != nil {
			return err
		}
		var err error
		n, err = tx.CountTaskCompletions(course, id)
		return err
	})
	return n, err
}

// TaskForm is the organisers' form to edit a task, with its earlier
// versions to restore.
type TaskForm struct {
	Course    *domain.Course
	Task      *domain.Task
	Revisions []*domain.TaskRevision
	// Text is the task's text to edit: its Markdown source, or for a task
	// written as HTML before Markdown, that HTML as Markdown (saving it
	// keeps its paragraphs, lists and links).
	Text string
	// Preview is the HTML of the text being edited, when the organiser
	// asked to see it before saving (web sets it with Tasks.Preview).
	Preview string
}

// Form is the form to edit a task, for an organiser of its course.
func (s *Tasks) Form(ctx context.Context, organiser, course, id string) (*TaskForm, error) {
	var out *TaskForm
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		co, err := organisedBy(tx, course, organiser)
		if err != nil {
			return err
		}
		f := &TaskForm{Course: co}
		if f.Task, err = tx.Task(course, id); err != nil {
			return err
		}
		if f.Revisions, err = tx.TaskRevisions(course, id); err != nil {
			return err
		}
		f.Text = f.Task.Source
		if f.Text == "" {
			f.Text = federation.MarkdownOf(f.Task.Body)
		}
		out = f
		return nil
	})
	return out, err
}

// Order is the ids of a course's tasks in order, for an organiser of it
// who moves one (Reorder then saves the new order).
func (s *Tasks) Order(ctx context.Context, organiser, course string) ([]string, error) {
	var ids []string
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		if _, err := organisedBy(tx, course, organiser); err != nil {
			return err
		}
		ts, err := tx.Tasks(course)
		for _, t := range ts {
			ids = append(ids, t.ID)
		}
		return err
	})
	return ids, err
}

// CompletionRecord is the signed record of a completion made on this node,
// with its proof, as it was sent; id is the record's URL. A completion that
// has no signed record (a #done reply from Mastodon) is not found.
func (s *Tasks) CompletionRecord(ctx context.Context, id string) ([]byte, error) {
	var raw []byte
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		cp, err := tx.CompletionByID(id)
		if err != nil {
			return err
		}
		if len(cp.Raw) == 0 {
			return domain.Errorf(domain.ENOTFOUND, "Completion not found.")
		}
		raw = cp.Raw
		return nil
	})
	return raw, err
}

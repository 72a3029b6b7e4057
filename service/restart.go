package service

import (
	"context"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Doing it again: a learner sets aside what they did, one task (Redo, in
// any course) or all of a self-paced course (RestartCourse), and keeps it
// in their history as earlier attempts (domain.PastCompletion). Progress
// counts only what they did since; badges already awarded stay, as
// revoking is an organiser's decision. For a course on another Lernejo
// node each completion set aside is taken back with Remove{completion}, so
// the course's server sees the task undone too; the history stays here.

// Redo sets aside a local person's completion of a task so they can do it
// again. course is a local course's handle, or the actor id of a course on
// another Lernejo node (task then is its task's id).
func (s *Tasks) Redo(ctx context.Context, person, course, task string) error {
	learner := s.URLs.Actor(domain.ActorPerson, person)
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		c, err := tx.Completion(course, task, learner)
		if err != nil {
			return err
		}
		return s.setAside(tx, person, course, []*domain.Completion{c})
	})
	if err == nil {
		s.Queue.Wake()
	}
	return err
}

// RestartCourse sets aside all of a local person's completions in a
// self-paced course (domain.Course.CheckRestart), here or on another
// Lernejo node, so they go through it again from the first task; n is how
// many were set aside.
func (s *Tasks) RestartCourse(ctx context.Context, person, course string) (n int, err error) {
	learner := s.URLs.Actor(domain.ActorPerson, person)
	err = s.Store.Update(ctx, func(tx domain.Tx) error {
		if err := checkRestart(tx, course); err != nil {
			return err
		}
		cs, err := tx.CompletionsOf(course, learner)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			return domain.Errorf(domain.EINVALID, "You have done none of its tasks yet, so there is nothing to restart.")
		}
		n = len(cs)
		return s.setAside(tx, person, course, cs)
	})
	if err == nil {
		s.Queue.Wake()
	}
	return n, err
}

// checkRestart applies domain's rule to a local course or to a course on
// another server, whose dates its actor document gave.
func checkRestart(tx restartTx, course string) error {
	if strings.Contains(course, "://") {
		ra, err := tx.RemoteActor(course)
		if err != nil {
			return err
		}
		return ra.CheckRestart()
	}
	c, err := tx.Course(course)
	if err != nil {
		return err
	}
	return c.CheckRestart()
}

// restartTx is what checkRestart and setAside read and write.
type restartTx interface {
	domain.ActorCache
	domain.CompletionStore
	domain.CourseStore
	domain.DeliveryStore
	domain.TaskStore
}

// setAside moves person's completions cs of one course into their
// history, inside tx: each kept as a past attempt under its task's title,
// then deleted; for a course elsewhere, Remove{completion} is queued to it.
func (s *Tasks) setAside(tx restartTx, person, course string, cs []*domain.Completion) error {
	titles, err := taskTitles(tx, course)
	if err != nil {
		return err
	}
	remote := strings.Contains(course, "://")
	var inbox string
	if remote {
		ra, err := tx.RemoteActor(course)
		if err != nil {
			return err
		}
		inbox = ra.Inbox
	}
	now := s.Now().UTC()
	for _, c := range cs {
		if err := tx.PutPastCompletion(c.SetAside(s.NewID(), titles[c.Task], now)); err != nil {
			return err
		}
		if err := tx.DeleteCompletion(c); err != nil {
			return err
		}
		if !remote {
			continue
		}
		id := s.newActivityID()
		rm := federation.RemoveCompletion(id, c.Learner, c.ID, c.Task+"/completions", course)
		if err := s.Queue.Queue(tx, person, id, rm, []string{inbox}); err != nil {
			return err
		}
	}
	return nil
}

// taskTitles are the titles of a course's tasks by id: a local course's,
// or those this node keeps of a course elsewhere.
func taskTitles(tx domain.TaskStore, course string) (map[string]string, error) {
	titles := map[string]string{}
	if strings.Contains(course, "://") {
		ts, err := tx.RemoteTasks(course)
		for _, t := range ts {
			titles[t.ID] = t.Title
		}
		return titles, err
	}
	ts, err := tx.Tasks(course)
	for _, t := range ts {
		titles[t.ID] = t.Title
	}
	return titles, err
}

// Attempt is an earlier attempt as its learner sees it: what they did,
// and what they were told about it then.
type Attempt struct {
	*domain.PastCompletion
	Feedback []*domain.EvidenceComment
}

// attempts splits what a learner was told about their work on one task
// between their current completion (nil when there is none) and their
// earlier attempts past: each comment goes with the completion it was
// about (one without, from before comments named it, with the current).
// Comments on work that is neither are left out.
func attempts(past []*domain.PastCompletion, comments []*domain.EvidenceComment, current *domain.Completion) ([]*domain.EvidenceComment, []Attempt) {
	var now []*domain.EvidenceComment
	earlier := make([]Attempt, len(past))
	at := map[string]int{}
	for i, p := range past {
		earlier[i] = Attempt{PastCompletion: p}
		at[p.Completion] = i
	}
	for _, cm := range comments {
		if current != nil && (cm.Completion == "" || cm.Completion == current.ID) {
			now = append(now, cm)
		} else if i, ok := at[cm.Completion]; ok {
			earlier[i].Feedback = append(earlier[i].Feedback, cm)
		}
	}
	return now, earlier
}

// attemptsByTask groups a learner's earlier attempts in a course by task
// id, each task's in the order they were set aside.
func attemptsByTask(tx domain.CompletionStore, course, learner string) (map[string][]*domain.PastCompletion, error) {
	ps, err := tx.PastCompletions(course, learner)
	out := map[string][]*domain.PastCompletion{}
	for _, p := range ps {
		out[p.Task] = append(out[p.Task], p)
	}
	return out, err
}

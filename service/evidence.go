package service

import (
	"context"
	"fmt"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Evidence is the use case of the work learners submit with a completion
// (a link and a note): the organisers of the course comment on it. A
// learner here reads the comments on the task's page; a learner on another
// server gets each as a direct note from the course.
type Evidence struct {
	*env
	posts *Posts
}

// Comment keeps an organiser's comment on learner's (an actor id)
// completion of a task of a course on this node, and, when the learner is
// on another server, sends it to them alone: a direct note from the course
// that mentions them, in reply to their completion (the signed record their
// Lernejo node sent, or their #done reply). The text is plain, bounded by
// domain.MaxCommentLen, and made HTML as posts are. Comments are not edited
// or deleted: a second comment corrects the first.
func (s *Evidence) Comment(ctx context.Context, organiser, course, task, learner, text string) (*domain.EvidenceComment, error) {
	text, err := domain.CommentText(text)
	if err != nil {
		return nil, err
	}
	var out *domain.EvidenceComment
	err = s.update(ctx, func(tx domain.Tx) error {
		co, err := organisedBy(tx, course, organiser)
		if err != nil {
			return err
		}
		t, err := tx.Task(course, task)
		if err != nil {
			return err
		}
		done, found, err := domain.Found(tx.Completion(course, task, learner))
		if err != nil {
			return fmt.Errorf("service: comment: %w", err)
		}
		if !found {
			return domain.Errorf(domain.ENOTFOUND, "This learner has not done this task.")
		}
		cm := &domain.EvidenceComment{ID: s.NewID(), Course: course, Task: task, Learner: learner, Completion: done.ID,
			Author: organiser, At: s.Now().UTC()}
		cm.Content, _ = s.Docs.PostHTML(text, nil)
		ra, err := remoteActor(tx, learner) // nil: a local learner
		if err != nil {
			return err
		}
		if ra != nil {
			if cm.NoteURI, err = s.send(tx, co, t, done, ra, text); err != nil {
				return err
			}
		}
		out = cm
		return tx.PutEvidenceComment(cm)
	})
	return out, err
}

// send queues, inside tx, the comment text on done to its learner ra on
// another server, and returns the note's id.
func (s *Evidence) send(tx directTx, co *domain.Course, t *domain.Task, done *domain.Completion, ra *domain.RemoteActor, text string) (string, error) {
	mention := []federation.Mention{{ID: ra.ID, Name: ra.Handle()}}
	body := fmt.Sprintf("%s A comment on your work for task %d, “%s”, of %s:\n\n%s\n\nThe task: %s",
		ra.Handle(), t.Position, t.Title, co.Title, text, federation.TaskURL(s.URLs, co.Handle, t.ID))
	return s.posts.note(tx, co.Handle, body, mention, federation.DirectAddress(mention), []string{ra.Inbox},
		func(n *federation.ASNote) {
			// The completion's id is the learner's own: the record their
			// node signed, or the #done reply they wrote on Mastodon, which
			// threads the comment under it there.
			if !federation.SameOrigin(done.ID, s.URLs.Base()) {
				n.InReplyTo = done.ID
			}
		})
}

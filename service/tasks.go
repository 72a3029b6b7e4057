package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/integrity"
)

// Tasks is the use cases of learning by doing: tasks announced to a
// course's followers, and their completions (here, or sent to a course on
// another Lernejo node as Add{completion}), which earn badges.
type Tasks struct {
	*env
	posts  *Posts
	badges *Badges
}

// Add adds a task to a course organised by editor, its body rendered from
// its Markdown source (renderTask), and announces it to the course's followers in a post linking to it; a reply
// to that post with #done completes the task (how Mastodon learners report
// their work).
func (s *Tasks) Add(ctx context.Context, editor string, t *domain.Task) error {
	t.Normalise()
	if err := t.Validate(); err != nil {
		return err
	}
	s.renderTask(t)
	now := s.Now().UTC()
	t.ID, t.Created, t.Updated = s.NewID(), now, now
	var course *domain.Course
	if err := s.Store.Update(ctx, func(tx domain.Tx) error {
		c, err := tx.Course(t.Course)
		if err != nil {
			return err
		}
		if !c.IsOrganiser(editor) {
			return domain.Errorf(domain.EFORBIDDEN, "Only the organisers can add tasks.")
		}
		tasks, err := tx.Tasks(t.Course)
		if err != nil {
			return err
		}
		t.Position = len(tasks) + 1
		if err := tx.PutTask(t); err != nil {
			return err
		}
		if err := s.notifyLearners(tx, c, domain.Notification{Kind: domain.NotifyTask, Actor: s.URLs.Actor(domain.ActorCourse, c.Handle),
			ActorName: c.Title, Subject: t.Title, URL: "/courses/" + c.Handle + "/tasks/" + t.ID}); err != nil {
			return err
		}
		// Lernejo nodes whose people follow the course keep its tasks:
		// Add{Page, target: its tasks collection} tells them of this one
		// (Mastodon ignores an Add to a collection that is not featured).
		if c.Federates() {
			if err := s.queueTaskAdd(tx, c, t); err != nil {
				return err
			}
		}
		// Writing the course too makes two concurrent Adds conflict (a new
		// task key alone is a phantom the store cannot see), so one of them
		// retries and positions stay distinct.
		c.Updated = now
		course = c
		return tx.PutCourse(c)
	}); err != nil {
		return err
	}
	if !course.Federates() {
		return nil
	}
	// The word to reply with is quoted, so it stays a word: a # after a
	// quote is no hashtag (federation.PostHTML), and the post is not tagged
	// #done, which would put every task post in the public #done timeline
	// of every server that receives it.
	text := fmt.Sprintf("New task %d: %s\n\n%s\n\nWhen you have done it, reply to this post with “#done” and a link to your work.",
		t.Position, federation.EscapeMarkdown(t.Title), federation.TaskURL(s.URLs, t.Course, t.ID))
	_, err := s.posts.Publish(ctx, PostInput{Author: t.Course, Course: t.Course, Text: text, Task: t.ID})
	return err
}

// Complete marks a task done by a local person, with optional evidence (a
// link) and a note. For a course on this node the completion is recorded
// and badges whose criteria are now met are awarded. For a course on
// another Lernejo node, course is its actor id and task the task's id: the
// person's Add{completion} goes to the course, and a copy is kept here.
func (s *Tasks) Complete(ctx context.Context, person, course, task, evidence, note string) (*domain.Completion, error) {
	evidence = strings.TrimSpace(evidence)
	if evidence != "" && !strings.HasPrefix(evidence, "https://") && !strings.HasPrefix(evidence, "http://") {
		return nil, domain.Errorf(domain.EINVALID, "The evidence must be a web link (http or https).")
	}
	if len(note) > domain.MaxSummaryLen {
		return nil, domain.Errorf(domain.EINVALID, "The note is too long.")
	}
	urls := s.URLs
	learner := urls.Actor(domain.ActorPerson, person)
	now := s.Now().UTC()
	c := &domain.Completion{ID: urls.Path("/completions/" + s.NewID()), Course: course, Task: task, Learner: learner,
		Evidence: evidence, Note: strings.TrimSpace(note), At: now}
	remote := strings.Contains(course, "://")
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		// The record is signed by the learner's assertion key (FEP-8b32), so
		// anyone can check it against their actor document.
		sign := func() error {
			seed, err := tx.AssertionSeed(person)
			if err != nil {
				return err
			}
			c.Raw, err = integrity.SignRecord(federation.CompletionObject(c), learner, seed, now)
			return err
		}
		if remote {
			f, _, err := domain.Found(tx.Following(person, course))
			if err != nil {
				return fmt.Errorf("service: complete: %w", err)
			}
			if f == nil || f.State != domain.FollowAccepted {
				return domain.Errorf(domain.EFORBIDDEN, "Join first to mark its tasks done.")
			}
			ra, err := tx.RemoteActor(course)
			if err != nil {
				return err
			}
			old, _, err := domain.Found(tx.Completion(course, task, learner))
			if err != nil {
				return fmt.Errorf("service: complete: %w", err)
			}
			if old != nil {
				c.ID = old.ID // marked again: the same record, updated
			}
			if err := sign(); err != nil {
				return err
			}
			if err := tx.PutCompletion(c); err != nil {
				return err
			}
			id := urls.NewActivityID(s.NewID())
			add := federation.AddCompletion(id, learner, c.Raw, task+"/completions", course)
			return s.Queue.Queue(tx, person, id, add, []string{ra.Inbox})
		}
		if err := sign(); err != nil {
			return err
		}
		return s.record(tx, c)
	})
	if err != nil {
		return nil, err
	}
	s.Queue.Wake()
	return c, nil
}

// enrolled checks that a learner may complete tasks of a local course:
// enrolled and accepted.
func enrolled(tx domain.FollowStore, course, learner string) error {
	f, _, err := domain.Found(tx.Follower(course, learner))
	if err != nil {
		return fmt.Errorf("service: enrolment of %s: %w", learner, err)
	}
	if f == nil || f.State != domain.FollowAccepted {
		return domain.Errorf(domain.EFORBIDDEN, "Only enrolled learners can mark tasks done.")
	}
	return nil
}

// ReceiveTask keeps, inside the inbox's tx, a task of a course on another
// Lernejo node that local people follow: one it added (Add{Page}) or
// changed (Update{Page}). A task the node did not hold yet is news: the
// local learners of that course are told of it.
func (s *Tasks) ReceiveTask(tx domain.Tx, t *domain.RemoteTask) error {
	known, err := tx.RemoteTasks(t.Course)
	if err != nil {
		return err
	}
	isNew := !slices.ContainsFunc(known, func(k *domain.RemoteTask) bool { return k.ID == t.ID })
	if err := tx.PutRemoteTask(t); err != nil {
		return err
	}
	if !isNew {
		return nil
	}
	fs, err := tx.FollowingsOf(t.Course)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.State != domain.FollowAccepted {
			continue
		}
		if err := s.notifyPerson(tx, f.Local, domain.Notification{Kind: domain.NotifyTask, Actor: t.Course,
			Subject: t.Title, URL: t.ID}); err != nil {
			return err
		}
	}
	return nil
}

// RecordCompletion keeps a completion that came from another server (an
// Add from a Lernejo node, or a #done reply) and awards what it earns.
func (s *Tasks) RecordCompletion(tx domain.Tx, c *domain.Completion) error {
	return s.record(tx, c)
}

// recordTx is what record reads and writes.
type recordTx interface {
	checkAwardsTx
	showWorkTx
	domain.CourseStore
}

// record keeps, inside tx, the completion c of a task of a local course by
// an enrolled learner, shows the work for review when the task asks for
// it, and awards what it earns.
func (s *Tasks) record(tx recordTx, c *domain.Completion) error {
	t, err := tx.Task(c.Course, c.Task)
	if err != nil {
		return err
	}
	if err := enrolled(tx, c.Course, c.Learner); err != nil {
		return err
	}
	co, err := tx.Course(c.Course)
	if err != nil {
		return err
	}
	before, _, err := domain.Found(tx.Completion(c.Course, c.Task, c.Learner))
	if err != nil {
		return fmt.Errorf("service: completion: %w", err)
	}
	if err := tx.PutCompletion(c); err != nil {
		return err
	}
	if err := s.posts.showWork(tx, co, t, c, before); err != nil {
		return err
	}
	return s.badges.CheckAwards(tx, c.Course, c.Learner)
}

// CompleteByReply records, inside the inbox's transaction, the completion
// a remote learner claimed by replying with #done to what c answers
// (repliedTo): when that is the post that announced a task of a local
// course, or the task's Page itself (what a Mastodon user replies to after
// opening the task's link), c is a completion of that task, kept as
// RecordCompletion keeps one. A reply to anything else completes nothing.
func (s *Tasks) CompleteByReply(tx domain.Tx, repliedTo string, c *domain.Completion) error {
	p, _, err := domain.Found(tx.Post(repliedTo))
	if err != nil {
		return fmt.Errorf("service: completion by reply: %w", err)
	}
	switch {
	case p != nil && p.Task != "" && !strings.Contains(p.Course, "://"):
		c.Course, c.Task = p.Course, p.Task
	case p == nil:
		course, task, ok := s.taskOf(repliedTo)
		if !ok {
			return nil
		}
		if _, found, err := domain.Found(tx.Task(course, task)); err != nil || !found {
			return err
		}
		c.Course, c.Task = course, task
	default:
		return nil
	}
	return s.RecordCompletion(tx, c)
}

// taskOf reads the course and task of a local task Page's id
// (federation.TaskURL); ok is false for any other IRI.
func (s *Tasks) taskOf(id string) (course, task string, ok bool) {
	rest, ok := strings.CutPrefix(id, s.URLs.Actor(domain.ActorCourse, ""))
	if !ok {
		return "", "", false
	}
	course, task, ok = strings.Cut(rest, "/tasks/")
	if !ok || course == "" || task == "" || strings.ContainsAny(course+task, "/?#") {
		return "", "", false
	}
	return course, task, true
}

// WithdrawCompletion removes, inside the inbox's transaction, the
// completion id of a task of a local course, which its learner takes back
// to do the task again (Remove{completion}). Only their own record goes.
func (s *Tasks) WithdrawCompletion(tx domain.CompletionStore, course, task, learner, id string) error {
	c, found, err := domain.Found(tx.Completion(course, task, learner))
	if err != nil || !found {
		return err
	}
	if c.ID != id {
		return domain.Errorf(domain.EFORBIDDEN, "%s is not the completion of %s.", id, learner)
	}
	return tx.DeleteCompletion(c)
}

// Edit saves an organiser's new text for a task (the old version kept
// as a revision) and sends the course's followers Update{Page}, so nodes
// that cache the task refresh it.
func (s *Tasks) Edit(ctx context.Context, editor string, t *domain.Task) error {
	return s.changeTasks(ctx, t.Course, func(tx taskEditTx) ([]*domain.Task, error) {
		return []*domain.Task{t}, s.edit(tx, editor, t)
	})
}

// Restore brings back revision rev of a task, as an edit: the course's
// followers get Update{Page}.
func (s *Tasks) Restore(ctx context.Context, editor, course, id string, rev int) (*domain.Task, error) {
	var out *domain.Task
	err := s.changeTasks(ctx, course, func(tx taskEditTx) ([]*domain.Task, error) {
		var err error
		out, err = s.restore(tx, editor, course, id, rev)
		return []*domain.Task{out}, err
	})
	return out, err
}

// Reorder puts a course's tasks in the order of ids; each task whose
// place changed is sent to the course's followers as Update{Page} with its
// new position, so other nodes list the tasks in the same order.
func (s *Tasks) Reorder(ctx context.Context, editor, course string, ids []string) error {
	return s.changeTasks(ctx, course, func(tx taskEditTx) ([]*domain.Task, error) {
		return s.reorder(tx, editor, course, ids)
	})
}

// changeTasks runs change in one transaction with the Update{Page} of each
// task it returns, queued for the course's followers when the course
// federates.
func (s *Tasks) changeTasks(ctx context.Context, course string, change func(taskEditTx) ([]*domain.Task, error)) error {
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		tasks, err := change(tx)
		if err != nil {
			return err
		}
		c, err := tx.Course(course)
		if err != nil || !c.Federates() || len(tasks) == 0 {
			return err
		}
		urls := s.URLs
		courseID := urls.Actor(domain.ActorCourse, c.Handle)
		inboxes, err := tx.FollowerInboxes(c.Handle)
		if err != nil {
			return err
		}
		for _, t := range tasks {
			id := urls.NewActivityID(s.NewID())
			page := federation.TaskPage(urls, t)
			upd := federation.Wrap("Update", id, courseID, page, page.Address(), s.Now())
			if err := s.Queue.Queue(tx, c.Handle, id, upd, inboxes); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.Queue.Wake()
	}
	return err
}

// taskAddTx is what queueTaskAdd reads and writes: the course's followers
// and the delivery queue.
type taskAddTx interface {
	domain.FollowStore
	domain.DeliveryStore
}

// queueTaskAdd queues, inside tx, the Add{Page} of the new task t of c
// to the course's followers.
func (s *Tasks) queueTaskAdd(tx taskAddTx, c *domain.Course, t *domain.Task) error {
	inboxes, err := tx.FollowerInboxes(c.Handle)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	courseID := s.URLs.Actor(domain.ActorCourse, c.Handle)
	id := s.URLs.NewActivityID(s.NewID())
	page := federation.TaskPage(s.URLs, t)
	add := federation.AddTask(id, courseID, page, s.Now())
	return s.Queue.Queue(tx, c.Handle, id, add, inboxes)
}

// taskEditTx is what the changes of a course's tasks read and write: the
// course (to check its organisers) and its tasks with their revisions.
type taskEditTx interface {
	domain.CourseStore
	domain.TaskStore
}

// edit saves new text for a task inside tx, keeping the version it
// replaces as a revision.
func (s *Tasks) edit(tx taskEditTx, editor string, t *domain.Task) error {
	if _, err := organisedBy(tx, t.Course, editor); err != nil {
		return err
	}
	old, err := tx.Task(t.Course, t.ID)
	if err != nil {
		return err
	}
	t.Normalise()
	if err := t.Validate(); err != nil {
		return err
	}
	s.renderTask(t)
	revs, err := tx.TaskRevisions(t.Course, t.ID)
	if err != nil {
		return err
	}
	if err := tx.PutTaskRevision(&domain.TaskRevision{Course: old.Course, Task: old.ID, Rev: len(revs) + 1,
		Title: old.Title, Body: old.Body, Source: old.Source, Due: old.Due, Editor: editor, Saved: old.Updated}); err != nil {
		return err
	}
	t.Position, t.Created, t.Updated = old.Position, old.Created, s.Now().UTC()
	return tx.PutTask(t)
}

// restore brings back revision rev of a task inside tx (itself saved as
// an edit, so nothing is lost).
func (s *Tasks) restore(tx taskEditTx, editor, course, id string, rev int) (*domain.Task, error) {
	revs, err := tx.TaskRevisions(course, id)
	if err != nil {
		return nil, err
	}
	if rev < 1 || rev > len(revs) {
		return nil, domain.Errorf(domain.ENOTFOUND, "There is no version %d of this task.", rev)
	}
	r := revs[rev-1]
	cur, err := tx.Task(course, id)
	if err != nil {
		return nil, err
	}
	// A version is its words: the review the task asks for stays.
	t := &domain.Task{ID: id, Course: course, Title: r.Title, Body: r.Body, Source: r.Source, Due: r.Due,
		PeerReview: cur.PeerReview, Rubric: cur.Rubric}
	return t, s.edit(tx, editor, t)
}

// renderTask sets a task's body from the Markdown its organiser wrote. A
// task without a source (a version saved as HTML before Markdown, being
// restored) keeps its HTML, sanitised as it always was.
func (s *Tasks) renderTask(t *domain.Task) {
	if t.Source != "" {
		t.Body = s.Docs.Sanitizer.RichMarkdown(t.Source)
		return
	}
	t.Body = s.richText(t.Body)
}

// Preview is the HTML a task's Markdown text would show, for the task
// form's preview: rendered as saving would, and saved nowhere.
func (s *Tasks) Preview(src string) string { return s.Docs.Sanitizer.RichMarkdown(src) }

// reorder puts a course's tasks in the given order of ids (every task
// exactly once) inside tx, and returns the tasks whose place changed.
func (s *Tasks) reorder(tx taskEditTx, editor, course string, ids []string) ([]*domain.Task, error) {
	c, err := organisedBy(tx, course, editor)
	if err != nil {
		return nil, err
	}
	tasks, err := tx.Tasks(course)
	if err != nil {
		return nil, err
	}
	byID := map[string]*domain.Task{}
	for _, t := range tasks {
		byID[t.ID] = t
	}
	if len(ids) != len(tasks) {
		return nil, domain.Errorf(domain.EINVALID, "Give every task of the %s exactly once.", domain.KindName(c.Kind))
	}
	var moved []*domain.Task
	for i, id := range ids {
		t, ok := byID[id]
		if !ok {
			return nil, domain.Errorf(domain.EINVALID, "Give every task of the %s exactly once.", domain.KindName(c.Kind))
		}
		delete(byID, id)
		if t.Position == i+1 {
			continue
		}
		t.Position = i + 1
		if err := tx.PutTask(t); err != nil {
			return nil, err
		}
		moved = append(moved, t)
	}
	return moved, nil
}

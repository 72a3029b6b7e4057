package outbox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/badgepng"
	"github.com/lernejo/lernejo/federation"
)

// Learning is the domain service for learning by doing: tasks announced to
// a course's followers, completions (here, or sent to a course on another
// Lernejo node as Add{completion}), and badges awarded when their criteria
// are met, by an organiser, or by peers' votes.
type Learning struct {
	Service *domain.Service
	Posts   *Posts
}

func (l *Learning) urls() federation.URLs { return l.Posts.Docs.URLs }

// TaskURL is the id of a task: its page and its Page object.
func TaskURL(urls federation.URLs, course, task string) string {
	return urls.Actor(domain.ActorCourse, course) + "/tasks/" + task
}

// AddTask adds a task to a course and announces it to the course's
// followers in a post linking to it; a reply to that post with #done
// completes the task (how Mastodon learners report their work).
func (l *Learning) AddTask(ctx context.Context, editor string, t *domain.Task) error {
	if err := l.Service.Store.View(ctx, func(tx domain.Tx) error {
		c, err := tx.Course(t.Course)
		if err != nil {
			return err
		}
		if !c.IsOrganiser(editor) {
			return domain.Errorf(domain.EFORBIDDEN, "Only the organisers can add tasks.")
		}
		return nil
	}); err != nil {
		return err
	}
	if err := l.Service.AddTask(ctx, t); err != nil {
		return err
	}
	var course *domain.Course
	if err := l.Service.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		course, err = tx.Course(t.Course)
		return err
	}); err != nil {
		return fmt.Errorf("outbox: announce task: %w", err)
	}
	if !course.Federates() {
		return nil
	}
	text := fmt.Sprintf("New task %d: %s\n\n%s\n\nWhen you have done it, reply to this post with #done and a link to your work.",
		t.Position, t.Title, TaskURL(l.urls(), t.Course, t.ID))
	_, err := l.Posts.Publish(ctx, PostInput{Author: t.Course, Course: t.Course, Text: text, Task: t.ID})
	return err
}

// Complete marks a task done by a local person, with optional evidence (a
// link) and a note. For a course on this node the completion is recorded
// and badges whose criteria are now met are awarded. For a course on
// another Lernejo node, course is its actor id and task the task's id: the
// person's Add{completion} goes to the course, and a copy is kept here.
func (l *Learning) Complete(ctx context.Context, person, course, task, evidence, note string) (*domain.Completion, error) {
	evidence = strings.TrimSpace(evidence)
	if evidence != "" && !strings.HasPrefix(evidence, "https://") && !strings.HasPrefix(evidence, "http://") {
		return nil, domain.Errorf(domain.EINVALID, "The evidence must be a web link (http or https).")
	}
	if len(note) > domain.MaxSummaryLen {
		return nil, domain.Errorf(domain.EINVALID, "The note is too long.")
	}
	urls := l.urls()
	learner := urls.Actor(domain.ActorPerson, person)
	now := l.Posts.Now().UTC()
	c := &domain.Completion{ID: urls.Path("/completions/" + l.Posts.NewID()), Course: course, Task: task, Learner: learner,
		Evidence: evidence, Note: strings.TrimSpace(note), At: now}
	remote := strings.Contains(course, "://")
	err := l.Service.Store.Update(ctx, func(tx domain.Tx) error {
		// The record is signed by the learner's assertion key (FEP-8b32), so
		// anyone can check it against their actor document.
		sign := func() error {
			seed, err := tx.AssertionSeed(person)
			if err != nil {
				return err
			}
			c.Raw, err = federation.SignRecord(federation.CompletionObject(c), learner, seed, now)
			return err
		}
		if remote {
			f, _, err := domain.Found(tx.Following(person, course))
			if err != nil {
				return fmt.Errorf("outbox: complete: %w", err)
			}
			if f == nil || f.State != domain.FollowAccepted {
				return domain.Errorf(domain.EFORBIDDEN, "Join the course before marking its tasks done.")
			}
			ra, err := tx.RemoteActor(course)
			if err != nil {
				return err
			}
			old, _, err := domain.Found(tx.Completion(course, task, learner))
			if err != nil {
				return fmt.Errorf("outbox: complete: %w", err)
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
			id := urls.NewActivityID(l.Posts.NewID())
			add := federation.AddCompletion(id, learner, c.Raw, task+"/completions", course)
			return l.Posts.Outbox.Queue(tx, person, id, add, []string{ra.Inbox})
		}
		if _, err := tx.Task(course, task); err != nil {
			return err
		}
		if err := l.canComplete(tx, course, learner); err != nil {
			return err
		}
		if err := sign(); err != nil {
			return err
		}
		if err := tx.PutCompletion(c); err != nil {
			return err
		}
		return l.CheckAwards(tx, course, learner)
	})
	if err != nil {
		return nil, err
	}
	l.Posts.Outbox.Wake()
	return c, nil
}

// Uncomplete undoes a completion so the task can be done again; for a
// course on another node it sends Remove{completion}. Awards already given
// stay: revoking is an organiser's decision.
func (l *Learning) Uncomplete(ctx context.Context, person, course, task string) error {
	urls := l.urls()
	learner := urls.Actor(domain.ActorPerson, person)
	err := l.Service.Store.Update(ctx, func(tx domain.Tx) error {
		c, err := tx.Completion(course, task, learner)
		if err != nil {
			return err
		}
		if err := tx.DeleteCompletion(c); err != nil {
			return err
		}
		if !strings.Contains(course, "://") {
			return nil
		}
		ra, err := tx.RemoteActor(course)
		if err != nil {
			return err
		}
		id := urls.NewActivityID(l.Posts.NewID())
		rm := federation.RemoveCompletion(id, learner, c.ID, task+"/completions", course)
		return l.Posts.Outbox.Queue(tx, person, id, rm, []string{ra.Inbox})
	})
	if err == nil {
		l.Posts.Outbox.Wake()
	}
	return err
}

// canComplete checks that a learner may complete tasks of a local course:
// enrolled and accepted.
func (l *Learning) canComplete(tx domain.Tx, course, learner string) error {
	f, _, err := domain.Found(tx.Follower(course, learner))
	if err != nil {
		return fmt.Errorf("outbox: enrolment of %s: %w", learner, err)
	}
	if f == nil || f.State != domain.FollowAccepted {
		return domain.Errorf(domain.EFORBIDDEN, "Only enrolled learners can mark tasks done.")
	}
	return nil
}

// RecordCompletion keeps a completion that came from another server (an
// Add from a Lernejo node, or a #done reply) and awards what it earns.
func (l *Learning) RecordCompletion(tx domain.Tx, c *domain.Completion) error {
	if _, err := tx.Task(c.Course, c.Task); err != nil {
		return err
	}
	if err := l.canComplete(tx, c.Course, c.Learner); err != nil {
		return err
	}
	if err := tx.PutCompletion(c); err != nil {
		return err
	}
	return l.CheckAwards(tx, c.Course, c.Learner)
}

// CheckAwards awards, inside tx, every badge of the course whose task
// criteria the learner now meets and does not hold yet.
func (l *Learning) CheckAwards(tx domain.Tx, course, learner string) error {
	badges, err := tx.Badges(course)
	if err != nil {
		return err
	}
	done, err := tx.CompletionsOf(course, learner)
	if err != nil {
		return err
	}
	doneTasks := map[string]string{}
	for _, c := range done {
		doneTasks[c.Task] = c.ID
	}
	tasks, err := tx.Tasks(course)
	if err != nil {
		return err
	}
	for _, b := range badges {
		var need []string
		switch b.Criteria {
		case domain.CriteriaAllTasks:
			for _, t := range tasks {
				need = append(need, t.ID)
			}
		case domain.CriteriaChosenTasks:
			need = b.Tasks
		default:
			continue
		}
		if len(need) == 0 {
			continue
		}
		var evidence []string
		for _, id := range need {
			if doneTasks[id] == "" {
				evidence = nil
				break
			}
			evidence = append(evidence, doneTasks[id])
		}
		if evidence == nil {
			continue
		}
		if _, held, err := domain.Found(tx.AwardOf(b.ID, learner)); err != nil {
			return fmt.Errorf("outbox: check awards: %w", err)
		} else if held {
			continue
		}
		if _, err := l.award(tx, b, learner, evidence, ""); err != nil {
			return err
		}
	}
	return nil
}

// Award gives a badge by hand: an organiser of the issuing course or school.
func (l *Learning) Award(ctx context.Context, organiser, badgeID, learner string) (*domain.Award, error) {
	var a *domain.Award
	err := l.Service.Store.Update(ctx, func(tx domain.Tx) error {
		b, err := tx.Badge(badgeID)
		if err != nil {
			return err
		}
		if err := l.organises(tx, b.Issuer, organiser); err != nil {
			return err
		}
		existing, _, err := domain.Found(tx.AwardOf(b.ID, learner))
		if err != nil {
			return fmt.Errorf("outbox: award: %w", err)
		}
		if existing != nil && !existing.Revoked {
			return domain.Errorf(domain.ECONFLICT, "This learner already holds this badge.")
		}
		a, err = l.award(tx, b, learner, nil, organiser)
		return err
	})
	if err == nil {
		l.Posts.Outbox.Wake()
	}
	return a, err
}

// Vote records an enrolled learner's vote to award a peer-awarded badge to
// another learner; the badge is awarded when enough have voted.
func (l *Learning) Vote(ctx context.Context, voter, badgeID, learner string) error {
	urls := l.urls()
	voterID := urls.Actor(domain.ActorPerson, voter)
	if voterID == learner {
		return domain.Errorf(domain.EFORBIDDEN, "You cannot vote for yourself.")
	}
	err := l.Service.Store.Update(ctx, func(tx domain.Tx) error {
		b, err := tx.Badge(badgeID)
		if err != nil {
			return err
		}
		if b.Criteria != domain.CriteriaPeer {
			return domain.Errorf(domain.EINVALID, "This badge is not awarded by votes.")
		}
		// canComplete's refusal gets the words of a vote; a store failure
		// stays what it is.
		if err := l.canComplete(tx, b.Issuer, voterID); domain.ErrorCode(err) == domain.EFORBIDDEN {
			return domain.Errorf(domain.EFORBIDDEN, "Only enrolled learners can vote.")
		} else if err != nil {
			return err
		}
		if err := l.canComplete(tx, b.Issuer, learner); domain.ErrorCode(err) == domain.EFORBIDDEN {
			return domain.Errorf(domain.EINVALID, "Votes are for enrolled learners.")
		} else if err != nil {
			return err
		}
		n, err := tx.AddVote(b.ID, learner, voterID)
		if err != nil {
			return err
		}
		if _, held, err := domain.Found(tx.AwardOf(b.ID, learner)); err != nil || held || n < b.Votes {
			return err
		}
		_, err = l.award(tx, b, learner, nil, "")
		return err
	})
	if err == nil {
		l.Posts.Outbox.Wake()
	}
	return err
}

// Revoke marks an award revoked and deletes the note that announced it.
func (l *Learning) Revoke(ctx context.Context, organiser, awardID, reason string) error {
	err := l.Service.Store.Update(ctx, func(tx domain.Tx) error {
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if err := l.organises(tx, a.Issuer, organiser); err != nil {
			return err
		}
		if a.Revoked {
			return nil
		}
		a.Revoked, a.RevokedAt, a.Reason = true, l.Posts.Now().UTC(), strings.TrimSpace(reason)
		if err := tx.PutAward(a); err != nil {
			return err
		}
		typ, err := tx.HandleType(a.Issuer)
		if err != nil {
			return err
		}
		urls := l.urls()
		issuerID := urls.Actor(typ, a.Issuer)
		inboxes, err := tx.FollowerInboxes(a.Issuer)
		if err != nil {
			return err
		}
		ra, err := remoteActor(tx, a.Learner) // nil: a local learner
		if err != nil {
			return err
		}
		if ra != nil {
			inboxes = append(inboxes, ra.Inbox)
		}
		if err := tx.PutTombstone(&domain.Tombstone{ID: a.NoteURI, Deleted: a.RevokedAt}); err != nil {
			return err
		}
		id := urls.NewActivityID(l.Posts.NewID())
		del := federation.DeleteNote(id, issuerID, a.NoteURI,
			federation.NoteAddress{To: []string{federation.Public}, CC: []string{issuerID + "/followers", a.Learner}})
		return l.Posts.Outbox.Queue(tx, a.Issuer, id, del, inboxes)
	})
	if err == nil {
		l.Posts.Outbox.Wake()
	}
	return err
}

func (l *Learning) organises(tx domain.Tx, issuer, person string) error {
	typ, err := tx.HandleType(issuer)
	if err != nil {
		return err
	}
	ok := false
	switch typ {
	case domain.ActorCourse:
		c, err := tx.Course(issuer)
		if err != nil {
			return err
		}
		ok = c.IsOrganiser(person)
	case domain.ActorSchool:
		s, err := tx.School(issuer)
		if err != nil {
			return err
		}
		ok = s.IsOrganiser(person)
	}
	if !ok {
		return domain.Errorf(domain.EFORBIDDEN, "Only the organisers can award or revoke this badge.")
	}
	return nil
}

// award records an award and announces it: a public note from the issuer
// that mentions the learner (Mention tag and the learner in cc, so Mastodon
// notifies them), with the badge image attached and a link to the hosted
// Open Badges assertion.
func (l *Learning) award(tx domain.Tx, b *domain.Badge, learner string, evidence []string, by string) (*domain.Award, error) {
	urls := l.urls()
	a := &domain.Award{ID: l.Posts.NewID(), Badge: b.ID, Issuer: b.Issuer, Learner: learner,
		IssuedOn: l.Posts.Now().UTC().Truncate(time.Second), Evidence: evidence, AwardedBy: by}
	typ, err := tx.HandleType(b.Issuer)
	if err != nil {
		return nil, err
	}
	issuerID := urls.Actor(typ, b.Issuer)
	name := learner
	inboxes, err := tx.FollowerInboxes(b.Issuer)
	if err != nil {
		return nil, err
	}
	ra, err := remoteActor(tx, learner) // nil: a local learner
	if err != nil {
		return nil, err
	}
	if ra != nil {
		name = ra.Handle()
		inboxes = append(inboxes, ra.Inbox)
	} else if h, _, ok := urls.LocalActor(learner); ok {
		name = "@" + h + "@" + urls.Host()
	}
	assertion := urls.Path("/awards/" + a.ID)
	mention := []federation.Mention{{ID: learner, Name: name}}
	text := fmt.Sprintf("%s earned the badge \"%s\". Well done!\n\nThe badge: %s", name, b.Name, assertion)
	addr := federation.PublicAddress(issuerID+"/followers", mention)
	a.NoteURI, err = l.Posts.note(tx, b.Issuer, text, mention, addr, inboxes, map[string]any{
		"attachment": []any{map[string]string{"type": "Image", "mediaType": "image/png",
			"url": urls.Path("/badges/" + b.ID + "/image.png"), "name": "Badge: " + b.Name}},
		"openBadge": assertion,
	})
	if err != nil {
		return nil, err
	}
	return a, tx.PutAward(a)
}

// EditTask saves an organiser's new text for a task (the old version kept
// as a revision) and sends the course's followers Update{Page}, so nodes
// that cache the task refresh it.
func (l *Learning) EditTask(ctx context.Context, editor string, t *domain.Task) error {
	return l.changeTasks(ctx, t.Course, func(tx domain.Tx) ([]*domain.Task, error) {
		return []*domain.Task{t}, l.Service.EditTask(tx, editor, t)
	})
}

// RestoreTask brings back revision rev of a task, as an edit: the course's
// followers get Update{Page}.
func (l *Learning) RestoreTask(ctx context.Context, editor, course, id string, rev int) (*domain.Task, error) {
	var out *domain.Task
	err := l.changeTasks(ctx, course, func(tx domain.Tx) ([]*domain.Task, error) {
		var err error
		out, err = l.Service.RestoreTask(tx, editor, course, id, rev)
		return []*domain.Task{out}, err
	})
	return out, err
}

// ReorderTasks puts a course's tasks in the order of ids; each task whose
// place changed is sent to the course's followers as Update{Page} with its
// new position, so other nodes list the tasks in the same order.
func (l *Learning) ReorderTasks(ctx context.Context, editor, course string, ids []string) error {
	return l.changeTasks(ctx, course, func(tx domain.Tx) ([]*domain.Task, error) {
		return l.Service.ReorderTasks(tx, editor, course, ids)
	})
}

// changeTasks runs change in one transaction with the Update{Page} of each
// task it returns, queued for the course's followers when the course
// federates.
func (l *Learning) changeTasks(ctx context.Context, course string, change func(domain.Tx) ([]*domain.Task, error)) error {
	err := l.Service.Store.Update(ctx, func(tx domain.Tx) error {
		tasks, err := change(tx)
		if err != nil {
			return err
		}
		c, err := tx.Course(course)
		if err != nil || !c.Federates() || len(tasks) == 0 {
			return err
		}
		urls := l.urls()
		courseID := urls.Actor(domain.ActorCourse, c.Handle)
		inboxes, err := tx.FollowerInboxes(c.Handle)
		if err != nil {
			return err
		}
		for _, t := range tasks {
			id := urls.NewActivityID(l.Posts.NewID())
			upd := federation.Wrap("Update", id, courseID, TaskObject(urls, t),
				federation.NoteAddress{To: []string{federation.Public}, CC: []string{courseID + "/followers"}}, l.Posts.Now())
			if err := l.Posts.Outbox.Queue(tx, c.Handle, id, upd, inboxes); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		l.Posts.Outbox.Wake()
	}
	return err
}

// TaskObject is a task as an ActivityStreams Page: a titled content page of
// the course, in its context, with its place in the course's order.
func TaskObject(urls federation.URLs, t *domain.Task) map[string]any {
	course := urls.Actor(domain.ActorCourse, t.Course)
	id := TaskURL(urls, t.Course, t.ID)
	o := map[string]any{"id": id, "type": "Page", "name": t.Title, "content": t.Body, "url": id,
		"attributedTo": course, "context": course, "published": t.Created.UTC().Format(time.RFC3339),
		"updated": t.Updated.UTC().Format(time.RFC3339), "position": t.Position,
		"completions": id + "/completions"}
	if !t.Due.IsZero() {
		o["endTime"] = t.Due.UTC().Format(time.RFC3339)
	}
	return o
}

// SetBadgeImage stores an organiser's PNG for a badge after checking it
// (a real PNG, size and dimension limits, no decompression bomb).
func (l *Learning) SetBadgeImage(ctx context.Context, organiser, badgeID string, png []byte) error {
	if err := badgepng.Check(png); err != nil {
		return err
	}
	return l.Service.Store.Update(ctx, func(tx domain.Tx) error {
		b, err := tx.Badge(badgeID)
		if err != nil {
			return err
		}
		if err := l.organises(tx, b.Issuer, organiser); err != nil {
			return err
		}
		b.Image = append([]byte(nil), png...)
		return tx.PutBadge(b)
	})
}

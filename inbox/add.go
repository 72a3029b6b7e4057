package inbox

import (
	"context"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/integrity"
)

// taskTarget parses a local task's completions collection:
// BASE/courses/HANDLE/tasks/ID/completions.
func (in *Inbox) taskTarget(target string) (course, task string, ok bool) {
	rest, found := strings.CutPrefix(target, in.cfg.URLs.Base()+"/courses/")
	if !found {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[1] != "tasks" || parts[3] != "completions" || parts[0] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// add handles Add{Completion, target: a task's completions collection}: a
// learner on another Lernejo node did a task of one of our courses. The
// record must be the signer's own (its actor, on its origin) and name the
// task; the learner must be enrolled. Badges it earns are awarded.
func (in *Inbox) add(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	if act.Object != nil && act.Object.Type == "Vote" {
		return in.addVote(ctx, tx, act) // vote.go
	}
	if act.Object != nil && act.Object.Type == "Review" {
		return in.addReview(tx, act) // review.go
	}
	if act.Object != nil && act.Object.Type == "Page" {
		return in.addTask(tx, act)
	}
	course, task, ok := in.taskTarget(act.Target)
	o := act.Object
	if !ok || o == nil || o.IsLink || o.Type != "Completion" {
		return nil
	}
	if o.Actor != act.Actor || !federation.SameOrigin(o.ID, act.Actor) {
		return refusef("completion %s is not %s's own", o.ID, act.Actor)
	}
	if o.Object != in.cfg.URLs.Actor(domain.ActorCourse, course)+"/tasks/"+task {
		return refusef("completion of %s added to the collection of another task", o.Object)
	}
	// The record must carry the learner's proof (FEP-8b32), checked against
	// the assertion keys of their actor document.
	learner, err := tx.RemoteActor(act.Actor)
	if err != nil {
		return err
	}
	if err := integrity.VerifyRecord(o.Raw, learner); err != nil {
		return refusef("completion %s: %w", o.ID, err)
	}
	c := &domain.Completion{ID: o.ID, Course: course, Task: task, Learner: act.Actor,
		Note: in.cfg.Sanitizer.PlainText(o.Content), At: o.Published, Raw: o.Raw}
	if strings.HasPrefix(o.URL, "https://") || strings.HasPrefix(o.URL, "http://") {
		c.Evidence = o.URL
	}
	if c.At.IsZero() {
		c.At = in.cfg.Now().UTC()
	}
	return in.cfg.Learning.RecordCompletion(tx, c)
}

// addTask handles Add{Page, target: the course's tasks collection}: a
// Lernejo course our people follow added a task. The Page must be on the
// course's own origin, the target the tasks collection its actor names;
// an Add from a course no one here follows, or to another collection, is
// ignored.
func (in *Inbox) addTask(tx domain.Tx, act *federation.Activity) error {
	o := act.Object
	if o.IsLink {
		return nil
	}
	course, found, err := domain.Found(tx.RemoteActor(act.Actor))
	if err != nil || !found || !course.Lernejo || course.Tasks == "" || act.Target != course.Tasks {
		return err
	}
	if followed, err := in.cfg.Enrolment.Followed(tx, act.Actor); err != nil || !followed {
		return err
	}
	t := in.cfg.Resolver.RemoteTask(act.Actor, o.Raw)
	if t == nil {
		return refusef("task %s is not a Page of %s", o.ID, act.Actor)
	}
	return in.cfg.Learning.ReceiveTask(tx, t)
}

// remove handles Remove{completion}: the learner takes a completion back to
// do the task again (Learning.WithdrawCompletion, their own record only).
func (in *Inbox) remove(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	course, task, ok := in.taskTarget(act.Target)
	if !ok || act.Object == nil {
		return nil
	}
	return in.cfg.Learning.WithdrawCompletion(tx, course, task, act.Actor, act.Object.ID)
}

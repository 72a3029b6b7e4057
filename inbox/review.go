package inbox

import (
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/integrity"
)

// reviewsTarget parses a local task's reviews collection:
// BASE/courses/HANDLE/tasks/ID/reviews.
func (in *Inbox) reviewsTarget(target string) (course, task string, ok bool) {
	rest, found := strings.CutPrefix(target, in.cfg.URLs.Base()+"/courses/")
	if !found {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[1] != "tasks" || parts[3] != "reviews" || parts[0] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// addReview handles Add{Review, target: a task's reviews}: a participant
// on another Lernejo node reviews work submitted for a task of one of our
// courses. The record must be the signer's own (its actor, on its origin),
// carry their proof (FEP-8b32), and name the task whose reviews it is
// added to; Reviews.ReceiveReview applies the rules (a participant, not
// their own work, once, the work submitted for that task).
func (in *Inbox) addReview(tx domain.Tx, act *federation.Activity) error {
	course, task, ok := in.reviewsTarget(act.Target)
	o := act.Object
	if !ok || o.IsLink {
		return refusef("review added to %q, which is no task's reviews here", act.Target)
	}
	if o.Actor != act.Actor || !federation.SameOrigin(o.ID, act.Actor) {
		return refusef("review %s is not %s's own", o.ID, act.Actor)
	}
	reviewer, err := tx.RemoteActor(act.Actor)
	if err != nil {
		return err
	}
	if err := integrity.VerifyRecord(o.Raw, reviewer); err != nil {
		return refusef("review %s: %w", o.ID, err)
	}
	rec, err := federation.ReadReview(o.Raw)
	if err != nil {
		return refusef("review %s: %w", o.ID, err)
	}
	if rec.Target != federation.TaskURL(in.cfg.URLs, course, task) {
		return refusef("review of %s added to the reviews of another task", rec.Target)
	}
	return in.cfg.Reviews.ReceiveReview(tx, course, task, act.Actor, rec)
}

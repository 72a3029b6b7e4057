package inbox

import (
	"context"
	"fmt"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// follow handles Follow{local actor}. A course answers at once with Accept
// when sign-up is open, keeps the follow pending when an organiser approves
// sign-ups, and answers Reject when sign-up is closed or the course full.
// People and schools accept at once. A Follow that was already undone
// (Undo arrived first) is ignored (D10).
func (in *Inbox) follow(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	return in.enrol(tx, act, false)
}

// join handles Join{course} from Lernejo nodes: enrolment as with Follow,
// with the sign-up answers in content, answered with Accept or Reject{Join}.
func (in *Inbox) join(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	return in.enrol(tx, act, true)
}

// leave handles Leave{course}: the enrolment ends; the learner's posts stay.
func (in *Inbox) leave(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	if act.Object == nil {
		return refusef("leave without object")
	}
	local, typ, ok, err := in.localTarget(tx, act.Object.ID)
	if err != nil || !ok || typ != domain.ActorCourse {
		return err
	}
	_, enrolled, err := domain.Found(tx.Follower(local, act.Actor))
	if err != nil {
		return fmt.Errorf("inbox: leave: %w", err)
	}
	if !enrolled {
		return nil
	}
	return tx.DeleteFollower(local, act.Actor)
}

func (in *Inbox) enrol(tx domain.Tx, act *federation.Activity, isJoin bool) error {
	if act.Object == nil {
		return refusef("follow without object")
	}
	local, typ, ok, err := in.localTarget(tx, act.Object.ID)
	if err != nil {
		return err
	}
	if !ok || typ == domain.ActorApplication {
		return refusef("follow of %s, not a local actor", act.Object.ID)
	}
	if _, undone, err := domain.Found(tx.Tombstone(act.ID)); err != nil {
		return fmt.Errorf("inbox: follow: %w", err)
	} else if undone {
		return refusef("follow %s was already undone", act.ID)
	}
	follower, err := tx.RemoteActor(act.Actor)
	if err != nil {
		return err
	}
	// The Accept embeds the Follow as the follower sent it: peers match the
	// answer to their request by its id and object.
	ref := federation.FollowRef{ID: act.ID, Actor: act.Actor, Object: act.Object.ID}
	if isJoin {
		if typ != domain.ActorCourse {
			return refusef("join of %s, not a course", local)
		}
		ref.Type = "Join"
	}
	localID := in.cfg.URLs.Actor(typ, local)

	state := domain.FollowAccepted
	if typ == domain.ActorCourse {
		c, err := tx.Course(local)
		if err != nil {
			return err
		}
		if !c.Federates() {
			return refusef("follow of draft course %s", local)
		}
		existing, _, err := domain.Found(tx.Follower(local, act.Actor))
		if err != nil {
			return fmt.Errorf("inbox: follow: %w", err)
		}
		// Already enrolled: confirm again (the peer lost our Accept).
		if existing == nil || existing.State != domain.FollowAccepted {
			state, err = c.Admit(act.Actor, func() (int, error) { return tx.CountFollowers(local, domain.FollowAccepted) })
			if domain.ErrorCode(err) == domain.EFORBIDDEN {
				return in.queue(tx, local, follower, federation.RejectFollow(in.newActivityID(), localID, ref))
			}
			if err != nil {
				return err
			}
		}
	}
	f := &domain.Follower{
		Local:      local,
		Actor:      act.Actor,
		ActivityID: act.ID,
		State:      state,
		Inbox:      follower.DeliveryInbox(),
		Lernejo:    isJoin,
		Created:    in.cfg.Now().UTC(),
	}
	if isJoin {
		f.Answers = in.cfg.Sanitizer.PlainText(act.Content)
	}
	if state == domain.FollowPending {
		if !isJoin {
			// Mastodon cannot send answers with a Follow: ask in a direct note.
			if err := in.askQuestions(tx, local, follower, f); err != nil {
				return err
			}
		}
		return tx.PutFollower(f)
	}
	if err := tx.PutFollower(f); err != nil {
		return err
	}
	return in.queue(tx, local, follower, federation.AcceptFollow(in.newActivityID(), localID, ref))
}

// queue sends an activity of a local actor to one remote actor.
func (in *Inbox) queue(tx domain.Tx, local string, to *domain.RemoteActor, activity []byte) error {
	id, err := activityID(activity)
	if err != nil {
		return err
	}
	return in.cfg.Outbox.Queue(tx, local, id, activity, []string{to.Inbox})
}

// askQuestions sends a learner waiting for a moderated course the course's
// sign-up questions in a direct note: the learner Mention-tagged and
// addressed, so Mastodon notifies them. Their reply becomes their answers.
func (in *Inbox) askQuestions(tx domain.Tx, local string, learner *domain.RemoteActor, f *domain.Follower) error {
	c, err := tx.Course(local)
	if err != nil || len(c.Questions) == 0 {
		return err
	}
	text := "Thanks for your interest in " + c.Title + "! An organiser will look at your request. Please reply to this message to answer:"
	for i, q := range c.Questions {
		text += fmt.Sprintf("\n%d. %s", i+1, q)
	}
	note, err := in.cfg.Notes.Direct(tx, local, text, []federation.Mention{{ID: learner.ID, Name: learner.Handle()}})
	if err != nil {
		return err
	}
	f.QuestionNote = note
	return nil
}

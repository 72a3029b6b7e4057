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
	if act.Object == nil {
		return fmt.Errorf("follow without object")
	}
	local, typ, ok := in.localTarget(tx, act.Object.ID)
	if !ok || typ == domain.ActorApplication {
		return fmt.Errorf("follow of %s, not a local actor", act.Object.ID)
	}
	if _, err := tx.Tombstone(act.ID); err == nil {
		return fmt.Errorf("follow %s was already undone", act.ID)
	}
	follower, err := tx.RemoteActor(act.Actor)
	if err != nil {
		return err
	}
	// The Accept embeds the Follow as the follower sent it: peers match the
	// answer to their request by its id and object.
	ref := federation.FollowRef{ID: act.ID, Actor: act.Actor, Object: act.Object.ID}
	localID := in.cfg.URLs.Actor(typ, local)

	state := domain.FollowAccepted
	if typ == domain.ActorCourse {
		c, err := tx.Course(local)
		if err != nil {
			return err
		}
		if !c.Federates() {
			return fmt.Errorf("follow of draft course %s", local)
		}
		existing, err := tx.Follower(local, act.Actor)
		switch {
		case err == nil && existing.State == domain.FollowAccepted:
			// Already enrolled: confirm again (the peer lost our Accept).
		case c.SignUp == domain.SignUpClosed || c.Status != domain.StatusOpen:
			return in.queue(tx, local, follower, federation.RejectFollow(in.newActivityID(), localID, ref))
		case c.Capacity > 0:
			n, err := tx.CountFollowers(local, domain.FollowAccepted)
			if err != nil {
				return err
			}
			if n >= c.Capacity {
				return in.queue(tx, local, follower, federation.RejectFollow(in.newActivityID(), localID, ref))
			}
		}
		if c.SignUp == domain.SignUpModerated && (err != nil || existing.State != domain.FollowAccepted) {
			state = domain.FollowPending
		}
	}
	if err := tx.PutFollower(&domain.Follower{
		Local:      local,
		Actor:      act.Actor,
		ActivityID: act.ID,
		State:      state,
		Inbox:      follower.DeliveryInbox(),
		Created:    in.cfg.Now().UTC(),
	}); err != nil {
		return err
	}
	if state == domain.FollowPending {
		return nil
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

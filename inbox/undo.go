package inbox

import (
	"context"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// undo handles Undo{Follow}: the follower leaves (for a course, the
// enrolment ends). The Follow's id is tombstoned so a Follow arriving after
// its Undo is ignored (D10). Undo{Like} and Undo{Announce} uncount the
// reaction (only the actor who reacted can). Other Undos are ignored.
func (in *Inbox) undo(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	o := act.Object
	if o == nil {
		return refusef("undo without object")
	}
	if o.Type == "Like" || o.Type == "Announce" {
		_, _, err := tx.RemoveReaction(o.ID, act.Actor)
		return err
	}
	if o.Type != "Follow" && !o.IsLink {
		return nil
	}
	if o.IsLink {
		if _, _, err := tx.RemoveReaction(o.ID, act.Actor); err != nil {
			return err
		}
	}
	if !o.IsLink && o.Actor != act.Actor {
		return refusef("undo of a follow by %s sent by %s", o.Actor, act.Actor)
	}
	if err := tx.PutTombstone(&domain.Tombstone{ID: o.ID, Deleted: in.cfg.Now().UTC()}); err != nil {
		return err
	}
	follows, err := tx.FollowedBy(act.Actor)
	if err != nil {
		return err
	}
	for _, f := range follows {
		matches := f.ActivityID == o.ID
		if !o.IsLink {
			local, _, ok, err := in.localTarget(tx, o.Object)
			if err != nil {
				return err
			}
			if ok && local == f.Local {
				matches = true
			}
		}
		if matches {
			if err := tx.DeleteFollower(f.Local, f.Actor); err != nil {
				return err
			}
		}
	}
	return nil
}

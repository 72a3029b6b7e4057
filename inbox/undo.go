package inbox

import (
	"context"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// undo handles Undo{Follow}: Enrolment.Withdraw ends the follow (for a
// course, the enrolment). The Follow's id is tombstoned so a Follow
// arriving after its Undo is ignored (D10). Undo{Like} and Undo{Announce}
// uncount the reaction (only the actor who reacted can), and so does an
// Undo of a bare id, which may name either. Undo{Join} of a meeting of this
// node is an answer to it (event.go). Other Undos are ignored.
func (in *Inbox) undo(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	o := act.Object
	if o == nil {
		return refusef("undo without object")
	}
	if ok, err := in.undoJoinMeeting(tx, act); ok {
		return err
	}
	if o.Type == "Like" || o.Type == "Announce" {
		return in.cfg.Discussion.Unreact(tx, o.ID, act.Actor)
	}
	if o.Type != "Follow" && !o.IsLink {
		return nil
	}
	local := o.Object // the followed actor, when the Follow is embedded
	if o.IsLink {
		if err := in.cfg.Discussion.Unreact(tx, o.ID, act.Actor); err != nil {
			return err
		}
		local = ""
	} else if o.Actor != act.Actor {
		return refusef("undo of a follow by %s sent by %s", o.Actor, act.Actor)
	}
	if err := tx.PutTombstone(&domain.Tombstone{ID: o.ID, Deleted: in.cfg.Now().UTC()}); err != nil {
		return err
	}
	return in.cfg.Enrolment.Withdraw(tx, act.Actor, o.ID, local)
}

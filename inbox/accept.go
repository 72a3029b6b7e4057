package inbox

import (
	"context"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// accept handles Accept{Follow}: our person's follow is now accepted.
func (in *Inbox) accept(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	if ok, err := in.offerAnswered(tx, act, true); ok {
		return err
	}
	followID, follower, ok, err := answered(act)
	if err != nil || !ok {
		return err
	}
	return in.cfg.Enrolment.Accepted(tx, followID, follower, act.Actor)
}

// reject handles Reject{Follow}: our person's follow request was refused,
// or an accepted follow was ended by the other side.
func (in *Inbox) reject(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	if ok, err := in.offerAnswered(tx, act, false); ok {
		return err
	}
	followID, follower, ok, err := answered(act)
	if err != nil || !ok {
		return err
	}
	return in.cfg.Enrolment.Rejected(tx, followID, follower, act.Actor)
}

// answered reads the Follow (or Join) that an Accept or Reject answers: its
// id, and its actor when it is embedded (peers that rewrite the id of the
// Follow they answer still name who sent it). ok is false when the object
// is something else, which is not ours to settle.
func answered(act *federation.Activity) (followID, follower string, ok bool, err error) {
	o := act.Object
	if o == nil {
		return "", "", false, refusef("%s without object", act.Type)
	}
	if o.IsLink {
		return o.ID, "", true, nil
	}
	if o.Type != "Follow" && o.Type != "Join" {
		return "", "", false, nil
	}
	return o.ID, o.Actor, true, nil
}

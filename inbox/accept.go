package inbox

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// ourFollow finds the Follow of a local person that an Accept or Reject
// answers: by the embedded or linked Follow id, or else by the embedded
// Follow's actor (ours) and the answering actor. Only the followed actor may
// answer (the Accept's actor must be the Follow's object).
func (in *Inbox) ourFollow(tx domain.Tx, act *federation.Activity) (*domain.Following, error) {
	o := act.Object
	if o == nil {
		return nil, refusef("%s without object", act.Type)
	}
	if !o.IsLink && o.Type != "Follow" && o.Type != "Join" {
		return nil, nil
	}
	f, err := tx.FollowingByActivity(o.ID)
	if domain.IsNotFound(err) && !o.IsLink {
		local, typ, ok, lerr := in.localTarget(tx, o.Actor)
		if lerr != nil {
			return nil, lerr
		}
		if ok && typ == domain.ActorPerson {
			f, err = tx.Following(local, act.Actor)
		}
	}
	if err != nil {
		return nil, err
	}
	if f.Target != act.Actor {
		return nil, refusef("%s of a follow of %s by %s", act.Type, f.Target, act.Actor)
	}
	return f, nil
}

// accept handles Accept{Follow}: our person's follow is now accepted.
func (in *Inbox) accept(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	f, err := in.ourFollow(tx, act)
	if err != nil || f == nil {
		return err
	}
	f.State = domain.FollowAccepted
	return tx.PutFollowing(f)
}

// reject handles Reject{Follow}: our person's follow request was refused,
// or an accepted follow was ended by the other side.
func (in *Inbox) reject(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	f, err := in.ourFollow(tx, act)
	if err != nil || f == nil {
		return err
	}
	return tx.DeleteFollowing(f.Local, f.Target)
}

// activityID reads the id of an activity we built.
func activityID(b []byte) (string, error) {
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.ID == "" {
		return "", fmt.Errorf("activity without id: %v", err)
	}
	return v.ID, nil
}

package inbox

import (
	"context"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// like handles Like of a post in a course's discussion: counted once per
// actor. Likes of anything else are ignored.
func (in *Inbox) like(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	return in.react(tx, "Like", act)
}

// announce handles Announce (a boost) of a post in a course's discussion:
// counted once per actor. Announces of anything else are ignored.
func (in *Inbox) announce(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	return in.react(tx, "Announce", act)
}

func (in *Inbox) react(tx domain.Tx, kind string, act *federation.Activity) error {
	if act.Object == nil || act.Object.ID == "" {
		return nil
	}
	if _, err := tx.Post(act.Object.ID); domain.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	_, err := tx.AddReaction(kind, act.Object.ID, act.Actor, act.ID)
	return err
}

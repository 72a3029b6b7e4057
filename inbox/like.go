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
// counted once per actor. A followed remote course's Announce of a note
// (FEP-1b12 redistribution) brings that note into its mirrored discussion:
// process fetched it from its own origin beforehand. Announces of anything
// else are ignored.
func (in *Inbox) announce(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	// Only a copy fetched from the note's own origin is kept: an embedded
	// copy could say anything in anyone's name (HOSTILE O4).
	if o := act.Object; o != nil && o.Fetched && o.ID != "" && postTypes[o.Type] {
		if _, err := tx.Post(o.ID); domain.IsNotFound(err) {
			if o.AttributedTo == "" || !federation.SameOrigin(o.AttributedTo, o.ID) || !isPublic(o) {
				return nil
			}
			var parent *domain.Post
			if o.InReplyTo != "" {
				parent, _ = tx.Post(o.InReplyTo)
			}
			return tx.PutPost(in.newPost(act, o, act.Actor, parent))
		}
	}
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

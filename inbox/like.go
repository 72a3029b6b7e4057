package inbox

import (
	"context"
	"fmt"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// like handles Like of a post in a course's discussion: counted once per
// actor (Discussion.React). Likes of anything else are ignored.
func (in *Inbox) like(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	return in.react(tx, "Like", act)
}

// announce handles Announce (a boost) of a post in a course's discussion:
// counted once per actor. A followed remote course's Announce of a note
// (FEP-1b12 redistribution) brings that note into its mirrored discussion
// (Discussion.Mirror): process fetched it from its own origin beforehand.
// Announces of anything else are ignored.
func (in *Inbox) announce(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	// Only a copy fetched from the note's own origin is kept: an embedded
	// copy could say anything in anyone's name (HOSTILE O4).
	if o := act.Object; o != nil && o.Fetched && o.ID != "" && postTypes[o.Type] {
		_, known, err := domain.Found(tx.Post(o.ID))
		if err != nil {
			return fmt.Errorf("inbox: announce: %w", err)
		}
		if !known {
			if o.AttributedTo == "" || !federation.SameOrigin(o.AttributedTo, o.ID) || !isPublic(o) {
				return nil
			}
			return in.cfg.Discussion.Mirror(tx, act.Actor, in.remotePost(act, o, o.AttributedTo))
		}
	}
	return in.react(tx, "Announce", act)
}

func (in *Inbox) react(tx domain.Tx, kind string, act *federation.Activity) error {
	if act.Object == nil || act.Object.ID == "" {
		return nil
	}
	return in.cfg.Discussion.React(tx, kind, act.Object.ID, act.Actor, act.ID)
}

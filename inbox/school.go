package inbox

import (
	"context"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// offer handles Offer{course, target: a local school}: a course of another
// Lernejo node asks to join one of our schools. The course offers itself:
// the object must be the actor, the signer (step 3). It waits in the
// school's queue for an organiser (Schools.ReceiveOffer). Offers of
// anything else are ignored.
func (in *Inbox) offer(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	school, typ, ok := in.cfg.URLs.LocalActor(act.Target)
	if !ok || typ != domain.ActorSchool || act.Object == nil {
		return nil
	}
	if act.Object.ID != act.Actor {
		return refusef("offer of %s by %s: a course offers only itself", act.Object.ID, act.Actor)
	}
	return in.cfg.Schools.ReceiveOffer(tx, school, act.Actor, act.ID)
}

// offerAnswered handles Accept{Offer} and Reject{Offer}: a school elsewhere
// answered one of our courses (Schools.OfferAnswered, which checks that
// the school is the one asked and the Offer the course's last). It
// reports false when the answer is not of an embedded Offer.
func (in *Inbox) offerAnswered(tx domain.Tx, act *federation.Activity, accepted bool) (bool, error) {
	o := act.Object
	if o == nil || o.IsLink || o.Type != "Offer" {
		return false, nil
	}
	return true, in.cfg.Schools.OfferAnswered(tx, o.Actor, o.ID, act.Actor, accepted)
}

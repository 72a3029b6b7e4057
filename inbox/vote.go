package inbox

import (
	"context"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/integrity"
)

// badgeVotes parses a local badge's votes collection: BASE/badges/ID/votes.
func (in *Inbox) badgeVotes(target string) (badge string, ok bool) {
	rest, found := strings.CutPrefix(target, in.cfg.URLs.Base()+"/badges/")
	if !found {
		return "", false
	}
	id, found := strings.CutSuffix(rest, "/votes")
	if !found || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

// addVote handles Add{Vote, target: a badge's votes}: a learner on another
// Lernejo node votes for awarding a peer-awarded badge of one of our
// courses to a fellow learner. The record must be the signer's own (its
// actor, on its origin), carry their proof (FEP-8b32), and name the badge
// whose votes it is added to; Badges.ReceiveVote applies the rules (both
// enrolled, not for oneself, once) and awards at the threshold.
func (in *Inbox) addVote(ctx context.Context, tx domain.Tx, act *federation.Activity) error {
	badge, ok := in.badgeVotes(act.Target)
	o := act.Object
	if !ok || o == nil || o.IsLink || o.Type != "Vote" {
		return nil
	}
	if o.Actor != act.Actor || !federation.SameOrigin(o.ID, act.Actor) {
		return refusef("vote %s is not %s's own", o.ID, act.Actor)
	}
	voter, err := tx.RemoteActor(act.Actor)
	if err != nil {
		return err
	}
	if err := integrity.VerifyRecord(o.Raw, voter); err != nil {
		return refusef("vote %s: %w", o.ID, err)
	}
	named, err := federation.VoteBadge(o.Raw)
	if err != nil {
		return refusef("vote %s: %w", o.ID, err)
	}
	if named != in.cfg.URLs.Path("/badges/"+badge) {
		return refusef("vote for %s added to the votes of another badge", named)
	}
	if o.Object == "" {
		return refusef("vote %s names no learner", o.ID)
	}
	return in.cfg.Badges.ReceiveVote(tx, badge, act.Actor, o.Object)
}

package fetch

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/lernejo/lernejo/federation"
)

// maxBadges bounds how many badge classes of a remote course are fetched.
const maxBadges = 50

// BadgeClass is a badge class of a course on another Lernejo node, as its
// badges collection lists it: the id to vote for, its name, and whether
// fellow learners award it by votes, and how many.
type BadgeClass struct {
	ID          string
	Name        string
	PeerVoted   bool
	VotesNeeded int
}

// FetchBadges fetches the badge classes of the Lernejo course courseID:
// the course actor's badges collection (on the course's origin), then each
// badge class it lists, which must be on that origin too and is skipped
// otherwise. A course without a badges collection has none.
func (r *Resolver) FetchBadges(ctx context.Context, courseID string) ([]BadgeClass, error) {
	if err := r.checkBlocked(ctx, courseID); err != nil {
		return nil, err
	}
	raw, err := r.Client.FetchActivity(ctx, courseID)
	if err != nil {
		return nil, err
	}
	var actor struct {
		Badges string `json:"badges"`
	}
	if json.Unmarshal(raw, &actor) != nil || !federation.SameOrigin(actor.Badges, courseID) {
		return nil, nil
	}
	b, err := r.Client.FetchActivity(ctx, actor.Badges)
	if err != nil {
		return nil, err
	}
	var coll struct {
		OrderedItems []json.RawMessage `json:"orderedItems"`
	}
	if err := json.Unmarshal(b, &coll); err != nil {
		return nil, fmt.Errorf("fetch: badges of %s: %w", courseID, err)
	}
	var out []BadgeClass
	for i, item := range coll.OrderedItems {
		if i >= maxBadges {
			break
		}
		var id string
		if json.Unmarshal(item, &id) != nil || !federation.SameOrigin(id, courseID) {
			continue
		}
		doc, err := r.Client.FetchActivity(ctx, id)
		if err != nil {
			return nil, err
		}
		var bc struct {
			Type        string `json:"type"`
			Name        string `json:"name"`
			PeerVoted   bool   `json:"peerVoted"`
			VotesNeeded int    `json:"votesNeeded"`
		}
		if json.Unmarshal(doc, &bc) != nil || bc.Type != "BadgeClass" {
			continue
		}
		out = append(out, BadgeClass{ID: id, Name: r.Sanitizer.PlainText(bc.Name), PeerVoted: bc.PeerVoted, VotesNeeded: bc.VotesNeeded})
	}
	return out, nil
}

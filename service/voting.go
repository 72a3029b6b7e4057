package service

import (
	"context"
	"fmt"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/fetch"
)

// maxParticipants bounds the fellow learners the vote form offers, and
// the course posts read to find them.
const maxParticipants = 100

// Participant is a fellow learner of a course on another server, as this
// node knows them: their actor id and a name for a page.
type Participant struct {
	ID, Name string
}

// RemoteVoting is what a local learner needs to vote for a fellow learner
// on a course of another Lernejo node: the course's peer-voted badges, as
// its badges collection lists them, and the participants this node knows.
type RemoteVoting struct {
	Badges       []fetch.BadgeClass
	Participants []Participant
}

// RemoteVoting is the vote form's choices for viewer (a local handle) on
// the course courseID of another Lernejo node, which viewer takes part in:
// the course's badges that fellow learners award by votes, fetched from
// the course, and the participants this node knows (the people here who
// take part in it too, and the authors of the course's posts it received),
// not viewer. A course viewer does not take part in offers nothing.
func (s *Badges) RemoteVoting(ctx context.Context, viewer, courseID string) (*RemoteVoting, error) {
	out := &RemoteVoting{}
	me := s.URLs.Actor(domain.ActorPerson, viewer)
	joined := false
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		f, _, err := domain.Found(tx.Following(viewer, courseID))
		if err != nil {
			return fmt.Errorf("service: remote voting: %w", err)
		}
		if f == nil || f.State != domain.FollowAccepted {
			return nil
		}
		joined = true
		seen := map[string]bool{me: true, courseID: true}
		add := func(id string) error {
			if seen[id] || len(out.Participants) >= maxParticipants {
				return nil
			}
			seen[id] = true
			name, _, err := s.authorOf(tx, id)
			if err != nil {
				return err
			}
			out.Participants = append(out.Participants, Participant{ID: id, Name: name})
			return nil
		}
		fs, err := tx.FollowingsOf(courseID)
		if err != nil {
			return err
		}
		for _, f := range fs {
			if f.State == domain.FollowAccepted {
				if err := add(s.URLs.Actor(domain.ActorPerson, f.Local)); err != nil {
					return err
				}
			}
		}
		posts, err := tx.CoursePostsPage(courseID, "", maxParticipants)
		if err != nil {
			return err
		}
		for _, p := range posts.Items {
			if err := add(p.Author); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || !joined {
		return out, err
	}
	badges, err := s.Resolver.FetchBadges(ctx, courseID)
	if err != nil {
		return out, fmt.Errorf("service: badges of %s: %w", courseID, err)
	}
	for _, b := range badges {
		if b.PeerVoted {
			out.Badges = append(out.Badges, b)
		}
	}
	return out, nil
}

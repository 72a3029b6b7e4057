package service

import (
	"context"
	"fmt"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// The read models of what a learner holds and follows: a course on another
// server as this node knows it, and the badges awarded here with the Open
// Badges documents (issuer, badge class) a verifier reads to check them.

// RemoteCoursePage is a course on another server as this node shows it to
// one of its people: the actor, the viewer's enrolment, the tasks cached
// here with the viewer's progress, and a page of the mirrored discussion.
type RemoteCoursePage struct {
	Actor *domain.RemoteActor
	// Following is the state of the viewer's enrolment ("" for none).
	Following string
	Tasks     []*domain.RemoteTask
	// Done holds the ids of the tasks the viewer did.
	Done map[string]bool
	// Feedback holds, by task id, what the course told the viewer about
	// their work for it: organisers' comments and fellow learners' reviews.
	Feedback map[string][]*domain.EvidenceComment
	// Earlier holds, by task id, the viewer's attempts they set aside by
	// doing it again or restarting the course (restart.go), each with what
	// the course told them about it.
	Earlier              map[string][]Attempt
	Threads              []PostView
	PostsPrev, PostsNext string
}

// Remote is the page of the remote course actorID for viewer (a local
// handle); posts is the cursor of the discussion's page ("" for the first).
func (f *Enrolment) Remote(ctx context.Context, viewer, actorID, posts string) (*RemoteCoursePage, error) {
	var out *RemoteCoursePage
	err := f.Store.View(ctx, func(tx domain.Tx) error {
		ra, err := tx.RemoteActor(actorID)
		if err != nil {
			return err
		}
		p := &RemoteCoursePage{Actor: ra, Done: map[string]bool{}}
		fl, following, err := domain.Found(tx.Following(viewer, actorID))
		if err != nil {
			return err
		}
		if following {
			p.Following = string(fl.State)
		}
		if p.Tasks, err = tx.RemoteTasks(actorID); err != nil {
			return err
		}
		cs, err := tx.CompletionsOf(actorID, f.URLs.Actor(domain.ActorPerson, viewer))
		if err != nil {
			return err
		}
		learner := f.URLs.Actor(domain.ActorPerson, viewer)
		past, err := attemptsByTask(tx, actorID, learner)
		if err != nil {
			return err
		}
		current := map[string]*domain.Completion{}
		for _, c := range cs {
			p.Done[c.Task] = true
			current[c.Task] = c
		}
		p.Feedback, p.Earlier = map[string][]*domain.EvidenceComment{}, map[string][]Attempt{}
		for _, t := range p.Tasks {
			if current[t.ID] == nil && past[t.ID] == nil {
				continue
			}
			fb, err := tx.EvidenceComments(actorID, t.ID, learner)
			if err != nil {
				return err
			}
			now, earlier := attempts(past[t.ID], fb, current[t.ID])
			if len(now) > 0 {
				p.Feedback[t.ID] = now
			}
			if len(earlier) > 0 {
				p.Earlier[t.ID] = earlier
			}
		}
		d, err := f.discussion(tx, viewer, actorID, posts)
		if err != nil {
			return err
		}
		p.Threads, p.PostsPrev, p.PostsNext = d.Threads, d.Prev, d.Next
		out = p
		return nil
	})
	return out, err
}

// Issuer is the Open Badges Issuer profile of the course or school handle,
// as this node hosts it at /issuers/handle.
func (s *Badges) Issuer(ctx context.Context, handle string) (federation.OBIssuer, error) {
	var doc federation.OBIssuer
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		typ, err := tx.HandleType(handle)
		if err != nil {
			return err
		}
		id := s.URLs.Path("/issuers/" + handle)
		switch typ {
		case domain.ActorCourse:
			co, err := tx.Course(handle)
			if err != nil {
				return err
			}
			doc = federation.NewIssuer(id, co.Title, s.URLs.Actor(typ, handle), co.Summary)
			return nil
		case domain.ActorSchool:
			sc, err := tx.School(handle)
			if err != nil {
				return err
			}
			doc = federation.NewIssuer(id, sc.Name, s.URLs.Actor(typ, handle), sc.Summary)
			return nil
		}
		return domain.Errorf(domain.ENOTFOUND, "Issuer not found.")
	})
	return doc, err
}

// Class is the badge class id, for its Open Badges document and its image.
func (s *Badges) Class(ctx context.Context, id string) (*domain.Badge, error) {
	var b *domain.Badge
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		b, err = tx.Badge(id)
		return err
	})
	return b, err
}

// AwardPage is an award with its badge class: the assertion a verifier
// reads, the page a browser shows and the baked image.
type AwardPage struct {
	Award *domain.Award
	Badge *domain.Badge
	// Learner and Issuer name the learner and the issuing course or
	// school for a person ("Bea (@bea)", "A Gentle Introduction to
	// Python"), with the links their names go to.
	Learner, LearnerLink string
	Issuer, IssuerLink   string
	// Organiser is set when the viewer organises the issuer, and may
	// revoke the award.
	Organiser bool
}

// Awarded is the award id (revoked ones too: their assertion says so).
func (s *Badges) Awarded(ctx context.Context, id string) (*AwardPage, error) {
	return s.AwardFor(ctx, "", id)
}

// AwardFor is the award id as its page shows it to viewer (a local
// handle, "" for a visitor): with the revocation form for its organisers.
func (s *Badges) AwardFor(ctx context.Context, viewer, id string) (*AwardPage, error) {
	var out *AwardPage
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		a, err := tx.Award(id)
		if err != nil {
			return err
		}
		b, err := tx.Badge(a.Badge)
		if err != nil {
			return err
		}
		out = &AwardPage{Award: a, Badge: b}
		if out.Learner, out.LearnerLink, err = s.personName(tx, a.Learner); err != nil {
			return err
		}
		if out.Issuer, out.IssuerLink, err = s.issuerName(tx, a.Issuer); err != nil {
			return err
		}
		if viewer != "" {
			if err := s.organises(tx, a.Issuer, viewer); err == nil {
				out.Organiser = true
			} else if domain.ErrorCode(err) != domain.EFORBIDDEN {
				return err
			}
		}
		return nil
	})
	return out, err
}

// nameTx is what personName and issuerName read: people, schools, and
// what authorOf reads.
type nameTx interface {
	authorTx
	domain.PersonStore
	domain.SchoolStore
	domain.LocalActorStore
}

// personName names a learner for a page: a local person by display name
// and handle, a remote one as authorOf names them.
func (s *Badges) personName(tx nameTx, id string) (name, link string, _ error) {
	h, typ, ok := s.URLs.LocalActor(id)
	if !ok || typ != domain.ActorPerson {
		return s.authorOf(tx, id)
	}
	p, found, err := domain.Found(tx.Person(h))
	if err != nil {
		return "", "", fmt.Errorf("service: learner %s: %w", id, err)
	}
	if !found || p.Name() == h {
		return "@" + h, id, nil
	}
	return p.Name() + " (@" + h + ")", id, nil
}

// issuerName names the course or school of handle that issued a badge,
// and links its page.
func (s *Badges) issuerName(tx nameTx, handle string) (name, link string, _ error) {
	typ, err := tx.HandleType(handle)
	if err != nil {
		return "", "", fmt.Errorf("service: issuer %s: %w", handle, err)
	}
	link = s.URLs.Actor(typ, handle)
	if typ == domain.ActorSchool {
		sc, err := tx.School(handle)
		if err != nil {
			return "", "", fmt.Errorf("service: issuer %s: %w", handle, err)
		}
		return sc.Name, link, nil
	}
	return s.authorOf(tx, link)
}

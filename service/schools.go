package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Schools is the use cases of schools: groups of courses with organisers,
// whose followers hear of the new courses placed in them. Operators
// create, edit and retire schools and name their organisers; organisers
// edit the profile and curate: they place their own courses, and answer
// the courses that ask to join, here or on other servers (Offer, answered
// with Accept or Reject).
type Schools struct {
	*env
	// posts sends the school's notes announcing its new courses.
	posts *Posts
}

// ByOperator is the by of the operator's own tools, the admin commands:
// whoever holds the node's data directory or its admin socket runs the
// node. No handle starts with "@", so it names no person.
const ByOperator = "@operator"

// operates fails unless by is ByOperator or an operator's account, with
// refusal (EFORBIDDEN) when by is someone else.
func operates(tx domain.PersonStore, by string, refusal *domain.Error) error {
	if by == ByOperator {
		return nil
	}
	p, found, err := domain.Found(tx.Person(by))
	if err != nil {
		return err
	}
	if !found || !p.Admin {
		return refusal
	}
	return nil
}

// isOperator reports whether by operates the node.
func isOperator(tx domain.PersonStore, by string) (bool, error) {
	err := operates(tx, by, domain.Errorf(domain.EFORBIDDEN, "Only the node's operators can do this."))
	if domain.ErrorCode(err) == domain.EFORBIDDEN {
		return false, nil
	}
	return err == nil, err
}

// Create creates a school; only operators may, and its organisers must be
// local people.
func (s *Schools) Create(ctx context.Context, by string, sc *domain.School) error {
	sc.Normalise()
	if err := sc.Validate(); err != nil {
		return err
	}
	now := s.Now().UTC()
	sc.Created, sc.Updated = now, now
	keys, err := s.NewKeys()
	if err != nil {
		return err
	}
	sc.PublicKeyPEM, sc.AssertionKey = keys.PublicPEM, keys.AssertionPublic
	return s.Store.Update(ctx, func(tx domain.Tx) error {
		if err := operates(tx, by, domain.Errorf(domain.EFORBIDDEN, "Only the node's operators can create schools.")); err != nil {
			return err
		}
		if err := checkPeople(tx, sc.Organisers); err != nil {
			return err
		}
		return tx.CreateSchool(sc, keys)
	})
}

// SchoolProfile is a change to a school: its name and summary, which its
// organisers and the operators may change, and its organisers, which only
// operators name (nil leaves them as they are).
type SchoolProfile struct {
	Name, Summary string
	Organisers    []string
}

// Edit saves a change to the school's profile and sends its followers
// Update{Organization} with the new actor document; the Update is in the
// school's outbox.
func (s *Schools) Edit(ctx context.Context, by, handle string, p SchoolProfile) (*domain.School, error) {
	var out *domain.School
	err := s.update(ctx, func(tx domain.Tx) error {
		sc, err := tx.School(domain.NormaliseHandle(handle))
		if err != nil {
			return err
		}
		op, err := isOperator(tx, by)
		if err != nil {
			return err
		}
		if err := sc.MayEdit(by, op); err != nil {
			return err
		}
		sc.Name, sc.Summary = p.Name, p.Summary
		if p.Organisers != nil {
			if !op {
				return domain.Errorf(domain.EFORBIDDEN, "Only the node's operators can name a school's organisers.")
			}
			sc.Organisers = p.Organisers
		}
		sc.Normalise()
		if err := sc.Validate(); err != nil {
			return err
		}
		if err := checkPeople(tx, sc.Organisers); err != nil {
			return err
		}
		sc.Updated = s.Now().UTC()
		if err := tx.PutSchool(sc); err != nil {
			return err
		}
		out = sc
		return s.sendSchoolActor(tx, sc)
	})
	return out, err
}

// Retire retires a school; only operators may. It stays an archived
// profile rather than a Tombstone: the badges it issued name it as their
// issuer and must keep verifying against its actor and keys, and the
// courses it lists keep their link. It takes no new courses: the courses
// waiting are declined, and later Offers are answered with Reject.
func (s *Schools) Retire(ctx context.Context, by, handle string) error {
	return s.update(ctx, func(tx domain.Tx) error {
		if err := operates(tx, by, domain.Errorf(domain.EFORBIDDEN, "Only the node's operators can retire schools.")); err != nil {
			return err
		}
		sc, err := tx.School(domain.NormaliseHandle(handle))
		if err != nil {
			return err
		}
		if sc.IsRetired() {
			return nil
		}
		now := s.Now().UTC()
		for len(sc.Asks) > 0 {
			a, err := sc.Answer(sc.Asks[0].Course, false, now)
			if err != nil {
				return err
			}
			if err := s.answered(tx, sc, a, false); err != nil {
				return err
			}
		}
		sc.Retired, sc.Updated = now, now
		return tx.PutSchool(sc)
	})
}

// List returns every school of the node, in handle order (the admin
// commands).
func (s *Schools) List(ctx context.Context) ([]*domain.School, error) {
	var out []*domain.School
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		out, err = tx.Schools()
		return err
	})
	return out, err
}

// AskResult says what became of a course's request to join a school.
type AskResult struct {
	School string // the school's handle here, or its actor id elsewhere
	Name   string
	// Placed is true when the asker organises the school too: the course
	// is in it at once.
	Placed bool
	Remote bool
}

// Ask is a course organiser asking for their course to join a school:
// a handle of this node's school, or "@name@host" or an actor URL of one
// elsewhere. A school here puts the request in its organisers' queue (or
// places the course at once when by organises the school). A school of
// another Lernejo node gets an Offer from the course; its Accept or Reject
// settles it (OfferAnswered).
func (s *Schools) Ask(ctx context.Context, by, course, school string) (*AskResult, error) {
	// Whether by may ask for the course is settled before anything is
	// looked up elsewhere: nobody else makes the node fetch on its behalf.
	if err := s.Store.View(ctx, func(tx domain.Tx) error {
		_, err := organisedBy(tx, course, by)
		return err
	}); err != nil {
		return nil, err
	}
	school = strings.TrimSpace(school)
	id := school
	if name, host, ok := strings.Cut(strings.TrimPrefix(school, "@"), "@"); ok && host == s.URLs.Host() {
		id = name // this node's own handle, written in full
	} else if ok {
		var err error
		if id, err = s.Resolver.LookupHandle(ctx, school); err != nil {
			return nil, domain.Errorf(domain.EINVALID, "Could not find %s: %v", school, err)
		}
	}
	if strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://") {
		h, typ, local := s.URLs.LocalActor(id)
		if !local {
			return s.offer(ctx, by, course, id)
		}
		if typ != domain.ActorSchool {
			return nil, domain.Errorf(domain.EINVALID, "%s is not a school.", school)
		}
		id = h
	}
	out := &AskResult{School: domain.NormaliseHandle(strings.TrimPrefix(id, "@"))}
	err := s.update(ctx, func(tx domain.Tx) error {
		c, err := organisedBy(tx, course, by)
		if err != nil {
			return err
		}
		sc, found, err := domain.Found(tx.School(out.School))
		if err != nil {
			return err
		}
		if !found {
			return domain.Errorf(domain.EINVALID, "There is no school %q.", school)
		}
		out.Name = sc.Name
		if err := notInASchool(c); err != nil {
			return err
		}
		if sc.MayPlace(by) == nil {
			out.Placed = true
			return s.place(tx, sc, c)
		}
		if err := sc.Ask(domain.SchoolAsk{Course: c.Handle, Name: c.Title, At: s.Now().UTC()}); err != nil {
			return err
		}
		return tx.PutSchool(sc)
	})
	return out, err
}

// notInASchool fails when a course already belongs to a school: it leaves
// one (the course form) before it asks another.
func notInASchool(c *domain.Course) error {
	if c.School != "" {
		return domain.Errorf(domain.EINVALID, "%s is already part of the school @%s.", c.Title, c.School)
	}
	if rs := c.RemoteSchool; rs != nil && rs.Accepted {
		return domain.Errorf(domain.EINVALID, "%s is already part of %s.", c.Title, rs.Name)
	}
	return nil
}

// offer sends a course's Offer to a school of another Lernejo node and
// remembers it on the course until the school answers.
func (s *Schools) offer(ctx context.Context, by, course, schoolID string) (*AskResult, error) {
	remote, err := s.Resolver.Actor(ctx, schoolID)
	if err != nil {
		return nil, domain.Errorf(domain.EINVALID, "Could not load %s: %v", schoolID, err)
	}
	// A school's actor says nothing only Lernejo says (a course's kind):
	// any Organization is asked, and one that is not a Lernejo school
	// leaves the Offer unanswered.
	if remote.Type != string(domain.ActorSchool) {
		return nil, domain.Errorf(domain.EINVALID, "%s is not a school.", remote.Handle())
	}
	out := &AskResult{School: remote.ID, Name: remote.DisplayName(), Remote: true}
	err = s.update(ctx, func(tx domain.Tx) error {
		c, err := organisedBy(tx, course, by)
		if err != nil {
			return err
		}
		if !c.Federates() {
			return domain.Errorf(domain.EINVALID, "A draft is not seen by other servers: open %s before it asks a school elsewhere.", c.Title)
		}
		if err := notInASchool(c); err != nil {
			return err
		}
		offerID := s.newActivityID()
		c.RemoteSchool = &domain.RemoteSchool{ID: remote.ID, Name: remote.DisplayName(), Offer: offerID}
		if err := tx.PutCourse(c); err != nil {
			return err
		}
		courseID := s.URLs.Actor(domain.ActorCourse, c.Handle)
		act := federation.OfferCourse(offerID, federation.OfferRef{ID: offerID, Course: courseID, School: remote.ID})
		return s.Queue.Queue(tx, c.Handle, offerID, act, []string{remote.Inbox})
	})
	return out, err
}

// Decide is a school organiser's answer to a course asking to join:
// course is a local course's handle or a remote course's actor id, as in
// the queue. Accepted, a local course is placed in the school, a remote one
// is listed and gets Accept{Offer}; either way the school announces it.
// Declined, a remote course gets Reject{Offer}.
func (s *Schools) Decide(ctx context.Context, by, school, course string, accept bool) error {
	return s.update(ctx, func(tx domain.Tx) error {
		sc, err := tx.School(domain.NormaliseHandle(school))
		if err != nil {
			return err
		}
		if err := sc.MayDecide(by); err != nil {
			return err
		}
		if accept {
			if err := sc.TakesCourses(); err != nil {
				return err
			}
		}
		a, err := sc.Answer(course, accept, s.Now().UTC())
		if err != nil {
			return err
		}
		if err := tx.PutSchool(sc); err != nil {
			return err
		}
		return s.answered(tx, sc, a, accept)
	})
}

// schoolTx is what the schools' helpers that carry out an answer read and
// write: the school and the course, the cached remote course, the
// followers who hear of it and the activities sent.
type schoolTx interface {
	announceTx
	domain.CourseStore
	domain.ActorCache
}

// answered carries out an answer to a, taken out of sc's queue: a local
// course is placed (if accepted), a remote one is told.
func (s *Schools) answered(tx schoolTx, sc *domain.School, a domain.SchoolAsk, accept bool) error {
	if !a.Remote() {
		if !accept {
			return nil
		}
		c, found, err := domain.Found(tx.Course(a.Course))
		if err != nil || !found {
			return err // a course deleted since it asked has nothing to place
		}
		if err := notInASchool(c); err != nil {
			return err
		}
		return s.place(tx, sc, c)
	}
	schoolID := s.URLs.Actor(domain.ActorSchool, sc.Handle)
	ref := federation.OfferRef{ID: a.Offer, Course: a.Course, School: schoolID}
	inbox, err := s.courseInbox(tx, a.Course)
	if err != nil {
		return err
	}
	id := s.newActivityID()
	if !accept {
		return s.Queue.Queue(tx, sc.Handle, id, federation.RejectOffer(id, ref), inbox)
	}
	if err := s.Queue.Queue(tx, sc.Handle, id, federation.AcceptOffer(id, ref), inbox); err != nil {
		return err
	}
	if err := tx.ListInOutbox(sc.Handle, id, a.Course); err != nil {
		return err
	}
	name := a.Course
	if ra, found, err := domain.Found(tx.RemoteActor(a.Course)); err != nil {
		return err
	} else if found {
		name = ra.Handle()
	}
	return s.announce(tx, sc, a.Name, a.Course, name)
}

// courseInbox is the inbox of a remote course, as cached when it asked.
func (s *Schools) courseInbox(tx domain.ActorCache, course string) ([]string, error) {
	ra, found, err := domain.Found(tx.RemoteActor(course))
	if err != nil || !found {
		return nil, err // forgotten (it deleted itself): nobody to tell
	}
	return []string{ra.Inbox}, nil
}

// place puts a local course into sc, inside tx: the course's actor now
// names the school, its followers get Update{Group}, and an open course is
// announced by the school.
func (s *Schools) place(tx schoolTx, sc *domain.School, c *domain.Course) error {
	c.School, c.RemoteSchool, c.Updated = sc.Handle, nil, s.Now().UTC()
	if err := tx.PutCourse(c); err != nil {
		return err
	}
	if !c.Federates() {
		return nil
	}
	if err := s.sendCourseActor(tx, c); err != nil {
		return err
	}
	if c.Status != domain.StatusOpen {
		return nil
	}
	return s.announce(tx, sc, c.Title, s.URLs.Actor(domain.ActorCourse, c.Handle), "@"+c.Handle+"@"+s.URLs.Host())
}

// announce makes the school post a public note about a course that joined
// it, to its followers, mentioning the course (handle is its @name@host):
// the note's Create is in the school's outbox.
func (s *Schools) announce(tx announceTx, sc *domain.School, title, courseID, handle string) error {
	text := fmt.Sprintf("New in %s: %s. Follow %s to join!", sc.Name, title, handle)
	mention := []federation.Mention{{ID: courseID, Name: handle}}
	inboxes, err := tx.FollowerInboxes(sc.Handle)
	if err != nil {
		return err
	}
	schoolID := s.URLs.Actor(domain.ActorSchool, sc.Handle)
	_, err = s.posts.note(tx, sc.Handle, text, mention, federation.PublicAddress(schoolID+"/followers", mention), inboxes)
	return err
}

// sendSchoolActor sends, inside tx, the followers of a school Update of
// its actor document as it now is, and lists it in the school's outbox: a
// school posts little else, and its outbox counts what it posted.
func (s *env) sendSchoolActor(tx actorUpdateTx, sc *domain.School) error {
	doc, err := s.Docs.School(sc)
	if err != nil {
		return err
	}
	id, err := s.sendActorUpdate(tx, domain.ActorSchool, sc.Handle, doc)
	if err != nil {
		return err
	}
	return tx.ListInOutbox(sc.Handle, id, s.URLs.Actor(domain.ActorSchool, sc.Handle))
}

// ReceiveOffer takes a remote course's Offer into the queue of the local
// school: the course (the Offer's actor, already fetched to check its
// signature) must be a Group. A retired school answers Reject at once; a
// course it already lists gets Accept again (its node lost the first).
func (s *Schools) ReceiveOffer(tx domain.Tx, school, course, offerID string) error {
	sc, err := tx.School(school)
	if err != nil {
		return err
	}
	ra, err := tx.RemoteActor(course)
	if err != nil {
		return err
	}
	if ra.Type != string(domain.ActorCourse) {
		return domain.Errorf(domain.EINVALID, "Only courses join schools.")
	}
	a := domain.SchoolAsk{Course: ra.ID, Name: ra.DisplayName(), Offer: offerID, At: s.Now().UTC()}
	switch {
	case sc.IsRetired():
		return s.answered(tx, sc, a, false)
	case sc.Lists(ra.ID):
		ref := federation.OfferRef{ID: offerID, Course: ra.ID, School: s.URLs.Actor(domain.ActorSchool, sc.Handle)}
		id := s.newActivityID()
		return s.Queue.Queue(tx, sc.Handle, id, federation.AcceptOffer(id, ref), []string{ra.Inbox})
	}
	if i := sc.Asked(ra.ID); i >= 0 {
		sc.Asks[i].Offer = offerID // asked again: the answer names the last Offer
		return tx.PutSchool(sc)
	}
	if err := sc.Ask(a); err != nil {
		return err
	}
	return tx.PutSchool(sc)
}

// OfferAnswered settles a local course's Offer that the remote school by
// answered: accepted, the course now belongs to it and its followers get
// Update{Group}; rejected, the request is gone (a Reject after an Accept
// takes the course out again). Only the school asked, about the Offer the
// course sent last, is heard.
func (s *Schools) OfferAnswered(tx domain.Tx, courseID, offerID, by string, accepted bool) error {
	h, typ, ok := s.URLs.LocalActor(courseID)
	if !ok || typ != domain.ActorCourse {
		return domain.Errorf(domain.EINVALID, "Offer of %s is not of a course here.", courseID)
	}
	c, err := tx.Course(h)
	if err != nil {
		return err
	}
	rs := c.RemoteSchool
	if rs == nil || rs.ID != by || rs.Offer != offerID {
		return domain.Errorf(domain.EFORBIDDEN, "%s answered an Offer %s did not send it.", by, h)
	}
	if accepted && rs.Accepted {
		return nil // the school said yes again (it lost track of its first Accept)
	}
	if accepted {
		rs.Accepted = true
		if ra, found, err := domain.Found(tx.RemoteActor(by)); err != nil {
			return err
		} else if found {
			rs.Name = ra.DisplayName()
		}
	} else {
		c.RemoteSchool = nil
	}
	c.Updated = s.Now().UTC()
	if err := tx.PutCourse(c); err != nil {
		return err
	}
	return s.sendCourseActor(tx, c)
}

// placeInSchool checks, inside tx, that by may put a course into the school
// (see School.MayPlace).
func placeInSchool(tx domain.SchoolStore, school, by string) error {
	sc, ok, err := domain.Found(tx.School(school))
	if err != nil {
		return err
	}
	if !ok {
		return domain.Errorf(domain.EINVALID, "There is no school %q.", school)
	}
	return sc.MayPlace(by)
}

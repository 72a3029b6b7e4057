package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// The read models of accounts and of the node's settings: who a session
// cookie names, a person's page, the settings every page shows and the
// operator's page. Each is read in one transaction.

// Page sizes of these pages' lists.
const (
	badgesPerPage  = 30 // a person's page
	usersPerPage   = 50 // the operator's list of accounts
	blocksPerPage  = 50 // the operator's page
	reportsPerPage = 20
)

// Session is the live session token names and the person it logs in. A
// token that names no session, an expired one or one whose person is gone
// or suspended is not found: the visitor is logged out.
func (s *Accounts) Session(ctx context.Context, token string) (*domain.Session, *domain.Person, error) {
	if !domain.ValidToken(token) {
		return nil, nil, domain.Errorf(domain.ENOTFOUND, "Session not found.")
	}
	var (
		sess *domain.Session
		p    *domain.Person
	)
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		if sess, err = tx.Session(token); err != nil {
			return err
		}
		p, err = tx.Person(sess.Person)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	// Suspend ends a person's sessions; one that outlived it (read before
	// the suspension committed) logs nobody in either.
	if sess.Expired(s.Now()) || p.IsSuspended() {
		return nil, nil, domain.Errorf(domain.ENOTFOUND, "Session not found.")
	}
	return sess, p, nil
}

// PersonPageQuery names the pages of a person's page's lists: the badges
// they hold from this node (?badges=) and those other servers gave them
// (?received=), "" for the first.
type PersonPageQuery struct {
	Badges, Received string
}

// HeldBadge is a badge as a person's page shows it.
type HeldBadge struct {
	Name      string
	Assertion string // the award's hosted assertion
	Image     string
}

// PersonPage is a person's page: a page of the badges they hold from this
// node and one of those other servers gave them; revoked ones are not
// shown.
type PersonPage struct {
	Person *domain.Person
	// BioHTML is their bio as HTML, its links clickable; Avatar and
	// Header are the URLs of their pictures (Avatar their generated icon
	// when they uploaded none, Header "" then).
	BioHTML, Avatar, Header string
	// Taking are the courses they are enrolled in, here and on other
	// servers; Organising the courses of this node they organise that
	// are not drafts.
	Taking, Organising         []CourseLink
	Badges                     []HeldBadge
	BadgesPrev, BadgesNext     string
	Received                   []HeldBadge
	ReceivedPrev, ReceivedNext string
}

// Page is the page of the local person handle. A suspended person's page
// says only that, with EFORBIDDEN, as Mastodon's does.
func (s *Accounts) Page(ctx context.Context, handle string, q PersonPageQuery) (*PersonPage, error) {
	var out *PersonPage
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		p, err := tx.Person(handle)
		if err != nil {
			return err
		}
		if p.IsSuspended() {
			return domain.Errorf(domain.EFORBIDDEN, "This account is suspended.")
		}
		page := &PersonPage{Person: p, BioHTML: s.Docs.ProfileHTML(p.Bio)}
		if page.Avatar, err = s.avatarOf(tx, s.URLs.Actor(domain.ActorPerson, p.Handle)); err != nil {
			return err
		}
		if p.Header != "" {
			page.Header = s.URLs.Image(p.Header)
		}
		if page.Taking, page.Organising, err = s.coursesOf(tx, p.Handle); err != nil {
			return err
		}
		awards, err := tx.AwardsPage(s.URLs.Actor(domain.ActorPerson, p.Handle), q.Badges, badgesPerPage,
			func(a *domain.Award) bool { return !a.Revoked })
		if err != nil {
			return err
		}
		for _, a := range awards.Items {
			b, found, err := domain.Found(tx.Badge(a.Badge))
			if err != nil {
				return err
			}
			if found {
				page.Badges = append(page.Badges, HeldBadge{Name: b.Name, Assertion: s.URLs.Path("/awards/" + a.ID),
					Image: s.URLs.Path("/badges/" + b.ID + "/image.png")})
			}
		}
		page.BadgesPrev, page.BadgesNext = awards.Prev, awards.Next
		received, err := tx.ReceivedBadgesPage(p.Handle, q.Received, badgesPerPage,
			func(r *domain.ReceivedBadge) bool { return !r.Revoked })
		if err != nil {
			return err
		}
		for _, r := range received.Items {
			page.Received = append(page.Received, HeldBadge{Name: r.Name, Assertion: r.Assertion, Image: r.ImageURL})
		}
		page.ReceivedPrev, page.ReceivedNext = received.Prev, received.Next
		out = page
		return nil
	})
	return out, err
}

// CourseLink is a course as a person's page lists it.
type CourseLink struct {
	Title, Link string
}

// coursesOfTx is what coursesOf reads.
type coursesOfTx interface {
	domain.FollowStore
	domain.CourseStore
	domain.ActorCache
}

// coursesOf are the courses the local person handle takes (the local ones
// they follow, accepted, and the remote courses they follow) and those
// they organise. The enrolments are read from the person's own follow
// indexes; the organised courses by a walk of the node's courses, as
// their organisers are not indexed, which bounds it by the node's size.
func (s *Accounts) coursesOf(tx coursesOfTx, handle string) (taking, organising []CourseLink, _ error) {
	follows, err := tx.FollowedBy(s.URLs.Actor(domain.ActorPerson, handle))
	if err != nil {
		return nil, nil, err
	}
	for _, f := range follows {
		if f.State != domain.FollowAccepted {
			continue
		}
		c, found, err := domain.Found(tx.Course(f.Local))
		if err != nil {
			return nil, nil, err
		}
		if found && c.Federates() {
			taking = append(taking, CourseLink{Title: c.Title, Link: s.URLs.Actor(domain.ActorCourse, c.Handle)})
		}
	}
	followings, err := tx.Followings(handle)
	if err != nil {
		return nil, nil, err
	}
	for _, fl := range followings {
		ra, found, err := domain.Found(tx.RemoteActor(fl.Target))
		if err != nil {
			return nil, nil, err
		}
		if found && fl.State == domain.FollowAccepted && ra.Type == string(domain.ActorCourse) {
			link := ra.URL
			if link == "" {
				link = ra.ID
			}
			taking = append(taking, CourseLink{Title: ra.DisplayName(), Link: link})
		}
	}
	courses, err := tx.Courses()
	if err != nil {
		return nil, nil, err
	}
	for _, c := range courses {
		if c.IsOrganiser(handle) && c.Federates() {
			organising = append(organising, CourseLink{Title: c.Title, Link: s.URLs.Actor(domain.ActorCourse, c.Handle)})
		}
	}
	return taking, organising, nil
}

// Current is the node's settings as the operator last saved them, read
// from the store once and then kept (see Settings.saved).
func (s *Settings) Current(ctx context.Context) (domain.Settings, error) {
	if saved := s.saved.Load(); saved != nil {
		st := *saved
		st.Kinds = slices.Clone(st.Kinds)
		return st, nil
	}
	var st domain.Settings
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		st, err = tx.Settings()
		return err
	})
	if err == nil {
		// Only if nothing was kept meanwhile: an Update that committed
		// after this read began kept newer settings.
		kept := st
		kept.Kinds = slices.Clone(st.Kinds)
		s.saved.CompareAndSwap(nil, &kept)
	}
	return st, err
}

// OperatorQuery names the pages of the operator's page's lists: the domain
// blocks (?blocks=; an imported block list is long) and the reports other
// servers sent (?reports=), "" for the first.
type OperatorQuery struct {
	Blocks, Reports string
}

// OperatorPage is the operator's page besides the settings form: a page of
// the domain blocks, sorted by domain, and one of the reports, newest
// first.
type OperatorPage struct {
	Blocks                   []*domain.DomainBlock
	BlocksPrev, BlocksNext   string
	Reports                  []*domain.Report
	ReportsPrev, ReportsNext string
}

// Operator is the operator's page for q. Only the node's operators may see
// it: web lets only admin accounts reach it, as the admin socket does.
func (s *Settings) Operator(ctx context.Context, q OperatorQuery) (*OperatorPage, error) {
	out := &OperatorPage{}
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		blocks, err := tx.DomainBlocksPage(q.Blocks, blocksPerPage)
		if err != nil {
			return err
		}
		out.Blocks, out.BlocksPrev, out.BlocksNext = blocks.Items, blocks.Prev, blocks.Next
		reports, err := tx.ReportsPage(q.Reports, reportsPerPage)
		if err != nil {
			return err
		}
		out.Reports, out.ReportsPrev, out.ReportsNext = reports.Items, reports.Prev, reports.Next
		return nil
	})
	return out, err
}

// Gone is the Tombstone the id of the local person handle serves once they
// deleted their account (with 410 Gone, as Mastodon answers for a deleted
// account); found is false when handle names no deleted account.
func (s *Accounts) Gone(ctx context.Context, handle string) (doc []byte, found bool, err error) {
	id := s.URLs.Actor(domain.ActorPerson, handle)
	err = s.Store.View(ctx, func(tx domain.Tx) error {
		ts, ok, err := domain.Found(tx.Tombstone(id))
		if err != nil || !ok {
			return err
		}
		doc, found = federation.TombstoneDocument(id, ts.Deleted), true
		return nil
	})
	return doc, found, err
}

// UsersPage is a page of the node's accounts, in handle order, as the
// operator's users page and lernejo admin users list them.
type UsersPage struct {
	People     []*domain.Person
	Prev, Next string
}

// Users is the page of the node's accounts at cursor ("" for the first).
// Only the node's operators see it: web lets only admin accounts reach it,
// as the admin socket does.
func (s *Accounts) Users(ctx context.Context, cursor string) (*UsersPage, error) {
	out := &UsersPage{}
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		page, err := tx.PeoplePage(cursor, usersPerPage)
		out.People, out.Prev, out.Next = page.Items, page.Prev, page.Next
		return err
	})
	return out, err
}

// suspendedAuthor reports whether the author of a post (an actor id) is a
// local person an operator suspended: their posts are hidden meanwhile,
// on pages (hiddenPost) and at their ids.
func (e *env) suspendedAuthor(tx domain.PersonStore, author string) (bool, error) {
	h, typ, ok := e.URLs.LocalActor(author)
	if !ok || typ != domain.ActorPerson {
		return false, nil
	}
	p, found, err := domain.Found(tx.Person(h))
	if err != nil {
		return false, fmt.Errorf("service: author %s: %w", author, err)
	}
	return found && p.IsSuspended(), nil
}

// hiddenPost is a suspended author's post as pages show it: in its place
// in the thread, its text replaced by a notice.
func hiddenPost(p *domain.Post) *domain.Post {
	q := *p
	q.Content = "<p><em>This post is hidden while its author’s account is suspended.</em></p>"
	return &q
}

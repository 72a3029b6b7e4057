package web

import (
	"context"
	"log/slog"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/service"
)

// The badge actions of people: learners vote for a fellow learner to earn
// a peer-awarded badge, here or through this node on a course of another
// Lernejo node, and organisers revoke awards. Who may do each the Badges
// service decides.

// voteBadge records the viewer's vote for the learner (an actor id) named
// in the form, for a peer-awarded badge of a course on this node.
func (s *Server) voteBadge(c *fiber.Ctx) error {
	return s.asViewer(c, s.printer(c).T("Your vote is counted."), func(ctx context.Context, p *domain.Person) (string, error) {
		course := c.Params("handle")
		return "/courses/" + course + "#badges-h", s.cfg.Services.Badges.Vote(ctx, p.Handle, c.Params("id"), c.FormValue("learner"))
	})
}

// remoteVote sends the viewer's vote for a badge of a course on another
// Lernejo node (the form's target), through this node: for the learner
// picked from those this node knows, or the one whose address is given.
func (s *Server) remoteVote(c *fiber.Ctx) error {
	return s.asViewer(c, s.printer(c).T("Your vote is sent to the course's server."), func(ctx context.Context, p *domain.Person) (string, error) {
		target, learner := c.FormValue("target"), c.FormValue("learner")
		if other := strings.TrimSpace(c.FormValue("other")); other != "" {
			learner = other
		}
		return "/remote?id=" + url.QueryEscape(target),
			s.cfg.Services.Badges.VoteElsewhere(ctx, p.Handle, target, c.FormValue("badge"), learner)
	})
}

// revokeAward revokes the award of the :id parameter with the organiser's
// reason, and shows its page, which now says it was revoked and why.
func (s *Server) revokeAward(c *fiber.Ctx) error {
	return s.asViewer(c, s.printer(c).T("The badge is revoked."), func(ctx context.Context, p *domain.Person) (string, error) {
		id := c.Params("id")
		return "/awards/" + id, s.cfg.Services.Badges.Revoke(ctx, p.Handle, id, c.FormValue("reason"))
	})
}

// commentWork keeps an organiser's comment on the work a learner (the
// form's actor id) submitted for the :id task, and returns to the
// organisers' page; Evidence.Comment checks they organise the course.
func (s *Server) commentWork(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	course := c.Params("handle")
	_, err := s.cfg.Services.Evidence.Comment(ctx, p.Handle, course, c.Params("id"), c.FormValue("learner"), c.FormValue("comment"))
	return s.back(c, course, err, s.printer(c).T("Your comment is sent."))
}

// courseBadges serves a course's badges collection: the ids of its badge
// classes, each served at its id (badgeClass), saying whether it is
// awarded by peers' votes and how many.
func (s *Server) courseBadges(c *fiber.Ctx) error {
	handle := c.Params("handle")
	ctx, cancel := ctx(c)
	defer cancel()
	bs, err := s.cfg.Services.Documents.CourseBadges(ctx, handle)
	if err != nil {
		return err
	}
	items := make([]any, 0, len(bs))
	for _, b := range bs {
		items = append(items, s.urls.Path("/badges/"+b.ID))
	}
	id := s.urls.Actor(domain.ActorCourse, handle) + "/badges"
	return sendActivity(c, federation.Document(federation.OrderedCollectionOf(id, items)))
}

// remoteVoting is the choices of the vote form on the page of a course on
// another Lernejo node that the viewer takes part in. The course's badges
// are fetched from it; when it does not answer, the page is still shown,
// and the form asks for the badge's address instead.
func (s *Server) remoteVoting(ctx context.Context, viewer string, p *service.RemoteCoursePage) *service.RemoteVoting {
	if p.Following != string(domain.FollowAccepted) || !p.Actor.Lernejo {
		return nil
	}
	v, err := s.cfg.Services.Badges.RemoteVoting(ctx, viewer, p.Actor.ID)
	if err != nil {
		s.log.Info("the badges of a course elsewhere", slog.String("course", p.Actor.ID), slog.Any("err", err))
		return nil
	}
	return v
}

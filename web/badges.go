package web

import (
	"context"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
)

// The badge actions of people: learners vote for a fellow learner to earn
// a peer-awarded badge, here or through this node on a course of another
// Lernejo node, and organisers revoke awards. Who may do each the Badges
// service decides.

// voteBadge records the viewer's vote for the learner (an actor id) named
// in the form, for a peer-awarded badge of a course on this node.
func (s *Server) voteBadge(c *fiber.Ctx) error {
	return s.asViewer(c, func(ctx context.Context, p *domain.Person) (string, error) {
		course := c.Params("handle")
		return "/courses/" + course + "#badges-h", s.cfg.Services.Badges.Vote(ctx, p.Handle, c.Params("id"), c.FormValue("learner"))
	})
}

// remoteVote sends the viewer's vote for a badge of a course on another
// Lernejo node (the form's target), through this node.
func (s *Server) remoteVote(c *fiber.Ctx) error {
	return s.asViewer(c, func(ctx context.Context, p *domain.Person) (string, error) {
		target := c.FormValue("target")
		return "/remote?id=" + url.QueryEscape(target),
			s.cfg.Services.Badges.VoteElsewhere(ctx, p.Handle, target, c.FormValue("badge"), c.FormValue("learner"))
	})
}

// revokeAward revokes the award of the :id parameter with the organiser's
// reason, and shows its page, which now says it was revoked and why.
func (s *Server) revokeAward(c *fiber.Ctx) error {
	return s.asViewer(c, func(ctx context.Context, p *domain.Person) (string, error) {
		id := c.Params("id")
		return "/awards/" + id, s.cfg.Services.Badges.Revoke(ctx, p.Handle, id, c.FormValue("reason"))
	})
}

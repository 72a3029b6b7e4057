package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/service"
)

// myLearning shows the logged-in person's "My learning" page: the courses
// they take with their progress, their waiting sign-ups, the courses they
// organise and their badges.
func (s *Server) myLearning(c *fiber.Ctx) error {
	viewer := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Accounts.Learning(ctx, viewer.Handle)
	if err != nil {
		return err
	}
	return s.render(c, "learning", pageData{Title: s.printer(c).T("My learning"), Data: p})
}

// notificationsPage is the notifications page's data: the read model and
// the links of its pages.
type notificationsPage struct {
	*service.NotificationsPage
	Pages pageLinks
}

// notifications lists the logged-in person's notifications, newest first
// (?page= for older ones), and so marks them read.
func (s *Server) notifications(c *fiber.Ctx) error {
	viewer := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Notifications.List(ctx, viewer.Handle, c.Query("page"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	title := s.printer(c).T("Notifications")
	return s.render(c, "notifications", pageData{Title: title,
		Data: notificationsPage{NotificationsPage: p, Pages: linksAt(c, "page", "", title, p.Prev, p.Next)}})
}

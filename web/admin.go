package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// adminPage is the operator's page's data besides the settings form
// (every page has the settings): the read model, the links of its paged
// lists (what became of the last change is a flash, web/flash.go).
type adminPage struct {
	*service.OperatorPage
	BlockPages, ReportPages pageLinks
}

// adminSettings shows the settings form, a page of the domain blocks
// (?blocks=) and one of the reports other servers sent (?reports=).
func (s *Server) adminSettings(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Settings.Operator(ctx, service.OperatorQuery{Blocks: c.Query("blocks"), Reports: c.Query("reports")})
	if err != nil {
		return err
	}
	pr := s.printer(c)
	return s.render(c, "admin_settings", pageData{Title: pr.T("Settings"), Data: adminPage{OperatorPage: p,
		BlockPages:  linksAt(c, "blocks", "blocks", pr.T("Blocked domains"), p.BlocksPrev, p.BlocksNext),
		ReportPages: linksAt(c, "reports", "reports", pr.T("Reports"), p.ReportsPrev, p.ReportsNext)}})
}

// adminBack returns to the settings page with a flash: the refusal's
// message, or done (written in the reader's language).
func (s *Server) adminBack(c *fiber.Ctx, err error, done string) error {
	return s.refused(c, "/admin/settings", err, done)
}

func (s *Server) saveSettings(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	st := domain.Settings{
		Name:             c.FormValue("name"),
		Description:      c.FormValue("description"),
		Kinds:            lines(c.FormValue("kinds")),
		DefaultKind:      c.FormValue("default_kind"),
		RegistrationOpen: c.FormValue("registration_open") == "1",
	}
	_, err := s.cfg.Services.Settings.Update(ctx, st)
	return s.adminBack(c, err, s.printer(c).T("The settings are saved."))
}

func (s *Server) blockDomain(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	_, _, err := s.cfg.Services.Moderation.BlockDomain(ctx, c.FormValue("domain"), c.FormValue("reason"))
	return s.adminBack(c, err, s.printer(c).T("The domain is blocked."))
}

func (s *Server) unblockDomain(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	return s.adminBack(c, s.cfg.Services.Moderation.UnblockDomain(ctx, c.FormValue("domain")), s.printer(c).T("The domain is unblocked."))
}

func (s *Server) resolveReport(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	return s.adminBack(c, s.cfg.Services.Moderation.ResolveReport(ctx, c.FormValue("id"), true), s.printer(c).T("The report is marked resolved."))
}

// adminUsers is the users page's data: a page of the accounts and its links.
type adminUsers struct {
	*service.UsersPage
	Pages pageLinks
}

// adminUsers lists the node's accounts, a page at a time (?users=), each
// with a button to suspend or unsuspend it.
func (s *Server) adminUsers(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Accounts.Users(ctx, c.Query("users"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	users := s.printer(c).T("Users")
	return s.render(c, "admin_users", pageData{Title: users, Data: adminUsers{UsersPage: p,
		Pages: linksAt(c, "users", "users", users, p.Prev, p.Next)}})
}

// usersBack returns to the users page with a flash: the refusal's
// message, or done (written in the reader's language).
func (s *Server) usersBack(c *fiber.Ctx, err error, done string) error {
	return s.refused(c, "/admin/users", err, done)
}

func (s *Server) suspendUser(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	h := domain.NormaliseHandle(c.FormValue("handle"))
	return s.usersBack(c, s.cfg.Services.Accounts.Suspend(ctx, s.viewer(c).Handle, h), s.printer(c).T("@%s is suspended and logged out.", h))
}

func (s *Server) unsuspendUser(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	h := domain.NormaliseHandle(c.FormValue("handle"))
	return s.usersBack(c, s.cfg.Services.Accounts.Unsuspend(ctx, h), s.printer(c).T("@%s may log in again.", h))
}

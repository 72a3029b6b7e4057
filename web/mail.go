package web

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/i18n"
	"github.com/lernejo/lernejo/service"
)

// Password reset limits: requests for one account (by what was typed, so
// that the limit tells nothing of which accounts exist) and from one
// address. Each request may send a mail, so they are tighter than log-ins.
const (
	resetPerAccount       = 3
	resetPerAccountWindow = time.Hour
	resetPerIP            = 10
	resetPerIPWindow      = time.Hour
)

// mailKind is one opt-in box of the email settings page.
type mailKind struct {
	Kind  domain.MailKind
	Label string
	On    bool
}

// mailPage is what the email settings, confirmation and reset pages show.
type mailPage struct {
	Enabled   bool // the node sends mail
	Address   string
	Confirmed bool
	Kinds     []mailKind
	Token     string // of the link opened
	Who       string // the handle or address typed on the forgot form
	Done      bool   // the request, confirmation or reset went through
	Error     string
}

func (s *Server) showMail(c *fiber.Ctx, status int, page, title string, d mailPage) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(status)
	return s.render(c, page, pageData{Title: title, Data: d})
}

// mailEnabled is the guard of the reset pages: without an SMTP server
// there is no reset by mail, and the pages are not found.
func (s *Server) mailEnabled(c *fiber.Ctx) error {
	if !s.cfg.Services.Mail.Enabled() {
		return fiber.ErrNotFound
	}
	return c.Next()
}

// settingsPage fills the settings page from what a person saved, with
// its labels in p's language.
func settingsPage(p *i18n.Printer, st *domain.MailSettings, enabled bool) mailPage {
	d := mailPage{Enabled: enabled, Address: st.Address, Confirmed: st.Confirmed}
	for _, k := range domain.MailKinds {
		d.Kinds = append(d.Kinds, mailKind{Kind: k, Label: mailKindLabel(p, k), On: slices.Contains(st.Kinds, k)})
	}
	return d
}

// mailKindLabel says what a kind of mail is about, for the settings page.
func mailKindLabel(p *i18n.Printer, k domain.MailKind) string {
	switch k {
	case domain.MailReply:
		return p.T("Someone replies to my post")
	case domain.MailMention:
		return p.T("Someone mentions me")
	case domain.MailSignUpAnswer:
		return p.T("My sign-up to a course is approved or declined")
	case domain.MailNewTask:
		return p.T("A course I take has a new task")
	case domain.MailBadge:
		return p.T("I earn a badge")
	case domain.MailReminder:
		return p.T("A session of a meeting I come to starts soon")
	case domain.MailReport:
		return p.T("A post in a course I organise is reported")
	case domain.MailPendingSignUp:
		return p.T("Someone asks to join a course I organise")
	}
	return string(k)
}

// getMailSettings shows the viewer's address and the mail they get.
func (s *Server) getMailSettings(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	st, err := s.cfg.Services.Mail.Settings(ctx, p.Handle)
	if err != nil {
		return err
	}
	pr := s.printer(c)
	d := settingsPage(pr, st, s.cfg.Services.Mail.Enabled())
	return s.showMail(c, fiber.StatusOK, "mail_settings", pr.T("Email and notifications"), d)
}

// postMailSettings saves the viewer's address and opt-ins.
func (s *Server) postMailSettings(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	lang, _ := s.reader(c)
	f := service.MailForm{Address: c.FormValue("address"), Language: string(lang)}
	for _, k := range c.Request().PostArgs().PeekMulti("kind") {
		f.Kinds = append(f.Kinds, domain.MailKind(k))
	}
	ctx, cancel := ctx(c)
	defer cancel()
	confirm, err := s.cfg.Services.Mail.SaveSettings(ctx, p.Handle, f)
	switch domain.ErrorCode(err) {
	case "":
	case domain.EINVALID, domain.EFORBIDDEN:
		pr := s.printer(c)
		d := settingsPage(pr, &domain.MailSettings{Address: f.Address, Kinds: f.Kinds}, s.cfg.Services.Mail.Enabled())
		d.Error = s.message(c, err)
		return s.showMail(c, StatusOf(err), "mail_settings", pr.T("Email and notifications"), d)
	default:
		return err
	}
	if confirm {
		return s.notice(c, "/settings/email", s.printer(c).T("Saved. We sent a link to %s: open it to confirm the address. Until then no other mail is sent to it.", f.Address))
	}
	return s.notice(c, "/settings/email", s.printer(c).T("Saved."))
}

// getConfirmMail shows the button that confirms an address: a link opened
// by a mail scanner confirms nothing.
func (s *Server) getConfirmMail(c *fiber.Ctx) error {
	d := mailPage{Token: c.Params("token")}
	ctx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.Mail.CheckConfirmation(ctx, d.Token); err != nil {
		return err
	}
	return s.showMail(c, fiber.StatusOK, "mail_confirm", s.printer(c).T("Confirm your email address"), d)
}

// postConfirmMail confirms the address the link was sent to.
func (s *Server) postConfirmMail(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.Mail.Confirm(ctx, c.Params("token")); err != nil {
		return err
	}
	return s.showMail(c, fiber.StatusOK, "mail_confirm", s.printer(c).T("Email address confirmed"), mailPage{Done: true})
}

// getForgot asks for a handle or an address to send a reset link to.
func (s *Server) getForgot(c *fiber.Ctx) error {
	return s.showMail(c, fiber.StatusOK, "password_forgot", s.printer(c).T("Forgot your password?"), mailPage{})
}

// postForgot sends a reset link, and answers the same whether or not an
// account matched (no enumeration).
func (s *Server) postForgot(c *fiber.Ctx) error {
	d := mailPage{Who: strings.TrimSpace(c.FormValue("who"))}
	pr := s.printer(c)
	title := pr.T("Forgot your password?")
	fail := func(status int, msg string) error {
		d.Error = msg
		return s.showMail(c, status, "password_forgot", title, d)
	}
	if d.Who == "" {
		return fail(fiber.StatusBadRequest, pr.T("Please enter your handle or your email address."))
	}
	if len(d.Who) > domain.MaxAddressLen {
		return fail(fiber.StatusBadRequest, pr.T("That is longer than any handle or email address."))
	}
	// An address is looked up as typed; a handle ("ada", "@ada",
	// "ada@THIS-NODE") as the log-in form reads it.
	who := d.Who
	if _, err := domain.NormaliseAddress(who); err != nil || strings.HasPrefix(who, "@") {
		who = s.loginHandle(who)
	}
	for _, l := range []struct {
		lim *rateLimiter
		key string
	}{{s.auth.resetIP, s.clientIP(c)}, {s.auth.resetAccount, strings.ToLower(who)}} {
		if ok, wait := l.lim.allow(l.key); !ok {
			secs := max(int(math.Ceil(wait.Seconds())), 1)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
			return fail(fiber.StatusTooManyRequests, pr.T("Too many requests. For your safety, please wait %s and try again.", waitText(pr, secs)))
		}
	}
	ctx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.Mail.RequestReset(ctx, who, string(pr.Lang)); err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			return fail(fiber.StatusBadRequest, s.message(c, err))
		}
		return err
	}
	d.Done = true
	return s.showMail(c, fiber.StatusOK, "password_forgot", title, d)
}

// getReset shows the form to choose a new password, if the link works.
func (s *Server) getReset(c *fiber.Ctx) error {
	d := mailPage{Token: c.Params("token")}
	ctx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.Mail.CheckReset(ctx, d.Token); err != nil {
		return err
	}
	return s.showMail(c, fiber.StatusOK, "password_reset", s.printer(c).T("Choose a new password"), d)
}

// postReset sets the new password; every session of the person ends.
func (s *Server) postReset(c *fiber.Ctx) error {
	d := mailPage{Token: c.Params("token")}
	ctx, cancel := ctx(c)
	defer cancel()
	err := s.cfg.Services.Mail.ResetPassword(ctx, d.Token, c.FormValue("new_password"), c.FormValue("new_password_confirm"))
	switch domain.ErrorCode(err) {
	case "":
	case domain.EINVALID:
		d.Error = s.message(c, err)
		return s.showMail(c, StatusOf(err), "password_reset", s.printer(c).T("Choose a new password"), d)
	default:
		return err
	}
	d.Done = true
	return s.showMail(c, fiber.StatusOK, "password_reset", s.printer(c).T("Your password is changed"), d)
}

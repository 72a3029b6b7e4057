package web

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
	"github.com/lernejo/lernejo/i18n"
	"github.com/lernejo/lernejo/service"
)

// authForm is what the log-in, sign-up and password forms show again after
// a failed attempt. Passwords are never sent back.
type authForm struct {
	Next        string
	Handle      string
	DisplayName string
	Error       string     // a message about the whole form (a wrong log-in, too many attempts)
	Err         *formError // a refusal of one field, shown beside it (sign-up, password change)
	// MailReset: the node sends mail, so the log-in form offers a reset.
	MailReset bool
}

// showForm renders one of the account forms with a status. The pages are
// never cached: they carry a CSRF token.
func (s *Server) showForm(c *fiber.Ctx, status int, page, title string, f authForm) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(status)
	f.MailReset = s.cfg.Services.Mail.Enabled()
	return s.render(c, page, pageData{Title: title, Data: f})
}

// tooMany answers a rate-limited attempt: 429, Retry-After, and the form
// again with a message saying how long to wait (HOSTILE W6).
func (s *Server) tooMany(c *fiber.Ctx, page, title string, f authForm, wait time.Duration) error {
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	pr := s.printer(c)
	f.Error = pr.T("Too many attempts. For your safety, please wait %s and try again.", waitText(pr, secs))
	return s.showForm(c, fiber.StatusTooManyRequests, page, title, f)
}

// waitText says a wait of secs seconds in words, in p's language: seconds
// under a minute, whole minutes (rounded up) from there.
func waitText(p *i18n.Printer, secs int) string {
	if secs >= 60 {
		return p.N((secs+59)/60, "%d minute", "%d minutes")
	}
	return p.N(secs, "%d second", "%d seconds")
}

// loginHandle accepts "ada", "@ada" and "ada@THIS-NODE".
func (s *Server) loginHandle(h string) string {
	h = domain.NormaliseHandle(h)
	if name, host, ok := strings.Cut(h, "@"); ok && strings.EqualFold(host, s.urls.Host()) {
		h = name
	}
	return h
}

// getLogin shows the log-in form; a logged-in visitor goes on to next.
func (s *Server) getLogin(c *fiber.Ctx) error {
	next := safeNext(c.Query("next"))
	if s.viewer(c) != nil {
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	return s.showForm(c, fiber.StatusOK, "login", s.printer(c).T("Log in"), authForm{Next: next})
}

// postLogin checks a handle and password and starts a new session.
func (s *Server) postLogin(c *fiber.Ctx) error {
	f := authForm{Next: safeNext(c.FormValue("next")), Handle: s.loginHandle(c.FormValue("handle"))}
	pw := c.FormValue("password")
	pr := s.printer(c)
	title := pr.T("Log in")
	fail := func(msg string) error {
		f.Error = msg
		return s.showForm(c, fiber.StatusUnauthorized, "login", title, f)
	}
	if f.Handle == "" || pw == "" {
		return fail(pr.T("Please enter your handle and your password."))
	}
	// No password is checked for these, so there is nothing to count.
	if len(pw) > password.MaxLen || domain.ValidateHandle(f.Handle) != nil {
		return fail(pr.T("That handle and password do not match an account here."))
	}
	// Counted by the handle typed, whether or not there is such an account,
	// so the limits do not tell which accounts exist. An attempt that ends
	// in an error counts as a failure.
	done, wait := s.auth.login.begin(f.Handle, s.clientIP(c))
	if wait > 0 {
		return s.tooMany(c, "login", title, f, wait)
	}
	ctx, cancel := ctx(c)
	defer cancel()
	sess, err := s.cfg.Services.Accounts.LogIn(ctx, f.Handle, pw, c.Cookies(sessionCookie))
	done(err == nil)
	switch domain.ErrorCode(err) {
	case domain.EUNAUTHORISED:
		return fail(s.message(c, err))
	case domain.EFORBIDDEN: // a suspended account
		f.Error = s.message(c, err)
		return s.showForm(c, fiber.StatusForbidden, "login", title, f)
	}
	if err != nil {
		return err
	}
	s.setSessionCookie(c, sess)
	return c.Redirect(f.Next, fiber.StatusSeeOther)
}

// postLogout ends the session on the server and in the browser.
func (s *Server) postLogout(c *fiber.Ctx) error {
	if sess := s.session(c); sess != nil {
		ctx, cancel := ctx(c)
		defer cancel()
		if err := s.cfg.Services.Accounts.LogOut(ctx, sess.ID); err != nil {
			return err
		}
	}
	s.clearCookie(c, sessionCookie)
	return c.Redirect("/", fiber.StatusSeeOther)
}

// registrationClosed is the answer to the sign-up pages of a node whose
// registration is closed.
func (s *Server) registrationClosed(c *fiber.Ctx) error {
	return fiber.NewError(fiber.StatusForbidden, s.printer(c).T("Registration is closed on this node."))
}

// getSignup shows the sign-up form when registration is open.
func (s *Server) getSignup(c *fiber.Ctx) error {
	next := safeNext(c.Query("next"))
	if s.viewer(c) != nil {
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	ctx, cancel := ctx(c)
	defer cancel()
	st, err := s.cfg.Services.Settings.Current(ctx)
	if err != nil {
		return err
	}
	if !st.RegistrationOpen {
		return s.registrationClosed(c)
	}
	return s.showForm(c, fiber.StatusOK, "signup", s.printer(c).T("Sign up"), authForm{Next: next})
}

// postSignup creates an account and logs it in.
func (s *Server) postSignup(c *fiber.Ctx) error {
	f := authForm{
		Next:        safeNext(c.FormValue("next")),
		Handle:      domain.NormaliseHandle(c.FormValue("handle")),
		DisplayName: strings.TrimSpace(c.FormValue("display_name")),
	}
	title := s.printer(c).T("Sign up")
	if ok, wait := s.auth.signupIP.allow(s.clientIP(c)); !ok {
		return s.tooMany(c, "signup", title, f, wait)
	}
	ctx, cancel := ctx(c)
	defer cancel()
	sess, err := s.cfg.Services.Accounts.SignUp(ctx, service.SignUpForm{Handle: f.Handle, DisplayName: f.DisplayName,
		Password: c.FormValue("password"), Confirm: c.FormValue("password_confirm")}, c.Cookies(sessionCookie))
	switch domain.ErrorCode(err) {
	case "":
	case domain.EFORBIDDEN:
		return s.registrationClosed(c)
	case domain.EINVALID, domain.ECONFLICT:
		f.Err = formErrorOf(err, "handle", "display_name", "password", "password_confirm")
		return s.showForm(c, StatusOf(err), "signup", title, f)
	default:
		return err
	}
	s.setSessionCookie(c, sess)
	return s.notice(c, f.Next, s.printer(c).T("Welcome, @%s! Your account is ready.", f.Handle))
}

// getPassword shows the form to change one's password.
func (s *Server) getPassword(c *fiber.Ctx) error {
	return s.showForm(c, fiber.StatusOK, "password", s.printer(c).T("Change your password"), authForm{})
}

// postPassword changes the viewer's password. Every session of theirs ends,
// this one included; this browser gets a new one.
func (s *Server) postPassword(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	var f authForm
	title := s.printer(c).T("Change your password")
	// Guessing the current password (with a stolen session) is guessing a
	// password: it counts with the log-ins.
	done, wait := s.auth.login.begin(p.Handle, s.clientIP(c))
	if wait > 0 {
		return s.tooMany(c, "password", title, f, wait)
	}
	ctx, cancel := ctx(c)
	defer cancel()
	sess, err := s.cfg.Services.Accounts.ChangePassword(ctx, p.Handle, service.PasswordChange{Current: c.FormValue("current_password"),
		New: c.FormValue("new_password"), Confirm: c.FormValue("new_password_confirm")})
	// A new password that will not do was refused after the current one
	// was found right.
	done(err == nil || domain.ErrorCode(err) == domain.EINVALID)
	switch domain.ErrorCode(err) {
	case "":
	case domain.EUNAUTHORISED, domain.EINVALID:
		f.Err = formErrorOf(err, "current_password", "new_password", "new_password_confirm")
		return s.showForm(c, StatusOf(err), "password", title, f)
	default:
		return err
	}
	s.setSessionCookie(c, sess)
	return s.notice(c, "/settings/password", s.printer(c).T("Your password has been changed, and you have been logged out everywhere else."))
}

// getDeleteAccount shows the form to delete one's account.
func (s *Server) getDeleteAccount(c *fiber.Ctx) error {
	return s.showForm(c, fiber.StatusOK, "delete_account", s.printer(c).T("Delete your account"), authForm{})
}

// postDeleteAccount deletes the viewer's account once they confirm with
// their password, and logs this browser out. A sole organiser is told
// what to do first.
func (s *Server) postDeleteAccount(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	var f authForm
	title := s.printer(c).T("Delete your account")
	// A password is checked: it counts with the log-ins.
	done, wait := s.auth.login.begin(p.Handle, s.clientIP(c))
	if wait > 0 {
		return s.tooMany(c, "delete_account", title, f, wait)
	}
	ctx, cancel := ctx(c)
	defer cancel()
	err := s.cfg.Services.Accounts.DeleteAccount(ctx, p.Handle, c.FormValue("password"))
	done(err == nil || domain.ErrorCode(err) == domain.EFORBIDDEN)
	switch domain.ErrorCode(err) {
	case "":
	case domain.EUNAUTHORISED, domain.EFORBIDDEN:
		f.Error = s.message(c, err)
		return s.showForm(c, StatusOf(err), "delete_account", title, f)
	default:
		return err
	}
	bye := s.printer(c).T("Your account is deleted. The servers that knew it are told.") // in the language they chose
	s.clearCookie(c, sessionCookie)
	c.Locals(localSession, nil) // the session is gone: the notice waits in the visitor's cookie
	c.Locals(localViewer, nil)
	return s.notice(c, "/", bye)
}

// goneActor answers for a local person who is not found: 410 Gone, with a
// Tombstone for ActivityPub clients, when they deleted their account (as
// Mastodon answers for a deleted account, so that servers drop it), else
// notFound.
func (s *Server) goneActor(c *fiber.Ctx, handle string, notFound error) error {
	ctx, cancel := ctx(c)
	defer cancel()
	doc, gone, err := s.cfg.Services.Accounts.Gone(ctx, handle)
	if err != nil {
		return err
	}
	if !gone {
		return notFound
	}
	c.Status(fiber.StatusGone)
	if wantsActivity(c) {
		return sendActivity(c, doc)
	}
	pr := s.printer(c)
	return s.render(c, "error", pageData{Title: pr.T("Deleted"), Data: errorPage{Status: fiber.StatusGone, Message: pr.T("This account was deleted.")}})
}

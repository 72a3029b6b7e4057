package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
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
	f.Error = fmt.Sprintf("Too many attempts. For your safety, please wait %s and try again.", waitText(secs))
	return s.showForm(c, fiber.StatusTooManyRequests, page, title, f)
}

// waitText says a wait of secs seconds in words: seconds under a minute,
// whole minutes (rounded up) from there.
func waitText(secs int) string {
	n, unit := secs, "second"
	if secs >= 60 {
		n, unit = (secs+59)/60, "minute"
	}
	if n != 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit
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
	return s.showForm(c, fiber.StatusOK, "login", "Log in", authForm{Next: next})
}

// postLogin checks a handle and password and starts a new session.
func (s *Server) postLogin(c *fiber.Ctx) error {
	f := authForm{Next: safeNext(c.FormValue("next")), Handle: s.loginHandle(c.FormValue("handle"))}
	pw := c.FormValue("password")
	fail := func(msg string) error {
		f.Error = msg
		return s.showForm(c, fiber.StatusUnauthorized, "login", "Log in", f)
	}
	if f.Handle == "" || pw == "" {
		return fail("Please enter your handle and your password.")
	}
	// No password is checked for these, so there is nothing to count.
	if len(pw) > password.MaxLen || domain.ValidateHandle(f.Handle) != nil {
		return fail("That handle and password do not match an account here.")
	}
	// Counted by the handle typed, whether or not there is such an account,
	// so the limits do not tell which accounts exist. An attempt that ends
	// in an error counts as a failure.
	done, wait := s.auth.login.begin(f.Handle, s.clientIP(c))
	if wait > 0 {
		return s.tooMany(c, "login", "Log in", f, wait)
	}
	ctx, cancel := ctx(c)
	defer cancel()
	sess, err := s.cfg.Services.Accounts.LogIn(ctx, f.Handle, pw, c.Cookies(sessionCookie))
	done(err == nil)
	switch domain.ErrorCode(err) {
	case domain.EUNAUTHORISED:
		return fail(domain.ErrorMessage(err))
	case domain.EFORBIDDEN: // a suspended account
		f.Error = domain.ErrorMessage(err)
		return s.showForm(c, fiber.StatusForbidden, "login", "Log in", f)
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

var errRegistrationClosed = fiber.NewError(fiber.StatusForbidden, "Registration is closed on this node.")

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
		return errRegistrationClosed
	}
	return s.showForm(c, fiber.StatusOK, "signup", "Sign up", authForm{Next: next})
}

// postSignup creates an account and logs it in.
func (s *Server) postSignup(c *fiber.Ctx) error {
	f := authForm{
		Next:        safeNext(c.FormValue("next")),
		Handle:      domain.NormaliseHandle(c.FormValue("handle")),
		DisplayName: strings.TrimSpace(c.FormValue("display_name")),
	}
	if ok, wait := s.auth.signupIP.allow(s.clientIP(c)); !ok {
		return s.tooMany(c, "signup", "Sign up", f, wait)
	}
	ctx, cancel := ctx(c)
	defer cancel()
	sess, err := s.cfg.Services.Accounts.SignUp(ctx, service.SignUpForm{Handle: f.Handle, DisplayName: f.DisplayName,
		Password: c.FormValue("password"), Confirm: c.FormValue("password_confirm")}, c.Cookies(sessionCookie))
	switch domain.ErrorCode(err) {
	case "":
	case domain.EFORBIDDEN:
		return errRegistrationClosed
	case domain.EINVALID, domain.ECONFLICT:
		f.Err = formErrorOf(err, "handle", "display_name", "password", "password_confirm")
		return s.showForm(c, StatusOf(err), "signup", "Sign up", f)
	default:
		return err
	}
	s.setSessionCookie(c, sess)
	return s.notice(c, f.Next, "Welcome, @"+f.Handle+"! Your account is ready.")
}

// getPassword shows the form to change one's password.
func (s *Server) getPassword(c *fiber.Ctx) error {
	return s.showForm(c, fiber.StatusOK, "password", "Change your password", authForm{})
}

// postPassword changes the viewer's password. Every session of theirs ends,
// this one included; this browser gets a new one.
func (s *Server) postPassword(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	var f authForm
	// Guessing the current password (with a stolen session) is guessing a
	// password: it counts with the log-ins.
	done, wait := s.auth.login.begin(p.Handle, s.clientIP(c))
	if wait > 0 {
		return s.tooMany(c, "password", "Change your password", f, wait)
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
		return s.showForm(c, StatusOf(err), "password", "Change your password", f)
	default:
		return err
	}
	s.setSessionCookie(c, sess)
	return s.notice(c, "/settings/password", "Your password has been changed, and you have been logged out everywhere else.")
}

// getDeleteAccount shows the form to delete one's account.
func (s *Server) getDeleteAccount(c *fiber.Ctx) error {
	return s.showForm(c, fiber.StatusOK, "delete_account", "Delete your account", authForm{})
}

// postDeleteAccount deletes the viewer's account once they confirm with
// their password, and logs this browser out. A sole organiser is told
// what to do first.
func (s *Server) postDeleteAccount(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	var f authForm
	// A password is checked: it counts with the log-ins.
	done, wait := s.auth.login.begin(p.Handle, s.clientIP(c))
	if wait > 0 {
		return s.tooMany(c, "delete_account", "Delete your account", f, wait)
	}
	ctx, cancel := ctx(c)
	defer cancel()
	err := s.cfg.Services.Accounts.DeleteAccount(ctx, p.Handle, c.FormValue("password"))
	done(err == nil || domain.ErrorCode(err) == domain.EFORBIDDEN)
	switch domain.ErrorCode(err) {
	case "":
	case domain.EUNAUTHORISED, domain.EFORBIDDEN:
		f.Error = domain.ErrorMessage(err)
		return s.showForm(c, StatusOf(err), "delete_account", "Delete your account", f)
	default:
		return err
	}
	s.clearCookie(c, sessionCookie)
	c.Locals(localSession, nil) // the session is gone: the notice waits in the visitor's cookie
	c.Locals(localViewer, nil)
	return s.notice(c, "/", "Your account is deleted. The servers that knew it are told.")
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
	return s.render(c, "error", pageData{Title: "Deleted", Data: errorPage{Status: fiber.StatusGone, Message: "This account was deleted."}})
}

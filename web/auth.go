package web

import (
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/password"
)

// authForm is what the log-in, sign-up and password forms show again after
// a failed attempt. Passwords are never sent back.
type authForm struct {
	Next        string
	Handle      string
	DisplayName string
	Error       string
	Notice      string
}

// showForm renders one of the account forms with a status. The pages are
// never cached: they carry a CSRF token.
func (s *Server) showForm(c *fiber.Ctx, status int, page, title string, f authForm) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(status)
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
	fail := func() error {
		f.Error = "That handle and password do not match an account here."
		return s.showForm(c, fiber.StatusUnauthorized, "login", "Log in", f)
	}
	if f.Handle == "" || pw == "" {
		f.Error = "Please enter your handle and your password."
		return s.showForm(c, fiber.StatusUnauthorized, "login", "Log in", f)
	}
	// No password is checked for these, so there is nothing to count.
	if len(pw) > password.MaxLen || domain.ValidateHandle(f.Handle) != nil {
		return fail()
	}
	// Counted by the handle typed, whether or not there is such an account,
	// so the limits do not tell which accounts exist. An attempt that ends
	// in an error counts as a failure.
	done, wait := s.auth.login.begin(f.Handle, s.clientIP(c))
	if wait > 0 {
		return s.tooMany(c, "login", "Log in", f, wait)
	}
	ok := false
	defer func() { done(ok) }()
	ctx, cancel := ctx(c)
	defer cancel()
	var p *domain.Person
	err := s.store.View(ctx, func(tx domain.Tx) error {
		var err error
		p, err = tx.Person(f.Handle)
		return err
	})
	if err != nil && !domain.IsNotFound(err) {
		return err
	}
	if p == nil {
		// Spend the same time as for a wrong password.
		hash, err := s.auth.dummy()
		if err != nil {
			return err
		}
		_ = password.Check(hash, pw)
		return fail()
	}
	if err := password.Check(p.PasswordHash, pw); err != nil {
		if err != password.ErrMismatch {
			s.log.Error("password check failed", slog.String("handle", p.Handle), slog.Any("err", err))
		}
		return fail()
	}
	ok = true
	if err := s.startSession(c, p.Handle); err != nil {
		return err
	}
	return c.Redirect(f.Next, fiber.StatusSeeOther)
}

// postLogout ends the session on the server and in the browser.
func (s *Server) postLogout(c *fiber.Ctx) error {
	if sess := s.session(c); sess != nil {
		ctx, cancel := ctx(c)
		defer cancel()
		if err := s.store.Update(ctx, func(tx domain.Tx) error { return tx.DeleteSession(sess.ID) }); err != nil {
			return err
		}
	}
	s.clearCookie(c, sessionCookie)
	return c.Redirect("/", fiber.StatusSeeOther)
}

// registrationOpen reads the operator's setting.
func (s *Server) registrationOpen(c *fiber.Ctx) (bool, error) {
	ctx, cancel := ctx(c)
	defer cancel()
	var open bool
	err := s.store.View(ctx, func(tx domain.Tx) error {
		st, err := tx.Settings()
		open = st.RegistrationOpen
		return err
	})
	return open, err
}

var errRegistrationClosed = fiber.NewError(fiber.StatusForbidden, "Registration is closed on this node.")

// getSignup shows the sign-up form when registration is open.
func (s *Server) getSignup(c *fiber.Ctx) error {
	next := safeNext(c.Query("next"))
	if s.viewer(c) != nil {
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	open, err := s.registrationOpen(c)
	if err != nil {
		return err
	}
	if !open {
		return errRegistrationClosed
	}
	return s.showForm(c, fiber.StatusOK, "signup", "Sign up", authForm{Next: next})
}

// postSignup creates an account and logs it in.
func (s *Server) postSignup(c *fiber.Ctx) error {
	open, err := s.registrationOpen(c)
	if err != nil {
		return err
	}
	if !open {
		return errRegistrationClosed
	}
	f := authForm{
		Next:        safeNext(c.FormValue("next")),
		Handle:      domain.NormaliseHandle(c.FormValue("handle")),
		DisplayName: strings.TrimSpace(c.FormValue("display_name")),
	}
	if ok, wait := s.auth.signupIP.allow(s.clientIP(c)); !ok {
		return s.tooMany(c, "signup", "Sign up", f, wait)
	}
	invalid := func(msg string) error {
		f.Error = msg
		return s.showForm(c, fiber.StatusBadRequest, "signup", "Sign up", f)
	}
	pw := c.FormValue("password")
	if err := domain.ValidateHandle(f.Handle); err != nil {
		return invalid(domain.ErrorMessage(err))
	}
	if msg := checkNewPassword(pw, c.FormValue("password_confirm")); msg != "" {
		return invalid(msg)
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	p := &domain.Person{Handle: f.Handle, DisplayName: f.DisplayName, PasswordHash: hash}
	if err := s.cfg.Services.Accounts.Register(ctx, p); err != nil {
		switch domain.ErrorCode(err) {
		case domain.ECONFLICT:
			f.Error = "The handle " + f.Handle + " is already taken. Please choose another."
			return s.showForm(c, fiber.StatusConflict, "signup", "Sign up", f)
		case domain.EINVALID:
			return invalid(domain.ErrorMessage(err))
		}
		return err
	}
	if err := s.startSession(c, p.Handle); err != nil {
		return err
	}
	return c.Redirect(f.Next, fiber.StatusSeeOther)
}

// checkNewPassword returns what is wrong with a new password, or "".
func checkNewPassword(pw, confirm string) string {
	switch {
	case len(pw) < password.MinLen:
		return fmt.Sprintf("Your password needs at least %d characters.", password.MinLen)
	case len(pw) > password.MaxLen:
		return fmt.Sprintf("Your password can have at most %d characters.", password.MaxLen)
	case pw != confirm:
		return "The two passwords are not the same."
	}
	return ""
}

// getPassword shows the form to change one's password.
func (s *Server) getPassword(c *fiber.Ctx) error {
	if _, err := s.requireLogin(c); err != nil {
		return err
	}
	var f authForm
	if c.Query("done") != "" {
		f.Notice = "Your password has been changed, and you have been logged out everywhere else."
	}
	return s.showForm(c, fiber.StatusOK, "password", "Change your password", f)
}

// postPassword changes the viewer's password. Every session of theirs ends,
// this one included; this browser gets a new one.
func (s *Server) postPassword(c *fiber.Ctx) error {
	p, err := s.requireLogin(c)
	if err != nil {
		return err
	}
	var f authForm
	// Guessing the current password (with a stolen session) is guessing a
	// password: it counts with the log-ins.
	done, wait := s.auth.login.begin(p.Handle, s.clientIP(c))
	if wait > 0 {
		return s.tooMany(c, "password", "Change your password", f, wait)
	}
	if err := password.Check(p.PasswordHash, c.FormValue("current_password")); err != nil {
		done(false)
		f.Error = "Your current password is not right."
		return s.showForm(c, fiber.StatusUnauthorized, "password", "Change your password", f)
	}
	done(true)
	pw := c.FormValue("new_password")
	if msg := checkNewPassword(pw, c.FormValue("new_password_confirm")); msg != "" {
		f.Error = msg
		return s.showForm(c, fiber.StatusBadRequest, "password", "Change your password", f)
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	now := s.auth.now()
	sess, err := domain.NewSession(p.Handle, now)
	if err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	if err := s.store.Update(ctx, func(tx domain.Tx) error {
		q, err := tx.Person(p.Handle)
		if err != nil {
			return err
		}
		q.PasswordHash, q.Updated = hash, now.UTC()
		if err := tx.PutPerson(q); err != nil {
			return err
		}
		if err := tx.DeleteSessionsOf(p.Handle); err != nil {
			return err
		}
		return tx.PutSession(sess)
	}); err != nil {
		return err
	}
	s.setSessionCookie(c, sess)
	return c.Redirect("/settings/password?done=1", fiber.StatusSeeOther)
}

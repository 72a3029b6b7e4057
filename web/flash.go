package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
)

// Flash messages: what became of a form, told on the page its handler
// redirects to, once. A logged-in person's flash is kept with their session
// in the store (Accounts.SetFlash, TakeFlash); a visitor's, who has no
// session (after deleting their account, say), in a short-lived cookie
// signed with a key of this process. Never in the URL: a page shows no
// message a link brought, so a crafted link cannot make the node seem to
// say anything (issue 15).

const (
	flashCookie = "lernejo_flash"
	// flashCookieTTL is how long a visitor's flash waits for its page: the
	// redirect that follows the form, not a later visit.
	flashCookieTTL = 5 * time.Minute
)

// notice sets a flash notice for the next page and redirects there.
func (s *Server) notice(c *fiber.Ctx, to, text string) error {
	return s.flashTo(c, to, domain.Flash{Text: text})
}

// flashTo keeps f for the next page this browser shows and redirects to
// to (a path on this node), with 303 as every form's answer.
func (s *Server) flashTo(c *fiber.Ctx, to string, f domain.Flash) error {
	if err := s.setFlash(c, f); err != nil {
		return err
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// refused answers a form whose change was refused: an internal error goes
// to the error handler, a domain error a person can act on becomes a flash
// error on the page to, in the reader's language. With a nil err it is the
// notice done instead, which the caller wrote in the reader's language.
func (s *Server) refused(c *fiber.Ctx, to string, err error, done string) error {
	switch {
	case err == nil && done == "":
		return c.Redirect(to, fiber.StatusSeeOther)
	case err == nil:
		return s.notice(c, to, done)
	case domain.ErrorCode(err) == domain.EINTERNAL:
		return err
	}
	return s.flashTo(c, to, domain.Flash{Error: true, Text: s.message(c, err)})
}

// setFlash keeps f with the session, or for a visitor in the signed cookie.
func (s *Server) setFlash(c *fiber.Ctx, f domain.Flash) error {
	if sess := s.session(c); sess != nil {
		ctx, cancel := ctx(c)
		defer cancel()
		err := s.cfg.Services.Accounts.SetFlash(ctx, sess.ID, f)
		if !domain.IsNotFound(err) {
			return err
		}
		// The session ended meanwhile: the browser is a visitor's now.
	}
	b, err := json.Marshal(f.Bounded())
	if err != nil {
		return err
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	s.setCookie(c, flashCookie, v+"."+s.flashMAC(v), s.auth.now().Add(flashCookieTTL))
	return nil
}

// takeFlash returns the flash waiting for this page, if any, and forgets
// it: the session's (one write, only when there is one) and the cookie's.
func (s *Server) takeFlash(c *fiber.Ctx) (*domain.Flash, error) {
	var f *domain.Flash
	if sess := s.session(c); sess != nil && sess.Flash != nil {
		ctx, cancel := ctx(c)
		defer cancel()
		var err error
		if f, err = s.cfg.Services.Accounts.TakeFlash(ctx, sess.ID); err != nil {
			return nil, err
		}
		sess.Flash = nil
	}
	if ck := c.Cookies(flashCookie); ck != "" {
		s.clearCookie(c, flashCookie)
		if cf := s.readFlashCookie(ck); cf != nil && f == nil {
			f = cf
		}
	}
	return f, nil
}

// readFlashCookie decodes a flash cookie this process signed; any other
// value (forged, from before a restart, mangled) is nil.
func (s *Server) readFlashCookie(ck string) *domain.Flash {
	v, mac, ok := strings.Cut(ck, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.flashMAC(v))) {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil
	}
	var f domain.Flash
	if json.Unmarshal(b, &f) != nil || f.Text == "" || len(f.Text) > domain.MaxFlashLen || (f.Action != "" && !isLocalPath(f.Action)) {
		return nil
	}
	return &f
}

// flashMAC signs a flash cookie's value with the process's key.
func (s *Server) flashMAC(v string) string {
	m := hmac.New(sha256.New, s.auth.flashKey)
	m.Write([]byte(flashCookie + "=" + v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

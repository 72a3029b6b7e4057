package web

import (
	"crypto/rand"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
)

// Cookies and request locals of the accounts layer.
const (
	sessionCookie = "lernejo_session"
	csrfCookie    = "lernejo_csrf" // logged-out visitors' double-submit token
	csrfField     = "_csrf"        // the hidden form field every POST form carries

	localViewer  = "viewer"  // *domain.Person, the logged-in person
	localSession = "session" // *domain.Session
	localCSRF    = "csrf"    // string, a csrf cookie token issued in this request
)

// Log-in and sign-up limits (HOSTILE W6). Log-ins count failures only (see
// loginGuard): a delay that grows per account and address, after OWASP's
// advice against hard account lockouts, and a cap per address after
// Mastodon's rack-attack numbers.
const (
	loginFreeFailures    = 5                // failures of one account from one address before any delay
	loginFirstDelay      = time.Second      // the wait after the loginFreeFailures-th, doubling with each further one
	loginMaxDelay        = 15 * time.Minute // the longest wait
	loginForget          = time.Hour        // a pair's failures are forgotten after this long without one
	loginFailPerIP       = 25               // failures from one address, over every account, in
	loginFailPerIPWindow = 5 * time.Minute  // this window
	signupPerIP          = 25
	signupPerIPWindow    = 5 * time.Minute
)

// authState is what the accounts layer keeps between requests.
type authState struct {
	now      func() time.Time
	login    *loginGuard // log-ins and password changes
	signupIP *rateLimiter
	// password reset requests (web/mail.go)
	resetAccount, resetIP *rateLimiter
	flashKey              []byte // signs visitors' flash cookies (web/flash.go)
}

func newAuthState(now func() time.Time) *authState {
	if now == nil {
		now = time.Now
	}
	// A key of this process: a flash waits seconds for its page, so a
	// restart losing one is no loss. crypto/rand.Read does not fail.
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &authState{
		now:          now,
		login:        newLoginGuard(now),
		signupIP:     newRateLimiter(signupPerIP, signupPerIPWindow, now),
		resetAccount: newRateLimiter(resetPerAccount, resetPerAccountWindow, now),
		resetIP:      newRateLimiter(resetPerIP, resetPerIPWindow, now),
		flashKey:     key,
	}
}

// viewer is the logged-in person, or nil.
func (s *Server) viewer(c *fiber.Ctx) *domain.Person {
	p, _ := c.Locals(localViewer).(*domain.Person)
	return p
}

// session is the request's session, or nil when logged out.
func (s *Server) session(c *fiber.Ctx) *domain.Session {
	ss, _ := c.Locals(localSession).(*domain.Session)
	return ss
}

// requireLogin returns the logged-in person. Otherwise it returns an error
// for the handler to return: for GET and HEAD a 303 to /login?next=THIS-PAGE
// (the Location header is set here; the error handler writes the status and
// a short page), for anything else 401. The loggedIn and operator guards of
// the routes table call it; a handler behind them reads s.viewer(c).
func (s *Server) requireLogin(c *fiber.Ctx) (*domain.Person, error) {
	if p := s.viewer(c); p != nil {
		return p, nil
	}
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set(fiber.HeaderLocation, "/login?next="+url.QueryEscape(safeNext(c.OriginalURL())))
		return nil, fiber.NewError(fiber.StatusSeeOther, "Please log in to see this page.")
	}
	return nil, fiber.NewError(fiber.StatusUnauthorized, "Please log in first.")
}

// loadViewer finds the session named by the cookie and puts it and its person
// into the request's locals. A cookie naming no live session is cleared.
func (s *Server) loadViewer(c *fiber.Ctx) error {
	token := c.Cookies(sessionCookie)
	if token == "" {
		return c.Next()
	}
	ctx, cancel := ctx(c)
	sess, p, err := s.cfg.Services.Accounts.Session(ctx, token)
	cancel()
	if domain.IsNotFound(err) {
		s.clearCookie(c, sessionCookie)
		return c.Next()
	}
	if err != nil {
		return err
	}
	c.Locals(localSession, sess)
	c.Locals(localViewer, p)
	return c.Next()
}

// setSessionCookie hands the browser a session the services started
// (HOSTILE W2: a new id at every log-in).
func (s *Server) setSessionCookie(c *fiber.Ctx, sess *domain.Session) {
	s.setCookie(c, sessionCookie, sess.ID, sess.Expires)
	c.Locals(localSession, sess)
}

// setCookie sets a cookie the way every cookie of the node is set: HttpOnly,
// SameSite=Lax, Path=/, host-only (no Domain), Secure when the node is on
// https (HOSTILE W3). A zero expires makes a browser-session cookie.
func (s *Server) setCookie(c *fiber.Ctx, name, value string, expires time.Time) {
	ck := &fiber.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		HTTPOnly: true,
		Secure:   s.urls.HTTPS(),
		SameSite: fiber.CookieSameSiteLaxMode,
	}
	if expires.IsZero() {
		ck.SessionOnly = true
	} else {
		ck.Expires = expires
	}
	c.Cookie(ck)
}

// clearCookie tells the browser to drop a cookie.
func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	s.setCookie(c, name, "", time.Unix(0, 0))
}

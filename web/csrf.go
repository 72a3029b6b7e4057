package web

import (
	"crypto/subtle"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
)

// Cross-site request forgery (HOSTILE W1). Every request that may change
// something (any method but GET, HEAD, OPTIONS and TRACE), except the
// ActivityPub inboxes, which are signed instead, must
//
//   - come from the node's own origin, when the browser says where it comes
//     from (Origin, or else Referer), and
//   - carry a hidden _csrf field equal to the session's token; without a
//     session, equal to the lernejo_csrf cookie (double submit).
//
// Session cookies are SameSite=Lax besides.

// checkCSRF is the middleware that enforces the above; it runs after loadViewer.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		return c.Next()
	}
	if isInboxPath(c.Path()) {
		return c.Next()
	}
	if !s.sameOrigin(c) {
		return fiber.NewError(fiber.StatusForbidden, "This form was sent from another site, so it was refused.")
	}
	var want string
	if sess := s.session(c); sess != nil {
		want = sess.CSRF
	} else if t := c.Cookies(csrfCookie); domain.ValidToken(t) {
		want = t
	}
	got := c.FormValue(csrfField)
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return fiber.NewError(fiber.StatusForbidden, "This form has expired. Go back, reload the page and try again.")
	}
	return c.Next()
}

// isInboxPath reports whether a path is one of the inboxes routes.go
// registers: /inbox, /actor/inbox, /KIND/HANDLE/inbox. Routing ignores case
// and a trailing slash, and so does this.
func isInboxPath(p string) bool {
	p = strings.ToLower(strings.TrimSuffix(p, "/"))
	if p == "/inbox" || p == "/actor/inbox" {
		return true
	}
	parts := strings.Split(p, "/")
	if len(parts) != 4 || parts[0] != "" || parts[2] == "" || parts[3] != "inbox" {
		return false
	}
	switch parts[1] {
	case "people", "courses", "schools", "users":
		return true
	}
	return false
}

// sameOrigin reports whether the request's Origin, or else its Referer,
// names the node's own origin. A request with neither passes: some browsers
// and privacy tools send none, and the token still has to match.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	if o := c.Get(fiber.HeaderOrigin); o != "" {
		return strings.EqualFold(o, s.urls.Base())
	}
	if r := c.Get(fiber.HeaderReferer); r != "" {
		u, err := url.Parse(r)
		if err != nil {
			return false
		}
		return strings.EqualFold(u.Scheme+"://"+u.Host, s.urls.Base())
	}
	return true
}

// csrfToken is the token the forms of this response carry: the session's,
// or else the visitor's lernejo_csrf cookie, set here when missing.
func (s *Server) csrfToken(c *fiber.Ctx) (string, error) {
	if sess := s.session(c); sess != nil {
		return sess.CSRF, nil
	}
	if t, ok := c.Locals(localCSRF).(string); ok {
		return t, nil
	}
	if t := c.Cookies(csrfCookie); domain.ValidToken(t) {
		return t, nil
	}
	t, err := domain.NewToken()
	if err != nil {
		return "", err
	}
	s.setCookie(c, csrfCookie, t, time.Time{})
	c.Locals(localCSRF, t)
	return t, nil
}

// safeNext returns next when it is a path on this node, and "/" otherwise
// (HOSTILE W7).
func safeNext(next string) string {
	if isLocalPath(next) {
		return next
	}
	return "/"
}

// isLocalPath accepts only "/…" paths that stay on this node however many
// times they are percent-decoded: not "//host" or "/\host" (browsers read a
// backslash as a slash), no scheme or host, no control characters (browsers
// drop tabs and newlines, so "/\t/evil" would become "//evil").
func isLocalPath(p string) bool {
	if len(p) > 2048 {
		return false
	}
	for range 4 {
		if !localShape(p) {
			return false
		}
		d, err := url.PathUnescape(p)
		if err != nil {
			return false
		}
		if d == p {
			return true
		}
		p = d
	}
	return false
}

func localShape(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for i := 0; i < len(p); i++ {
		if b := p[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return false
		}
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == ""
}

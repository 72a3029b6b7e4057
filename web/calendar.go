package web

import (
	"html/template"
	neturl "net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// calendarPage is the page where a person finds the address of the
// calendar of all their sessions, and replaces it.
type calendarPage struct {
	URL string // https://…/people/HANDLE/calendar.ics?key=…
	// Webcal is the same as webcal://, which calendar apps open (built
	// here from the node's own address, a handle and a hex key).
	Webcal template.URL
	Notice string
}

// calendarSettings shows the viewer the address of their calendar, with
// key (made on the first visit).
func (s *Server) calendarSettings(c *fiber.Ctx, renew bool) error {
	viewer := s.viewer(c) // behind the loggedIn guard
	ctx, cancel := ctx(c)
	defer cancel()
	key, err := s.cfg.Services.Meetings.CalendarKey(ctx, viewer.Handle, renew)
	if err != nil {
		return err
	}
	pr := s.printer(c)
	u := s.urls.Base() + "/people/" + viewer.Handle + "/calendar.ics?key=" + neturl.QueryEscape(key)
	p := calendarPage{URL: u}
	if rest, ok := strings.CutPrefix(u, "https://"); ok {
		p.Webcal = template.URL("webcal://" + rest)
	}
	if renew {
		p.Notice = pr.T("Here is your new link; the old one no longer works.")
	}
	// The page shows a secret: no cache keeps it. Its address names no
	// secret, and its own form must be sent with its origin (a browser
	// sends "Origin: null" under no-referrer, which the CSRF check
	// refuses): same-origin tells other sites nothing.
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Referrer-Policy", "same-origin")
	return s.render(c, "calendar_settings", pageData{Title: pr.T("My sessions in a calendar"), Data: p})
}

// getCalendarSettings shows the address of the viewer's calendar.
func (s *Server) getCalendarSettings(c *fiber.Ctx) error { return s.calendarSettings(c, false) }

// postCalendarSettings makes the viewer a new calendar address: the old
// one stops working.
func (s *Server) postCalendarSettings(c *fiber.Ctx) error { return s.calendarSettings(c, true) }

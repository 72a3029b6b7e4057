package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/i18n"
)

// readingPage is the form where a person picks the language and time
// zone they read the pages in.
type readingPage struct {
	Languages []readingLanguage
	Zone      string
	Zones     []string // suggestions; any IANA zone is taken
	Error     string
	Notice    string
}

// readingLanguage is one choice of the language select.
type readingLanguage struct {
	Lang     string // "" for the browser's
	Name     string
	Selected bool
}

// zoneSuggestions are the zones the form suggests; any other IANA name
// may be typed.
var zoneSuggestions = []string{"UTC", "Europe/London", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
	"Europe/Warsaw", "Europe/Helsinki", "Europe/Moscow", "Africa/Lagos", "Africa/Nairobi", "Africa/Johannesburg",
	"Asia/Tehran", "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney",
	"Pacific/Auckland", "America/Sao_Paulo", "America/Buenos_Aires", "America/Mexico_City",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"}

// reading shows the reading form with the person's choices, or the ones
// they just tried.
func (s *Server) reading(c *fiber.Ctx, status int, lang, zone string, errMsg, notice string) error {
	p := readingPage{Zone: zone, Zones: zoneSuggestions, Error: errMsg, Notice: notice}
	pr := s.printer(c)
	p.Languages = append(p.Languages, readingLanguage{Lang: "", Name: pr.T("The language my browser asks for"), Selected: lang == ""})
	for _, l := range i18n.Languages {
		p.Languages = append(p.Languages, readingLanguage{Lang: string(l.Lang), Name: l.Name, Selected: lang == string(l.Lang)})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(status)
	return s.render(c, "reading", pageData{Title: pr.T("Language and time zone"), Data: p})
}

// getReading shows the viewer's language and time zone.
func (s *Server) getReading(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	return s.reading(c, fiber.StatusOK, p.Language, p.TimeZone, "", "")
}

// postReading saves the viewer's language and time zone, and shows the
// form again in the language chosen.
func (s *Server) postReading(c *fiber.Ctx) error {
	p := s.viewer(c)
	lang, zone := c.FormValue("language"), c.FormValue("zone")
	ctx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.Accounts.SetReading(ctx, p.Handle, lang, zone); err != nil {
		if domain.ErrorCode(err) != domain.EINVALID {
			return err
		}
		return s.reading(c, StatusOf(err), lang, zone, s.message(c, err), "")
	}
	// The page answering is written with the new choices.
	p.Language, p.TimeZone = lang, zone
	return s.reading(c, fiber.StatusOK, lang, zone, "", s.printer(c).T("Saved."))
}

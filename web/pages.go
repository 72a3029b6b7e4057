package web

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/i18n"
	"github.com/lernejo/lernejo/service"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageData is what every page template gets.
type pageData struct {
	Title    string
	Node     nodeView // the node's settings, its words in the page's language (set by render)
	Data     any
	ActorURL string         // the page's actor, for <link rel="alternate">
	Handle   string         // @handle@domain of the page's actor
	Viewer   *domain.Person // the logged-in person, or nil (set by render)
	Lang     i18n.Lang      // the language the page is written in (set by render)
	CSRF     string         // the token every form carries as _csrf (set by render)
	Flash    *domain.Flash  // the one-time message waiting for this page (set by render, web/flash.go)

	Unread int // the viewer's unread notifications, for the header (set by render)
}

// parseTemplates parses each page together with the layout, with the
// language functions of lang (see pageSet).
func parseTemplates(lang template.FuncMap) (*template.Template, error) {
	funcs := template.FuncMap{
		"thousands": thousands,
		"list":      func(xs ...string) []string { return xs },
		// A refused form's field's attributes (web/forms.go).
		"invalid":  fieldAttrs,
		"draftFor": draftFor,
		// dict builds a map for passing several values to a sub-template.
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		// html marks sanitised HTML (posts, task bodies) as safe to insert.
		// Only fields that went through the bluemonday policies may use it.
		"html": func(s string) template.HTML { return template.HTML(s) },
		"link": link, // a link as an argument of th (web/lang.go)
		"paragraphs": func(s string) []string {
			var out []string
			for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			return out
		},
	}
	for name, f := range lang {
		funcs[name] = f
	}
	return template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
}

// render executes a page inside the layout. Names, summaries and everything
// else from people are rendered as text by html/template (HOSTILE H4).
func (s *Server) render(c *fiber.Ctx, page string, d pageData) error {
	ctx, cancel := ctx(c)
	defer cancel()
	st, err := s.cfg.Services.Settings.Current(ctx)
	if err != nil {
		st = domain.DefaultSettings()
	}
	lang, loc := s.reader(c)
	d.Node, d.Lang = nodeView{Settings: st, kinds: kindWords{s.pages.cat.Printer(lang)}}, lang
	d.Viewer = s.viewer(c)
	if d.Viewer != nil {
		// One counter read; a page still shows when it fails, without
		// the count, as it does with default settings above.
		d.Unread, _ = s.cfg.Services.Notifications.Unread(ctx, d.Viewer.Handle)
	}
	if d.CSRF, err = s.csrfToken(c); err != nil {
		return err
	}
	if d.Flash, err = s.takeFlash(c); err != nil {
		return err
	}
	if d.Flash != nil {
		c.Set(fiber.HeaderCacheControl, "no-store") // the message is this browser's, once
	}
	pages, err := s.pages.get(lang, loc)
	if err != nil {
		return err
	}
	// Straight into the response's body, a buffer the server reuses from
	// request to request: a page's tens of kilobytes are not allocated
	// (and grown, and collected) each time.
	resp := c.Response()
	resp.ResetBody()
	if err := pages.ExecuteTemplate(resp.BodyWriter(), page+".html", d); err != nil {
		resp.ResetBody()
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentLanguage, string(lang))
	c.Vary(fiber.HeaderAcceptLanguage)
	return nil
}

// errorPage is what the error page shows.
type errorPage struct {
	Status  int
	Message string
}

// homePage is the home page's data: the read model, and the links of its
// paged lists.
type homePage struct {
	*service.HomePage
	SchoolPages, CoursePages pageLinks
}

// home lists a page of the node's open courses (?courses=), or of those a
// search finds (?q=, ?tag=, ?lang=), and a page of its schools (?schools=).
func (s *Server) home(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Courses.Home(ctx, service.HomeQuery{Q: c.Query("q"), Tag: c.Query("tag"), Lang: c.Query("lang"),
		Courses: c.Query("courses"), Schools: c.Query("schools")})
	if err != nil {
		return err
	}
	pr := s.printer(c)
	return s.render(c, "home", pageData{Data: homePage{HomePage: p,
		SchoolPages: linksAt(c, "schools", "schools", pr.T("Schools"), p.SchoolsPrev, p.SchoolsNext),
		CoursePages: linksAt(c, "courses", "courses", pr.T("Courses"), p.CoursesPrev, p.CoursesNext)}})
}

// aboutPage is the about page's data: the node's kinds as the page lists
// them, in the reader's language where they are the default ones.
type aboutPage struct {
	Kinds string
}

// about describes the node and its operator's settings.
func (s *Server) about(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	st, err := s.cfg.Services.Settings.Current(ctx)
	if err != nil {
		return err
	}
	pr := s.printer(c)
	kinds := make([]string, len(st.Kinds))
	for i, k := range st.Kinds {
		kinds[i] = kindWords{pr}.Label(k)
	}
	return s.render(c, "about", pageData{Title: pr.T("About"), Data: aboutPage{Kinds: strings.Join(kinds, ", ")}})
}

// static serves the embedded stylesheet and images with a safe, fixed type.
func (s *Server) static(c *fiber.Ctx) error {
	name := path.Clean("static/" + c.Params("*"))
	b, err := fs.ReadFile(staticFS, name)
	if err != nil || !strings.HasPrefix(name, "static/") {
		return fiber.ErrNotFound
	}
	switch path.Ext(name) {
	case ".css":
		c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	case ".png":
		c.Set(fiber.HeaderContentType, "image/png")
	case ".txt":
		c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	default:
		c.Set(fiber.HeaderContentType, "application/octet-stream")
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(b)
}

// tagPage is a tag's page's data: the read model, and the links of its
// list of courses.
type tagPage struct {
	*service.TagPage
	CoursePages pageLinks
}

// tag lists a page of the open courses with a tag (?courses=).
func (s *Server) tag(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Courses.Tagged(ctx, c.Params("tag"), c.Query("courses"))
	if err != nil {
		return err
	}
	return s.render(c, "tag", pageData{Title: "#" + p.Tag, Data: tagPage{TagPage: p,
		CoursePages: linksAt(c, "courses", "courses", s.printer(c).T("Courses"), p.CoursesPrev, p.CoursesNext)}})
}

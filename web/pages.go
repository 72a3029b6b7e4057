package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageData is what every page template gets.
type pageData struct {
	Title    string
	Node     domain.Settings
	Data     any
	ActorURL string         // the page's actor, for <link rel="alternate">
	Handle   string         // @handle@domain of the page's actor
	Viewer   *domain.Person // the logged-in person, or nil (set by render)
	CSRF     string         // the token every form carries as _csrf (set by render)
}

// parseTemplates parses each page together with the layout.
func parseTemplates() (*template.Template, error) {
	funcs := template.FuncMap{
		"ago":       ago,
		"thousands": thousands,
		"list":      func(xs ...string) []string { return xs },
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
	return template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
}

// render executes a page inside the layout. Names, summaries and everything
// else from people are rendered as text by html/template (HOSTILE H4).
func (s *Server) render(c *fiber.Ctx, page string, d pageData) error {
	ctx, cancel := ctx(c)
	defer cancel()
	if err := s.store.View(ctx, func(tx domain.Tx) error {
		var err error
		d.Node, err = tx.Settings()
		return err
	}); err != nil {
		d.Node = domain.DefaultSettings()
	}
	d.Viewer = s.viewer(c)
	var err error
	if d.CSRF, err = s.csrfToken(c); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, page+".html", d); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// home lists a page of the node's open courses (?courses=), or of those a
// search finds, and a page of its schools (?schools=).
func (s *Server) home(c *fiber.Ctx) error {
	q := strings.ToLower(strings.TrimSpace(c.Query("q")))
	tag := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c.Query("tag")), "#"))
	lang := strings.ToLower(strings.TrimSpace(c.Query("lang")))
	searching := q != "" || tag != "" || lang != ""
	// The narrowest index the search has, then the rest of the search as
	// a filter: a page examines a bounded number of courses either way.
	list := domain.OpenCourses
	switch {
	case tag != "":
		list = domain.TagCourses(tag)
	case lang != "":
		list = domain.LanguageCourses(lang)
	}
	var keep func(*domain.Course) bool
	if q != "" || (tag != "" && lang != "") {
		keep = func(co *domain.Course) bool { return matches(co, q, tag, lang) }
	}
	ctx, cancel := ctx(c)
	defer cancel()
	var (
		schools   domain.Page[*domain.School]
		courses   domain.Page[*domain.Course]
		languages []string
	)
	err := s.store.View(ctx, func(tx domain.Tx) error {
		var err error
		if schools, err = tx.SchoolsPage(c.Query("schools"), schoolsPerPage); err != nil {
			return err
		}
		if courses, err = tx.CoursesPage(list, c.Query("courses"), coursesPerPage, keep); err != nil {
			return err
		}
		languages, err = tx.CourseLanguages(maxLanguages)
		return err
	})
	if err != nil {
		return err
	}
	return s.render(c, "home", pageData{Data: map[string]any{"Schools": schools.Items, "Courses": courses.Items,
		"SchoolPages": linksFor(c, "schools", "schools", "Schools", schools), "CoursePages": linksFor(c, "courses", "courses", "Courses", courses),
		"Q": c.Query("q"), "Tag": tag, "Lang": lang, "Languages": languages, "Searching": searching}})
}

// matches is the home page's search: words in the title or summary, a
// tag, a language.
func matches(co *domain.Course, q, tag, lang string) bool {
	if lang != "" && co.Language != lang {
		return false
	}
	if tag != "" {
		found := false
		for _, t := range co.Tags {
			found = found || t == tag
		}
		if !found {
			return false
		}
	}
	text := strings.ToLower(co.Title + " " + co.Summary + " " + co.Kind)
	for _, w := range strings.Fields(q) {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// about describes the node and its operator's settings.
func (s *Server) about(c *fiber.Ctx) error {
	return s.render(c, "about", pageData{Title: "About"})
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

// tag lists a page of the open courses with a tag (?courses=).
func (s *Server) tag(c *fiber.Ctx) error {
	tag := strings.ToLower(c.Params("tag"))
	ctx, cancel := ctx(c)
	defer cancel()
	var courses domain.Page[*domain.Course]
	err := s.store.View(ctx, func(tx domain.Tx) error {
		var err error
		courses, err = tx.CoursesPage(domain.TagCourses(tag), c.Query("courses"), coursesPerPage, nil)
		return err
	})
	if err != nil {
		return err
	}
	return s.render(c, "tag", pageData{Title: "#" + tag, Data: map[string]any{"Tag": tag, "Courses": courses.Items,
		"CoursePages": linksFor(c, "courses", "courses", "Courses", courses)}})
}

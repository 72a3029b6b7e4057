package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/service"
)

// adminSchools is the operator's schools page's data: every school, and
// the outcome of the last change.
type adminSchools struct {
	Schools []*domain.School
	Error   string
	Saved   bool
}

// adminSchools lists the node's schools, each with a form to edit it and
// a button to retire it, under a form to create one.
func (s *Server) adminSchools(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	all, err := s.cfg.Services.Schools.List(ctx)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, "admin_schools", pageData{Title: "Schools", Data: adminSchools{Schools: all,
		Error: c.Query("error"), Saved: c.Query("saved") == "1"}})
}

// schoolsBack returns to the schools page, with a message a person can act on.
func (s *Server) schoolsBack(c *fiber.Ctx, err error) error {
	if err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			return err
		}
		return c.Redirect("/admin/schools?error="+urlQuery(domain.ErrorMessage(err)), fiber.StatusSeeOther)
	}
	return c.Redirect("/admin/schools?saved=1", fiber.StatusSeeOther)
}

// organisersField reads a list of handles, one a line or separated by
// commas or spaces, each with or without its "@".
func organisersField(c *fiber.Ctx) []string {
	var out []string
	for _, h := range words(strings.ReplaceAll(c.FormValue("organisers"), "\n", " ")) {
		out = append(out, strings.TrimPrefix(strings.TrimSpace(h), "@"))
	}
	if out == nil {
		out = []string{} // named, and none: Validate says a school needs one
	}
	return out
}

func (s *Server) createSchool(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	sc := &domain.School{Handle: c.FormValue("handle"), Name: c.FormValue("name"), Summary: c.FormValue("summary"),
		Organisers: organisersField(c)}
	return s.schoolsBack(c, s.cfg.Services.Schools.Create(ctx, s.viewer(c).Handle, sc))
}

func (s *Server) editSchoolAsOperator(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	_, err := s.cfg.Services.Schools.Edit(ctx, s.viewer(c).Handle, c.Params("handle"), service.SchoolProfile{
		Name: c.FormValue("name"), Summary: c.FormValue("summary"), Organisers: organisersField(c)})
	return s.schoolsBack(c, err)
}

func (s *Server) retireSchool(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	return s.schoolsBack(c, s.cfg.Services.Schools.Retire(ctx, s.viewer(c).Handle, c.Params("handle")))
}

// schoolCourses serves the ids of the school's courses, here and on other
// servers (Schools.Collection), as an OrderedCollection.
func (s *Server) schoolCourses(c *fiber.Ctx) error {
	handle := domain.NormaliseHandle(c.Params("handle"))
	ctx, cancel := ctx(c)
	defer cancel()
	ids, err := s.cfg.Services.Schools.Collection(ctx, handle)
	if err != nil {
		return err
	}
	items := make([]any, 0, len(ids))
	for _, id := range ids {
		items = append(items, id)
	}
	return sendActivity(c, federation.Document(federation.OrderedCollectionOf(s.urls.Actor(domain.ActorSchool, handle)+"/courses", items)))
}

// schoolBack returns to the school's page, with a message a person can act on.
func (s *Server) schoolBack(c *fiber.Ctx, err error) error {
	handle := domain.NormaliseHandle(c.Params("handle"))
	if err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			return err
		}
		return c.Redirect("/schools/"+handle+"?error="+urlQuery(domain.ErrorMessage(err)), fiber.StatusSeeOther)
	}
	return c.Redirect("/schools/"+handle, fiber.StatusSeeOther)
}

// editSchool is an organiser changing the school's name and summary from
// its page (who organises it, only operators say).
func (s *Server) editSchool(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	_, err := s.cfg.Services.Schools.Edit(ctx, s.viewer(c).Handle, c.Params("handle"), service.SchoolProfile{
		Name: c.FormValue("name"), Summary: c.FormValue("summary")})
	return s.schoolBack(c, err)
}

// answerAsk is an organiser accepting or declining a course in the
// school's queue (course is its handle here or its actor id elsewhere).
func (s *Server) answerAsk(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	return s.schoolBack(c, s.cfg.Services.Schools.Decide(ctx, s.viewer(c).Handle, c.Params("handle"),
		c.FormValue("course"), c.Params("answer") == "accept"))
}

// askSchool is a course's organiser asking for it to join a school: a
// handle here, or the @name@host or address of a school elsewhere.
func (s *Server) askSchool(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	course := domain.NormaliseHandle(c.Params("handle"))
	ctx, cancel := ctx(c)
	defer cancel()
	r, err := s.cfg.Services.Schools.Ask(ctx, p.Handle, course, c.FormValue("school"))
	if err != nil {
		return s.back(c, course, service.TabSettings, err)
	}
	notice := "Asked " + r.Name + " to take it in; its organisers will answer."
	if r.Placed {
		notice = "It is now part of " + r.Name + "."
	}
	return c.Redirect(manageURL(course, service.TabSettings)+"?asked="+urlQuery(notice)+"#join-school", fiber.StatusSeeOther)
}

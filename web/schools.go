package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/service"
)

// adminSchools is the operator's schools page's data: every school, and
// the form refused last, shown again with what was typed.
type adminSchools struct {
	Schools []*domain.School
	New     *schoolForm // the new school's form, refused
	Edit    *schoolForm // one school's form, refused
}

// schoolForm is a school's form as it was typed, and why it was refused.
type schoolForm struct {
	Handle, Name, Summary, Organisers string
	Err                               *formError
}

// EditOf is the refused form of the school handle, or nil.
func (a adminSchools) EditOf(handle string) *schoolForm {
	if a.Edit != nil && a.Edit.Handle == handle {
		return a.Edit
	}
	return nil
}

// schoolsAgain shows the schools page again with the refused form.
func (s *Server) schoolsAgain(c *fiber.Ctx, data adminSchools, refusal error) error {
	ctx, cancel := ctx(c)
	defer cancel()
	all, err := s.cfg.Services.Schools.List(ctx)
	if err != nil {
		return err
	}
	data.Schools = all
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(formStatus(refusal))
	return s.render(c, "admin_schools", pageData{Title: s.printer(c).T("Schools"), Data: data})
}

// typedSchool is the school form as typed, with the refusal's message.
func typedSchool(c *fiber.Ctx, handle string, refusal error) *schoolForm {
	return &schoolForm{Handle: handle, Name: c.FormValue("name"), Summary: c.FormValue("summary"), Organisers: c.FormValue("organisers"),
		Err: formErrorOf(refusal, "handle", "name", "summary", "organisers")}
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
	return s.render(c, "admin_schools", pageData{Title: s.printer(c).T("Schools"), Data: adminSchools{Schools: all}})
}

// schoolsBack returns to the schools page with a flash: the refusal's
// message, or done (written in the reader's language).
func (s *Server) schoolsBack(c *fiber.Ctx, err error, done string) error {
	return s.refused(c, "/admin/schools", err, done)
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
	if err := s.cfg.Services.Schools.Create(ctx, s.viewer(c).Handle, sc); isFormError(err) {
		return s.schoolsAgain(c, adminSchools{New: typedSchool(c, c.FormValue("handle"), err)}, err)
	} else if err != nil {
		return s.schoolsBack(c, err, "")
	}
	return s.schoolsBack(c, nil, s.printer(c).T("The school %s is created.", sc.Name))
}

func (s *Server) editSchoolAsOperator(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	_, err := s.cfg.Services.Schools.Edit(ctx, s.viewer(c).Handle, c.Params("handle"), service.SchoolProfile{
		Name: c.FormValue("name"), Summary: c.FormValue("summary"), Organisers: organisersField(c)})
	if isFormError(err) {
		return s.schoolsAgain(c, adminSchools{Edit: typedSchool(c, domain.NormaliseHandle(c.Params("handle")), err)}, err)
	}
	return s.schoolsBack(c, err, s.printer(c).T("The school is saved."))
}

func (s *Server) retireSchool(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	return s.schoolsBack(c, s.cfg.Services.Schools.Retire(ctx, s.viewer(c).Handle, c.Params("handle")), s.printer(c).T("The school is retired: it takes no new courses."))
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

// schoolBack returns to the school's page with a flash: the refusal's
// message, or done (written in the reader's language).
func (s *Server) schoolBack(c *fiber.Ctx, err error, done string) error {
	return s.refused(c, "/schools/"+domain.NormaliseHandle(c.Params("handle")), err, done)
}

// editSchool is an organiser changing the school's name and summary from
// its page (who organises it, only operators say).
func (s *Server) editSchool(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	_, err := s.cfg.Services.Schools.Edit(ctx, s.viewer(c).Handle, c.Params("handle"), service.SchoolProfile{
		Name: c.FormValue("name"), Summary: c.FormValue("summary")})
	return s.schoolBack(c, err, s.printer(c).T("The school's profile is saved."))
}

// answerAsk is an organiser accepting or declining a course in the
// school's queue (course is its handle here or its actor id elsewhere).
func (s *Server) answerAsk(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	accept := c.Params("answer") == "accept"
	done := s.printer(c).T("The course is declined.")
	if accept {
		done = s.printer(c).T("The course is now part of the school.")
	}
	return s.schoolBack(c, s.cfg.Services.Schools.Decide(ctx, s.viewer(c).Handle, c.Params("handle"),
		c.FormValue("course"), accept), done)
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
		return s.back(c, course, err, "")
	}
	notice := s.printer(c).T("Asked %s to take it in; its organisers will answer.", r.Name)
	if r.Placed {
		notice = s.printer(c).T("It is now part of %s.", r.Name)
	}
	return s.notice(c, "/courses/"+course+"/manage#join-school", notice)
}

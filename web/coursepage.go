package web

import (
	"html/template"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// viewerHandle is the logged-in person's handle, "" for a visitor: how the
// services' read models name the viewer.
func (s *Server) viewerHandle(c *fiber.Ctx) string {
	if p := s.viewer(c); p != nil {
		return p.Handle
	}
	return ""
}

// coursePage is the course page's data: the read model, and the links of
// its paged lists.
type coursePage struct {
	*service.CoursePage
	PostPages, PeoplePages pageLinks
	// Base is the node's base URL: the badges' addresses, which learners
	// on other nodes give to vote, start with it.
	Base string
	// Draft is a refused post, shown again in its form (web/learner.go).
	Draft *postDraft
	// Meetings are the course's meetings (web/meetings.go).
	Meetings *courseMeetings
}

// Bold is s, escaped, in <strong>: a handle inside a translated sentence
// (an argument of th).
func (coursePage) Bold(s string) template.HTML {
	return template.HTML("<strong>" + template.HTMLEscapeString(s) + "</strong>")
}

// Code is s, escaped, in <code>: an address inside a translated sentence
// (an argument of th).
func (coursePage) Code(s string) template.HTML {
	return template.HTML("<code>" + template.HTMLEscapeString(s) + "</code>")
}

// coursePage renders a course's page for the viewer: its tasks and badges,
// a page of its discussion (?posts=) and a page of its participants
// (?people=).
func (s *Server) coursePage(c *fiber.Ctx, handle string) error {
	return s.coursePageWith(c, handle, nil)
}

// coursePageWith renders a course's page with a refused post's draft in its
// form (nil for none).
func (s *Server) coursePageWith(c *fiber.Ctx, handle string, draft *postDraft) error {
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Courses.Page(ctx, s.viewerHandle(c), handle,
		service.CoursePageQuery{Posts: c.Query("posts"), People: c.Query("people")})
	if err != nil {
		return err
	}
	meetings, err := s.courseMeetings(c, ctx, handle)
	if err != nil {
		return err
	}
	pr := s.printer(c)
	data := coursePage{CoursePage: p, Meetings: meetings,
		PostPages:   linksAt(c, "posts", "discussion", pr.T("Discussion"), p.PostsPrev, p.PostsNext),
		PeoplePages: linksAt(c, "people", "people", pr.T("Participants"), p.PeoplePrev, p.PeopleNext), Base: s.urls.Base(), Draft: draft}
	return s.render(c, "course", pageData{Title: p.Course.Title, Data: data,
		ActorURL: s.urls.Actor(domain.ActorCourse, handle), Handle: "@" + handle + "@" + s.urls.Host()})
}

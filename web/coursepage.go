package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// postView is a post as a page shows it.
type postView struct {
	Post    *domain.Post
	Author  string // @handle@host, or the course's name
	Link    string // where the author's name points
	Replies []postView
	// More is set on a top-level post whose thread has more than the page
	// shows under it; ThreadPosts is then the thread's size, for the link
	// to the thread's own page.
	More        bool
	ThreadPosts int
}

// authorOf names a post's author for a page, and links the name. An actor
// the store does not hold is named by its id; a failed read is an error.
func (s *Server) authorOf(tx domain.Tx, id string) (name, link string, _ error) {
	if h, typ, ok := s.urls.LocalActor(id); ok {
		if typ == domain.ActorCourse {
			c, found, err := domain.Found(tx.Course(h))
			if err != nil {
				return "", "", fmt.Errorf("web: author %s: %w", id, err)
			}
			if found {
				return c.Title, id, nil
			}
		}
		return "@" + h, id, nil
	}
	ra, found, err := domain.Found(tx.RemoteActor(id))
	if err != nil {
		return "", "", fmt.Errorf("web: author %s: %w", id, err)
	}
	if !found {
		return id, id, nil
	}
	link = ra.URL
	if link == "" {
		link = ra.ID
	}
	return ra.DisplayName() + " (" + ra.Handle() + ")", link, nil
}

// viewOf is a post with its author's name and link.
func (s *Server) viewOf(tx domain.Tx, p *domain.Post) (postView, error) {
	v := postView{Post: p}
	var err error
	v.Author, v.Link, err = s.authorOf(tx, p.Author)
	return v, err
}

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
}

// coursePage renders a course's page for the viewer: its tasks and badges,
// a page of its discussion (?posts=) and a page of its participants
// (?people=).
func (s *Server) coursePage(c *fiber.Ctx, handle string) error {
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Courses.Page(ctx, s.viewerHandle(c), handle,
		service.CoursePageQuery{Posts: c.Query("posts"), People: c.Query("people")})
	if err != nil {
		return err
	}
	data := coursePage{CoursePage: p,
		PostPages:   linksAt(c, "posts", "discussion", "Discussion", p.PostsPrev, p.PostsNext),
		PeoplePages: linksAt(c, "people", "people", "Participants", p.PeoplePrev, p.PeopleNext)}
	return s.render(c, "course", pageData{Title: p.Course.Title, Data: data,
		ActorURL: s.urls.Actor(domain.ActorCourse, handle), Handle: "@" + handle + "@" + s.urls.Host()})
}

package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/badgepng"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/service"
)

// actorTypes maps the path segment of a local actor to its type.
var actorTypes = map[string]domain.ActorType{
	"people":  domain.ActorPerson,
	"courses": domain.ActorCourse,
	"schools": domain.ActorSchool,
}

// actor serves a local actor: its JSON-LD document to ActivityPub clients,
// its page to browsers, from the same URL (Vary: Accept). The page's lists
// are read only for a browser: an ActivityPub client gets the actor
// document alone.
func (s *Server) actor(kind string) fiber.Handler {
	typ := actorTypes[kind]
	return func(c *fiber.Ctx) error {
		handle := c.Params("handle")
		c.Vary(fiber.HeaderAccept)
		if wantsActivity(c) {
			ctx, cancel := ctx(c)
			defer cancel()
			doc, err := s.cfg.Services.Documents.Actor(ctx, typ, handle)
			if typ == domain.ActorPerson && domain.IsNotFound(err) {
				return s.goneActor(c, handle, err)
			}
			if err != nil {
				return err
			}
			return sendActivity(c, doc)
		}
		switch typ {
		case domain.ActorPerson:
			if err := s.personPage(c, handle); !domain.IsNotFound(err) {
				return err
			}
			return s.goneActor(c, handle, domain.Errorf(domain.ENOTFOUND, "Actor %s not found.", handle))
		case domain.ActorSchool:
			return s.schoolPage(c, handle)
		}
		return s.coursePage(c, handle)
	}
}

// personPage is a person's page's data: the read model, and the links of
// its paged lists.
type personPage struct {
	*service.PersonPage
	BadgePages, ReceivedPages pageLinks
}

// personPage renders a person's page: a page of the badges they hold from
// this node (?badges=) and one of those other servers gave them
// (?received=).
func (s *Server) personPage(c *fiber.Ctx, handle string) error {
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Accounts.Page(ctx, handle, service.PersonPageQuery{Badges: c.Query("badges"), Received: c.Query("received")})
	if err != nil {
		return err
	}
	pr := s.printer(c)
	data := personPage{PersonPage: p,
		BadgePages:    linksAt(c, "badges", "badges", pr.T("Badges"), p.BadgesPrev, p.BadgesNext),
		ReceivedPages: linksAt(c, "received", "received", pr.T("Badges from other servers"), p.ReceivedPrev, p.ReceivedNext)}
	return s.render(c, "person", pageData{Title: p.Person.Name(), Data: data,
		ActorURL: s.urls.Actor(domain.ActorPerson, handle), Handle: "@" + handle + "@" + s.urls.Host()})
}

// schoolPage is a school's page's data: the read model, and the links of
// its list of courses.
type schoolPage struct {
	*service.SchoolPage
	CoursePages pageLinks
}

// schoolPage renders a school's page with a page of its courses (?courses=).
func (s *Server) schoolPage(c *fiber.Ctx, handle string) error {
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Schools.Page(ctx, handle, c.Query("courses"))
	if err != nil {
		return err
	}
	data := schoolPage{SchoolPage: p, CoursePages: linksAt(c, "courses", "courses", s.printer(c).T("Courses"), p.CoursesPrev, p.CoursesNext)}
	return s.render(c, "school", pageData{Title: p.School.Name, Data: data,
		ActorURL: s.urls.Actor(domain.ActorSchool, handle), Handle: "@" + handle + "@" + s.urls.Host()})
}

// instanceActor serves the node's Application actor; a browser goes to
// the about page.
func (s *Server) instanceActor(c *fiber.Ctx) error {
	c.Vary(fiber.HeaderAccept)
	if !wantsActivity(c) {
		return c.Redirect("/about", fiber.StatusSeeOther)
	}
	ctx, cancel := ctx(c)
	defer cancel()
	doc, err := s.cfg.Services.Documents.InstanceActor(ctx)
	if err != nil {
		return err
	}
	return sendActivity(c, doc)
}

// actorCollection serves an actor's inbox, outbox, followers and following
// as OrderedCollections. Who follows whom is the members' business:
// collections show their size, not their members (courses list members to
// organisers only). An outbox lists the public activities its actor sent.
func (s *Server) actorCollection(kind string) fiber.Handler {
	typ := actorTypes[kind]
	return func(c *fiber.Ctx) error {
		handle, collection := c.Params("handle"), c.Params("collection")
		if collection == "outbox" {
			return s.outbox(c, typ, handle)
		}
		ctx, cancel := ctx(c)
		defer cancel()
		total, err := s.cfg.Services.Documents.ActorCollection(ctx, typ, handle, collection)
		if err != nil {
			return err
		}
		return s.collection(c, s.urls.Actor(typ, handle)+"/"+collection, total)
	}
}

// pendingCollection serves a local actor's FEP-4ccd collection, a
// moderated course's pendingFollowers or a person's pendingFollowing, as
// followers are served: its size only, to anyone, signed or not. Who is waiting is the learners' and the organisers'
// business (the FEP keeps the requests for their owner): organisers
// answer them on the course's manage page.
func (s *Server) pendingCollection(typ domain.ActorType, collection string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		handle := c.Params("handle")
		ctx, cancel := ctx(c)
		defer cancel()
		total, err := s.cfg.Services.Documents.PendingCollection(ctx, typ, handle, collection)
		if err != nil {
			return err
		}
		return s.collection(c, s.urls.Actor(typ, handle)+"/"+collection, total)
	}
}

// instanceCollection serves the Application actor's collections: nobody
// follows it, it follows no one and sends nothing public, so each is
// empty, with its (no) items listed, as its featured collection.
func (s *Server) instanceCollection(c *fiber.Ctx) error {
	id := s.urls.Actor(domain.ActorApplication, "") + "/" + c.Params("collection")
	return sendActivity(c, federation.Document(federation.OrderedCollectionOf(id, nil)))
}

// instanceFeatured serves the Application actor's featured collection: it
// pins nothing, so it is empty, in the shape of a course's.
func (s *Server) instanceFeatured(c *fiber.Ctx) error {
	id := s.urls.Actor(domain.ActorApplication, "") + "/featured"
	return sendActivity(c, federation.Document(federation.OrderedCollectionOf(id, nil)))
}

// collection answers a collection that shows its size, not its members,
// as Mastodon answers for an account that hides its collections: the
// count alone (federation.OrderedCollectionSize), and a request for one of
// its pages is refused with 403.
func (s *Server) collection(c *fiber.Ctx, id string, total int) error {
	if c.Query("page") != "" {
		return domain.Errorf(domain.EFORBIDDEN, "This collection shows its size, not its members.")
	}
	return sendActivity(c, federation.OrderedCollectionSize(id, total))
}

// actorIcon serves an actor's generated picture (image/png, nosniff).
func (s *Server) actorIcon(kind string) fiber.Handler {
	typ := actorTypes[kind]
	return func(c *fiber.Ctx) error {
		handle := c.Params("handle")
		ctx, cancel := ctx(c)
		defer cancel()
		if err := s.cfg.Services.Documents.CheckActor(ctx, typ, handle); err != nil {
			return err
		}
		return sendPNG(c, badgepng.Default(kind+"/"+handle), true)
	}
}

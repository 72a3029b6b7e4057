package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/badgepng"
	"github.com/lernejo/lernejo/federation"
)

// actorTypes maps the path segment of a local actor to its type.
var actorTypes = map[string]domain.ActorType{
	"people":  domain.ActorPerson,
	"courses": domain.ActorCourse,
	"schools": domain.ActorSchool,
}

// actor serves a local actor: its JSON-LD document to ActivityPub clients,
// its page to browsers, from the same URL (Vary: Accept).
func (s *Server) actor(kind string) fiber.Handler {
	typ := actorTypes[kind]
	return func(c *fiber.Ctx) error {
		handle := c.Params("handle")
		ctx, cancel := ctx(c)
		defer cancel()
		var (
			doc  []byte
			page string
			data any
		)
		// The page's lists are read only for a browser: an ActivityPub
		// client gets the actor document alone.
		asPage := !wantsActivity(c)
		err := s.store.View(ctx, func(tx domain.Tx) error {
			switch typ {
			case domain.ActorPerson:
				p, err := tx.Person(handle)
				if err != nil {
					return err
				}
				if doc, err = s.cfg.Docs.Person(p); err != nil || !asPage {
					return err
				}
				page = "person"
				data, err = s.personPageData(c, tx, p)
				return err
			case domain.ActorSchool:
				sc, err := tx.School(handle)
				if err != nil {
					return err
				}
				if doc, err = s.cfg.Docs.School(sc); err != nil || !asPage {
					return err
				}
				courses, err := tx.CoursesPage(domain.SchoolCourses(sc.Handle), c.Query("courses"), coursesPerPage, nil)
				page, data = "school", map[string]any{"School": sc, "Courses": courses.Items,
					"CoursePages": linksFor(c, "courses", "courses", "Courses", courses)}
				return err
			case domain.ActorCourse:
				co, err := tx.Course(handle)
				if err != nil {
					return err
				}
				if !co.Federates() {
					// Drafts are invisible until the web issue adds organiser views.
					return domain.Errorf(domain.ENOTFOUND, "Course %s not found.", handle)
				}
				if doc, err = s.cfg.Docs.Course(co); err != nil || !asPage {
					return err
				}
				page = "course"
				return nil
			}
			return nil
		})
		if err != nil {
			return err
		}
		c.Vary(fiber.HeaderAccept)
		if !asPage {
			return sendActivity(c, doc)
		}
		if page == "course" {
			return s.coursePage(c, handle)
		}
		return s.render(c, page, pageData{Title: titleOf(data), Data: data,
			ActorURL: s.urls.Actor(typ, handle), Handle: "@" + handle + "@" + s.urls.Host()})
	}
}

// personPageData is what a person's page shows: a page of the badges
// they hold from this node (?badges=) and one of those other servers gave
// them (?received=); revoked ones are not shown.
func (s *Server) personPageData(c *fiber.Ctx, tx domain.Tx, p *domain.Person) (map[string]any, error) {
	awards, err := tx.AwardsPage(s.urls.Actor(domain.ActorPerson, p.Handle), c.Query("badges"), badgesPerPage,
		func(a *domain.Award) bool { return !a.Revoked })
	if err != nil {
		return nil, err
	}
	var held []map[string]string
	for _, a := range awards.Items {
		b, found, err := domain.Found(tx.Badge(a.Badge))
		if err != nil {
			return nil, err
		}
		if found {
			held = append(held, map[string]string{"Name": b.Name, "Assertion": s.urls.Path("/awards/" + a.ID),
				"Image": s.urls.Path("/badges/" + b.ID + "/image.png")})
		}
	}
	received, err := tx.ReceivedBadgesPage(p.Handle, c.Query("received"), badgesPerPage,
		func(r *domain.ReceivedBadge) bool { return !r.Revoked })
	if err != nil {
		return nil, err
	}
	var elsewhere []map[string]string
	for _, r := range received.Items {
		elsewhere = append(elsewhere, map[string]string{"Name": r.Name, "Assertion": r.Assertion, "Image": r.ImageURL})
	}
	return map[string]any{"Person": p, "Badges": held, "BadgePages": linksFor(c, "badges", "badges", "Badges", awards),
		"Received": elsewhere, "ReceivedPages": linksFor(c, "received", "received", "Badges from other servers", received)}, nil
}

func titleOf(data any) string {
	switch v := data.(type) {
	case map[string]any:
		if p, ok := v["Person"].(*domain.Person); ok {
			return p.Name()
		}
		if sc, ok := v["School"].(*domain.School); ok {
			return sc.Name
		}
	}
	return ""
}

// instanceActor serves the node's Application actor.
func (s *Server) instanceActor(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	var doc []byte
	err := s.store.View(ctx, func(tx domain.Tx) error {
		ia, err := tx.InstanceActor()
		if err != nil {
			return err
		}
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		doc, err = s.cfg.Docs.Instance(ia, st.Name)
		return err
	})
	if err != nil {
		return err
	}
	c.Vary(fiber.HeaderAccept)
	if wantsActivity(c) {
		return sendActivity(c, doc)
	}
	return c.Redirect("/about", fiber.StatusSeeOther)
}

// actorCollection serves an actor's inbox, outbox, followers and following
// as paged OrderedCollections.
func (s *Server) actorCollection(kind string) fiber.Handler {
	typ := actorTypes[kind]
	return func(c *fiber.Ctx) error {
		handle := c.Params("handle")
		ctx, cancel := ctx(c)
		defer cancel()
		collection := c.Params("collection")
		if typ == domain.ActorCourse && collection == "outbox" {
			if err := s.checkCourseVisible(c, handle); err != nil {
				return err
			}
			return s.courseOutbox(c, handle)
		}
		total := 0
		err := s.store.View(ctx, func(tx domain.Tx) error {
			t, err := tx.HandleType(handle)
			if err != nil {
				return err
			}
			if t != typ {
				return domain.Errorf(domain.ENOTFOUND, "Actor %s not found.", handle)
			}
			if t == domain.ActorCourse {
				co, err := tx.Course(handle)
				if err != nil {
					return err
				}
				if !co.Federates() {
					return domain.Errorf(domain.ENOTFOUND, "Course %s not found.", handle)
				}
			}
			switch collection {
			case "followers":
				total, err = tx.CountFollowers(handle, domain.FollowAccepted)
			case "following":
				var fs []*domain.Following
				fs, err = tx.Followings(handle)
				for _, f := range fs {
					if f.State == domain.FollowAccepted {
						total++
					}
				}
			}
			return err
		})
		if err != nil {
			return err
		}
		// Who follows whom is the members' business: collections show their
		// size, not their members (courses list members to organisers only).
		return s.collection(c, s.urls.Actor(typ, handle)+"/"+collection, total)
	}
}

// instanceCollection serves the Application actor's (empty) collections.
func (s *Server) instanceCollection(c *fiber.Ctx) error {
	return s.collection(c, s.urls.Actor(domain.ActorApplication, "")+"/"+c.Params("collection"), 0)
}

// collection answers a collection that shows its size, not its members:
// the collection itself, or ?page=N of it (empty, with no next page).
func (s *Server) collection(c *fiber.Ctx, id string, total int) error {
	var (
		doc []byte
		err error
	)
	if ps := c.Query("page"); ps != "" {
		n, perr := strconv.Atoi(ps)
		if perr != nil || n < 1 || n > 1_000_000 {
			return domain.Errorf(domain.EINVALID, "The page must be a positive number.")
		}
		doc, err = federation.OrderedCollectionPage(id, n, total, nil)
	} else {
		doc, err = federation.OrderedCollection(id, total)
	}
	if err != nil {
		return err
	}
	return sendActivity(c, doc)
}

// checkCourseVisible fails with not found for unknown and draft courses.
func (s *Server) checkCourseVisible(c *fiber.Ctx, handle string) error {
	ctx, cancel := ctx(c)
	defer cancel()
	return s.store.View(ctx, func(tx domain.Tx) error {
		co, err := tx.Course(handle)
		if err != nil {
			return err
		}
		if !co.Federates() {
			return domain.Errorf(domain.ENOTFOUND, "Course %s not found.", handle)
		}
		return nil
	})
}

// actorIcon serves an actor's generated picture (image/png, nosniff).
func (s *Server) actorIcon(kind string) fiber.Handler {
	typ := actorTypes[kind]
	return func(c *fiber.Ctx) error {
		handle := c.Params("handle")
		ctx, cancel := ctx(c)
		defer cancel()
		if err := s.store.View(ctx, func(tx domain.Tx) error {
			t, err := tx.HandleType(handle)
			if err == nil && t != typ {
				return domain.Errorf(domain.ENOTFOUND, "Actor %s not found.", handle)
			}
			return err
		}); err != nil {
			return err
		}
		return sendPNG(c, badgepng.Default(kind+"/"+handle), true)
	}
}

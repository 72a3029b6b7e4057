package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/httpsig"
)

// post serves a local post: its Note to ActivityPub clients (with its own
// @context: Mastodon and GoToSocial refetch boosted notes by id), its page
// to browsers, and a Tombstone with 410 Gone once deleted.
func (s *Server) post(c *fiber.Ctx) error {
	uri := s.urls.Path("/posts/" + c.Params("id"))
	ctx, cancel := ctx(c)
	defer cancel()
	var (
		p       *domain.Post
		gone    *domain.Tombstone
		doc     []byte
		course  *domain.Course
		replies domain.Page[*domain.Post]
	)
	err := s.store.View(ctx, func(tx domain.Tx) error {
		var err error
		p, err = tx.Post(uri)
		if domain.IsNotFound(err) {
			ts, deleted, terr := domain.Found(tx.Tombstone(uri))
			if terr != nil {
				return terr
			}
			if deleted {
				gone = ts
				return nil
			}
		}
		if err != nil {
			return err
		}
		if !p.Local {
			return domain.Errorf(domain.ENOTFOUND, "Post not found.")
		}
		remoteCourse := strings.Contains(p.Course, "://")
		if remoteCourse {
			// A local learner's post in a course on another server.
			course = &domain.Course{Title: "A course on another server"}
			ra, found, err := domain.Found(tx.RemoteActor(p.Course))
			if err != nil {
				return err
			}
			if found {
				course.Title = ra.DisplayName()
			}
		} else if course, err = tx.Course(p.Course); err != nil {
			return err
		}
		if replies, err = tx.RepliesPage(p.URI, c.Query("replies"), postsPerPage); err != nil {
			return err
		}
		note, err := s.cfg.Services.Posts.Note(tx, p)
		if err != nil {
			return err
		}
		doc = federation.Document(note)
		return nil
	})
	if err != nil {
		return err
	}
	c.Vary(fiber.HeaderAccept)
	if gone != nil {
		c.Status(fiber.StatusGone)
		if wantsActivity(c) {
			return sendActivity(c, federation.TombstoneDocument(uri, gone.Deleted))
		}
		return s.render(c, "error", pageData{Title: "Deleted", Data: map[string]any{"Status": 410, "Message": "This post was deleted."}})
	}
	if wantsActivity(c) {
		return sendActivity(c, doc)
	}
	return s.render(c, "post", pageData{Title: course.Title, Data: map[string]any{"Post": p, "Course": course, "Replies": replies.Items,
		"ReplyPages": linksFor(c, "replies", "replies", "Replies", replies)}})
}

// postReplies serves the replies collection of a local post, oldest first.
func (s *Server) postReplies(c *fiber.Ctx) error {
	uri := s.urls.Path("/posts/" + c.Params("id"))
	return s.cursorCollection(c, uri+"/replies", func(tx domain.Tx, cursor string, paged bool) (pageOfItems, error) {
		if _, err := tx.Post(uri); err != nil {
			return pageOfItems{}, err
		}
		total, err := tx.CountReplies(uri)
		if err != nil || !paged {
			return pageOfItems{total: total}, err
		}
		rs, err := tx.RepliesPage(uri, cursor, federation.PageSize)
		return postURIs(rs, total), err
	})
}

// thread serves a thread's context collection (FEP-7888): every post of the
// conversation, on whichever server it lives, oldest first; and to a
// browser, the thread's page.
func (s *Server) thread(c *fiber.Ctx) error {
	id := c.Params("id")
	c.Vary(fiber.HeaderAccept)
	if wantsHTML(c) {
		return s.threadPage(c, id)
	}
	return s.cursorCollection(c, s.urls.Path("/threads/"+id), func(tx domain.Tx, cursor string, paged bool) (pageOfItems, error) {
		total, err := tx.CountThread(id)
		if err != nil {
			return pageOfItems{}, err
		}
		if total == 0 {
			return pageOfItems{}, domain.Errorf(domain.ENOTFOUND, "Thread not found.")
		}
		if !paged {
			return pageOfItems{total: total}, nil
		}
		ps, err := tx.ThreadPage(id, cursor, federation.PageSize)
		return postURIs(ps, total), err
	})
}

// threadPage shows a thread's posts to a browser, oldest first, a page at a
// time (?posts=): where a discussion sends a thread longer than it shows.
// A thread of a course on another server is for people logged in here, as
// that course's page is; a draft course's threads are not found.
func (s *Server) threadPage(c *fiber.Ctx, id string) error {
	viewer := s.viewer(c)
	ctx, cancel := ctx(c)
	defer cancel()
	var (
		posts     []postView
		page      domain.Page[*domain.Post]
		total     int
		course    *domain.Course
		remote    *domain.RemoteActor
		organiser bool
	)
	err := s.store.View(ctx, func(tx domain.Tx) error {
		var err error
		if page, err = tx.ThreadPage(id, c.Query("posts"), postsPerPage); err != nil {
			return err
		}
		if len(page.Items) == 0 {
			return domain.Errorf(domain.ENOTFOUND, "Thread not found.")
		}
		in := page.Items[0].Course
		if strings.Contains(in, "://") {
			if viewer == nil {
				_, err := s.requireLogin(c)
				return err
			}
			if remote, err = tx.RemoteActor(in); err != nil {
				return err
			}
		} else if course, err = feedCourse(tx, in); err != nil {
			return err
		}
		organiser = course != nil && viewer != nil && course.IsOrganiser(viewer.Handle)
		for _, p := range page.Items {
			v, err := s.viewOf(tx, p)
			if err != nil {
				return err
			}
			posts = append(posts, v)
		}
		total, err = tx.CountThread(id)
		return err
	})
	if err != nil {
		return err
	}
	title := "A thread in " + titleOfCourse(course, remote)
	return s.render(c, "conversation", pageData{Title: title, Data: map[string]any{"Posts": posts, "Total": total,
		"Course": course, "Remote": remote, "Organiser": organiser, "Pages": linksFor(c, "posts", "posts", "Thread", page)}})
}

// titleOfCourse names the course a thread is in: ours, or one elsewhere.
func titleOfCourse(course *domain.Course, remote *domain.RemoteActor) string {
	if course != nil {
		return course.Title
	}
	return remote.DisplayName()
}

// postURIs is a page of posts as the ids a collection lists.
func postURIs(p domain.Page[*domain.Post], total int) pageOfItems {
	out := pageOfItems{total: total, prev: p.Prev, next: p.Next}
	for _, x := range p.Items {
		out.items = append(out.items, x.URI)
	}
	return out
}

// pageOfItems is one page of a collection as cursorCollection serves it.
type pageOfItems struct {
	items      []any
	prev, next string
	total      int
}

// cursorCollection answers a collection read a page at a time from the
// store (federation.OrderedCollectionByCursor): the collection without
// ?page, its first page with ?page=1, the page a cursor names with
// ?page=CURSOR. read gets the cursor and whether a page was asked for (if
// not, only the total is needed).
func (s *Server) cursorCollection(c *fiber.Ctx, id string, read func(tx domain.Tx, cursor string, paged bool) (pageOfItems, error)) error {
	cursor, paged := c.Query("page"), c.Query("page") != ""
	if cursor == "1" {
		cursor = ""
	}
	ctx, cancel := ctx(c)
	defer cancel()
	var page pageOfItems
	if err := s.store.View(ctx, func(tx domain.Tx) error {
		var err error
		page, err = read(tx, cursor, paged)
		return err
	}); err != nil {
		return err
	}
	var (
		doc []byte
		err error
	)
	if paged {
		doc, err = federation.OrderedCollectionPageByCursor(id, cursor, page.prev, page.next, page.total, page.items)
	} else {
		doc, err = federation.OrderedCollectionByCursor(id, page.total)
	}
	if err != nil {
		return err
	}
	return sendActivity(c, doc)
}

// courseOutbox serves a course's outbox: its Creates of its own posts and
// its Announces of everyone else's, newest first, embedded.
func (s *Server) courseOutbox(c *fiber.Ctx, handle string) error {
	id := s.urls.Actor(domain.ActorCourse, handle) + "/outbox"
	return s.cursorCollection(c, id, func(tx domain.Tx, cursor string, paged bool) (pageOfItems, error) {
		total, err := tx.CountCoursePosts(handle)
		if err != nil || !paged {
			return pageOfItems{total: total}, err
		}
		posts, err := tx.CoursePostsPage(handle, cursor, federation.PageSize)
		if err != nil {
			return pageOfItems{}, err
		}
		out := pageOfItems{total: total, prev: posts.Prev, next: posts.Next}
		for _, p := range posts.Items {
			if p.Activity == "" {
				continue
			}
			// An activity past its time to live is gone from the outbox.
			a, found, err := domain.Found(tx.Activity(p.Activity))
			if err != nil {
				return pageOfItems{}, err
			}
			if found {
				out.items = append(out.items, rawJSON(a.JSON))
			}
		}
		return out, nil
	})
}

// rawJSON embeds stored JSON bytes as they are.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

// ago is used by templates to show a post's age.
func ago(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") }

// note serves a direct note (sign-up questions, a decline's reason) from
// the Create it was sent in.
func (s *Server) note(c *fiber.Ctx) error {
	uri := s.urls.Path("/notes/" + c.Params("id"))
	ctx, cancel := ctx(c)
	defer cancel()
	var obj map[string]any
	err := s.store.View(ctx, func(tx domain.Tx) error {
		a, err := tx.Activity(uri + "/activity")
		if err != nil {
			return err
		}
		var create struct {
			Object map[string]any `json:"object"`
		}
		if err := json.Unmarshal(a.JSON, &create); err != nil || create.Object == nil {
			return domain.Errorf(domain.ENOTFOUND, "Note not found.")
		}
		obj = create.Object
		return nil
	})
	if err != nil {
		return err
	}
	// A direct note (sign-up questions, a decline's reason) is for its
	// addressees only: served to a signed fetch from one of their servers,
	// and to no one else (HOSTILE S14).
	if !addressedToPublic(obj) {
		signer, err := s.signedFetcher(c)
		if err != nil || !addressedToHostOf(obj, signer.ID) {
			return domain.Errorf(domain.ENOTFOUND, "Note not found.")
		}
	}
	return sendActivity(c, federation.Document(obj))
}

// addressedToPublic reports whether an object's to or cc holds Public.
func addressedToPublic(obj map[string]any) bool {
	for _, k := range []string{"to", "cc"} {
		list, _ := obj[k].([]any)
		for _, a := range list {
			if a == federation.Public {
				return true
			}
		}
	}
	return false
}

// addressedToHostOf reports whether an object is addressed to an actor on
// the same origin as actor.
func addressedToHostOf(obj map[string]any, actor string) bool {
	for _, k := range []string{"to", "cc"} {
		list, _ := obj[k].([]any)
		for _, a := range list {
			if s, ok := a.(string); ok && federation.SameOrigin(s, actor) {
				return true
			}
		}
	}
	return false
}

// signedFetcher verifies a signed GET (authorized fetch) and returns the
// actor whose key signed it.
func (s *Server) signedFetcher(c *fiber.Ctx) (*domain.RemoteActor, error) {
	h := make(http.Header)
	c.Request().Header.VisitAll(func(k, v []byte) { h.Add(string(k), string(v)) })
	req, err := http.NewRequest(c.Method(), "http://"+s.urls.Host()+string(c.Request().URI().PathOriginal()), nil)
	if err != nil {
		return nil, err
	}
	req.URL.RawQuery = string(c.Request().URI().QueryString())
	req.Header = h
	opt := httpsig.VerifyOptions{Host: s.urls.Host(), Now: s.auth.now()}
	params, err := httpsig.Check(req, nil, opt)
	if err != nil {
		return nil, err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	signer, _, err := s.cfg.Resolver.KeyOwner(ctx, params.KeyID)
	if err != nil {
		return nil, err
	}
	pub, err := httpsig.ParsePublicKeyPEM(signer.PublicKeyPEM)
	if err != nil {
		return nil, err
	}
	if err := httpsig.Verify(req, params, pub, opt); err != nil {
		return nil, err
	}
	return signer, nil
}

// featured serves a course's pinned posts (Mastodon's featured collection),
// with the notes embedded.
func (s *Server) featured(c *fiber.Ctx) error {
	handle := c.Params("handle")
	if err := s.checkCourseVisible(c, handle); err != nil {
		return err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	var items []any
	err := s.store.View(ctx, func(tx domain.Tx) error {
		posts, err := tx.PinnedPosts(handle, maxPinnedPosts)
		for _, p := range posts {
			items = append(items, p.URI)
		}
		return err
	})
	if err != nil {
		return err
	}
	doc := federation.Document(map[string]any{"id": s.urls.Actor(domain.ActorCourse, handle) + "/featured",
		"type": "OrderedCollection", "totalItems": len(items), "orderedItems": append([]any{}, items...)})
	return sendActivity(c, doc)
}

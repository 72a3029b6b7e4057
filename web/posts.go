package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
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
		replies []*domain.Post
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
		if replies, err = tx.Replies(p.URI); err != nil {
			return err
		}
		note, err := s.cfg.Posts.Note(tx, p)
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
	return s.render(c, "post", pageData{Title: course.Title, Data: map[string]any{"Post": p, "Course": course, "Replies": replies}})
}

// postReplies serves the replies collection of a local post.
func (s *Server) postReplies(c *fiber.Ctx) error {
	uri := s.urls.Path("/posts/" + c.Params("id"))
	ctx, cancel := ctx(c)
	defer cancel()
	var ids []string
	err := s.store.View(ctx, func(tx domain.Tx) error {
		if _, err := tx.Post(uri); err != nil {
			return err
		}
		rs, err := tx.Replies(uri)
		for i := len(rs) - 1; i >= 0; i-- {
			ids = append(ids, rs[i].URI)
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.collection(c, uri+"/replies", len(ids), ids)
}

// thread serves a thread's context collection (FEP-7888): every post of the
// conversation, on whichever server it lives.
func (s *Server) thread(c *fiber.Ctx) error {
	id := c.Params("id")
	ctx, cancel := ctx(c)
	defer cancel()
	var ids []string
	err := s.store.View(ctx, func(tx domain.Tx) error {
		ps, err := tx.Thread(id)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			return domain.Errorf(domain.ENOTFOUND, "Thread not found.")
		}
		for i := len(ps) - 1; i >= 0; i-- {
			ids = append(ids, ps[i].URI)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.collection(c, s.urls.Path("/threads/"+id), len(ids), ids)
}

// courseOutbox serves a course's outbox: its Creates of its own posts and
// its Announces of everyone else's, newest first, embedded.
func (s *Server) courseOutbox(c *fiber.Ctx, handle string) error {
	id := s.urls.Actor(domain.ActorCourse, handle) + "/outbox"
	ctx, cancel := ctx(c)
	defer cancel()
	page := c.QueryInt("page", 0)
	var (
		total int
		items []any
	)
	err := s.store.View(ctx, func(tx domain.Tx) error {
		var err error
		if total, err = tx.CountCoursePosts(handle); err != nil || page < 1 {
			return err
		}
		posts, err := tx.CoursePosts(handle, (page-1)*federation.PageSize, federation.PageSize)
		if err != nil {
			return err
		}
		for _, p := range posts {
			if p.Activity == "" {
				continue
			}
			// An activity past its time to live is gone from the outbox.
			a, found, err := domain.Found(tx.Activity(p.Activity))
			if err != nil {
				return err
			}
			if found {
				items = append(items, rawJSON(a.JSON))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if page < 1 {
		doc, err := federation.OrderedCollection(id, total)
		if err != nil {
			return err
		}
		return sendActivity(c, doc)
	}
	doc, err := federation.OrderedCollectionPage(id, page, total, items)
	if err != nil {
		return err
	}
	return sendActivity(c, doc)
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
	opt := federation.VerifyOptions{Host: s.urls.Host(), Now: s.cfg.Service.Now()}
	params, err := federation.CheckRequest(req, nil, opt)
	if err != nil {
		return nil, err
	}
	ctx, cancel := ctx(c)
	defer cancel()
	signer, _, err := s.cfg.Resolver.KeyOwner(ctx, params.KeyID)
	if err != nil {
		return nil, err
	}
	pub, err := federation.ParsePublicKeyPEM(signer.PublicKeyPEM)
	if err != nil {
		return nil, err
	}
	if err := federation.VerifySignature(req, params, pub, opt); err != nil {
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
		posts, err := tx.CoursePosts(handle, 0, 0)
		for _, p := range posts {
			if p.Pinned && p.Local {
				items = append(items, p.URI)
			}
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

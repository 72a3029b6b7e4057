package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/httpsig"
	"github.com/lernejo/lernejo/service"
)

// post serves a local post: its Note to ActivityPub clients, its page to
// browsers, and a Tombstone with 410 Gone once deleted.
func (s *Server) post(c *fiber.Ctx) error {
	uri := s.urls.Path("/posts/" + c.Params("id"))
	ctx, cancel := ctx(c)
	defer cancel()
	c.Vary(fiber.HeaderAccept)
	if wantsActivity(c) {
		doc, err := s.cfg.Services.Documents.Post(ctx, uri)
		if err != nil {
			return err
		}
		if doc.Gone {
			c.Status(fiber.StatusGone)
		}
		return sendActivity(c, doc.JSON)
	}
	p, err := s.cfg.Services.Posts.Page(ctx, s.viewerHandle(c), uri, c.Query("replies"))
	if err != nil {
		return err
	}
	if p.Deleted {
		c.Status(fiber.StatusGone)
		pr := s.printer(c)
		return s.render(c, "error", pageData{Title: pr.T("Deleted"), Data: errorPage{Status: fiber.StatusGone, Message: pr.T("This post was deleted.")}})
	}
	return s.render(c, "post", pageData{Title: p.Course.Title, Data: postPage{PostPage: p,
		ReplyPages: linksAt(c, "replies", "replies", s.printer(c).T("Replies"), p.RepliesPrev, p.RepliesNext)}})
}

// postPage is a post's page's data: the read model, and the links of its
// replies.
type postPage struct {
	*service.PostPage
	ReplyPages pageLinks
}

// postReplies serves the replies collection of a local post, oldest first,
// as the post's Note embeds it (federation.Replies): without ?page, the
// Collection with its first page embedded; with ?page=1 or the cursor a
// next or prev link carries, that page.
func (s *Server) postReplies(c *fiber.Ctx) error {
	uri := s.urls.Path("/posts/" + c.Params("id"))
	cursor := c.Query("page")
	paged := cursor != ""
	if cursor == "1" {
		cursor = ""
	}
	ctx, cancel := ctx(c)
	defer cancel()
	// The collection embeds its first page, so it reads it too.
	page, err := s.cfg.Services.Documents.Replies(ctx, uri, service.CollectionQuery{Paged: true, Cursor: cursor})
	if err != nil {
		return err
	}
	replies := federation.RepliesPage{Total: page.Total, Items: page.Items, Prev: page.Prev, Next: page.Next}
	if paged {
		return sendActivity(c, federation.RepliesPageDocument(uri, cursor, replies))
	}
	return sendActivity(c, federation.RepliesDocument(uri, replies))
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
	return s.cursorCollection(c, s.urls.Path("/threads/"+id), func(ctx context.Context, q service.CollectionQuery) (service.CollectionPage, error) {
		return s.cfg.Services.Documents.Thread(ctx, id, q)
	})
}

// conversationPage is a thread's page's data: the read model, and the
// links of its pages.
type conversationPage struct {
	*service.ThreadPage
	Pages pageLinks
}

// threadPage shows a thread's posts to a browser, oldest first, a page at a
// time (?posts=): where a discussion sends a thread longer than it shows.
// A thread of a course on another server is for people logged in here, as
// that course's page is; a draft course's threads are not found.
func (s *Server) threadPage(c *fiber.Ctx, id string) error {
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Posts.Thread(ctx, s.viewerHandle(c), id, c.Query("posts"))
	if domain.ErrorCode(err) == domain.EUNAUTHORISED {
		_, err = s.requireLogin(c)
	}
	if err != nil {
		return err
	}
	pr := s.printer(c)
	return s.render(c, "conversation", pageData{Title: pr.T("A thread in %s", p.Title()), Data: conversationPage{ThreadPage: p,
		Pages: linksAt(c, "posts", "posts", pr.T("Thread"), p.Prev, p.Next)}})
}

// cursorCollection answers a collection read a page at a time from the
// store (federation.OrderedCollectionByCursor): the collection without
// ?page, its first page with ?page=1, the page a cursor names with
// ?page=CURSOR. read gets what was asked for (without a page, only the
// total is needed).
func (s *Server) cursorCollection(c *fiber.Ctx, id string, read func(ctx context.Context, q service.CollectionQuery) (service.CollectionPage, error)) error {
	q := service.CollectionQuery{Cursor: c.Query("page"), Paged: c.Query("page") != ""}
	if q.Cursor == "1" {
		q.Cursor = ""
	}
	ctx, cancel := ctx(c)
	defer cancel()
	page, err := read(ctx, q)
	if err != nil {
		return err
	}
	var doc []byte
	if q.Paged {
		doc, err = federation.OrderedCollectionPageByCursor(id, q.Cursor, page.Prev, page.Next, page.Total, page.Items)
	} else {
		doc, err = federation.OrderedCollectionByCursor(id, page.Total)
	}
	if err != nil {
		return err
	}
	return sendActivity(c, doc)
}

// outbox serves a local actor's outbox: the public activities it sent,
// newest first, embedded.
func (s *Server) outbox(c *fiber.Ctx, typ domain.ActorType, handle string) error {
	id := s.urls.Actor(typ, handle) + "/outbox"
	return s.cursorCollection(c, id, func(ctx context.Context, q service.CollectionQuery) (service.CollectionPage, error) {
		return s.cfg.Services.Documents.Outbox(ctx, typ, handle, q)
	})
}

// editPost changes the text of a post the viewer may change (their own;
// the service decides), and goes back to the course's discussion.
func (s *Server) editPost(c *fiber.Ctx) error {
	if previewing(c) {
		return s.previewPost(c, s.printer(c).T("Save"))
	}
	ctx, cancel := ctx(c)
	defer cancel()
	back := "/courses/" + c.Params("handle") + "#discussion"
	if _, err := s.cfg.Services.Posts.Edit(ctx, s.viewer(c).Handle, c.FormValue("post"), c.FormValue("text")); err != nil {
		return s.actionRefused(c, back, err)
	}
	return s.notice(c, back, s.printer(c).T("Your post is saved."))
}

// deletePost deletes a post the viewer may change (their own; the service
// decides), and goes back to the course's discussion.
func (s *Server) deletePost(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	back := "/courses/" + c.Params("handle") + "#discussion"
	if err := s.cfg.Services.Posts.Delete(ctx, s.viewer(c).Handle, c.FormValue("post")); err != nil {
		return s.actionRefused(c, back, err)
	}
	return s.notice(c, back, s.printer(c).T("Your post is deleted."))
}

// reportPost reports a post of the course's discussion to its organisers
// and the node's operator (and, for a post of another server, to that
// server), and goes back to the discussion; who may report what the
// service decides.
func (s *Server) reportPost(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	back := "/courses/" + c.Params("handle") + "#discussion"
	if err := s.cfg.Services.Moderation.Report(ctx, s.viewer(c).Handle, c.FormValue("post"), c.FormValue("comment")); err != nil {
		return s.actionRefused(c, back, err)
	}
	return s.notice(c, back, s.printer(c).T("Thank you: your report is sent."))
}

// note serves a direct note (sign-up questions, a decline's reason, an
// award) from the Create it was sent in, and a Tombstone with 410 Gone
// once deleted (a revoked award).
func (s *Server) note(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	n, err := s.cfg.Services.Documents.Note(ctx, s.urls.Path("/notes/"+c.Params("id")))
	if err != nil {
		return err
	}
	return s.sendSent(c, n)
}

// activity serves an activity this node sent, so peers can dereference its
// id: /activities/ID, and the Creates of posts and notes, whose ids are
// the object's followed by /activity.
func (s *Server) activity(c *fiber.Ctx) error {
	var id string
	switch {
	case strings.HasPrefix(c.Path(), "/posts/"):
		id = s.urls.Path("/posts/" + c.Params("id") + "/activity")
	case strings.HasPrefix(c.Path(), "/notes/"):
		id = s.urls.Path("/notes/" + c.Params("id") + "/activity")
	default:
		id = s.urls.NewActivityID(c.Params("id"))
	}
	ctx, cancel := ctx(c)
	defer cancel()
	a, err := s.cfg.Services.Documents.Activity(ctx, id)
	if err != nil {
		return err
	}
	return s.sendSent(c, a)
}

// sendSent serves a document this node sent, with the same access rules
// whichever id it is asked by: one that is not public is for its
// addressees only, served to a signed fetch from one of their servers and
// to no one else (HOSTILE S14); one whose object is deleted answers 410
// Gone with a Tombstone.
func (s *Server) sendSent(c *fiber.Ctx, doc *service.Sent) error {
	if !doc.Public() {
		signer, err := s.signedFetcher(c)
		if err != nil || !doc.AddressedToHostOf(signer.ID) {
			return domain.Errorf(domain.ENOTFOUND, "Not found.")
		}
	}
	if doc.Gone {
		c.Status(fiber.StatusGone)
	}
	return sendActivity(c, doc.JSON)
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
	// Checked against the node's own scheme and host, as the inbox does.
	opt := httpsig.VerifyOptions{Host: s.urls.Host(), Scheme: s.urls.Scheme(), Now: s.auth.now()}
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

// featured serves a course's pinned posts (Mastodon's featured collection).
func (s *Server) featured(c *fiber.Ctx) error {
	handle := c.Params("handle")
	ctx, cancel := ctx(c)
	defer cancel()
	ids, err := s.cfg.Services.Documents.Featured(ctx, handle)
	if err != nil {
		return err
	}
	items := make([]any, 0, len(ids))
	for _, id := range ids {
		items = append(items, id)
	}
	doc := federation.Document(federation.OrderedCollectionOf(s.urls.Actor(domain.ActorCourse, handle)+"/featured", items))
	return sendActivity(c, doc)
}

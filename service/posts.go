package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/integrity"
)

// Posts is the use cases of a course's discussion as written on this
// node: the course, its organisers and its local learners post, edit and
// delete, and every change federates to the course's followers.
type Posts struct {
	*env
	reviews *Reviews // a reply tagged #approve or #revise reviews the work its post shows
}

// PostInput is a new post.
type PostInput struct {
	Author    string // handle of the course itself, or of a local person
	Course    string
	Text      string // Markdown; #hashtags become Hashtag tags
	InReplyTo string // id of a post in the course's discussion, or ""
	Mentions  []federation.Mention
	Task      string // set when the post announces a new task
}

// Publish writes a post and queues its delivery in the same transaction.
// A course's own post is a Create{Note} by the course to its followers.
// A person's post is a Create{Note} by the person (to their own followers
// and the people it answers or mentions), and the course Announces it to
// its followers (FEP-1b12): organisers' posts and learners' top-level posts
// to all of them, learners' replies to the Lernejo nodes among them, and to
// all only when the course redistributes replies (see redistribute). A
// reply's remote parent author is fetched first when not cached: the reply
// goes to them too. A learner's reply tagged #approve or #revise to a post
// that shows work reviews it (Reviews.ReviewByReply), or is refused with
// the review.
func (s *Posts) Publish(ctx context.Context, in PostInput) (*domain.Post, error) {
	if strings.Contains(in.Course, "://") {
		return s.publishRemote(ctx, in)
	}
	now := s.Now().UTC()
	urls := s.Docs.URLs
	p := s.localPost(in, now)
	var err error
	text := in.Text
	if err := (&domain.Post{Content: text}).Validate(); err != nil {
		return nil, err
	}
	if err := s.resolveParentAuthor(ctx, in.InReplyTo); err != nil {
		return nil, err
	}
	var inboxes, announceTo []string
	var create, announce []byte
	var createID, announceID string
	err = s.Store.Update(ctx, func(tx domain.Tx) error {
		c, err := tx.Course(in.Course)
		if err != nil {
			return err
		}
		if c.Status == domain.StatusArchived {
			return domain.Errorf(domain.EFORBIDDEN, "This %s is archived.", domain.KindName(c.Kind))
		}
		courseID := urls.Actor(domain.ActorCourse, c.Handle)
		mentions := in.Mentions
		authorType := domain.ActorCourse
		if in.Author != c.Handle {
			authorType = domain.ActorPerson
			if err := markActive(tx, in.Author, now); err != nil {
				return err
			}
			if !c.IsOrganiser(in.Author) {
				member, _, err := domain.Found(tx.Follower(c.Handle, urls.Actor(domain.ActorPerson, in.Author)))
				if err != nil {
					return fmt.Errorf("service: publish: %w", err)
				}
				if member == nil || member.State != domain.FollowAccepted {
					return domain.Errorf(domain.EFORBIDDEN, "Only organisers and enrolled learners can post here.")
				}
			}
		}
		p.Author = urls.Actor(authorType, in.Author)
		if p.InReplyTo != "" {
			ra, err := replyTo(tx, p, c.Handle)
			if err != nil {
				return err
			}
			if ra != nil {
				inboxes = append(inboxes, ra.Inbox)
				if !hasMention(mentions, ra.ID) {
					mentions = append(mentions, federation.Mention{ID: ra.ID, Name: ra.Handle()})
				}
			}
		}
		for _, m := range mentions {
			p.Mentions = append(p.Mentions, m.ID)
			ra, err := remoteActor(tx, m.ID)
			if err != nil {
				return err
			}
			if ra != nil {
				inboxes = append(inboxes, ra.Inbox)
			}
		}
		if err := s.notifyPost(tx, p); err != nil {
			return err
		}
		followers, err := tx.FollowerInboxes(c.Handle)
		if err != nil {
			return err
		}
		if authorType == domain.ActorCourse {
			return s.queueCoursePost(tx, c, p, mentions, append(inboxes, followers...))
		}
		personFollowers, err := tx.FollowerInboxes(in.Author)
		if err != nil {
			return err
		}
		addr := federation.PublicAddress(p.Author+"/followers", mentions)
		addr.CC = append(addr.CC, courseID)
		createID = p.URI + "/activity"
		create = federation.Wrap("Create", createID, p.Author, s.Docs.NoteObject(p, c.Handle, addr, mentions, federation.RepliesPage{}), addr, now)
		// Every reply goes to the Lernejo nodes among the followers, so
		// each of them keeps the whole discussion; Mastodon followers get
		// replies only when the course redistributes them (see
		// redistribute).
		announceTo = followers
		if !(c.IsOrganiser(in.Author) || !p.IsReply() || c.RedistributeReplies) {
			if announceTo, err = lernejoInboxes(tx, c.Handle); err != nil {
				return err
			}
		}
		announceID = urls.NewActivityID(s.NewID())
		p.Activity = announceID
		announce = federation.Announce(announceID, courseID, p.URI, federation.PublicAddress(courseID+"/followers", nil), now)
		if err := tx.PutPost(p); err != nil {
			return err
		}
		// A participant here reviews as one on Mastodon does: by replying
		// #approve or #revise to the post that shows the work.
		if err := s.reviews.ReviewByReply(tx, p); err != nil {
			return err
		}
		if err := s.Queue.Queue(tx, in.Author, createID, create, append(inboxes, personFollowers...)); err != nil {
			return err
		}
		if err := tx.ListInOutbox(in.Author, createID, p.URI); err != nil {
			return err
		}
		if announce != nil {
			if err := s.Queue.Queue(tx, c.Handle, announceID, announce, announceTo); err != nil {
				return err
			}
			return tx.ListInOutbox(c.Handle, announceID, p.URI)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Queue.Wake()
	return p, nil
}

// localPost is a new post of this node's with in's course, text, parent
// and task, published at now; its author is the caller's to set.
func (s *Posts) localPost(in PostInput, now time.Time) *domain.Post {
	id := s.NewID()
	p := &domain.Post{ID: id, Course: in.Course, URI: s.URLs.Path("/posts/" + id), Local: true, Thread: id,
		InReplyTo: in.InReplyTo, Published: now, Task: in.Task}
	p.URL = p.URI
	p.Source = postSource(in.Text)
	p.Content, p.Tags = s.Docs.PostMarkdown(p.Source, in.Mentions)
	return p
}

// coursePostTx is what queueCoursePost writes: the post, its Create and the
// course's outbox.
type coursePostTx interface {
	domain.PostStore
	domain.DeliveryStore
}

// queueCoursePost keeps, inside tx, the course c's own post p and queues
// its Create{Note} by the course, public with the course's followers (and
// the mentioned) in cc, to inboxes; it is listed in the course's outbox.
func (s *Posts) queueCoursePost(tx coursePostTx, c *domain.Course, p *domain.Post, mentions []federation.Mention, inboxes []string) error {
	courseID := s.URLs.Actor(domain.ActorCourse, c.Handle)
	addr := federation.PublicAddress(courseID+"/followers", mentions)
	createID := p.URI + "/activity"
	p.Activity = createID
	create := federation.Wrap("Create", createID, courseID, s.Docs.NoteObject(p, c.Handle, addr, mentions, federation.RepliesPage{}), addr, p.Published)
	if err := tx.PutPost(p); err != nil {
		return err
	}
	if err := s.Queue.Queue(tx, c.Handle, createID, create, inboxes); err != nil {
		return err
	}
	return tx.ListInOutbox(c.Handle, createID, p.URI)
}

// postSource is a post's Markdown as stored: its author's text, with the
// browser's CRLF line ends made LF and the blank lines around it trimmed.
func postSource(text string) string {
	return strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
}

// Preview is the HTML a post's Markdown would show, for the post forms'
// preview: rendered as publishing would (its hashtags linked, mentions
// left as typed), and saved nowhere.
func (s *Posts) Preview(text string) string {
	out, _ := s.Docs.PostMarkdown(postSource(text), nil)
	return out
}

// Edit changes a local post's text and federates an Update to everyone the
// post went to. Only its author (or, for the course's own posts, an
// organiser) may edit.
func (s *Posts) Edit(ctx context.Context, editor, uri, text string) (*domain.Post, error) {
	if err := (&domain.Post{Content: text}).Validate(); err != nil {
		return nil, err
	}
	var p *domain.Post
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		var err error
		p, err = s.editable(tx, editor, uri)
		if err != nil {
			return err
		}
		actor, mentions, addr, inboxes, err := s.audience(tx, p)
		if err != nil {
			return err
		}
		p.Source = postSource(text)
		p.Content, p.Tags = s.Docs.PostMarkdown(p.Source, mentions)
		p.Updated = s.Now().UTC()
		if !p.Updated.After(p.Published) {
			p.Updated = p.Published.Add(time.Second)
		}
		if err := tx.PutPost(p); err != nil {
			return err
		}
		replies, err := firstReplies(tx, p.URI)
		if err != nil {
			return err
		}
		id := s.newActivityID()
		upd := federation.Wrap("Update", id, s.Docs.URLs.Actor(actorType(actor, p), actor), s.Docs.NoteObject(p, p.Course, addr, mentions, replies), addr, p.Updated)
		return s.Queue.Queue(tx, actor, id, upd, inboxes)
	})
	if err != nil {
		return nil, err
	}
	s.Queue.Wake()
	return p, nil
}

// Delete removes a local post, leaves a tombstone at its id, and federates
// Delete{Tombstone}. Organisers may delete any local post of their course.
func (s *Posts) Delete(ctx context.Context, editor, uri string) error {
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		p, err := s.editable(tx, editor, uri)
		if err != nil {
			return err
		}
		return s.deletePost(tx, p)
	})
	if err == nil {
		s.Queue.Wake()
	}
	return err
}

// deletePostTx is what deletePost reads and writes: the post, its
// audience, its tombstone and the Delete it queues.
type deletePostTx interface {
	domain.PostStore
	domain.ActorCache
	domain.FollowStore
	domain.DeliveryStore
}

// deletePost deletes, inside tx, a local post p: the post goes, a
// tombstone keeps its id, and Delete{Tombstone} goes to everyone it went
// to. Its author's Delete and a deleted account's posts both come here.
func (s *Posts) deletePost(tx deletePostTx, p *domain.Post) error {
	actor, _, addr, inboxes, err := s.audience(tx, p)
	if err != nil {
		return err
	}
	if err := tx.DeletePost(p); err != nil {
		return err
	}
	if err := tx.PutTombstone(&domain.Tombstone{ID: p.URI, Deleted: s.Now().UTC()}); err != nil {
		return err
	}
	id := s.newActivityID()
	del := federation.DeleteNote(id, s.Docs.URLs.Actor(actorType(actor, p), actor), p.URI, addr)
	return s.Queue.Queue(tx, actor, id, del, inboxes)
}

// editableTx is what editable reads: the post, and its course's organisers.
type editableTx interface {
	domain.PostStore
	domain.CourseStore
}

// editable loads a local post that editor may change.
func (s *Posts) editable(tx editableTx, editor, uri string) (*domain.Post, error) {
	p, err := tx.Post(uri)
	if err != nil {
		return nil, err
	}
	if !p.Local {
		return nil, domain.Errorf(domain.EFORBIDDEN, "Posts from other servers are changed by their authors.")
	}
	urls := s.Docs.URLs
	isAuthor := p.Author == urls.Actor(domain.ActorPerson, editor)
	if strings.Contains(p.Course, "://") {
		if !isAuthor {
			return nil, domain.Errorf(domain.EFORBIDDEN, "Only the author can change this post.")
		}
		return p, nil
	}
	c, err := tx.Course(p.Course)
	if err != nil {
		return nil, err
	}
	if !isAuthor && !c.IsOrganiser(editor) {
		return nil, domain.Errorf(domain.EFORBIDDEN, "Only the author or an organiser can change this post.")
	}
	return p, nil
}

// addressing is how a post is addressed: its signing actor's handle, its
// mentions (named as their handles where known) and its to/cc. The Create,
// its Update and the document served at the post's id all use it.
func (s *Posts) addressing(tx domain.ActorCache, p *domain.Post) (string, []federation.Mention, federation.NoteAddress, error) {
	urls := s.Docs.URLs
	actor := p.Course
	if h, typ, ok := urls.LocalActor(p.Author); ok && typ == domain.ActorPerson {
		actor = h
	}
	mentions := make([]federation.Mention, 0, len(p.Mentions))
	for _, id := range p.Mentions {
		name := id
		ra, err := remoteActor(tx, id)
		if err != nil {
			return "", nil, federation.NoteAddress{}, err
		}
		if ra != nil {
			name = ra.Handle()
		}
		mentions = append(mentions, federation.Mention{ID: id, Name: name})
	}
	if strings.Contains(p.Course, "://") {
		// A post in a course on another server: the course is among the
		// mentions, so it is addressed in cc already.
		return actor, mentions, federation.PublicAddress(p.Author+"/followers", mentions), nil
	}
	courseID := urls.Actor(domain.ActorCourse, p.Course)
	if actor == p.Course {
		return actor, mentions, federation.PublicAddress(courseID+"/followers", mentions), nil
	}
	addr := federation.PublicAddress(p.Author+"/followers", mentions)
	addr.CC = append(addr.CC, courseID)
	return actor, mentions, addr, nil
}

// replyTx is what replyTo reads: the post answered and its author.
type replyTx interface {
	domain.PostStore
	domain.ActorCache
}

// replyTo loads, inside tx, the post that p (written here) answers, which
// must be in course's discussion, and puts p in its thread. It returns the
// parent's author when that is a remote actor (nil otherwise): the reply
// goes to them too.
func replyTo(tx replyTx, p *domain.Post, course string) (*domain.RemoteActor, error) {
	parent, _, err := domain.Found(tx.Post(p.InReplyTo))
	if err != nil {
		return nil, fmt.Errorf("service: publish: parent: %w", err)
	}
	if parent == nil || parent.Course != course {
		return nil, domain.Errorf(domain.EINVALID, "The post you answer is not in this course.")
	}
	p.Thread = parent.Thread
	return remoteActor(tx, parent.Author)
}

// remoteActor is the cached remote actor with this id, or nil when there is
// none: who a post mentions or answers may be local, or never fetched.
func remoteActor(tx domain.ActorCache, id string) (*domain.RemoteActor, error) {
	ra, _, err := domain.Found(tx.RemoteActor(id))
	if err != nil {
		return nil, fmt.Errorf("service: actor %s: %w", id, err)
	}
	return ra, nil
}

// audienceTx is what audience reads: the mentioned remote actors and the
// followers of the post's local actors.
type audienceTx interface {
	domain.ActorCache
	domain.FollowStore
}

// audience is who a post went to: its addressing, and the inboxes of the
// mentioned remote actors, the course's followers (for a local course) and
// the author's followers.
func (s *Posts) audience(tx audienceTx, p *domain.Post) (string, []federation.Mention, federation.NoteAddress, []string, error) {
	actor, mentions, addr, err := s.addressing(tx, p)
	if err != nil {
		return "", nil, federation.NoteAddress{}, nil, err
	}
	var inboxes []string
	for _, id := range p.Mentions {
		ra, err := remoteActor(tx, id)
		if err != nil {
			return "", nil, federation.NoteAddress{}, nil, err
		}
		if ra != nil {
			inboxes = append(inboxes, ra.Inbox)
		}
	}
	// The followers of the local course (a remote course is reached through
	// its mention) and of the author, when that is a person.
	locals := []string{actor}
	if actor != p.Course && !strings.Contains(p.Course, "://") {
		locals = append(locals, p.Course)
	}
	for _, local := range locals {
		own, err := tx.FollowerInboxes(local)
		if err != nil {
			return "", nil, federation.NoteAddress{}, nil, err
		}
		inboxes = append(inboxes, own...)
	}
	return actor, mentions, addr, inboxes, nil
}

// servedNoteTx is what Note reads: the cached actors it mentions, and its
// replies.
type servedNoteTx interface {
	domain.ActorCache
	domain.PostStore
}

// Note is the Note a local post's id serves, addressed as it was sent,
// with the first page of its replies.
func (s *Posts) Note(tx servedNoteTx, p *domain.Post) (federation.ASNote, error) {
	_, mentions, addr, err := s.addressing(tx, p)
	if err != nil {
		return federation.ASNote{}, err
	}
	replies, err := firstReplies(tx, p.URI)
	if err != nil {
		return federation.ASNote{}, err
	}
	return s.Docs.NoteObject(p, p.Course, addr, mentions, replies), nil
}

// firstReplies is the first page of a local post's replies, as its Note
// embeds them: a page, however many replies there are.
func firstReplies(tx domain.PostStore, uri string) (federation.RepliesPage, error) {
	total, err := tx.CountReplies(uri)
	if err != nil {
		return federation.RepliesPage{}, err
	}
	rs, err := tx.RepliesPage(uri, "", federation.PageSize)
	if err != nil {
		return federation.RepliesPage{}, err
	}
	out := federation.RepliesPage{Total: total, Next: rs.Next}
	for _, r := range rs.Items {
		out.Items = append(out.Items, r.URI)
	}
	return out, nil
}

func actorType(actor string, p *domain.Post) domain.ActorType {
	if actor == p.Course {
		return domain.ActorCourse
	}
	return domain.ActorPerson
}

func hasMention(ms []federation.Mention, id string) bool {
	for _, m := range ms {
		if strings.EqualFold(m.ID, id) {
			return true
		}
	}
	return false
}

// publishRemote posts a local learner's note to the discussion of a course
// on another server that they follow: a Create{Note} by the learner,
// mentioning and addressed to the course (which redistributes it), sent to
// the course, the author of the post it answers and the learner's own
// followers; kept here in the mirrored discussion.
func (s *Posts) publishRemote(ctx context.Context, in PostInput) (*domain.Post, error) {
	if err := (&domain.Post{Content: in.Text}).Validate(); err != nil {
		return nil, err
	}
	if err := s.resolveParentAuthor(ctx, in.InReplyTo); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	urls := s.Docs.URLs
	id := s.NewID()
	p := &domain.Post{ID: id, Course: in.Course, URI: urls.Path("/posts/" + id), Local: true, Thread: id,
		InReplyTo: in.InReplyTo, Published: now, Author: urls.Actor(domain.ActorPerson, in.Author)}
	p.URL = p.URI
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		f, _, err := domain.Found(tx.Following(in.Author, in.Course))
		if err != nil {
			return fmt.Errorf("service: publish: %w", err)
		}
		if f == nil || f.State != domain.FollowAccepted {
			return domain.Errorf(domain.EFORBIDDEN, "Join first to post here.")
		}
		course, err := tx.RemoteActor(in.Course)
		if err != nil {
			return err
		}
		mentions := append([]federation.Mention{{ID: course.ID, Name: course.Handle()}}, in.Mentions...)
		inboxes := []string{course.Inbox}
		if p.InReplyTo != "" {
			ra, err := replyTo(tx, p, in.Course)
			if err != nil {
				return err
			}
			if ra != nil && ra.ID != course.ID {
				mentions = append(mentions, federation.Mention{ID: ra.ID, Name: ra.Handle()})
				inboxes = append(inboxes, ra.Inbox)
			}
		}
		for _, m := range mentions {
			p.Mentions = append(p.Mentions, m.ID)
		}
		p.Source = postSource(in.Text)
		p.Content, p.Tags = s.Docs.PostMarkdown(p.Source, mentions)
		own, err := tx.FollowerInboxes(in.Author)
		if err != nil {
			return err
		}
		addr := federation.PublicAddress(p.Author+"/followers", mentions)
		createID := p.URI + "/activity"
		create := federation.Wrap("Create", createID, p.Author, s.Docs.NoteObject(p, in.Course, addr, mentions, federation.RepliesPage{}), addr, now)
		if err := s.notifyPost(tx, p); err != nil {
			return err
		}
		if err := tx.PutPost(p); err != nil {
			return err
		}
		if err := s.Queue.Queue(tx, in.Author, createID, create, append(inboxes, own...)); err != nil {
			return err
		}
		return tx.ListInOutbox(in.Author, createID, p.URI)
	})
	if err != nil {
		return nil, err
	}
	s.Queue.Wake()
	return p, nil
}

// directTx is what Direct needs: the inboxes of the remote actors it
// writes to, and what note needs to send the note.
type directTx interface {
	noteTx
	domain.ActorCache
}

// Direct queues, inside tx, a direct note from a local actor to the
// mentioned remote actors: Mention-tagged and addressed in to, with no
// Public and no followers, so Mastodon shows it as a direct message and
// notifies. It is not part of any discussion; its id serves the note.
func (s *Posts) Direct(tx directTx, local, text string, to []federation.Mention) (string, error) {
	var inboxes []string
	for _, m := range to {
		ra, err := tx.RemoteActor(m.ID)
		if err != nil {
			return "", err
		}
		inboxes = append(inboxes, ra.Inbox)
	}
	return s.note(tx, local, text, to, federation.DirectAddress(to), inboxes)
}

// noteTx is what note needs: the author's actor type and assertion key,
// and the delivery queue.
type noteTx interface {
	domain.LocalActorStore
	domain.DeliveryStore
}

// note queues, inside tx, a standalone note from a local actor (outside
// any course discussion), served at its id from the Create it went in;
// dress adds what a kind of note carries besides its text (an award's
// badge).
func (s *Posts) note(tx noteTx, local, text string, mentions []federation.Mention, addr federation.NoteAddress, inboxes []string, dress ...func(*federation.ASNote)) (string, error) {
	typ, err := tx.HandleType(local)
	if err != nil {
		return "", err
	}
	urls := s.Docs.URLs
	now := s.Now().UTC()
	id := s.NewID()
	p := &domain.Post{ID: id, URI: urls.Path("/notes/" + id), Author: urls.Actor(typ, local), Thread: id, Published: now}
	p.URL = p.URI
	p.Content, p.Tags = s.Docs.PostHTML(text, mentions)
	for _, m := range mentions {
		p.Mentions = append(p.Mentions, m.ID)
	}
	note := s.Docs.StandaloneNote(p, addr, mentions)
	for _, d := range dress {
		d(&note)
	}
	// Standalone notes (awards above all) carry a Data Integrity proof by
	// the author's assertion key, checkable against its actor document.
	// The note carries its own @context before it is signed: it is served
	// on its own at its id too, and the proof covers the context.
	var obj any = note
	if seed, err := tx.AssertionSeed(local); err == nil {
		signed, err := integrity.SignRecord(note, p.Author, seed, now)
		if err != nil {
			return "", err
		}
		obj = json.RawMessage(signed)
	} else if !domain.IsNotFound(err) {
		return "", err
	}
	createID := p.URI + "/activity"
	create := federation.Wrap("Create", createID, p.Author, obj, addr, now)
	if err := s.Queue.Queue(tx, local, createID, create, inboxes); err != nil {
		return "", err
	}
	// A public note (an award) is in its author's outbox; a direct one is
	// for its addressees only.
	if slices.Contains(addr.To, federation.Public) || slices.Contains(addr.CC, federation.Public) {
		if err := tx.ListInOutbox(local, createID, p.URI); err != nil {
			return "", err
		}
	}
	return p.URI, nil
}

// Pin pins or unpins a post of a course's discussion; pinned posts are the
// course's featured collection (Mastodon shows them on the profile).
// Only organisers may pin.
func (s *Posts) Pin(ctx context.Context, editor, uri string, pinned bool) error {
	return s.Store.Update(ctx, func(tx domain.Tx) error {
		p, err := organisersPost(tx, uri, editor, domain.Errorf(domain.EFORBIDDEN, "Only organisers can pin posts."))
		if err != nil {
			return err
		}
		p.Pinned = pinned
		return tx.PutPost(p)
	})
}

// organisersPostTx is what organisersPost reads: the post and its course.
type organisersPostTx interface {
	domain.PostStore
	domain.CourseStore
}

// organisersPost loads, inside tx, a post of the discussion of a course
// here that organiser organises; anyone else is refused with refusal.
func organisersPost(tx organisersPostTx, uri, organiser string, refusal *domain.Error) (*domain.Post, error) {
	p, err := tx.Post(uri)
	if err != nil {
		return nil, err
	}
	c, err := tx.Course(p.Course)
	if err != nil {
		return nil, err
	}
	if !c.IsOrganiser(organiser) {
		return nil, refusal
	}
	return p, nil
}

// Remove takes a post out of a course's discussion: an organiser's
// moderation. A local post is deleted (and the deletion federates); a
// remote one is dropped here and tombstoned so it does not come back.
func (s *Posts) Remove(ctx context.Context, organiser, uri string) error {
	var local bool
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		p, err := organisersPost(tx, uri, organiser, domain.Errorf(domain.EFORBIDDEN, "Only organisers can remove posts."))
		if err != nil {
			return err
		}
		if p.Local {
			local = true
			return nil
		}
		if err := tx.DeletePost(p); err != nil {
			return err
		}
		return tx.PutTombstone(&domain.Tombstone{ID: p.URI, Deleted: s.Now().UTC()})
	})
	if err != nil || !local {
		return err
	}
	return s.Delete(ctx, organiser, uri)
}

// Receive takes, inside the inbox's transaction, a public note from another
// server (p, translated from it: its id, author, text, tags and mentions)
// into the discussion it belongs to, if any. That is the discussion of the
// local course of the post it answers, or of a course it mentions or is
// addressed to (addressees: its to and cc): its author must be enrolled
// there, or the discussion open, and not blocked from the course. The
// course Announces it to its followers (FEP-1b12): top-level posts to all,
// replies to the Lernejo nodes among them, and to all when the course
// redistributes replies (see redistribute). Otherwise it is the
// mirrored discussion of a remote course: that of the post it answers, or
// the author's own when local people follow the author; those discussions
// are kept for the local learners, and their moderation is the course's
// own server's business. A note that belongs nowhere is not kept.
func (s *Posts) Receive(tx domain.Tx, p *domain.Post, addressees []string) error {
	var parent *domain.Post
	if p.InReplyTo != "" {
		var err error
		if parent, _, err = domain.Found(tx.Post(p.InReplyTo)); err != nil {
			return fmt.Errorf("service: receive post: parent: %w", err)
		}
	}
	var c *domain.Course
	var err error
	if parent != nil && !isRemoteCourse(parent.Course) {
		c, err = tx.Course(parent.Course)
	} else {
		c, err = s.addressedCourse(tx, append(slices.Clone(p.Mentions), addressees...))
	}
	if err != nil {
		return err
	}
	if c == nil {
		if parent != nil && isRemoteCourse(parent.Course) {
			s.place(p, parent.Course, parent)
			if err := s.notifyPost(tx, p); err != nil {
				return err
			}
			return tx.PutPost(p)
		}
		followed, err := followedByLocals(tx, p.Author)
		if err != nil || !followed {
			return err
		}
		s.place(p, p.Author, nil)
		if err := s.notifyPost(tx, p); err != nil {
			return err
		}
		return tx.PutPost(p)
	}
	if parent != nil && parent.Course != c.Handle {
		parent = nil // a reply to a mirrored discussion that names a course of ours starts a thread there
	}
	if c.IsBlocked(p.Author) {
		return domain.Errorf(domain.EFORBIDDEN, "%s is blocked from %s.", p.Author, c.Handle)
	}
	member, _, err := domain.Found(tx.Follower(c.Handle, p.Author))
	if err != nil {
		return fmt.Errorf("service: receive post: %w", err)
	}
	if (member == nil || member.State != domain.FollowAccepted) && !c.OpenDiscussion {
		return domain.Errorf(domain.EFORBIDDEN, "%s is not enrolled in %s.", p.Author, c.Handle)
	}
	s.place(p, c.Handle, parent)
	if err := s.redistribute(tx, c, p, !p.IsReply() || c.RedistributeReplies); err != nil {
		return err
	}
	if err := s.notifyPost(tx, p); err != nil {
		return err
	}
	return tx.PutPost(p)
}

// Mirror keeps, inside the inbox's transaction, a note that the remote
// course redistributed (its Announce, the note fetched from its own
// origin) in the course's mirrored discussion, threaded under the post it
// answers. The people of this node it answers or mentions are told, as of
// a note that came to them directly.
func (s *Posts) Mirror(tx domain.Tx, course string, p *domain.Post) error {
	if err := s.placeMirrored(tx, course, p); err != nil {
		return err
	}
	if err := s.notifyPost(tx, p); err != nil {
		return err
	}
	return tx.PutPost(p)
}

// Backfill keeps, inside tx, a note of a remote course's recent discussion,
// read from its outbox when a person of this node joined it, as Mirror
// does but telling nobody: it is what was said before they came.
func (s *Posts) Backfill(tx domain.PostStore, course string, p *domain.Post) error {
	if err := s.placeMirrored(tx, course, p); err != nil {
		return err
	}
	return tx.PutPost(p)
}

// placeMirrored places a note in the remote course's mirrored discussion,
// threaded under the post it answers.
func (s *Posts) placeMirrored(tx domain.PostStore, course string, p *domain.Post) error {
	var parent *domain.Post
	if p.InReplyTo != "" {
		var err error
		if parent, _, err = domain.Found(tx.Post(p.InReplyTo)); err != nil {
			return fmt.Errorf("service: mirror post: parent: %w", err)
		}
	}
	s.place(p, course, parent)
	return nil
}

// place gives a received post its id here and its place: the discussion of
// course, in the thread of the post it answers.
func (s *Posts) place(p *domain.Post, course string, parent *domain.Post) {
	p.ID, p.Course = s.NewID(), course
	p.Thread = p.ID
	if parent != nil {
		p.Thread = parent.Thread
	}
}

// isRemoteCourse tells a remote course id (a URL) from a local course handle.
func isRemoteCourse(course string) bool { return strings.Contains(course, "://") }

// addressedCourseTx is what addressedCourse reads: the local actors the
// candidates name, and the courses among them.
type addressedCourseTx interface {
	domain.LocalActorStore
	domain.CourseStore
}

// addressedCourse is the first of the candidates (the actors a note
// mentions, then those it is addressed to) that is a local course other
// servers can see, or nil.
func (s *Posts) addressedCourse(tx addressedCourseTx, candidates []string) (*domain.Course, error) {
	for _, id := range candidates {
		h, typ, ok, err := localActor(tx, s.URLs, id)
		if err != nil {
			return nil, err
		}
		if !ok || typ != domain.ActorCourse {
			continue
		}
		c, err := tx.Course(h)
		if err != nil {
			return nil, err
		}
		if c.Federates() {
			return c, nil
		}
	}
	return nil, nil
}

// redistributeTx is what redistribute needs: the course's followers'
// inboxes, and the delivery queue.
type redistributeTx interface {
	domain.FollowStore
	domain.DeliveryStore
}

// redistribute makes the course Announce a learner's note to its followers
// (FEP-1b12): to all of them when everyone is true, otherwise to the Lernejo
// nodes among them only. Mastodon-family servers boost objects, not
// activities, so the object is the note's id (they fetch it from its
// origin). A boost of every reply would fill Mastodon followers' home
// timelines with the course's small talk, so replies reach them only when
// the organisers turn redistribution of replies on; a Lernejo node keeps a
// mirrored discussion, not a timeline, and gets every reply, so that all
// the nodes of a study group see the same whole thread. The Announce is in
// the course's outbox either way: a node that joins later reads the recent
// discussion there (Inbox backfill).
func (s *Posts) redistribute(tx redistributeTx, c *domain.Course, p *domain.Post, everyone bool) error {
	inboxes, err := tx.FollowerInboxes(c.Handle)
	if !everyone && err == nil {
		inboxes, err = lernejoInboxes(tx, c.Handle)
	}
	if err != nil {
		return err
	}
	courseID := s.URLs.Actor(domain.ActorCourse, c.Handle)
	id := s.newActivityID()
	p.Activity = id
	ann := federation.Announce(id, courseID, p.URI, federation.PublicAddress(courseID+"/followers", nil), s.Now())
	if err := s.Queue.Queue(tx, c.Handle, id, ann, inboxes); err != nil {
		return err
	}
	return tx.ListInOutbox(c.Handle, id, p.URI)
}

// lernejoInboxes are the distinct delivery inboxes of a local course's
// accepted followers that joined from other Lernejo nodes (with Join): the
// nodes that keep the course's whole discussion.
func lernejoInboxes(tx domain.FollowStore, course string) ([]string, error) {
	fs, err := tx.Followers(course)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range fs {
		if f.Lernejo && f.State == domain.FollowAccepted && f.Inbox != "" && !slices.Contains(out, f.Inbox) {
			out = append(out, f.Inbox)
		}
	}
	return out, nil
}

// resolveParentAuthor makes sure, before a reply's transaction opens, that
// the remote author of the post it answers is cached, fetching their actor
// through the Resolver (the guarded client) when it is not: the reply is
// addressed and delivered to them (replyTo), and a Mastodon user whose post
// reached this node through a course's Announce was never fetched. The
// fetch happens outside any transaction, as all network I/O does.
func (s *Posts) resolveParentAuthor(ctx context.Context, inReplyTo string) error {
	if inReplyTo == "" || s.Resolver == nil {
		return nil
	}
	var author string
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		parent, found, err := domain.Found(tx.Post(inReplyTo))
		if err != nil || !found || federation.SameOrigin(parent.Author, s.URLs.Base()) {
			return err
		}
		if _, cached, err := domain.Found(tx.RemoteActor(parent.Author)); err != nil || cached {
			return err
		}
		author = parent.Author
		return nil
	})
	if err != nil || author == "" {
		return err
	}
	if _, err := s.Resolver.Actor(ctx, author); err != nil {
		return domain.Errorf(domain.EUNAVAILABLE, "Could not reach the server of %s, whose post you answer; please try again later.", author)
	}
	return nil
}

// ReceiveEdit applies, inside the inbox's transaction, a remote author's
// edit of their post (edit: its id, author, new text, dates and the
// Update's raw activity). Only the author edits (HOSTILE O2), and an edit
// that changes the published date is refused (P10). An edit of a post
// never received is ignored.
func (s *Posts) ReceiveEdit(tx domain.PostStore, edit *domain.Post) error {
	p, found, err := domain.Found(tx.Post(edit.URI))
	if err != nil || !found {
		return err
	}
	if p.Author != edit.Author {
		return domain.Errorf(domain.EFORBIDDEN, "%s is not the author of %s.", edit.Author, p.URI)
	}
	if !edit.Published.IsZero() && !p.Published.IsZero() && !edit.Published.Equal(p.Published) {
		return domain.Errorf(domain.EINVALID, "An edit of %s changes its published date.", p.URI)
	}
	p.Content, p.Updated, p.Raw = edit.Content, edit.Updated, edit.Raw
	if p.Updated.IsZero() {
		p.Updated = s.Now().UTC()
	}
	return tx.PutPost(p)
}

// ReceiveDelete removes, inside the inbox's transaction, a remote post its
// author deleted; only the author deletes (HOSTILE O2).
func (s *Posts) ReceiveDelete(tx domain.PostStore, actor, uri string) error {
	p, found, err := domain.Found(tx.Post(uri))
	if err != nil || !found {
		return err
	}
	if p.Author != actor {
		return domain.Errorf(domain.EFORBIDDEN, "%s is not the author of %s.", actor, uri)
	}
	return tx.DeletePost(p)
}

// React counts, inside the inbox's transaction, a Like or an Announce (a
// boost) of a post of a discussion kept here, once per actor; reactions to
// anything else are not kept. A course's Announce of a post of its own
// discussion is its redistribution, which every Lernejo node that takes
// part gets, and no boost.
func (s *Posts) React(tx domain.PostStore, kind, uri, actor, activityID string) error {
	p, known, err := domain.Found(tx.Post(uri))
	if err != nil || !known {
		return err
	}
	if kind == "Announce" && p.Course == actor {
		return nil // the course redistributing a post of its discussion (FEP-1b12), not a boost
	}
	_, err = tx.AddReaction(kind, uri, actor, activityID)
	return err
}

// Unreact uncounts, inside the inbox's transaction, the reaction made by
// the activity activityID; only the actor who reacted can.
func (s *Posts) Unreact(tx domain.PostStore, activityID, actor string) error {
	_, _, err := tx.RemoveReaction(activityID, actor)
	return err
}

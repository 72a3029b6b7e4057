package service

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// Documents is what the node serves to other servers and to feed readers:
// the ActivityPub documents of its actors, posts and activities and the
// collections they list, the answers of WebFinger and NodeInfo, and what a
// course's Atom feed and meetings calendar carry. Each method reads in one
// transaction it opens; web serialises what is not a finished document.
type Documents struct {
	*env
	posts *Posts
}

// Sizes of the lists the documents carry.
const (
	maxPinnedPosts  = 20  // a course's featured collection
	feedEntries     = 50  // the posts of a course's Atom feed
	feedPageSize    = 100 // the feed looks through pages of this many posts,
	feedPagesToScan = 5   // at most this many
)

// Actor is the JSON-LD document of the local actor handle of type typ: a
// person, a school or a course. Drafts are not found: a course federates
// once it opens.
func (d *Documents) Actor(ctx context.Context, typ domain.ActorType, handle string) ([]byte, error) {
	var doc []byte
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		switch typ {
		case domain.ActorPerson:
			p, err := tx.Person(handle)
			if err != nil {
				return err
			}
			doc, err = d.Docs.Person(p)
			return err
		case domain.ActorSchool:
			sc, err := tx.School(handle)
			if err != nil {
				return err
			}
			doc, err = d.Docs.School(sc)
			return err
		case domain.ActorCourse:
			co, err := visibleCourse(tx, handle)
			if err != nil {
				return err
			}
			doc, err = d.Docs.Course(co)
			return err
		}
		return domain.Errorf(domain.ENOTFOUND, "Actor %s not found.", handle)
	})
	return doc, err
}

// InstanceActor is the document of the node's Application actor, named
// after the node.
func (d *Documents) InstanceActor(ctx context.Context) ([]byte, error) {
	var doc []byte
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		ia, err := tx.InstanceActor()
		if err != nil {
			return err
		}
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		doc, err = d.Docs.Instance(ia, st.Name)
		return err
	})
	return doc, err
}

// CheckActor fails with not found unless handle is a local actor of type
// typ. Drafts are found: their pictures show on their organisers' pages.
func (d *Documents) CheckActor(ctx context.Context, typ domain.ActorType, handle string) error {
	return d.Store.View(ctx, func(tx domain.Tx) error {
		t, err := tx.HandleType(handle)
		if err == nil && t != typ {
			return domain.Errorf(domain.ENOTFOUND, "Actor %s not found.", handle)
		}
		return err
	})
}

// ActorCollection is the size of a local actor's collection (inbox,
// followers or following, with the local courses a person enrolled in)
// for the documents that show their size, not their members: who follows whom is the members' business (courses list
// members to organisers only). Outboxes list their activities: see Outbox.
func (d *Documents) ActorCollection(ctx context.Context, typ domain.ActorType, handle, collection string) (int, error) {
	total := 0
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		if err := localActorOf(tx, typ, handle); err != nil {
			return err
		}
		var err error
		switch collection {
		case "followers":
			total, err = tx.CountFollowers(handle, domain.FollowAccepted)
		case "following":
			total, err = countFollowings(tx, handle, domain.FollowAccepted)
			if err != nil || typ != domain.ActorPerson {
				break
			}
			// A person follows the courses of this node they enrolled in
			// too: each counts them among its followers.
			var local []*domain.Follower
			local, err = tx.FollowedBy(d.URLs.Actor(typ, handle))
			for _, f := range local {
				if f.State == domain.FollowAccepted {
					total++
				}
			}
		}
		return err
	})
	return total, err
}

// PendingCollection is the size of a local actor's FEP-4ccd collection:
// a course's pendingFollowers, the sign-up requests its organisers have
// not answered yet (the count of the organisers' queue), or a person's
// pendingFollowing, their follows of other servers' actors that are not
// accepted yet. Like followers, it shows its size, not its members: the
// FEP keeps the requests for their owner, and a course's organisers
// answer them in the web interface. Any other actor has neither.
func (d *Documents) PendingCollection(ctx context.Context, typ domain.ActorType, handle, collection string) (int, error) {
	total := 0
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		if err := localActorOf(tx, typ, handle); err != nil {
			return err
		}
		var err error
		switch {
		case typ == domain.ActorCourse && collection == "pendingFollowers":
			total, err = tx.CountFollowers(handle, domain.FollowPending)
		case typ == domain.ActorPerson && collection == "pendingFollowing":
			total, err = countFollowings(tx, handle, domain.FollowPending)
		default:
			err = domain.Errorf(domain.ENOTFOUND, "Actor %s has no %s collection.", handle, collection)
		}
		return err
	})
	return total, err
}

// countFollowings is how many of a local person's follows of other
// servers' actors are in state: the size of their following (accepted)
// and of their pendingFollowing (pending).
func countFollowings(tx domain.FollowStore, local string, state domain.FollowState) (int, error) {
	fs, err := tx.Followings(local)
	n := 0
	for _, f := range fs {
		if f.State == state {
			n++
		}
	}
	return n, err
}

// CollectionQuery is what a request asks of a collection read a page at a
// time (federation.OrderedCollectionByCursor): the collection itself, or
// one of its pages, the first (Cursor "") or the one Cursor names.
type CollectionQuery struct {
	Paged  bool
	Cursor string
}

// CollectionPage is a collection's size and, when a page was asked for,
// that page's items (ids or embedded objects) and the cursors of its
// neighbours ("" at an end).
type CollectionPage struct {
	Total      int
	Items      []any
	Prev, Next string
}

// postIDs is a page of posts as the ids a collection lists.
func postIDs(p domain.Page[*domain.Post], total int) CollectionPage {
	out := CollectionPage{Total: total, Prev: p.Prev, Next: p.Next}
	for _, x := range p.Items {
		out.Items = append(out.Items, x.URI)
	}
	return out
}

// Outbox is a local actor's outbox: the public activities it sent, newest
// first, embedded as they were sent. A course's are its Creates of its own
// posts and of its award notes, and its Announces of everyone else's
// posts; a person's, their Creates of their posts and notes; a school's,
// the Creates of its award notes. What was deleted is gone from it. The
// size and the pages are the same list (ListInOutbox). Drafts are not
// found. A suspended person's is empty, as their actor and their notes
// show nothing of them meanwhile.
func (d *Documents) Outbox(ctx context.Context, typ domain.ActorType, handle string, q CollectionQuery) (CollectionPage, error) {
	var out CollectionPage
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		if err := localActorOf(tx, typ, handle); err != nil {
			return err
		}
		if hidden, err := d.suspendedAuthor(tx, d.URLs.Actor(typ, handle)); err != nil || hidden {
			return err
		}
		total, err := tx.CountOutbox(handle)
		if err != nil || !q.Paged {
			out.Total = total
			return err
		}
		as, err := tx.OutboxPage(handle, q.Cursor, federation.PageSize)
		if err != nil {
			return err
		}
		out = CollectionPage{Total: total, Prev: as.Prev, Next: as.Next}
		for _, a := range as.Items {
			out.Items = append(out.Items, json.RawMessage(a.JSON))
		}
		return nil
	})
	return out, err
}

// localActorOfTx is what localActorOf reads: the handles' types, and the
// courses.
type localActorOfTx interface {
	domain.LocalActorStore
	domain.CourseStore
}

// localActorOf fails with not found unless handle is a local actor of type
// typ that other servers see: not a draft course.
func localActorOf(tx localActorOfTx, typ domain.ActorType, handle string) error {
	t, err := tx.HandleType(handle)
	if err != nil {
		return err
	}
	if t != typ {
		return domain.Errorf(domain.ENOTFOUND, "Actor %s not found.", handle)
	}
	if t == domain.ActorCourse {
		_, err = visibleCourse(tx, handle)
	}
	return err
}

// Replies is the replies collection of the local post uri, oldest first.
func (d *Documents) Replies(ctx context.Context, uri string, q CollectionQuery) (CollectionPage, error) {
	var out CollectionPage
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		if _, err := tx.Post(uri); err != nil {
			return err
		}
		total, err := tx.CountReplies(uri)
		if err != nil || !q.Paged {
			out.Total = total
			return err
		}
		rs, err := tx.RepliesPage(uri, q.Cursor, federation.PageSize)
		out = postIDs(rs, total)
		return err
	})
	return out, err
}

// Thread is a thread's context collection (FEP-7888): every post of the
// conversation, on whichever server it lives, oldest first; id is the id
// of its first post.
func (d *Documents) Thread(ctx context.Context, id string, q CollectionQuery) (CollectionPage, error) {
	var out CollectionPage
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		total, err := tx.CountThread(id)
		if err != nil {
			return err
		}
		if total == 0 {
			return domain.Errorf(domain.ENOTFOUND, "Thread not found.")
		}
		if !q.Paged {
			out.Total = total
			return nil
		}
		ps, err := tx.ThreadPage(id, q.Cursor, federation.PageSize)
		out = postIDs(ps, total)
		return err
	})
	return out, err
}

// Featured is the ids of a course's pinned posts, newest first, for its
// featured collection (Mastodon's). Drafts are not found.
func (d *Documents) Featured(ctx context.Context, course string) ([]string, error) {
	var ids []string
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		if _, err := visibleCourse(tx, course); err != nil {
			return err
		}
		posts, err := tx.PinnedPosts(course, maxPinnedPosts)
		for _, p := range posts {
			ids = append(ids, p.URI)
		}
		return err
	})
	return ids, err
}

// PostDocument is what a local post's id serves to ActivityPub clients:
// its Note, with its own @context (Mastodon and GoToSocial refetch boosted
// notes by id), or once it was deleted its Tombstone, and Gone is set.
type PostDocument struct {
	JSON []byte
	Gone bool
}

// Post is the document of the local post uri. Posts of other servers are
// not found here: their own servers serve them.
func (d *Documents) Post(ctx context.Context, uri string) (PostDocument, error) {
	var out PostDocument
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		p, err := tx.Post(uri)
		if domain.IsNotFound(err) {
			ts, deleted, terr := domain.Found(tx.Tombstone(uri))
			if terr != nil {
				return terr
			}
			if deleted {
				out = PostDocument{JSON: federation.TombstoneDocument(uri, ts.Deleted), Gone: true}
				return nil
			}
		}
		if err != nil {
			return err
		}
		if !p.Local {
			return domain.Errorf(domain.ENOTFOUND, "Post not found.")
		}
		// Hidden while its author is suspended, as Mastodon hides them.
		if hidden, err := d.suspendedAuthor(tx, p.Author); err != nil {
			return err
		} else if hidden {
			return domain.Errorf(domain.ENOTFOUND, "Post not found.")
		}
		note, err := d.posts.Note(tx, p)
		if err != nil {
			return err
		}
		out.JSON = federation.Document(note)
		return nil
	})
	return out, err
}

// Sent is a document this node sent, served at its id as it was sent (an
// activity, or a note served from the Create it went in), with who may
// read it: a document that is not public is for its addressees only,
// served to a signed fetch from one of their servers and to no one else
// (HOSTILE S14). Once what it published is deleted, JSON is a Tombstone
// and Gone is set.
type Sent struct {
	JSON       []byte
	Gone       bool
	addressees []string
}

// Public reports whether the document's to or cc holds Public.
func (s *Sent) Public() bool {
	return slices.Contains(s.addressees, federation.Public)
}

// AddressedToHostOf reports whether the document is addressed to an actor
// on the same origin as actor.
func (s *Sent) AddressedToHostOf(actor string) bool {
	for _, a := range s.addressees {
		if federation.SameOrigin(a, actor) {
			return true
		}
	}
	return false
}

// sentDocument is what Sent reads of an activity or a note: its id, type,
// addressing and object (an id, a list of ids, or an embedded object).
type sentDocument struct {
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	To     json.RawMessage `json:"to"`
	CC     json.RawMessage `json:"cc"`
	Object json.RawMessage `json:"object"`
}

// ids are the ids a to, cc or object holds: a string, a list of strings,
// or an embedded object (its id), or lists of those.
func ids(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var obj struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.ID != "" {
		return []string{obj.ID}
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []string
	for _, x := range list {
		out = append(out, ids(x)...)
	}
	return out
}

// audience is who a sent document is for: its to and cc, and those of the
// object it embeds (a Create is for whom its note is). An activity
// addressed to no one is for the servers of its objects: a Flag goes to
// the server of the actor it reports, as Mastodon's do.
func (doc *sentDocument) audience() []string {
	out := append(ids(doc.To), ids(doc.CC)...)
	var obj sentDocument
	if json.Unmarshal(doc.Object, &obj) == nil {
		out = append(out, obj.audience()...)
	}
	if len(out) == 0 {
		out = ids(doc.Object)
	}
	return out
}

// Activity is the activity id as this node sent it, so that peers can
// dereference its id: a post's Create (its id is the post's followed by
// /activity), a direct note's, an Announce, an Update… An activity that
// published an object (Create, Update, Announce) is a Tombstone once that
// object is deleted (a post, a revoked award): what it carried is gone.
func (d *Documents) Activity(ctx context.Context, id string) (*Sent, error) {
	var out *Sent
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		a, err := tx.Activity(id)
		if err != nil {
			return err
		}
		var doc sentDocument
		if err := json.Unmarshal(a.JSON, &doc); err != nil {
			return domain.Errorf(domain.ENOTFOUND, "Activity not found.")
		}
		out = &Sent{JSON: a.JSON, addressees: doc.audience()}
		switch doc.Type {
		case "Create", "Update", "Announce":
		default:
			return nil
		}
		for _, obj := range ids(doc.Object) {
			ts, deleted, err := domain.Found(tx.Tombstone(obj))
			if err != nil {
				return err
			}
			if deleted {
				out.JSON, out.Gone = federation.TombstoneDocument(id, ts.Deleted), true
			}
		}
		return nil
	})
	return out, err
}

// Note is the direct note uri (sign-up questions, a decline's reason, an
// award), from the Create it was sent in; a Tombstone once deleted (a
// revoked award).
func (d *Documents) Note(ctx context.Context, uri string) (*Sent, error) {
	var out *Sent
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		a, err := tx.Activity(uri + "/activity")
		if err != nil {
			return err
		}
		var create struct {
			Object map[string]any `json:"object"`
		}
		var doc sentDocument
		if json.Unmarshal(a.JSON, &create) != nil || create.Object == nil || json.Unmarshal(a.JSON, &doc) != nil {
			return domain.Errorf(domain.ENOTFOUND, "Note not found.")
		}
		out = &Sent{JSON: federation.Document(create.Object), addressees: doc.audience()}
		ts, deleted, err := domain.Found(tx.Tombstone(uri))
		if err != nil {
			return err
		}
		if deleted {
			out.JSON, out.Gone = federation.TombstoneDocument(uri, ts.Deleted), true
		}
		return nil
	})
	return out, err
}

// Finger is the type of the local actor a WebFinger query names: handle,
// and typ when the query was an actor URL ("" for acct:). The node's
// Application actor answers to its name; an actor of another type than
// typ, an unknown one and a draft course are not found.
func (d *Documents) Finger(ctx context.Context, handle string, typ domain.ActorType) (domain.ActorType, error) {
	if handle == domain.InstanceActorName {
		return domain.ActorApplication, nil
	}
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		t, err := tx.HandleType(handle)
		if err != nil {
			return err
		}
		if typ != "" && t != typ {
			return domain.Errorf(domain.ENOTFOUND, "no such actor")
		}
		typ = t
		if t == domain.ActorCourse {
			co, err := tx.Course(handle)
			if err != nil {
				return err
			}
			if !co.Federates() {
				return domain.Errorf(domain.ENOTFOUND, "no such actor")
			}
		}
		return nil
	})
	return typ, err
}

// NodeInfo is what the node's NodeInfo document says of it: the operator's
// settings and real counts.
type NodeInfo struct {
	Settings               domain.Settings
	People, Courses, Posts int // Courses counts the published ones, Posts the local posts
	// ActiveMonth and ActiveHalfyear count the people who logged in or
	// posted in the last 30 and 180 days, as Mastodon counts them.
	ActiveMonth, ActiveHalfyear int
}

// NodeInfo reads the node's settings and counts.
func (d *Documents) NodeInfo(ctx context.Context) (*NodeInfo, error) {
	var out NodeInfo
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		if out.Settings, err = tx.Settings(); err != nil {
			return err
		}
		people, err := tx.People()
		if err != nil {
			return err
		}
		now := d.Now()
		out.People = len(people)
		for _, p := range people {
			since := now.Sub(p.LastActive)
			if since <= 30*24*time.Hour {
				out.ActiveMonth++
			}
			if since <= 180*24*time.Hour {
				out.ActiveHalfyear++
			}
		}
		courses, err := tx.Courses()
		if err != nil {
			return err
		}
		for _, c := range courses {
			if c.Status != domain.StatusDraft {
				out.Courses++ // drafts are not published: they do not exist for federation
			}
		}
		out.Posts, err = tx.CountPosts()
		return err
	})
	return &out, err
}

// CourseFeed is what a course's Atom feed carries: the course, and the
// posts it made or announced among its latest (its outbox, as a feed
// reader sees it), newest first.
type CourseFeed struct {
	Course  *domain.Course
	Entries []FeedEntry
}

// FeedEntry is a post of a feed with its author's name.
type FeedEntry struct {
	Post   *domain.Post
	Author string
}

// Feed is the feed of the course handle; drafts are not found. The read is
// bounded however long the discussion: a few pages of its latest posts.
func (d *Documents) Feed(ctx context.Context, handle string) (*CourseFeed, error) {
	var out *CourseFeed
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		co, err := visibleCourse(tx, handle)
		if err != nil {
			return err
		}
		f := &CourseFeed{Course: co}
		cursor := ""
		for range feedPagesToScan {
			ps, err := tx.CoursePostsPage(handle, cursor, feedPageSize)
			if err != nil {
				return err
			}
			for _, p := range ps.Items {
				if p.Activity != "" && len(f.Entries) < feedEntries {
					f.Entries = append(f.Entries, FeedEntry{Post: p})
				}
			}
			if cursor = ps.Next; cursor == "" || len(f.Entries) >= feedEntries {
				break
			}
		}
		names := map[string]string{}
		for i, e := range f.Entries {
			name, done := names[e.Post.Author]
			if !done {
				if name, err = d.feedName(tx, e.Post.Author); err != nil {
					return err
				}
				names[e.Post.Author] = name
			}
			f.Entries[i].Author = name
		}
		out = f
		return nil
	})
	return out, err
}

// feedNameTx is what feedName reads: the cached remote actors, and the
// local actors localName names.
type feedNameTx interface {
	localNameTx
	domain.ActorCache
}

// feedName is an author's name for a feed: a remote actor's display name,
// a local actor's name (one that is gone is named by its handle), or else
// the id.
func (d *Documents) feedName(tx feedNameTx, id string) (string, error) {
	ra, found, err := domain.Found(tx.RemoteActor(id))
	if err != nil {
		return "", err
	}
	if found {
		return ra.DisplayName(), nil
	}
	if h, typ, ok := d.URLs.LocalActor(id); ok {
		return d.localName(tx, typ, h)
	}
	return id, nil
}

// localNameTx is what localName reads: the local courses, people and
// schools.
type localNameTx interface {
	domain.CourseStore
	domain.PersonStore
	domain.SchoolStore
}

// localName is a local actor's display name for a feed; one that is gone
// is named by its handle.
func (d *Documents) localName(tx localNameTx, typ domain.ActorType, handle string) (string, error) {
	name := ""
	switch typ {
	case domain.ActorCourse:
		c, found, err := domain.Found(tx.Course(handle))
		if err != nil {
			return "", err
		}
		if found {
			name = c.Title
		}
	case domain.ActorPerson:
		p, found, err := domain.Found(tx.Person(handle))
		if err != nil {
			return "", err
		}
		if found {
			name = p.DisplayName
		}
	case domain.ActorSchool:
		sc, found, err := domain.Found(tx.School(handle))
		if err != nil {
			return "", err
		}
		if found {
			name = sc.Name
		}
	}
	if name == "" {
		name = "@" + handle + "@" + d.URLs.Host()
	}
	return name, nil
}

// CourseBadges is the badge classes a visible course issues, for its
// badges collection (the course actor's badges): learners on other
// Lernejo nodes pick from it the badge they vote for.
func (d *Documents) CourseBadges(ctx context.Context, course string) ([]*domain.Badge, error) {
	var out []*domain.Badge
	err := d.Store.View(ctx, func(tx domain.Tx) error {
		if _, err := visibleCourse(tx, course); err != nil {
			return err
		}
		var err error
		out, err = tx.Badges(course)
		return err
	})
	return out, err
}

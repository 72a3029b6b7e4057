package inbox_test

// More rows of ../shared/HOSTILE.md, one test (or subtest) per row; the
// index is docs/hostile-coverage.md.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
)

const courseID = "https://node.test/courses/course"

// enrol makes a follow the course (open sign-up: accepted at once).
func (r *rig) enrol(a *remoteActor) {
	r.t.Helper()
	ctx := context.Background()
	if err := r.inbox.Receive(ctx, r.signed(a, followBody(a.id+"/follows/enrol", a.id))); err != nil {
		r.t.Fatal(err)
	}
	r.inbox.ProcessPending(ctx)
	r.view(func(tx domain.Tx) {
		if f, err := tx.Follower("course", a.id); err != nil || f.State != domain.FollowAccepted {
			r.t.Fatalf("%s not enrolled: %+v %v", a.id, f, err)
		}
	})
}

// deliver sends an activity signed by a and processes the journal; it
// returns Receive's error (nil: 202).
func (r *rig) deliver(a *remoteActor, act map[string]any) error {
	r.t.Helper()
	b, err := json.Marshal(act)
	if err != nil {
		r.t.Fatal(err)
	}
	err = r.inbox.Receive(context.Background(), r.signed(a, b))
	r.inbox.ProcessPending(context.Background())
	return err
}

// note is a public Note by a, addressed to the course.
func note(a *remoteActor, id, content string, extra ...any) map[string]any {
	n := map[string]any{"id": id, "type": "Note", "attributedTo": a.id, "content": content,
		"to": []string{federation.Public}, "cc": []string{courseID}, "published": "2026-11-28T15:00:00Z"}
	for i := 0; i+1 < len(extra); i += 2 {
		n[extra[i].(string)] = extra[i+1]
	}
	return n
}

func wrap(typ, id string, a *remoteActor, obj any) map[string]any {
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": typ, "actor": a.id,
		"object": obj, "to": []string{federation.Public}, "cc": []string{courseID}}
}

// post returns the stored post with this ActivityPub id, or nil.
func (r *rig) post(uri string) *domain.Post {
	r.t.Helper()
	var p *domain.Post
	r.view(func(tx domain.Tx) {
		got, err := tx.Post(uri)
		if err == nil {
			p = got
		} else if !domain.IsNotFound(err) {
			r.t.Fatal(err)
		}
	})
	return p
}

// brief shows a post without its raw bytes.
func brief(p *domain.Post) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprintf("{URI:%s Author:%s Course:%s Content:%.80q Published:%v URL:%q}", p.URI, p.Author, p.Course, p.Content, p.Published, p.URL)
}

// follows makes the local person ada an accepted follower of a remote actor
// (a course on another server whose discussion is mirrored here).
func (r *rig) follows(target string) {
	r.t.Helper()
	if err := r.store.Update(context.Background(), func(tx domain.Tx) error {
		return tx.PutFollowing(&domain.Following{Local: "ada", Target: target, ActivityID: "https://node.test/activities/f-" +
			fmt.Sprint(len(target)), State: domain.FollowAccepted, Created: r.now})
	}); err != nil {
		r.t.Fatal(err)
	}
}

// TestO2SameHostOtherOwnerCannotEdit (HOSTILE O2): bob, on the same server
// as alice, sends Update and Delete of alice's note in the course's
// discussion. Same origin is not enough: the note's stored author must be
// the actor. Nothing changes, and no tombstone is left.
func TestO2SameHostOtherOwnerCannotEdit(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	bob := r.newRemote("https://good.test/users/bob")
	r.enrol(alice)
	r.enrol(bob)
	id := "https://good.test/notes/alice-1"
	if err := r.deliver(alice, wrap("Create", id+"/activity", alice, note(alice, id, "<p>original</p>"))); err != nil {
		t.Fatal(err)
	}
	if p := r.post(id); p == nil || !strings.Contains(p.Content, "original") {
		t.Fatalf("alice's note was not stored: %s", brief(p))
	}
	forged := note(alice, id, "<p>defaced</p>")
	forged["attributedTo"] = bob.id // checkOrigins wants attributedTo == actor
	r.deliver(bob, wrap("Update", "https://good.test/updates/bob-1", bob, forged))
	r.deliver(bob, wrap("Delete", "https://good.test/deletes/bob-1", bob, id))
	p := r.post(id)
	if p == nil {
		t.Fatal("bob deleted alice's note")
	}
	if strings.Contains(p.Content, "defaced") || p.Author != alice.id {
		t.Fatalf("bob edited alice's note: %s", brief(p))
	}
	r.view(func(tx domain.Tx) {
		if _, err := tx.Tombstone(id); !domain.IsNotFound(err) {
			t.Fatalf("bob's refused Delete left a tombstone: %v", err)
		}
	})
	// Alice herself may edit and delete it.
	r.deliver(alice, wrap("Update", "https://good.test/updates/alice-1", alice, note(alice, id, "<p>edited</p>")))
	if p := r.post(id); p == nil || !strings.Contains(p.Content, "edited") {
		t.Fatalf("alice's own Update: %s", brief(p))
	}
	r.deliver(alice, wrap("Delete", "https://good.test/deletes/alice-1", alice, id))
	if p := r.post(id); p != nil {
		t.Fatalf("alice's own Delete left %s", brief(p))
	}
}

// TestP10UpdateCannotRedatePost (HOSTILE P10): an Update by the author that
// changes the note's published date is refused.
func TestP10UpdateCannotRedatePost(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	r.enrol(alice)
	id := "https://good.test/notes/dated"
	r.deliver(alice, wrap("Create", id+"/activity", alice, note(alice, id, "<p>v1</p>")))
	before := r.post(id)
	if before == nil {
		t.Fatal("note not stored")
	}
	r.deliver(alice, wrap("Update", "https://good.test/updates/redate", alice,
		note(alice, id, "<p>v2</p>", "published", "2026-11-01T00:00:00Z")))
	after := r.post(id)
	if after == nil || !after.Published.Equal(before.Published) || strings.Contains(after.Content, "v2") {
		t.Fatalf("a re-dating Update was applied: before %v, after %s", before.Published, brief(after))
	}
}

// TestO11CreateOfKnownNoteByOtherActorIgnored (HOSTILE O11, CVE-2024-37903):
// bob sends a Create for alice's already-known note (same id) to widen its
// audience: no new recipients, no deliveries, the note unchanged.
func TestO11CreateOfKnownNoteByOtherActorIgnored(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	bob := r.newRemote("https://good.test/users/bob")
	r.enrol(alice)
	r.enrol(bob)
	id := "https://good.test/notes/alice-2"
	r.deliver(alice, wrap("Create", id+"/activity", alice, note(alice, id, "<p>mine</p>")))
	if r.post(id) == nil {
		t.Fatal("note not stored")
	}
	queued := len(r.deliveries())
	again := note(bob, id, "<p>mine, for everyone</p>")
	again["cc"] = []string{courseID, "https://good.test/users/bob/followers"}
	if err := r.deliver(bob, wrap("Create", "https://good.test/creates/bob-2", bob, again)); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if n := len(r.deliveries()); n != queued {
		t.Fatalf("the second Create queued %d more deliveries", n-queued)
	}
	if p := r.post(id); p == nil || p.Author != alice.id || strings.Contains(p.Content, "everyone") {
		t.Fatalf("note after bob's Create: %s", brief(p))
	}
}

// TestO13HTTPTwinRefused (HOSTILE O13): the scheme is part of the origin. An
// https actor cannot create, update or delete the http:// twin of its own
// ids, and an activity whose id is the http twin is refused.
func TestO13HTTPTwinRefused(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	r.enrol(alice)
	ctx := context.Background()
	for name, act := range map[string]map[string]any{
		"object id over http": wrap("Create", "https://good.test/creates/twin", alice, note(alice, "http://good.test/notes/twin", "hi")),
		"activity id over http": wrap("Create", "http://good.test/creates/twin2", alice,
			note(alice, "https://good.test/notes/twin2", "hi")),
		"delete of the http twin": wrap("Delete", "https://good.test/deletes/twin", alice, "http://good.test/notes/x"),
	} {
		t.Run(name, func(t *testing.T) {
			b, _ := json.Marshal(act)
			r.expectRefused(nil, 400, r.inbox.Receive(ctx, r.signed(alice, b)))
		})
	}
}

// TestO8CrossHostURLDropped (HOSTILE O8): a note's url on another host than
// its id is not kept; identity comes only from the id.
func TestO8CrossHostURLDropped(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	r.enrol(alice)
	same, other := "https://good.test/notes/u1", "https://good.test/notes/u2"
	r.deliver(alice, wrap("Create", same+"/activity", alice, note(alice, same, "a", "url", "https://good.test/@alice/u1")))
	r.deliver(alice, wrap("Create", other+"/activity", alice, note(alice, other, "b", "url", "https://evil.test/@alice/u2")))
	if p := r.post(same); p == nil || p.URL != "https://good.test/@alice/u1" {
		t.Fatalf("same-host url: %s", brief(p))
	}
	if p := r.post(other); p == nil || p.URL != "" {
		t.Fatalf("cross-host url kept: %s", brief(p))
	}
}

// TestO18CreateAfterDeleteIgnored (HOSTILE O18): the Delete of a note
// arrives before its Create; the tombstone stays and the late Create does
// not bring the note back. A Create after the note's own deletion neither.
func TestO18CreateAfterDeleteIgnored(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	r.enrol(alice)
	early := "https://good.test/notes/early-delete"
	if err := r.deliver(alice, wrap("Delete", "https://good.test/deletes/early", alice, early)); err != nil {
		t.Fatal(err)
	}
	r.deliver(alice, wrap("Create", early+"/activity", alice, note(alice, early, "zombie")))
	if p := r.post(early); p != nil {
		t.Fatalf("Create after Delete stored %s", brief(p))
	}
	late := "https://good.test/notes/late"
	r.deliver(alice, wrap("Create", late+"/activity", alice, note(alice, late, "first")))
	r.deliver(alice, wrap("Delete", "https://good.test/deletes/late", alice, late))
	r.deliver(alice, wrap("Create", late+"/activity-again", alice, note(alice, late, "resurrected")))
	if p := r.post(late); p != nil {
		t.Fatalf("a deleted note was resurrected: %s", brief(p))
	}
	r.view(func(tx domain.Tx) {
		for _, id := range []string{early, late} {
			if _, err := tx.Tombstone(id); err != nil {
				t.Errorf("tombstone of %s: %v", id, err)
			}
		}
	})
}

// TestD10OutOfOrderArrival (HOSTILE D10): an Update before its Create is
// ignored (the later Create stores the note as created); an Accept of a
// Follow we never stored enrols nobody; an Undo{Follow} before its Follow
// keeps the late Follow from enrolling.
func TestD10OutOfOrderArrival(t *testing.T) {
	t.Run("Update before Create", func(t *testing.T) {
		r := newRig(t, fetch.Config{})
		alice := r.newRemote("https://good.test/users/alice")
		r.enrol(alice)
		id := "https://good.test/notes/ooo"
		if err := r.deliver(alice, wrap("Update", "https://good.test/updates/ooo", alice, note(alice, id, "<p>updated</p>"))); err != nil {
			t.Fatal(err)
		}
		if p := r.post(id); p != nil {
			t.Fatalf("an Update before its Create stored %s", brief(p))
		}
		r.deliver(alice, wrap("Create", id+"/activity", alice, note(alice, id, "<p>created</p>")))
		if p := r.post(id); p == nil || !strings.Contains(p.Content, "created") {
			t.Fatalf("Create after an early Update: %s", brief(p))
		}
	})
	t.Run("Accept before our Follow is stored", func(t *testing.T) {
		r := newRig(t, fetch.Config{})
		remote := r.newRemote("https://good.test/groups/course")
		accept := map[string]any{"id": "https://good.test/accepts/1", "type": "Accept", "actor": remote.id,
			"object": map[string]any{"id": "https://node.test/activities/never-sent", "type": "Follow",
				"actor": "https://node.test/people/ada", "object": remote.id}}
		if err := r.deliver(remote, accept); err != nil {
			t.Fatalf("Receive: %v", err)
		}
		r.view(func(tx domain.Tx) {
			if f, err := tx.Following("ada", remote.id); !domain.IsNotFound(err) {
				t.Fatalf("an Accept of a follow we never sent made %+v (%v)", f, err)
			}
		})
		if r.journalLen() != 0 {
			t.Fatal("the unmatched Accept stayed in the journal")
		}
	})
	t.Run("Undo before Follow", func(t *testing.T) {
		r := newRig(t, fetch.Config{})
		bob := r.newRemote("https://good.test/users/bob")
		follow := map[string]any{}
		json.Unmarshal(followBody("https://good.test/follows/ooo", bob.id), &follow)
		delete(follow, "@context")
		if err := r.deliver(bob, map[string]any{"id": "https://good.test/undos/ooo", "type": "Undo", "actor": bob.id, "object": follow}); err != nil {
			t.Fatal(err)
		}
		if err := r.inbox.Receive(context.Background(), r.signed(bob, followBody("https://good.test/follows/ooo", bob.id))); err != nil {
			t.Fatal(err)
		}
		r.inbox.ProcessPending(context.Background())
		r.view(func(tx domain.Tx) {
			if f, err := tx.Follower("course", bob.id); !domain.IsNotFound(err) {
				t.Fatalf("a Follow after its Undo enrolled: %+v %v", f, err)
			}
		})
	})
}

// TestP3P4CapsThroughTheInbox (HOSTILE P3, P4): a note with a thousand
// tags and mentions, 3,000 addressees and 400 kB of content ends up stored with capped
// lists and truncated text.
func TestP3P4CapsThroughTheInbox(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	r.enrol(alice)
	var tags []any
	for i := 0; i < 1000; i++ {
		tags = append(tags, map[string]any{"type": "Hashtag", "name": fmt.Sprintf("#t%d", i)})
		tags = append(tags, map[string]any{"type": "Mention", "href": fmt.Sprintf("https://m%d.test/u", i)})
	}
	id := "https://good.test/notes/huge"
	var to []string
	for i := 0; i < 3000; i++ {
		to = append(to, fmt.Sprintf("https://good.test/users/u%d", i))
	}
	n := note(alice, id, "<p>"+strings.Repeat("long ", 80_000)+"</p>", "tag", tags, "name", strings.Repeat("n", 20_000))
	n["to"] = append([]string{federation.Public, courseID}, to...) // addressees past the cap are dropped
	act := wrap("Create", id+"/activity", alice, n)
	b, _ := json.Marshal(act)
	// Well under the inbox cap: the in-memory test store cannot journal
	// much more (its journal value is the activity in base64).
	if len(b) > 600<<10 {
		t.Fatalf("test activity is %d bytes, over the inbox cap", len(b))
	}
	if err := r.deliver(alice, act); err != nil {
		t.Fatal(err)
	}
	p := r.post(id)
	if p == nil {
		t.Fatalf("note not stored (%d left in the journal)", r.journalLen())
	}
	if len(p.Content) > 110<<10 {
		t.Errorf("content stored with %d bytes", len(p.Content))
	}
	if len(p.Tags)+len(p.Mentions) > 100 {
		t.Errorf("%d tags and %d mentions stored", len(p.Tags), len(p.Mentions))
	}
}

// announceOrigin serves notes for the O4/M2 tests and counts fetches.
type announceOrigin struct {
	*httptest.Server
	fetches atomic.Int32
}

func newAnnounceOrigin(t *testing.T) *announceOrigin {
	o := &announceOrigin{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.fetches.Add(1)
		if r.URL.Path != "/notes/1" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": o.URL + "/notes/1", "type": "Note", "attributedTo": o.URL + "/users/alice",
			"content": "<p>as the origin serves it</p>", "to": []string{federation.Public}, "published": "2026-11-28T15:00:00Z"})
	}))
	t.Cleanup(o.Close)
	return o
}

func inlineNote(id, author, content string) map[string]any {
	return map[string]any{"id": id, "type": "Note", "attributedTo": author, "content": content,
		"to": []string{federation.Public}, "published": "2026-11-28T15:00:00Z"}
}

// TestO4AnnounceInlineObjectNotTrusted (HOSTILE O4): an Announce carries a
// full copy of a note from another origin. The copy is never stored: the
// note is refetched from its own origin (a followed course), and when it
// cannot be (nobody here follows the announcer, or the origin fails) it is
// not stored at all.
func TestO4AnnounceInlineObjectNotTrusted(t *testing.T) {
	t.Run("followed announcer: refetched from the origin", func(t *testing.T) {
		o := newAnnounceOrigin(t)
		r := newRig(t, fetch.Config{AllowPrivate: true})
		course := r.newRemote("https://good.test/groups/course")
		r.follows(course.id)
		id := o.URL + "/notes/1"
		if err := r.deliver(course, wrap("Announce", "https://good.test/announces/1", course,
			inlineNote(id, o.URL+"/users/alice", "<p>forged by the announcer</p>"))); err != nil {
			t.Fatal(err)
		}
		p := r.post(id)
		if p == nil || strings.Contains(p.Content, "forged") || !strings.Contains(p.Content, "as the origin serves it") {
			t.Fatalf("stored %+v, want the origin's copy", brief(p))
		}
		if o.fetches.Load() != 1 {
			t.Fatalf("%d fetches of the origin, want 1", o.fetches.Load())
		}
	})
	t.Run("followed announcer, origin failing: nothing stored", func(t *testing.T) {
		o := newAnnounceOrigin(t)
		r := newRig(t, fetch.Config{AllowPrivate: true})
		course := r.newRemote("https://good.test/groups/course")
		r.follows(course.id)
		id := o.URL + "/notes/broken"
		r.deliver(course, wrap("Announce", "https://good.test/announces/2", course,
			inlineNote(id, o.URL+"/users/alice", "<p>forged by the announcer</p>")))
		if p := r.post(id); p != nil {
			t.Fatalf("HOSTILE O4: the embedded copy was stored when the origin failed: %s "+
				"(fix: inbox/process.go fetchAnnounced must replace act.Object by a bare link when it does not refetch)", brief(p))
		}
	})
	t.Run("announcer nobody follows: nothing stored", func(t *testing.T) {
		r := newRig(t, fetch.Config{})
		mallory := r.newRemote("https://evil.test/users/mallory")
		id := "https://good.test/notes/alice-says"
		r.deliver(mallory, wrap("Announce", "https://evil.test/announces/1", mallory,
			inlineNote(id, "https://good.test/users/alice", "<p>words alice never wrote</p>")))
		if p := r.post(id); p != nil {
			t.Fatalf("HOSTILE O4: mallory's embedded copy of alice's note was stored: %s "+
				"(fix: inbox/process.go fetchAnnounced must replace act.Object by a bare link when it does not refetch)", brief(p))
		}
	})
}

// TestM2AnnounceOfBlockedPostStoresNothing (HOSTILE M2): a followed course
// on an open domain Announces a post from a blocked domain. The Announce is
// answered 202, nothing is stored, and the blocked domain is not fetched
// (not even a DNS query).
func TestM2AnnounceOfBlockedPostStoresNothing(t *testing.T) {
	dns, lookups := countingDNS()
	r := newRig(t, fetch.Config{Resolver: dns})
	ctx := context.Background()
	if _, _, err := r.moderation().BlockDomain(ctx, "blocked.test", "spam"); err != nil {
		t.Fatal(err)
	}
	course := r.newRemote("https://good.test/groups/course")
	r.follows(course.id)
	id := "https://sub.blocked.test/notes/1"
	if err := r.deliver(course, wrap("Announce", "https://good.test/announces/blocked", course,
		inlineNote(id, "https://sub.blocked.test/users/spammer", "<p>buy now</p>"))); err != nil {
		t.Fatalf("Announce of a blocked post: %v, want 202", err)
	}
	if p := r.post(id); p != nil {
		t.Errorf("HOSTILE M2: a blocked domain's post was stored through an Announce: %s", brief(p))
	}
	if n := lookups.Load(); n != 0 {
		t.Errorf("HOSTILE M2: %d DNS lookups for a post on a blocked domain, want 0 "+
			"(fix: inbox/process.go fetchAnnounced must check Store.DomainBlocked for the object id before fetching)", n)
	}
}

// TestF8NoFetchAmplification (HOSTILE F8): one activity must not fan out into
// fetches. A note with hundreds of mentions on other hosts and an unknown
// inReplyTo, and an Announce of a bare IRI by an actor nobody follows, cause
// no outbound request at all (not even a DNS query). Parents are looked up
// only in the store, so there is no inReplyTo chain to walk either (P7).
func TestF8NoFetchAmplification(t *testing.T) {
	dns, lookups := countingDNS()
	r := newRig(t, fetch.Config{Resolver: dns})
	alice := r.newRemote("https://good.test/users/alice")
	mallory := r.newRemote("https://evil.test/users/mallory")
	r.enrol(alice)
	var tags []any
	for i := 0; i < 500; i++ {
		tags = append(tags, map[string]any{"type": "Mention", "href": fmt.Sprintf("https://h%d.test/users/x", i)})
	}
	id := "https://good.test/notes/mentions"
	r.deliver(alice, wrap("Create", id+"/activity", alice,
		note(alice, id, "hi", "tag", tags, "inReplyTo", "https://far.test/notes/root")))
	r.deliver(mallory, wrap("Announce", "https://evil.test/announces/iri", mallory, "https://far.test/notes/2"))
	if n := lookups.Load(); n != 0 {
		t.Fatalf("%d DNS lookups caused by inbound activities, want 0", n)
	}
	if r.post(id) == nil {
		t.Fatal("the note itself was not stored: the test proves nothing")
	}
}

// TestB10SeenKeysExpire (HOSTILE B10): the dedupe key of a received activity
// carries a TTL of inbox.SeenTTL (30 days); tombstones carry none.
func TestB10SeenKeysExpire(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	r.enrol(alice)
	del := "https://good.test/deletes/b10"
	r.deliver(alice, wrap("Delete", del, alice, "https://good.test/notes/b10"))
	expiresAt := func(k []byte) (uint64, bool) {
		var at uint64
		found := false
		r.store.DB().View(func(txn *badger.Txn) error {
			it, err := txn.Get(k)
			if err == nil {
				at, found = it.ExpiresAt(), true
			}
			return nil
		})
		return at, found
	}
	seen, ok := expiresAt(append([]byte{0x30}, del...)) // domain/store/keys.go: 0x30 seen 0 ACTIVITYID
	if !ok {
		t.Fatal("no seen key for the activity (has the key layout changed?)")
	}
	want := time.Now().Add(30 * 24 * time.Hour).Unix()
	if d := int64(seen) - want; d < -3600 || d > 3600 {
		t.Fatalf("seen key expires at %v, want about %v", time.Unix(int64(seen), 0), time.Unix(want, 0))
	}
	tomb, ok := expiresAt(append([]byte{0x26}, "https://good.test/notes/b10"...)) // 0x26 tombstone 0 ID
	if !ok || tomb != 0 {
		t.Fatalf("tombstone: found %v, expires at %d, want kept without TTL", ok, tomb)
	}
}

// TestS8KeyMustBeListedByItsOwner (HOSTILE S8): a key document at the keyId
// names kim as owner, but kim's own actor document lists another key: the
// request is refused. A key whose owner is on another origin is refused
// without fetching that origin.
func TestS8KeyMustBeListedByItsOwner(t *testing.T) {
	kp, kim := newKey(t)
	var base string
	var otherFetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		var doc map[string]any
		switch r.URL.Path {
		case "/keys/stray": // claims kim as owner; kim does not list it
			doc = map[string]any{"id": base + "/keys/stray", "owner": base + "/users/kim", "publicKeyPem": kp.PublicPEM}
		case "/keys/foreign": // owner on another origin
			doc = map[string]any{"id": base + "/keys/foreign", "owner": "http://localhost:1/users/kim", "publicKeyPem": kp.PublicPEM}
		case "/users/kim":
			id := base + "/users/kim"
			doc = map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Person",
				"preferredUsername": "kim", "inbox": id + "/inbox",
				"publicKey": map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": kp.PublicPEM}}
		default:
			otherFetches.Add(1)
			w.WriteHeader(404)
			return
		}
		json.NewEncoder(w).Encode(doc)
	}))
	defer srv.Close()
	base = srv.URL
	r := newRig(t, fetch.Config{AllowPrivate: true})
	kim.id = base + "/users/kim"
	for _, keyID := range []string{base + "/keys/stray", base + "/keys/foreign"} {
		kim.keyID = keyID
		req := r.signed(kim, followBody(base+"/follows/s8", kim.id))
		r.expectRefused(nil, 401, r.inbox.Receive(context.Background(), req))
	}
	if otherFetches.Load() != 0 {
		t.Fatalf("%d unexpected fetches", otherFetches.Load())
	}
	// Sanity: with the key the actor lists, the same request verifies.
	kim.keyID = kim.id + "#main-key"
	if err := r.inbox.Receive(context.Background(), r.signed(kim, followBody(base+"/follows/s8", kim.id))); err != nil {
		t.Fatalf("the listed key: %v", err)
	}
}

// TestB5PurgeOfManyPostsCommits (HOSTILE B5): blocking a domain whose people
// wrote 20,000 cached posts (100,000 keys to delete) succeeds and purges
// them all: a purge that size does not fit one Badger transaction
// (ErrTxnTooBig), so it must be committed in chunks.
func TestB5PurgeOfManyPostsCommits(t *testing.T) {
	r := newRig(t, fetch.Config{})
	ctx := context.Background()
	const total, chunk = 20000, 1000
	for start := 0; start < total; start += chunk {
		if err := r.store.Update(ctx, func(tx domain.Tx) error {
			for i := start; i < start+chunk; i++ {
				id := fmt.Sprintf("01JSPAM%019d", i)
				if err := tx.PutPost(&domain.Post{ID: id, Course: "course", URI: fmt.Sprintf("https://spam.test/notes/%d", i),
					Author: "https://spam.test/users/bot", Thread: id, Content: "spam", Published: r.now}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	_, purged, err := r.moderation().BlockDomain(ctx, "spam.test", "flood")
	if err != nil {
		t.Fatalf("HOSTILE B5: blocking a domain with %d cached posts: %v "+
			"(fix: service/moderation.go BlockDomain must purge in chunked transactions, not in one)", total, err)
	}
	if purged.Posts != total {
		t.Fatalf("purged %d posts, want %d", purged.Posts, total)
	}
	r.view(func(tx domain.Tx) {
		ps, _ := tx.AllPosts()
		if len(ps) != 0 {
			t.Fatalf("%d posts left after the purge", len(ps))
		}
	})
}

package web_test

// Every id resolves, every count is true (issue 13): a remote server's walk
// of everything the node serves, from each actor WebFinger finds, through
// every collection its documents name, page by page, to every item.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/node"
	"github.com/lernejo/lernejo/service"
)

// countOnly are the collections FEDERATION.md says show their size and
// not their members, as Mastodon serves the collections of an account that
// hides them: id, type and totalItems, no first page, and a request for a
// page is refused with 403. Any other collection lists its members.
var countOnly = []string{"inbox", "followers", "following", "completions", "pendingFollowers", "pendingFollowing"}

// walkDoc is a document as the walk fetched it.
type walkDoc struct {
	status int
	ctype  string
	json   map[string]any
}

// walker fetches the node's documents as a remote server does (GET with
// Accept: application/activity+json, unsigned), each once.
type walker struct {
	t       *testing.T
	base    string
	client  *http.Client
	docs    map[string]walkDoc
	scanned map[string]bool // documents whose properties were followed
	walked  map[string]bool // collections walked
	items   map[string]int  // collection id → items it listed
}

func (w *walker) fetch(u string) walkDoc {
	w.t.Helper()
	if d, ok := w.docs[u]; ok {
		return d
	}
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := w.client.Do(req)
	if err != nil {
		w.t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	d := walkDoc{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type")}
	if strings.HasPrefix(d.ctype, "application/activity+json") {
		if err := json.Unmarshal(b, &d.json); err != nil {
			w.t.Errorf("GET %s: %d, not JSON: %v", u, d.status, err)
		}
	}
	w.docs[u] = d
	return d
}

func (w *walker) local(u string) bool { return strings.HasPrefix(u, w.base+"/") }

// activityDoc fetches u, which must be an ActivityStreams document served
// at its id: 200, or 410 with a Tombstone.
func (w *walker) activityDoc(what, u string) (map[string]any, bool) {
	w.t.Helper()
	d := w.fetch(u)
	switch {
	case d.status != http.StatusOK && d.status != http.StatusGone:
		w.t.Errorf("%s: GET %s answers %d", what, u, d.status)
		return nil, false
	case !strings.HasPrefix(d.ctype, "application/activity+json"):
		w.t.Errorf("%s: GET %s is %q, not application/activity+json", what, u, d.ctype)
		return nil, false
	case d.json["id"] != u:
		w.t.Errorf("%s: GET %s serves the document %v", what, u, d.json["id"])
		return nil, false
	case d.status == http.StatusGone && d.json["type"] != "Tombstone":
		w.t.Errorf("%s: GET %s answers 410 with a %v, not a Tombstone", what, u, d.json["type"])
		return nil, false
	}
	return d.json, true
}

// isCollection reports whether an ActivityStreams type is a collection's.
func isCollection(typ any) bool { return typ == "OrderedCollection" || typ == "Collection" }

// scan follows the properties of the local document doc: each that names
// a document of the node (a string id on it, or an embedded collection)
// is fetched; a collection is walked, an actor or object scanned in turn.
// A property the walk does not know is followed all the same, so a new
// collection an actor names is walked without changing the walk.
func (w *walker) scan(doc map[string]any) {
	w.t.Helper()
	id, _ := doc["id"].(string)
	if id == "" || w.scanned[id] {
		return
	}
	w.scanned[id] = true
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "id" || k == "@context" {
			continue
		}
		what := fmt.Sprintf("%s of %s", k, id)
		switch v := doc[k].(type) {
		case map[string]any:
			if isCollection(v["type"]) {
				cid, _ := v["id"].(string)
				w.collection(what, k, cid, v)
			}
		case string:
			if !w.local(v) || v == id {
				continue
			}
			d := w.fetch(v)
			if !strings.HasPrefix(d.ctype, "application/activity+json") {
				// An image, an Open Badges document, a page: not ours to walk.
				if d.status != http.StatusOK {
					w.t.Errorf("%s: GET %s answers %d", what, v, d.status)
				}
				continue
			}
			if d.status == http.StatusUnauthorized || d.status == http.StatusForbidden {
				w.t.Logf("%s: %s is private (%d)", what, v, d.status)
				continue
			}
			target, ok := w.activityDoc(what, v)
			if !ok {
				continue
			}
			if isCollection(target["type"]) {
				w.collection(what, k, v, nil)
			} else {
				w.scan(target)
			}
		}
	}
}

// collection walks the collection id that property prop named (embedded
// is its embedded copy, or nil): served at its id, it carries totalItems;
// its pages, from first by next to the end, are part of it and list each
// item once, as many as totalItems says; a collection without pages lists
// them all, or, when it is one FEDERATION.md says shows its size only,
// refuses its pages with 403. Every item is dereferenced.
func (w *walker) collection(what, prop, id string, embedded map[string]any) {
	w.t.Helper()
	if id == "" {
		w.t.Errorf("%s: an embedded collection without an id", what)
		return
	}
	if w.walked[id] {
		return
	}
	w.walked[id] = true
	c, ok := w.activityDoc(what, id)
	if !ok {
		return
	}
	if !isCollection(c["type"]) {
		w.t.Errorf("%s: %s is a %v", what, id, c["type"])
		return
	}
	ordered := c["type"] == "OrderedCollection"
	itemsKey, pageType := "items", "CollectionPage"
	if ordered {
		itemsKey, pageType = "orderedItems", "OrderedCollectionPage"
	}
	if embedded != nil && (embedded["type"] != c["type"] || embedded["totalItems"] != c["totalItems"]) {
		w.t.Errorf("%s: embedded as a %v of %v items, served as a %v of %v", what, embedded["type"], embedded["totalItems"],
			c["type"], c["totalItems"])
	}
	total, ok := c["totalItems"].(float64)
	if !ok {
		w.t.Errorf("%s: %s has no totalItems: %v", what, id, c)
		return
	}
	seen := map[string]bool{}
	var items []any
	take := func(where string, list []any) {
		for _, it := range list {
			iid := itemID(it)
			if iid == "" {
				w.t.Errorf("%s: %s lists an item without an id: %v", what, where, it)
				continue
			}
			if seen[iid] {
				w.t.Errorf("%s: %s lists %s again", what, where, iid)
			}
			seen[iid] = true
			items = append(items, it)
		}
	}
	switch first := c["first"]; {
	case first != nil:
		if _, listed := c[itemsKey]; listed {
			w.t.Errorf("%s: %s has both a first page and %s", what, id, itemsKey)
		}
		next := first
		for pages := 0; next != nil; pages++ {
			if pages > int(total)+1 {
				w.t.Errorf("%s: the next links of %s do not end", what, id)
				return
			}
			var page map[string]any
			switch p := next.(type) {
			case string:
				if page, ok = w.activityDoc(what+" page", p); !ok {
					return
				}
			case map[string]any:
				// An embedded page is served at its id too, the same.
				pid, _ := p["id"].(string)
				served, ok := w.activityDoc(what+" embedded page", pid)
				if !ok {
					return
				}
				if !slices.Equal(idsOf(served[itemsKey]), idsOf(p[itemsKey])) || served["next"] != p["next"] {
					w.t.Errorf("%s: the embedded page %s differs from the one served at its id", what, pid)
				}
				page = p
			default:
				w.t.Errorf("%s: a page link of %s is a %T", what, id, next)
				return
			}
			pid, _ := page["id"].(string)
			if page["type"] != pageType || page["partOf"] != id {
				w.t.Errorf("%s: page %s is a %v partOf %v, want a %s of %s", what, pid, page["type"], page["partOf"], pageType, id)
			}
			if t, ok := page["totalItems"]; ok && t != total {
				w.t.Errorf("%s: page %s says %v items, its collection %v", what, pid, t, total)
			}
			list, ok := page[itemsKey].([]any)
			if !ok {
				w.t.Errorf("%s: page %s has no %s list: %v", what, pid, itemsKey, page)
			}
			if len(list) > federation.PageSize {
				w.t.Errorf("%s: page %s lists %d items, more than a page", what, pid, len(list))
			}
			take(pid, list)
			next = page["next"]
		}
	case c[itemsKey] != nil:
		list, ok := c[itemsKey].([]any)
		if !ok {
			w.t.Errorf("%s: %s of %s is a %T", what, itemsKey, id, c[itemsKey])
		}
		take(id, list)
	default:
		if !slices.Contains(countOnly, prop) {
			w.t.Errorf("%s: %s shows its size (%v) but no items and no first page; FEDERATION.md says only %v do",
				what, id, total, countOnly)
			return
		}
		if d := w.fetch(federation.Page(id, 1)); d.status != http.StatusForbidden || strings.Contains(fmt.Sprint(d.json), "orderedItems") {
			w.t.Errorf("%s: a page of %s, which shows its size only, answers %d %v, want 403", what, id, d.status, d.json)
		}
		return
	}
	if len(items) != int(total) {
		w.t.Errorf("%s: %s says %v items and lists %d: %v", what, id, total, len(items), idsOf(items))
	}
	w.items[id] = len(items)
	for _, it := range items {
		w.item(fmt.Sprintf("an item of %s", id), it)
	}
}

// item dereferences a collection's item, and the object an embedded
// activity carries: each is served at its id, and scanned for the
// collections it names in turn. An embedded item is public, as everything
// a collection lists.
func (w *walker) item(what string, it any) {
	w.t.Helper()
	if m, ok := it.(map[string]any); ok {
		if !slices.Contains(append(idsOf(m["to"]), idsOf(m["cc"])...), federation.Public) {
			w.t.Errorf("%s: %v %v is not public: to %v cc %v", what, m["type"], m["id"], m["to"], m["cc"])
		}
		if obj := m["object"]; obj != nil && itemID(obj) != "" {
			w.item("the object of "+itemID(it), obj)
		}
	}
	id := itemID(it)
	if !w.local(id) {
		return
	}
	if doc, ok := w.activityDoc(what, id); ok {
		w.scan(doc)
	}
}

// itemID is the id of an item: itself, or an embedded object's id.
func itemID(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		s, _ := x["id"].(string)
		return s
	}
	return ""
}

// idsOf is the ids of a JSON list of items (or of one item).
func idsOf(v any) []string {
	l, ok := v.([]any)
	if !ok {
		if id := itemID(v); id != "" {
			return []string{id}
		}
		return nil
	}
	var out []string
	for _, x := range l {
		out = append(out, itemID(x))
	}
	return out
}

// finger finds a local actor's id by WebFinger, as a remote server does.
func (w *walker) finger(handle string) string {
	w.t.Helper()
	host := strings.TrimPrefix(w.base, "http://")
	resp, body := get(w.t, w.client, w.base+"/.well-known/webfinger?resource="+url.QueryEscape("acct:"+handle+"@"+host), "")
	var jrd federation.JRD
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &jrd) != nil {
		w.t.Fatalf("WebFinger %s: %d %s", handle, resp.StatusCode, body)
	}
	for _, l := range jrd.Links {
		if l.Rel == "self" && l.Type == "application/activity+json" {
			return l.Href
		}
	}
	w.t.Fatalf("WebFinger %s: no self link: %s", handle, body)
	return ""
}

// walkContent fills a demo node, through its services, with what a
// course's life brings: a learner who enrolled, posted, did every task and
// earned the course's badge; a thread of replies longer than a page, one of
// them deleted; a pinned post; an award given by hand and one revoked;
// followers on another server, of the course, the school and the
// organiser, one of them waiting on a moderated course; a person following
// someone elsewhere; and a draft course.
func walkContent(t *testing.T, n *node.Node) {
	t.Helper()
	ctx := context.Background()
	s := n.Services
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	publish := func(in service.PostInput) *domain.Post {
		t.Helper()
		p, err := s.Posts.Publish(ctx, in)
		must(err)
		return p
	}
	course := node.DemoCourse
	_, err := s.Accounts.Create(ctx, "bea", "Bea", false, "correct horse battery")
	must(err)
	bea := n.URLs.Actor(domain.ActorPerson, "bea")
	_, err = s.Enrolment.EnrolLocal(ctx, "bea", course, "")
	must(err)

	// The course's own posts, more than an outbox page with the task posts.
	var pinned *domain.Post
	for i := range federation.PageSize {
		pinned = publish(service.PostInput{Author: course, Course: course, Text: fmt.Sprintf("Week %d: what we do. #python", i)})
	}
	must(s.Posts.Pin(ctx, node.DemoOrganiser, pinned.URI, true))
	root := publish(service.PostInput{Author: "bea", Course: course, Text: "Hello, I am Bea. What should I read first?"})
	var replies []*domain.Post
	for i := range federation.PageSize + 5 {
		author := node.DemoOrganiser
		if i%2 == 1 {
			author = "bea"
		}
		replies = append(replies, publish(service.PostInput{Author: author, Course: course, InReplyTo: root.URI,
			Text: fmt.Sprintf("Answer %d.", i)}))
	}
	publish(service.PostInput{Author: node.DemoOrganiser, Course: course, InReplyTo: replies[1].URI, Text: "And a reply to a reply."})
	must(s.Posts.Delete(ctx, "bea", replies[3].URI))
	gone := publish(service.PostInput{Author: "bea", Course: course, Text: "Posted by mistake."})
	must(s.Posts.Delete(ctx, "bea", gone.URI))

	// Bea does every task: the course's badge is hers.
	tasks, err := s.Tasks.List(ctx, course)
	must(err)
	for _, task := range tasks {
		_, err := s.Tasks.Complete(ctx, "bea", course, task.ID, "https://example.com/bea/"+task.ID, "Done.")
		must(err)
	}
	// A badge awarded by hand, to Bea and to Ada, whose award is revoked.
	helper := &domain.Badge{Issuer: course, Name: "Helper", Description: "Answered others' questions.", Criteria: domain.CriteriaOrganiser}
	must(s.Badges.Add(ctx, node.DemoOrganiser, helper))
	_, err = s.Badges.Award(ctx, node.DemoOrganiser, helper.ID, bea)
	must(err)
	revoked, err := s.Badges.Award(ctx, node.DemoOrganiser, helper.ID, n.URLs.Actor(domain.ActorPerson, node.DemoOrganiser))
	must(err)
	must(s.Badges.Revoke(ctx, node.DemoOrganiser, revoked.ID, "Given by mistake."))

	// A moderated course with questions, and a draft.
	must(s.Courses.Create(ctx, node.DemoOrganiser, &domain.Course{Handle: "careful-go", Title: "Careful Go", Kind: "Course",
		Status: domain.StatusOpen, SignUp: domain.SignUpModerated, Questions: []string{"Why Go?"}, School: node.DemoSchool,
		Organisers: []string{node.DemoOrganiser}, Language: "en"}))
	must(s.Courses.Create(ctx, node.DemoOrganiser, &domain.Course{Handle: "secret-plans", Title: "Secret plans", Kind: "Course",
		Status: domain.StatusDraft, SignUp: domain.SignUpOpen, School: node.DemoSchool, Organisers: []string{node.DemoOrganiser}, Language: "en"}))

	// Followers on another server: more than a page of the course's.
	for i := range federation.PageSize + 3 {
		remote := rememberRemote(t, n, fmt.Sprintf("https://far.test/users/f%02d", i))
		for j, local := range []string{course, node.DemoSchool, node.DemoOrganiser, "careful-go"} {
			if j > 0 && i%4 != j {
				continue
			}
			must(n.Store.Update(ctx, func(tx domain.Tx) error {
				return s.Enrolment.Receive(tx, federation.FollowRef{ID: fmt.Sprintf("%s/follows/%d", remote.id, j), Actor: remote.id,
					Object: n.URLs.Actor(actorTypeOf(t, n, local), local)}, "")
			}))
		}
	}
	// Bea follows someone on another server, who accepts.
	far := rememberRemote(t, n, "https://far.test/users/teacher")
	f, err := s.Enrolment.Follow(ctx, "bea", far.id)
	must(err)
	must(n.Store.Update(ctx, func(tx domain.Tx) error { return s.Enrolment.Accepted(tx, f.ActivityID, bea, far.id) }))
}

// actorTypeOf is the type of the local actor handle.
func actorTypeOf(t *testing.T, n *node.Node, handle string) domain.ActorType {
	t.Helper()
	var typ domain.ActorType
	if err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		var err error
		typ, err = tx.HandleType(handle)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return typ
}

// TestEveryCollectionWalks: a remote server that starts at each actor the
// node's WebFinger names and follows every collection the documents name
// (outboxes, followers, following, featured, tasks, replies, threads,
// completions, and any other) finds each collection at its id with a
// true totalItems, pages that are part of it and end, no item twice, and
// every item served at its id (200, or 410 with a Tombstone) as
// application/activity+json. What is not public is not listed, and a
// draft course's collections are not found.
func TestEveryCollectionWalks(t *testing.T) {
	n, base := serveOnly(t)
	walkContent(t, n)
	w := &walker{t: t, base: base, client: &http.Client{Timeout: 10 * time.Second},
		docs: map[string]walkDoc{}, scanned: map[string]bool{}, walked: map[string]bool{}, items: map[string]int{}}
	for _, h := range []string{domain.InstanceActorName, node.DemoOrganiser, "bea", node.DemoSchool, node.DemoCourse, "careful-go"} {
		id := w.finger(h)
		if doc, ok := w.activityDoc("WebFinger's "+h, id); ok {
			w.scan(doc)
		}
	}

	// The walk reached what the node holds, and the counts are those of
	// the content.
	course := n.URLs.Actor(domain.ActorCourse, node.DemoCourse)
	ada := n.URLs.Actor(domain.ActorPerson, node.DemoOrganiser)
	bea := n.URLs.Actor(domain.ActorPerson, "bea")
	want := map[string]int{
		course + "/featured": 1,
		course + "/tasks":    3,
		course + "/badges":   2,
		// The school's courses, named by its actor: the demo course and
		// careful-go; the draft course is not listed.
		n.URLs.Actor(domain.ActorSchool, node.DemoSchool) + "/courses": 2,
	}
	for c, k := range want {
		if got, ok := w.items[c]; !ok || got != k {
			t.Errorf("%s: walked %v (%d items), want %d items", c, ok, got, k)
		}
	}
	for _, c := range []string{course + "/outbox", ada + "/outbox", bea + "/outbox", n.URLs.Actor(domain.ActorSchool, node.DemoSchool) + "/outbox"} {
		if w.items[c] == 0 {
			t.Errorf("%s: walked %v, with no items", c, w.walked[c])
		}
	}
	if w.items[course+"/outbox"] <= federation.PageSize {
		t.Errorf("the course's outbox holds %d items, not more than a page", w.items[course+"/outbox"])
	}
	var repliesWalked, threadsWalked int
	for c := range w.walked {
		switch {
		case strings.HasSuffix(c, "/replies"):
			repliesWalked++
		case strings.Contains(c, "/threads/"):
			threadsWalked++
		}
	}
	if repliesWalked < 3 || threadsWalked == 0 {
		t.Errorf("walked %d replies collections and %d threads", repliesWalked, threadsWalked)
	}
	for _, c := range []string{course + "/followers", ada + "/followers", bea + "/following", course + "/tasks"} {
		if !w.walked[c] {
			t.Errorf("%s was not walked", c)
		}
	}
	for c, d := range w.docs {
		if d.json != nil && isCollection(d.json["type"]) && !w.walked[c] && !strings.Contains(c, "?") {
			t.Errorf("%s was fetched but not walked", c)
		}
	}
	// The sizes a collection shows without its members are true too.
	for c, k := range map[string]float64{course + "/followers": federation.PageSize + 3 + 1, bea + "/following": 1 + 1,
		n.URLs.Actor(domain.ActorCourse, "careful-go") + "/followers": 0} {
		if got := w.fetch(c).json["totalItems"]; got != k {
			t.Errorf("%s: totalItems %v, want %v", c, got, k)
		}
	}

	// A draft course is not found, nor any of its collections.
	draft := n.URLs.Actor(domain.ActorCourse, "secret-plans")
	for _, u := range []string{draft, draft + "/outbox", draft + "/followers", draft + "/following", draft + "/inbox",
		draft + "/featured", draft + "/tasks", draft + "/outbox?page=1"} {
		if d := w.fetch(u); d.status != http.StatusNotFound {
			t.Errorf("GET %s of a draft course: %d, want 404", u, d.status)
		}
	}
	t.Logf("walked %d collections, fetched %d documents", len(w.walked), len(w.docs))
}

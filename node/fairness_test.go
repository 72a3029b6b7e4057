package node

// One host must not starve everyone's inbox: the processor takes turns
// between sending hosts, each host's backlog is bounded, and the inbox
// limits count by registrable domain and by client address. Real nodes,
// real HTTP on 127.0.0.1, real signatures.

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/httpsig"
)

// serveJournalOnly starts a node that answers HTTP but neither processes
// its inbox journal nor delivers: what arrives stays journalled until the
// test processes it, so the test knows exactly what waits at that moment.
func serveJournalOnly(t *testing.T, cfg Config) *Node {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	cfg.DemoOutput = func(string, ...any) {}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); n.Web.App.Listener(n.ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n.Close(ctx)
		<-served
	})
	return n
}

// runInbox runs the node's inbox processor, as Start does, until the test ends.
func runInbox(t *testing.T, n *Node) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Inbox.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// cachedRemote is a remote actor whose document the node has cached (so it
// is never fetched: its host need not exist), with its private key.
type cachedRemote struct {
	id  string
	key *rsa.PrivateKey
}

func remember(t *testing.T, n *Node, id string) *cachedRemote {
	t.Helper()
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Person",
		"preferredUsername": id[strings.LastIndex(id, "/")+1:], "inbox": id + "/inbox",
		"publicKey": map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": kp.PublicPEM}})
	if _, err := n.Resolver.Remember(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	key, _ := domain.ParsePrivateKeyPEM(kp.PrivatePEM)
	return &cachedRemote{id: id, key: key}
}

// origin is the scheme and host of the remote's id.
func (r *cachedRemote) origin() string {
	u, _ := url.Parse(r.id)
	return u.Scheme + "://" + u.Host
}

// post signs activity as the remote and POSTs it to url with client
// (http.DefaultClient when nil).
func (r *cachedRemote) post(t *testing.T, client *http.Client, url string, activity map[string]any) *http.Response {
	t.Helper()
	activity["@context"] = "https://www.w3.org/ns/activitystreams"
	activity["actor"] = r.id
	body, _ := json.Marshal(activity)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/activity+json")
	if err := httpsig.Sign(req, body, r.id+"#main-key", r.key, time.Now()); err != nil {
		t.Fatal(err)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// like is a Like by r with a fresh id: nothing it names is on the node, so
// processing it changes nothing.
func (r *cachedRemote) like(i int) map[string]any {
	return map[string]any{"id": fmt.Sprintf("%s/likes/%d", r.origin(), i), "type": "Like", "object": r.origin() + "/notes/1"}
}

func journalLen(t testing.TB, n *Node) int {
	t.Helper()
	total := 0
	if err := n.Store.View(context.Background(), func(tx domain.Tx) (err error) {
		total, err = tx.InboxLen()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return total
}

func seen(t *testing.T, n *Node, activityID string) bool {
	t.Helper()
	var ok bool
	n.Store.View(context.Background(), func(tx domain.Tx) (err error) {
		ok, err = tx.Seen(activityID)
		return err
	})
	return ok
}

// TestInboxFloodDoesNotStarveOtherHosts (the issue's "one host can starve
// everyone's inbox"): host A, enrolled in the demo course, has 300 posts
// waiting in the journal when host B's Follow arrives. B's Follow is applied
// within one page of A's activities (the processor takes turns between
// hosts), not after all of them, and A's own activities are applied in the
// order they arrived. The order is read from ids the node gives as it
// applies each activity: the post of each of A's notes and the Accept of
// B's Follow come from one monotonic ULID generator.
func TestInboxFloodDoesNotStarveOtherHosts(t *testing.T) {
	n := serveJournalOnly(t, Config{Demo: true})
	inbox := n.URLs.Base() + "/inbox"
	course := n.URLs.Actor(domain.ActorCourse, DemoCourse)
	flood := remember(t, n, "https://flood.example.com/users/a")
	calm := remember(t, n, "https://calm.example.org/users/b")

	if st := flood.post(t, nil, inbox, map[string]any{"id": flood.origin() + "/follows/1", "type": "Follow", "object": course}).StatusCode; st != 202 {
		t.Fatalf("A's Follow: %d", st)
	}
	const notes = 300
	for i := range notes {
		id := fmt.Sprintf("%s/notes/%d", flood.origin(), i)
		public := []string{federation.Public}
		act := map[string]any{"id": id + "/activity", "type": "Create", "to": public, "cc": []string{course},
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": flood.id, "content": fmt.Sprintf("<p>flood %d</p>", i),
				"to": public, "cc": []string{course}}}
		if st := flood.post(t, nil, inbox, act).StatusCode; st != 202 {
			t.Fatalf("A's note %d: %d", i, st)
		}
	}
	if st := calm.post(t, nil, inbox, map[string]any{"id": calm.origin() + "/follows/1", "type": "Follow", "object": course}).StatusCode; st != 202 {
		t.Fatalf("B's Follow: %d", st)
	}
	if got := journalLen(t, n); got != notes+2 {
		t.Fatalf("%d activities journalled, want %d", got, notes+2)
	}

	runInbox(t, n)
	eventually(t, "the journal is processed", func() bool { return journalLen(t, n) == 0 })

	var posts []*domain.Post
	var acceptOfB string
	if err := n.Store.View(context.Background(), func(tx domain.Tx) error {
		var err error
		if posts, err = tx.CoursePosts(DemoCourse, 0, 2*notes); err != nil {
			return err
		}
		ds, err := tx.Deliveries()
		for _, d := range ds {
			if d.Inbox == calm.id+"/inbox" {
				if a, err := tx.Activity(d.ActivityID); err == nil && bytes.Contains(a.JSON, []byte(`"Accept"`)) {
					acceptOfB = d.ActivityID[strings.LastIndex(d.ActivityID, "/")+1:]
				}
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if acceptOfB == "" {
		t.Fatal("B's Follow was not accepted")
	}
	var fromA []*domain.Post
	for _, p := range posts {
		if p.Author == flood.id {
			fromA = append(fromA, p)
		}
	}
	if len(fromA) != notes {
		t.Fatalf("%d of A's %d notes were applied", len(fromA), notes)
	}
	// A's notes in the order they were applied, which must be the order sent.
	sort.Slice(fromA, func(i, j int) bool { return fromA[i].ID < fromA[j].ID })
	for i, p := range fromA {
		if want := fmt.Sprintf("%s/notes/%d", flood.origin(), i); p.URI != want {
			t.Fatalf("A's activity applied %d-th was %s, want %s: one host's order was not kept", i, p.URI, want)
		}
	}
	before := sort.Search(len(fromA), func(i int) bool { return fromA[i].ID > acceptOfB })
	// The processor's page is 64 activities: A may have at most a page
	// ahead of B (strict arrival order would put all 300 ahead).
	const page = 64
	if before > page {
		t.Fatalf("B's Follow was applied after %d of A's %d waiting activities, want at most %d", before, notes, page)
	}
	t.Logf("B's Follow was applied after %d of A's %d waiting activities", before, notes)
}

// TestInboxBacklogPerHost: a sending host (a registrable domain: its
// subdomains share the count) with Backlog activities waiting gets 429 with
// Retry-After, and nothing it sends then is journalled; another host is
// served as usual. Once the journal is processed (applied, ignored, refused
// or of an unknown type alike), the host has exactly its whole backlog
// again: the counts neither leak nor go below zero.
func TestInboxBacklogPerHost(t *testing.T) {
	const backlog = 4
	n := serveJournalOnly(t, Config{Demo: true, InboxBacklog: backlog})
	inbox := n.URLs.Base() + "/inbox"
	course := n.URLs.Actor(domain.ActorCourse, DemoCourse)
	busy := remember(t, n, "https://busy.example.com/users/a")
	sub := remember(t, n, "https://eu.busy.example.com/users/b")
	calm := remember(t, n, "https://calm.example.org/users/c")

	for i, act := range []map[string]any{
		{"id": busy.origin() + "/follows/1", "type": "Follow", "object": course},                          // applied
		{"id": busy.origin() + "/wiggles/1", "type": "Wiggle", "object": course},                          // unknown type: dropped
		{"id": busy.origin() + "/follows/2", "type": "Follow", "object": "https://elsewhere.example/u/x"}, // refused
		sub.like(1), // the same sending domain; ignored
	} {
		from := busy
		if i == 3 {
			from = sub
		}
		if st := from.post(t, nil, inbox, act).StatusCode; st != 202 {
			t.Fatalf("activity %d within the backlog: %d", i, st)
		}
	}
	refused := busy.like(2)
	resp := busy.post(t, nil, inbox, refused)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("an activity past the backlog: %d, want 429", resp.StatusCode)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	if st := sub.post(t, nil, inbox, sub.like(3)).StatusCode; st != http.StatusTooManyRequests {
		t.Fatalf("a subdomain of the busy host past the backlog: %d, want 429", st)
	}
	if seen(t, n, busy.origin()+"/likes/2") || journalLen(t, n) != backlog {
		t.Fatalf("refused activities were journalled: %d in the journal", journalLen(t, n))
	}
	if st := calm.post(t, nil, inbox, calm.like(1)).StatusCode; st != 202 {
		t.Fatalf("another host, while the busy one is full: %d", st)
	}

	n.Inbox.ProcessPending(context.Background())
	if got := journalLen(t, n); got != 0 {
		t.Fatalf("%d activities left in the journal", got)
	}
	if follower(n, DemoCourse, busy.id) == nil {
		t.Fatal("the busy host's Follow was not applied")
	}
	for i := 10; i < 10+backlog; i++ {
		if st := busy.post(t, nil, inbox, busy.like(i)).StatusCode; st != 202 {
			t.Fatalf("after processing, activity %d: %d", i-10, st)
		}
	}
	if st := busy.post(t, nil, inbox, busy.like(99)).StatusCode; st != http.StatusTooManyRequests {
		t.Fatalf("after processing, activity %d: %d, want 429 (the backlog is %d)", backlog, st, backlog)
	}
}

// TestInboxBacklogHoldsUnderConcurrentPosts: POSTs from one host checked
// at the same moment all find its backlog with room; the journal writer
// still takes no more than the backlog of them.
func TestInboxBacklogHoldsUnderConcurrentPosts(t *testing.T) {
	const backlog, total = 5, 40
	n := serveJournalOnly(t, Config{InboxBacklog: backlog})
	busy := remember(t, n, "https://busy.example.com/users/a")
	// Signed beforehand, so the requests reach the node together.
	reqs := make([]*http.Request, total)
	for i := range reqs {
		act := busy.like(i)
		act["@context"], act["actor"] = "https://www.w3.org/ns/activitystreams", busy.id
		body, _ := json.Marshal(act)
		reqs[i], _ = http.NewRequest("POST", n.URLs.Base()+"/inbox", bytes.NewReader(body))
		reqs[i].Header.Set("Content-Type", "application/activity+json")
		if err := httpsig.Sign(reqs[i], body, busy.id+"#main-key", busy.key, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: total}}
	statuses := make(chan int, total)
	start := make(chan struct{})
	for _, req := range reqs {
		go func() {
			<-start
			resp, err := client.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	close(start)
	count := map[int]int{}
	for range total {
		count[<-statuses]++
	}
	if count[202] != backlog || count[http.StatusTooManyRequests] != total-backlog {
		t.Fatalf("answers %v, want %d × 202 and the rest 429", count, backlog)
	}
	if got := journalLen(t, n); got != backlog {
		t.Fatalf("%d journalled, want %d", got, backlog)
	}
}

// TestInboxBacklogSurvivesRestart: the backlog counts are rebuilt from the
// journal when the node starts, so a restart neither forgets what a host
// left waiting nor loses count of it.
func TestInboxBacklogSurvivesRestart(t *testing.T) {
	const backlog = 3
	dir := t.TempDir()
	first := serveJournalOnly(t, Config{DataDir: dir, InboxBacklog: backlog})
	busy := remember(t, first, "https://busy.example.com/users/a")
	for i := range 2 {
		if st := busy.post(t, nil, first.URLs.Base()+"/inbox", busy.like(i)).StatusCode; st != 202 {
			t.Fatalf("activity %d: %d", i, st)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}

	n := serveJournalOnly(t, Config{DataDir: dir, InboxBacklog: backlog})
	inbox := n.URLs.Base() + "/inbox"
	if st := busy.post(t, nil, inbox, busy.like(2)).StatusCode; st != 202 {
		t.Fatalf("the third activity, after the restart: %d", st)
	}
	if st := busy.post(t, nil, inbox, busy.like(3)).StatusCode; st != http.StatusTooManyRequests {
		t.Fatalf("the fourth activity, after the restart: %d, want 429 (two were waiting from before it)", st)
	}
	n.Inbox.ProcessPending(context.Background())
	if st := busy.post(t, nil, inbox, busy.like(4)).StatusCode; st != 202 {
		t.Fatalf("after processing: %d", st)
	}
}

// TestInboxLimitByRegistrableDomain (HOSTILE M5): the per-host rate limit
// counts by registrable domain, so subdomains made at will share one limit
// (a.example.com and b.example.com), while two domains under one public
// suffix (example.co.uk and other.co.uk) each have their own.
func TestInboxLimitByRegistrableDomain(t *testing.T) {
	n := serveJournalOnly(t, Config{InboxPerHost: 3})
	inbox := n.URLs.Base() + "/inbox"
	a := remember(t, n, "https://a.example.com/users/a")
	b := remember(t, n, "https://b.example.com/users/b")
	uk := remember(t, n, "https://example.co.uk/users/c")
	other := remember(t, n, "https://www.other.co.uk/users/d")
	send := func(r *cachedRemote, i, want int) {
		t.Helper()
		resp := r.post(t, nil, inbox, r.like(i))
		if resp.StatusCode != want {
			t.Fatalf("%s, activity %d: %d, want %d", r.id, i, resp.StatusCode, want)
		}
		if want == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	send(a, 0, 202)
	send(a, 1, 202)
	send(b, 0, 202)
	send(b, 1, http.StatusTooManyRequests) // example.com's fourth
	send(a, 2, http.StatusTooManyRequests)
	for i := range 3 {
		send(uk, i, 202)
		send(other, i, 202)
	}
	send(uk, 3, http.StatusTooManyRequests)
	send(other, 3, http.StatusTooManyRequests)
	if seen(t, n, b.origin()+"/likes/1") {
		t.Fatal("an activity over the limit was journalled")
	}
}

// TestInboxLimitPerIP: POSTs to the inboxes, every inbox path alike and
// whatever they carry (unsigned ones too), are limited per client address
// with 429 and Retry-After; another address is served, and the limited one
// still gets its pages.
func TestInboxLimitPerIP(t *testing.T) {
	n := serveJournalOnly(t, Config{Demo: true, InboxPerIP: 4})
	base := n.URLs.Base()
	alice := remember(t, n, "https://social.example.com/users/alice")
	noisy, calm := clientFrom("127.0.0.2"), clientFrom("127.0.0.3")

	unsigned, err := noisy.Post(base+"/inbox", "application/activity+json", strings.NewReader(`{"type":"Like"}`))
	if err != nil {
		t.Fatal(err)
	}
	unsigned.Body.Close()
	if unsigned.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned POST: %d", unsigned.StatusCode)
	}
	for i, path := range []string{"/actor/inbox", "/courses/" + DemoCourse + "/inbox", "/users/" + DemoOrganiser + "/inbox"} {
		if st := alice.post(t, noisy, base+path, alice.like(i)).StatusCode; st != 202 {
			t.Fatalf("POST %s: %d", path, st)
		}
	}
	resp := alice.post(t, noisy, base+"/inbox", alice.like(3))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("the fifth POST from one address: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if seen(t, n, alice.origin()+"/likes/3") {
		t.Fatal("an activity over the address's limit was journalled")
	}
	if st := alice.post(t, calm, base+"/inbox", alice.like(4)).StatusCode; st != 202 {
		t.Fatalf("another address: %d", st)
	}
	page, err := noisy.Get(base + "/courses/" + DemoCourse)
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != 200 {
		t.Fatalf("a page for the limited address: %d", page.StatusCode)
	}
}

// TestInboxGETsCountAsPages: only POSTs to the inboxes are left to the
// inbox limits; a GET of an inbox collection is a page request like any
// other, limited per address.
func TestInboxGETsCountAsPages(t *testing.T) {
	n := serveJournalOnly(t, Config{Demo: true, RequestsPerIP: 3})
	client := clientFrom("127.0.0.2")
	var last int
	for range 4 {
		resp, err := client.Get(n.URLs.Base() + "/courses/" + DemoCourse + "/inbox")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		last = resp.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("the fourth GET of an inbox from one address with 3 page requests allowed: %d, want 429", last)
	}
}

package outbox

import (
	"context"
	"crypto"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/federation/httpsig"
)

// ---------------------------------------------------------------------------
// Test fixtures shared by the test files.

// fakeClock is an injectable clock the tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// post is one request the fake remote received.
type post struct {
	Path   string
	Body   []byte
	Header http.Header
}

// remote is a recording fake server. Every POST to a known route is recorded
// and its HTTP signature verified against the sending actor's public key,
// with Date required to equal the fake clock; anything else fails the test.
type remote struct {
	tb    testing.TB
	srv   *httptest.Server
	clock *fakeClock
	ua    string

	mu     sync.Mutex
	routes map[string]http.HandlerFunc
	keys   map[string]crypto.PublicKey // keyId → public key
	posts  []post

	inFlight, maxInFlight atomic.Int64
}

func newRemote(tb testing.TB, clock *fakeClock) *remote {
	r := &remote{tb: tb, clock: clock, routes: map[string]http.HandlerFunc{}, keys: map[string]crypto.PublicKey{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.srv.Close)
	return r
}

// newRemoteAt is newRemote on a given address (to bring a "down" host back).
func newRemoteAt(tb testing.TB, clock *fakeClock, addr string) *remote {
	r := &remote{tb: tb, clock: clock, routes: map[string]http.HandlerFunc{}, keys: map[string]crypto.PublicKey{}}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatalf("listen %s: %v", addr, err)
	}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.srv.Listener.Close()
	r.srv.Listener = l
	r.srv.Start()
	tb.Cleanup(r.srv.Close)
	return r
}

// route registers a path answering with h (after recording and verifying).
func (r *remote) route(path string, h http.HandlerFunc) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.routes[path] = h
	return r.srv.URL + path
}

// status registers a path that answers status with optional headers.
func (r *remote) status(path string, status int, headers ...string) string {
	return r.route(path, func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
	})
}

func (r *remote) trust(keyID string, pub crypto.PublicKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[keyID] = pub
}

func (r *remote) serve(w http.ResponseWriter, req *http.Request) {
	n := r.inFlight.Add(1)
	defer r.inFlight.Add(-1)
	for {
		m := r.maxInFlight.Load()
		if n <= m || r.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		r.tb.Errorf("remote: read body: %v", err)
		return
	}
	r.mu.Lock()
	h, ok := r.routes[req.URL.Path]
	if ok && req.Method == http.MethodPost {
		r.posts = append(r.posts, post{Path: req.URL.Path, Body: body, Header: req.Header.Clone()})
	}
	keys := r.keys
	r.mu.Unlock()
	if !ok || req.Method != http.MethodPost {
		r.tb.Errorf("remote: unexpected %s %s", req.Method, req.URL)
		http.NotFound(w, req)
		return
	}
	r.check(req, body, keys)
	h(w, req)
}

// check verifies what every delivery must carry.
func (r *remote) check(req *http.Request, body []byte, keys map[string]crypto.PublicKey) {
	now := r.clock.Now()
	if got, want := req.Header.Get("Date"), now.UTC().Format(http.TimeFormat); got != want {
		r.tb.Errorf("remote: Date %q, want the fake clock's %q", got, want)
	}
	if got := req.Header.Get("Content-Type"); got != ContentType {
		r.tb.Errorf("remote: Content-Type %q", got)
	}
	if r.ua != "" && req.Header.Get("User-Agent") != r.ua {
		r.tb.Errorf("remote: User-Agent %q, want %q", req.Header.Get("User-Agent"), r.ua)
	}
	opt := httpsig.VerifyOptions{Host: req.Host, Scheme: "http", Now: now}
	p, err := httpsig.Check(req, body, opt)
	if err != nil {
		r.tb.Errorf("remote: CheckRequest: %v", err)
		return
	}
	pub, ok := keys[p.KeyID]
	if !ok {
		r.tb.Errorf("remote: unknown keyId %q", p.KeyID)
		return
	}
	if err := httpsig.Verify(req, p, pub, opt); err != nil {
		r.tb.Errorf("remote: VerifySignature: %v", err)
	}
}

func (r *remote) count(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, p := range r.posts {
		if p.Path == path {
			n++
		}
	}
	return n
}

func (r *remote) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.posts)
}

// env is a node's outbox on an in-memory store, with one local person "ada".
type env struct {
	tb     testing.TB
	st     *store.Store
	clock  *fakeClock
	urls   federation.URLs
	remote *remote
	keys   domain.KeyPair
	seq    atomic.Int64
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	st, err := store.Open(store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	urls, err := federation.NewURLs("http://node.test")
	if err != nil {
		tb.Fatal(err)
	}
	e := &env{tb: tb, st: st, clock: newClock(), urls: urls}
	e.remote = newRemote(tb, e.clock)
	e.keys = e.person("ada")
	return e
}

// person creates a local person and makes the remote trust its key.
func (e *env) person(handle string) domain.KeyPair {
	e.tb.Helper()
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		e.tb.Fatal(err)
	}
	err = e.st.Update(context.Background(), func(tx domain.Tx) error {
		return tx.CreatePerson(&domain.Person{Handle: handle, PasswordHash: "x", PublicKeyPEM: kp.PublicPEM, Created: e.clock.Now()}, kp)
	})
	if err != nil {
		e.tb.Fatal(err)
	}
	e.trust(e.urls.Key(e.urls.Actor(domain.ActorPerson, handle)), kp)
	return kp
}

func (e *env) trust(keyID string, kp domain.KeyPair) {
	e.tb.Helper()
	pub, err := httpsig.ParsePublicKeyPEM(kp.PublicPEM)
	if err != nil {
		e.tb.Fatal(err)
	}
	e.remote.trust(keyID, pub)
}

func (e *env) config() Config {
	var n atomic.Int64
	return Config{
		Store:     e.st,
		HTTP:      fetch.NewClient(fetch.Config{AllowPrivate: true}).HTTP(),
		URLs:      e.urls,
		Logger:    testLogger(e.tb),
		Now:       e.clock.Now,
		NewID:     func() string { return fmt.Sprintf("D%08d", n.Add(1)) },
		UserAgent: "Lernejo/test",
	}
}

func (e *env) outbox(edit ...func(*Config)) *Outbox {
	cfg := e.config()
	for _, f := range edit {
		f(&cfg)
	}
	e.remote.ua = cfg.UserAgent
	return New(cfg)
}

// run starts ob.Run; the returned stop cancels it and waits for it to return.
func (e *env) run(ob *Outbox) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ob.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				e.tb.Errorf("Run: %v", err)
			}
		})
	}
	e.tb.Cleanup(stop)
	return stop
}

// queue queues a new activity by actor to inboxes, commits, and wakes ob.
func (e *env) queue(ob *Outbox, actor string, inboxes ...string) string {
	e.tb.Helper()
	id := fmt.Sprintf("http://node.test/activities/%d", e.seq.Add(1))
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + id + `","type":"Create"}`)
	if err := e.st.Update(context.Background(), func(tx domain.Tx) error {
		return ob.Queue(tx, actor, id, body, inboxes)
	}); err != nil {
		e.tb.Fatal(err)
	}
	ob.Wake()
	return id
}

func (e *env) deliveries() []*domain.Delivery {
	e.tb.Helper()
	var ds []*domain.Delivery
	if err := e.st.View(context.Background(), func(tx domain.Tx) error {
		var err error
		ds, err = tx.Deliveries()
		return err
	}); err != nil {
		e.tb.Fatal(err)
	}
	return ds
}

// delivery returns the queued delivery to inbox, or nil.
func (e *env) delivery(inbox string) *domain.Delivery {
	for _, d := range e.deliveries() {
		if d.Inbox == inbox {
			return d
		}
	}
	return nil
}

func (e *env) health(host string) *domain.HostHealth {
	e.tb.Helper()
	var h *domain.HostHealth
	if err := e.st.View(context.Background(), func(tx domain.Tx) error {
		var err error
		h, err = tx.HostHealth(host)
		if domain.IsNotFound(err) {
			h, err = &domain.HostHealth{Host: host}, nil
		}
		return err
	}); err != nil {
		e.tb.Fatal(err)
	}
	return h
}

// settled reports whether no delivery is due at the fake clock's time: every
// queued delivery has had its outcome written (an in-flight one is still
// stored with its old, due NextAt).
func (e *env) settled() bool {
	now := e.clock.Now()
	for _, d := range e.deliveries() {
		if !d.NextAt.After(now) {
			return false
		}
	}
	return true
}

func (e *env) host() string { return strings.TrimPrefix(e.remote.srv.URL, "http://") }

// waitFor polls cond with a bounded loop: outcomes are awaited, never timed.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for range 4000 {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatalf("gave up waiting for %s", what)
}

func testLogger(tb testing.TB) *slog.Logger {
	if t, ok := tb.(*testing.T); ok {
		return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// ---------------------------------------------------------------------------
// Queue and FollowerInboxes

func TestQueueDedupesInboxes(t *testing.T) {
	e := newEnv(t)
	a := e.remote.status("/a/inbox", http.StatusAccepted)
	b := e.remote.status("/b/inbox", http.StatusAccepted)
	ob := e.outbox()
	e.run(ob)

	id := e.queue(ob, "ada", a, "", b, a, " "+a+" ", "http://node.test/inbox", "https://NODE.test:443/people/x/inbox", "ftp://x/inbox", "::bad")
	waitFor(t, "both deliveries", func() bool { return len(e.deliveries()) == 0 && e.remote.total() == 2 })
	if n := e.remote.count("/a/inbox"); n != 1 {
		t.Errorf("/a/inbox got %d POSTs, want 1", n)
	}
	if n := e.remote.count("/b/inbox"); n != 1 {
		t.Errorf("/b/inbox got %d POSTs, want 1", n)
	}
	var act *domain.OutActivity
	if err := e.st.View(context.Background(), func(tx domain.Tx) error {
		var err error
		act, err = tx.Activity(id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if act.Actor != "ada" || !act.Created.Equal(e.clock.Now()) {
		t.Errorf("activity = %+v", act)
	}
	for _, p := range e.remote.posts {
		if string(p.Body) != string(act.JSON) {
			t.Errorf("body %q, want the queued bytes %q", p.Body, act.JSON)
		}
	}
}

func TestQueueWritesInCallersTransaction(t *testing.T) {
	e := newEnv(t)
	ob := e.outbox()
	a := e.remote.status("/a/inbox", http.StatusAccepted)
	// The caller's change fails after Queue: nothing of the activity remains.
	err := e.st.Update(context.Background(), func(tx domain.Tx) error {
		if err := ob.Queue(tx, "ada", "http://node.test/activities/x", []byte(`{}`), []string{a}); err != nil {
			return err
		}
		return domain.Errorf(domain.ECONFLICT, "caller's change failed")
	})
	if domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("Update = %v", err)
	}
	if ds := e.deliveries(); len(ds) != 0 {
		t.Errorf("%d deliveries survived a rolled-back transaction", len(ds))
	}
	if err := e.st.Update(context.Background(), func(tx domain.Tx) error {
		return ob.Queue(tx, "", "id", []byte(`{}`), []string{a})
	}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("Queue without actor = %v, want EINVALID", err)
	}
}

func TestFollowerInboxes(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	followers := []domain.Follower{
		{Actor: "https://big.example/users/1", Inbox: "https://big.example/inbox", State: domain.FollowAccepted},
		{Actor: "https://small.example/users/s", Inbox: "https://small.example/users/s/inbox", State: domain.FollowAccepted},
		{Actor: "https://big.example/users/2", Inbox: "https://big.example/inbox", State: domain.FollowAccepted},
		{Actor: "https://pending.example/users/p", Inbox: "https://pending.example/inbox", State: domain.FollowPending},
		{Actor: "https://big.example/users/3", Inbox: "https://big.example/inbox", State: domain.FollowAccepted},
		{Actor: "https://noinbox.example/users/n", State: domain.FollowAccepted},
	}
	err := e.st.Update(context.Background(), func(tx domain.Tx) error {
		for i, f := range followers {
			f.Local = "ada"
			f.ActivityID = f.Actor + "#follow"
			f.Created = now.Add(time.Duration(i) * time.Second)
			if err := tx.PutFollower(&f); err != nil {
				return err
			}
		}
		// Another local actor's follower is not ada's.
		return tx.PutFollower(&domain.Follower{Local: "bob", Actor: "https://x.example/u", Inbox: "https://x.example/inbox", State: domain.FollowAccepted, Created: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := e.st.View(context.Background(), func(tx domain.Tx) error {
		got, err = tx.FollowerInboxes("ada")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"https://big.example/inbox", "https://small.example/users/s/inbox"}
	if !slices.Equal(got, want) {
		t.Errorf("FollowerInboxes = %q, want %q", got, want)
	}
}

// ---------------------------------------------------------------------------
// Backoff

func TestBackoffFormula(t *testing.T) {
	for _, tc := range []struct {
		n        int
		jitter   float64
		wantSecs float64
	}{
		{1, 0, 16}, {1, 1, 16.5}, {2, 0, 31}, {2, 1, 39}, {15, 0, 50625 + 15}, {15, 0.5, 50625 + 15 + 50625*0.25},
	} {
		if got := Backoff(tc.n, tc.jitter).Seconds(); got != tc.wantSecs {
			t.Errorf("Backoff(%d, %v) = %vs, want %vs", tc.n, tc.jitter, got, tc.wantSecs)
		}
	}
	var lo, hi time.Duration
	for n := 1; n < MaxAttempts; n++ {
		lo += Backoff(n, 0)
		hi += Backoff(n, 1)
	}
	const day = 24 * time.Hour
	if lo < 3*day/2 || hi > 4*day {
		t.Errorf("schedule spans %v..%v, want within 1.5..4 days", lo, hi)
	}
}

func TestRetryAfter(t *testing.T) {
	now := newClock().Now()
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"120", 120 * time.Second},
		{" 7 ", 7 * time.Second},
		{"-5", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"99999999999999999999", 0}, // overflows int64: malformed
		{"86400", MaxRetryAfter + time.Second},
	} {
		if got := parseRetryAfter(tc.header, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
	if got := retryDelay(1, 0, 24*time.Hour); got != MaxRetryAfter {
		t.Errorf("retryDelay with a day of Retry-After = %v, want %v", got, MaxRetryAfter)
	}
	if got := retryDelay(15, 0, time.Hour); got != Backoff(15, 0) {
		t.Errorf("retryDelay keeps the later backoff: got %v", got)
	}
}

// ---------------------------------------------------------------------------
// Host unavailability (HOSTILE D5)

func TestHostUnavailableAfterSevenFailureDays(t *testing.T) {
	e := newEnv(t)
	down := e.remote.status("/down/inbox", http.StatusServiceUnavailable)
	ob := e.outbox()
	e.run(ob)
	host := e.host()

	for day := 1; day <= UnavailableAfterDays; day++ {
		e.queue(ob, "ada", down)
		waitFor(t, fmt.Sprintf("failure day %d", day), func() bool {
			return len(e.health(host).FailureDays) == day && e.settled()
		})
		if got := e.health(host).Unavailable; got != (day == UnavailableAfterDays) {
			t.Fatalf("day %d: Unavailable = %v", day, got)
		}
		if day < UnavailableAfterDays {
			e.clock.Advance(24 * time.Hour) // every earlier delivery is due again too
			ob.Wake()
		}
	}

	// Unavailable: new deliveries are dropped without a POST (Mastodon's
	// DeliveryWorker skips unavailable domains).
	posts := e.remote.total()
	e.queue(ob, "ada", down)
	e.clock.Advance(7 * 24 * time.Hour) // the retries are due too
	ob.Wake()
	waitFor(t, "deliveries to the unavailable host dropped", func() bool { return len(e.deliveries()) == 0 })
	if n := e.remote.total(); n != posts {
		t.Errorf("%d POSTs to an unavailable host", n-posts)
	}

	// The host sends us something signed: it is available again.
	if err := ob.HostAnswered(context.Background(), host); err != nil {
		t.Fatal(err)
	}
	if h := e.health(host); h.Unavailable || len(h.FailureDays) != 0 {
		t.Fatalf("after HostAnswered: %+v", h)
	}
	ok := e.remote.status("/up/inbox", http.StatusAccepted)
	e.queue(ob, "ada", ok)
	waitFor(t, "delivery to the recovered host", func() bool { return e.remote.count("/up/inbox") == 1 && len(e.deliveries()) == 0 })
}

func TestSuccessClearsFailureDays(t *testing.T) {
	e := newEnv(t)
	fail := e.remote.status("/fail/inbox", http.StatusBadGateway)
	ok := e.remote.status("/ok/inbox", http.StatusOK)
	ob := e.outbox()
	e.run(ob)
	e.queue(ob, "ada", fail)
	waitFor(t, "a failure day", func() bool { return len(e.health(e.host()).FailureDays) == 1 && e.settled() })
	e.queue(ob, "ada", ok)
	waitFor(t, "the success", func() bool { return e.remote.count("/ok/inbox") == 1 && e.settled() })
	if h := e.health(e.host()); len(h.FailureDays) != 0 || h.Unavailable {
		t.Errorf("after a 2xx: %+v", h)
	}
	// A host we know nothing bad about: HostAnswered writes nothing and works
	// with a URL too.
	if err := ob.HostAnswered(context.Background(), "https://Other.Example/users/x"); err != nil {
		t.Fatal(err)
	}
}

// ---------------------------------------------------------------------------
// Restart (HOSTILE D1, D11)

func TestRestartResumesDeliveries(t *testing.T) {
	e := newEnv(t)
	// A host that is down: a listener that was closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	inboxes := []string{"http://" + addr + "/one/inbox", "http://" + addr + "/two/inbox"}

	ob := e.outbox()
	stop := e.run(ob)
	e.queue(ob, "ada", inboxes...)
	waitFor(t, "failed attempts", func() bool {
		ds := e.deliveries()
		return len(ds) == 2 && ds[0].Attempts == 1 && ds[1].Attempts == 1
	})
	for _, d := range e.deliveries() {
		if d.LastError == "" || d.NextAt.Sub(e.clock.Now()) < Backoff(1, 0) {
			t.Errorf("rescheduled delivery %+v", d)
		}
	}
	stop()

	// The host comes back; a new Outbox on the same store delivers.
	up := newRemoteAt(t, e.clock, addr)
	up.status("/one/inbox", http.StatusAccepted)
	up.status("/two/inbox", http.StatusAccepted)
	up.trust(e.urls.Key(e.urls.Actor(domain.ActorPerson, "ada")), mustPub(t, e.keys))
	e.clock.Advance(time.Minute)
	ob2 := e.outbox()
	e.run(ob2)
	ob2.Wake()
	waitFor(t, "delivery after restart", func() bool { return len(e.deliveries()) == 0 && up.total() == 2 })
	if up.count("/one/inbox") != 1 || up.count("/two/inbox") != 1 {
		t.Errorf("POSTs after restart: %d + %d, want 1 + 1", up.count("/one/inbox"), up.count("/two/inbox"))
	}
}

func TestShutdownKeepsInFlightDelivery(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	slow := e.remote.route("/slow/inbox", func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusAccepted)
	})
	t.Cleanup(func() { close(release) }) // runs before the server closes
	ob := e.outbox()
	stop := e.run(ob)
	e.queue(ob, "ada", slow)
	before := e.deliveries()
	select {
	case <-arrived:
	case <-time.After(20 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the POST never arrived")
	}
	stop() // returns only when no POST is in flight
	after := e.deliveries()
	if len(after) != 1 || len(before) != 1 || *after[0] != *before[0] {
		t.Fatalf("after shutdown: %+v, want the delivery unchanged: %+v", after, before)
	}
	if after[0].Attempts != 0 || after[0].LastError != "" {
		t.Errorf("a cancelled POST counted as an attempt: %+v", after[0])
	}
}

func TestRunOnlyOnce(t *testing.T) {
	e := newEnv(t)
	ob := e.outbox()
	e.run(ob)
	waitFor(t, "Run to start", func() bool { return ob.running.Load() })
	if err := ob.Run(context.Background()); err == nil {
		t.Fatal("a second concurrent Run did not fail")
	}
}

func mustPub(tb testing.TB, kp domain.KeyPair) crypto.PublicKey {
	tb.Helper()
	pub, err := httpsig.ParsePublicKeyPEM(kp.PublicPEM)
	if err != nil {
		tb.Fatal(err)
	}
	return pub
}

// TestKeepFor: activities that carry a post are kept (the outboxes and post
// pages serve them); the others go some time after their deliveries end.
func TestKeepFor(t *testing.T) {
	for body, want := range map[string]time.Duration{
		`{"type":"Create","object":{"type":"Note"}}`:            0,
		`{"type":"Announce","object":"https://n.test/notes/1"}`: 0,
		`{"type":"Accept","object":{"type":"Follow"}}`:          ActivityRetention,
		`{"type":"Undo","object":{"type":"Like"}}`:              ActivityRetention,
		`{"type":"Update","object":{"type":"Group"}}`:           ActivityRetention,
		`not JSON`: 0,
	} {
		if got := keepFor([]byte(body)); got != want {
			t.Errorf("keepFor(%s) = %v, want %v", body, got, want)
		}
	}
	// The longest a delivery can be retried: every delay at its largest,
	// jitter and a capped Retry-After included.
	var longest time.Duration
	for n := 1; n < MaxAttempts; n++ {
		longest += retryDelay(n, 1, MaxRetryAfter)
	}
	if ActivityRetention < 2*longest {
		t.Errorf("ActivityRetention %v is not well beyond the longest delivery schedule, %v", ActivityRetention, longest)
	}
}

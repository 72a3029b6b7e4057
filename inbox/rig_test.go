package inbox_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/federation/httpsig"
	"github.com/lernejo/lernejo/inbox"
	"github.com/lernejo/lernejo/outbox"
	"github.com/lernejo/lernejo/service"
)

// keys is one RSA key pair shared by every local actor of the tests, so the
// rigs start fast; signatures are still real.
var keys = sync.OnceValue(func() domain.KeyPair {
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		panic(err)
	}
	return kp
})

// rig is a node's receiving side at https://node.test with the course
// "course" (open sign-up) organised by ada: the same names as the captured
// traffic in testdata/fixtures.
type rig struct {
	t      *testing.T
	store  *store.Store
	svc    *service.Services
	newID  func() string
	urls   federation.URLs
	res    *fetch.Resolver
	inbox  *inbox.Inbox
	cfg    inbox.Config // what inbox was made with
	outbox *outbox.Outbox
	now    time.Time
}

// newInbox makes an Inbox on the rig's store, closed when the test ends.
func (r *rig) newInbox(cfg inbox.Config) *inbox.Inbox {
	r.t.Helper()
	in, err := inbox.New(context.Background(), cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(in.Close)
	return in
}

func newRig(t *testing.T, fc fetch.Config) *rig { return newRigOver(t, fc, nil) }

// newRigOver is newRig with the inbox's store wrapped by wrap (nil: not
// wrapped), for tests that make the store fail under the handlers.
func newRigOver(t *testing.T, fc fetch.Config, wrap func(domain.Store) domain.Store) *rig {
	t.Helper()
	st, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &rig{t: t, store: st, now: time.Date(2026, 11, 28, 15, 19, 59, 0, time.UTC)}
	clock := func() time.Time { return r.now }
	var mu sync.Mutex
	n := 0
	r.newID = func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("01JTEST%019d", n)
	}
	r.urls, _ = federation.NewURLs("https://node.test")
	r.res = &fetch.Resolver{Client: fetch.NewClient(fc), Store: st, Sanitizer: federation.NewSanitizer(), URLs: r.urls, Now: clock}
	r.outbox = outbox.New(outbox.Config{Store: st, HTTP: http.DefaultClient, URLs: r.urls, Now: clock, NewID: r.newID})
	r.svc = service.New(service.Config{Store: st, Queue: r.outbox, Docs: federation.Documents{URLs: r.urls, Sanitizer: federation.NewSanitizer()},
		Resolver: r.res, Now: clock, NewID: r.newID, NewKeys: func() (domain.KeyPair, error) { return keys(), nil }})
	var inboxStore domain.Store = st
	if wrap != nil {
		inboxStore = wrap(st)
	}
	r.cfg = inbox.Config{Store: inboxStore, URLs: r.urls, Resolver: r.res, Outbox: r.outbox,
		Enrolment: r.svc.Enrolment, Discussion: r.svc.Posts, Learning: r.svc.Tasks, Badges: r.svc.Badges, Moderation: r.svc.Moderation, Schools: r.svc.Schools,
		Meetings: r.svc.Meetings, Reviews: r.svc.Reviews, Now: clock, NewID: r.newID}
	r.inbox = r.newInbox(r.cfg)
	ctx := context.Background()
	if err := r.svc.Accounts.Register(ctx, &domain.Person{Handle: "ada", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.Courses.Create(ctx, "ada", &domain.Course{Handle: "course", Title: "Course", Status: domain.StatusOpen, Organisers: []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	return r
}

// fixture is one captured request of testdata/fixtures.
type fixture struct {
	Request struct {
		Method, Path, Query string
		Headers             map[string]string
		Body64              string `json:"body_base64"`
	}
	Response struct {
		Body64 string `json:"body_base64"`
	}
	BodyJSON map[string]any `json:"body_json"`
}

func loadFixture(t testing.TB, name string) *fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	f := new(fixture)
	if err := json.Unmarshal(b, f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

func (f *fixture) body(t testing.TB) []byte {
	b, err := base64.StdEncoding.DecodeString(f.Request.Body64)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) date(t testing.TB) time.Time {
	d, err := http.ParseTime(f.Request.Headers["Date"])
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) request(body []byte) inbox.Request {
	h := http.Header{}
	for k, v := range f.Request.Headers {
		h.Set(k, v)
	}
	return inbox.Request{Method: f.Request.Method, Path: f.Request.Path, Query: f.Request.Query, Header: h, Body: body}
}

// remember caches the captured actor documents, as if fetched from their origins.
func (r *rig) remember(names ...string) {
	r.t.Helper()
	for _, name := range names {
		f := loadFixture(r.t, name)
		b, _ := base64.StdEncoding.DecodeString(f.Response.Body64)
		if _, err := r.res.Remember(context.Background(), b); err != nil {
			r.t.Fatalf("%s: %v", name, err)
		}
	}
}

func (r *rig) view(fn func(tx domain.Tx)) {
	r.t.Helper()
	if err := r.store.View(context.Background(), func(tx domain.Tx) error { fn(tx); return nil }); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) deliveries() []string {
	var out []string
	r.view(func(tx domain.Tx) {
		ds, _ := tx.Deliveries()
		for _, d := range ds {
			a, err := tx.Activity(d.ActivityID)
			if err != nil {
				r.t.Fatal(err)
			}
			out = append(out, d.Inbox+" "+string(a.JSON))
		}
	})
	return out
}

func (r *rig) journalLen() int {
	n := 0
	r.view(func(tx domain.Tx) {
		items, _ := tx.InboxItems("", 1000)
		n = len(items)
	})
	return n
}

// remoteActor is a fake remote account with its own key, served nowhere:
// the rig caches its document directly.
type remoteActor struct {
	id, keyID string
	key       *rsa.PrivateKey
	edSeed    []byte // Ed25519 assertion key (FEP-521a)
}

func (r *rig) newRemote(id string) *remoteActor {
	r.t.Helper()
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		r.t.Fatal(err)
	}
	key, _ := domain.ParsePrivateKeyPEM(kp.PrivatePEM)
	doc, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Person",
		"preferredUsername": id[strings.LastIndex(id, "/")+1:], "inbox": id + "/inbox",
		"publicKey":       map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": kp.PublicPEM},
		"assertionMethod": []any{federation.MultikeyDoc(federation.AssertionKeyID(id), id, kp.AssertionPublic)},
	})
	if _, err := r.res.Remember(context.Background(), doc); err != nil {
		r.t.Fatal(err)
	}
	return &remoteActor{id: id, keyID: id + "#main-key", key: key, edSeed: kp.AssertionSeed}
}

// signed builds an inbox request for body, signed by a with the rig's clock.
func (r *rig) signed(a *remoteActor, body []byte) inbox.Request {
	req, _ := http.NewRequest("POST", "https://node.test/inbox", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/activity+json")
	if err := httpsig.Sign(req, body, a.keyID, a.key, r.now); err != nil {
		r.t.Fatal(err)
	}
	return inbox.Request{Method: "POST", Path: "/inbox", Header: req.Header, Body: body}
}

func statusOf(err error) int {
	if err == nil {
		return 202
	}
	var ie *inbox.Error
	if e, ok := err.(*inbox.Error); ok {
		ie = e
		return ie.Status
	}
	return 500
}

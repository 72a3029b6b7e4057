package fetch

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/httpsig"
	"github.com/lernejo/lernejo/federation/integrity"
)

// Resolver finds remote actors and their keys: from the store's cache when it
// has them, otherwise with a signed fetch from their origin, checked and
// cached. It never takes an actor or a key from an activity's embedded copy.
type Resolver struct {
	Client    *Client
	Store     domain.Store
	Sanitizer *federation.Sanitizer
	URLs      federation.URLs
	Now       func() time.Time
	// RefetchCooldown bounds how often one actor's key is refetched after a
	// failed verification (HOSTILE S11: Mastodon waits 5 minutes per source).
	RefetchCooldown time.Duration

	mu        sync.Mutex
	refetched map[string]time.Time

	// keys caches, in memory, the owners of recently used keys with their
	// parsed public keys: the inbox verifies every request, and decoding
	// the cached actor and parsing its PEM each time cost more than the
	// RSA check itself. Entries live keyCacheTTL; a refresh replaces them.
	keyMu sync.Mutex
	keys  map[string]cachedKey
}

type cachedKey struct {
	actor   *domain.RemoteActor
	pub     crypto.PublicKey
	expires time.Time
}

// keyCacheTTL bounds how long a key is trusted from memory without
// looking at the store (a key rotation arrives through Refresh anyway).
const keyCacheTTL = 10 * time.Minute

// maxCachedKeys bounds the in-memory key cache.
const maxCachedKeys = 10_000

// PublicKey returns the parsed public key of an actor, from the cache when
// it was parsed before.
func (r *Resolver) PublicKey(a *domain.RemoteActor) (crypto.PublicKey, error) {
	r.keyMu.Lock()
	if c, ok := r.keys[a.KeyID]; ok && c.actor.PublicKeyPEM == a.PublicKeyPEM && r.now().Before(c.expires) {
		r.keyMu.Unlock()
		return c.pub, nil
	}
	r.keyMu.Unlock()
	pub, err := httpsig.ParsePublicKeyPEM(a.PublicKeyPEM)
	if err != nil {
		return nil, err
	}
	r.cacheKey(a, pub)
	return pub, nil
}

func (r *Resolver) cacheKey(a *domain.RemoteActor, pub crypto.PublicKey) {
	r.keyMu.Lock()
	defer r.keyMu.Unlock()
	if r.keys == nil || len(r.keys) >= maxCachedKeys {
		r.keys = map[string]cachedKey{}
	}
	r.keys[a.KeyID] = cachedKey{actor: a, pub: pub, expires: r.now().Add(keyCacheTTL)}
}

// Forget drops what is cached in memory of an actor (its account was
// deleted): its key no longer verifies anything.
func (r *Resolver) Forget(actorID string) { r.forgetKeys(actorID) }

// forgetKeys drops an actor's cached keys (after a refresh or a delete).
func (r *Resolver) forgetKeys(actorID string) {
	r.keyMu.Lock()
	defer r.keyMu.Unlock()
	for k, c := range r.keys {
		if c.actor.ID == actorID {
			delete(r.keys, k)
		}
	}
}

// ErrLocalID is returned for an id on this node's own host (HOSTILE O10):
// local objects resolve only from the local store.
var ErrLocalID = errors.New("fetch: id is on this node")

// Actor returns the cached actor, fetching it when it is not cached.
func (r *Resolver) Actor(ctx context.Context, id string) (*domain.RemoteActor, error) {
	if federation.SameOrigin(id, r.URLs.Base()) {
		return nil, ErrLocalID
	}
	var cached *domain.RemoteActor
	err := r.Store.View(ctx, func(tx domain.Tx) error {
		a, err := tx.RemoteActor(id)
		if err == nil {
			cached = a
			return nil
		}
		if domain.IsNotFound(err) {
			return nil
		}
		return err
	})
	if err != nil || cached != nil {
		return cached, err
	}
	return r.Refresh(ctx, id)
}

// Refresh fetches an actor from its origin, checks it and caches it. A key
// change is accepted only this way: from a signed, fresh fetch (HOSTILE S12).
func (r *Resolver) Refresh(ctx context.Context, id string) (*domain.RemoteActor, error) {
	if federation.SameOrigin(id, r.URLs.Base()) {
		return nil, ErrLocalID
	}
	if err := r.checkBlocked(ctx, id); err != nil {
		return nil, err
	}
	b, err := r.Client.FetchActivity(ctx, id)
	if err != nil {
		return nil, err
	}
	return r.remember(ctx, b, id)
}

// ErrBlocked is returned for ids on a domain the operator blocked.
var ErrBlocked = errors.New("fetch: domain is blocked")

// checkBlocked refuses to fetch anything from a blocked domain.
func (r *Resolver) checkBlocked(ctx context.Context, id string) error {
	host, err := federation.HostOf(id)
	if err != nil {
		return err
	}
	if r.Store.DomainBlocked(host) {
		return fmt.Errorf("%w: %s", ErrBlocked, host)
	}
	return nil
}

// Remember checks and caches an actor document that was fetched from its
// own origin (tests use it to seed the cache with captured documents).
func (r *Resolver) Remember(ctx context.Context, raw []byte) (*domain.RemoteActor, error) {
	return r.remember(ctx, raw, "")
}

func (r *Resolver) remember(ctx context.Context, raw []byte, id string) (*domain.RemoteActor, error) {
	doc, err := federation.DecodeActor(raw)
	if err != nil {
		return nil, err
	}
	// FetchActivity may land on the document's own id after a redirect;
	// identity comes from that id, which must be the one we asked for.
	if id != "" && doc.ID != id {
		return nil, fmt.Errorf("%w: asked for %s, got %s", ErrIDMismatch, id, doc.ID)
	}
	id = doc.ID
	if federation.SameOrigin(id, r.URLs.Base()) {
		return nil, ErrLocalID
	}
	a := r.toDomain(doc)
	r.forgetKeys(a.ID)
	if err := r.Store.Update(ctx, func(tx domain.Tx) error {
		if _, deleted, err := domain.Found(tx.Tombstone(id)); err != nil {
			return fmt.Errorf("fetch: remember %s: %w", id, err)
		} else if deleted {
			return domain.Errorf(domain.ENOTFOUND, "actor %s was deleted", id)
		}
		return tx.PutRemoteActor(a)
	}); err != nil {
		return nil, err
	}
	return a, nil
}

func (r *Resolver) toDomain(doc *federation.RemoteActor) *domain.RemoteActor {
	host := ""
	if u, err := url.Parse(doc.ID); err == nil {
		host, _ = federation.CanonicalHost(u.Host, u.Scheme)
	}
	username := doc.PreferredUsername
	if username == "" {
		username = "unknown"
	}
	a := &domain.RemoteActor{
		ID:                        doc.ID,
		Type:                      doc.Type,
		Username:                  username,
		Host:                      host,
		Name:                      r.Sanitizer.PlainText(doc.Name),
		Summary:                   r.Sanitizer.RemoteHTML(doc.Summary),
		URL:                       doc.URL,
		IconURL:                   doc.IconURL,
		Inbox:                     doc.Inbox,
		SharedInbox:               doc.SharedInbox,
		KeyID:                     doc.PublicKeyID,
		PublicKeyPEM:              doc.PublicKeyPEM,
		ManuallyApprovesFollowers: doc.ManuallyApprovesFollowers,
		AssertionKeys:             assertionKeys(doc.Raw, doc.ID),
		Tasks:                     tasksCollection(doc.Raw, doc.ID),
		Questions:                 r.signUpQuestions(doc.Raw),
		Lernejo:                   doc.Kind != "",
		Fetched:                   r.now(),
	}
	if a.Lernejo {
		a.Starts, a.Ends = courseDates(doc.Raw)
	}
	return a
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// KeyOwner finds the actor that owns keyID and returns it with fresh=true
// when it was just fetched. The key document is fetched when the owner is
// not cached: a GoToSocial-style stub at the keyId, or the actor itself
// for "#fragment" keyIds. The owner's own document must list the key
// (HOSTILE S8), and key and actor must share one origin.
func (r *Resolver) KeyOwner(ctx context.Context, keyID string) (a *domain.RemoteActor, fresh bool, err error) {
	if federation.SameOrigin(keyID, r.URLs.Base()) {
		return nil, false, ErrLocalID
	}
	// The common case: the key's owner is cached.
	if cached, err := r.cachedByKey(ctx, keyID); err != nil || cached != nil {
		return cached, false, err
	}
	actorID, _, _ := strings.Cut(keyID, "#")
	if strings.Contains(keyID, "#") {
		a, err = r.Refresh(ctx, actorID)
	} else {
		if err := r.checkBlocked(ctx, keyID); err != nil {
			return nil, false, err
		}
		var b []byte
		b, err = r.Client.FetchActivity(ctx, keyID)
		if err != nil {
			return nil, false, err
		}
		var owner string
		owner, _, err = federation.DecodeKey(b, keyID)
		if err != nil {
			return nil, false, err
		}
		if !federation.SameOrigin(owner, keyID) {
			return nil, false, fmt.Errorf("fetch: key %s is owned by %s on another origin", keyID, owner)
		}
		a, err = r.Refresh(ctx, owner)
	}
	if err != nil {
		return nil, false, err
	}
	if a.KeyID != keyID {
		return nil, false, fmt.Errorf("fetch: actor %s does not list key %s", a.ID, keyID)
	}
	return a, true, nil
}

func (r *Resolver) cachedByKey(ctx context.Context, keyID string) (*domain.RemoteActor, error) {
	r.keyMu.Lock()
	if c, ok := r.keys[keyID]; ok && r.now().Before(c.expires) {
		r.keyMu.Unlock()
		return c.actor, nil
	}
	r.keyMu.Unlock()
	var out *domain.RemoteActor
	err := r.Store.View(ctx, func(tx domain.Tx) error {
		a, err := tx.RemoteActorByKey(keyID)
		if domain.IsNotFound(err) {
			return nil
		}
		out = a
		return err
	})
	return out, err
}

// MayRefetch reports whether an actor's key may be refetched now after a
// failed verification, and records the attempt: at most once per cool-off,
// so a flood of bad signatures cannot make us hammer its origin (S11).
func (r *Resolver) MayRefetch(actorID string) bool {
	cool := r.RefetchCooldown
	if cool == 0 {
		cool = 5 * time.Minute
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refetched == nil {
		r.refetched = map[string]time.Time{}
	}
	now := r.now()
	if last, ok := r.refetched[actorID]; ok && now.Sub(last) < cool {
		return false
	}
	if len(r.refetched) > 10_000 {
		for k, t := range r.refetched {
			if now.Sub(t) >= cool {
				delete(r.refetched, k)
			}
		}
	}
	r.refetched[actorID] = now
	return true
}

// LookupHandle resolves @name@host to an actor id with WebFinger over
// https. When private networks are allowed (tests, local development) plain
// http is tried first: local nodes rarely speak TLS, and a TLS handshake
// with a plain-http server only ends at its timeout.
func (r *Resolver) LookupHandle(ctx context.Context, handle string) (string, error) {
	name, host, err := ParseHandle(handle)
	if err != nil {
		return "", err
	}
	if r.Client.cfg.AllowPrivate {
		id, err := r.Client.LookupWebFinger(ctx, "http", name, host)
		var netErr *net.OpError
		if err == nil || !errors.As(err, &netErr) {
			return id, err // an answer over http, found or not
		}
	}
	return r.Client.LookupWebFinger(ctx, "https", name, host)
}

// assertionKeys reads the Ed25519 Multikeys an actor document lists in
// assertionMethod with itself as controller (FEP-521a).
func assertionKeys(raw []byte, actorID string) map[string][]byte {
	var doc struct {
		AssertionMethod json.RawMessage `json:"assertionMethod"`
	}
	if json.Unmarshal(raw, &doc) != nil || len(doc.AssertionMethod) == 0 {
		return nil
	}
	var entries []json.RawMessage
	if doc.AssertionMethod[0] == '[' {
		if json.Unmarshal(doc.AssertionMethod, &entries) != nil {
			return nil
		}
	} else {
		entries = []json.RawMessage{doc.AssertionMethod}
	}
	keys := map[string][]byte{}
	for _, e := range entries {
		if len(keys) >= 8 {
			break
		}
		id := ""
		if json.Unmarshal(e, &id) == nil {
			continue // a bare reference: not a key we can use
		}
		pub, controller, err := integrity.AssertionKeyFromActor(raw, keyIDOf(e))
		if err == nil && controller == actorID && federation.SameOrigin(keyIDOf(e), actorID) {
			keys[keyIDOf(e)] = pub
		}
	}
	return keys
}

func keyIDOf(entry json.RawMessage) string {
	var k struct {
		ID string `json:"id"`
	}
	json.Unmarshal(entry, &k)
	return k.ID
}

// tasksCollection reads a Lernejo course's tasks collection, if it is on
// the course's own origin.
func tasksCollection(raw []byte, actorID string) string {
	var doc struct {
		Tasks string `json:"tasks"`
	}
	if json.Unmarshal(raw, &doc) != nil || !federation.SameOrigin(doc.Tasks, actorID) {
		return ""
	}
	return doc.Tasks
}

// courseDates reads a Lernejo course's first and last days (zero when it
// gives none, or what it gives is no RFC 3339 time).
func courseDates(raw []byte) (starts, ends time.Time) {
	var doc struct {
		StartTime string `json:"startTime"`
		EndTime   string `json:"endTime"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return
	}
	starts, _ = time.Parse(time.RFC3339, doc.StartTime)
	ends, _ = time.Parse(time.RFC3339, doc.EndTime)
	return starts.UTC(), ends.UTC()
}

// signUpQuestions reads a Lernejo course's sign-up questions as plain
// text: at most as many, and as long, as a course here may ask.
func (r *Resolver) signUpQuestions(raw []byte) []string {
	var doc struct {
		Questions []json.RawMessage `json:"signUpQuestions"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return nil
	}
	var out []string
	for _, q := range doc.Questions {
		var s string
		if json.Unmarshal(q, &s) != nil {
			continue
		}
		if s = strings.TrimSpace(r.Sanitizer.PlainText(s)); s == "" || utf8.RuneCountInString(s) > domain.MaxQuestionLen {
			continue
		}
		if out = append(out, s); len(out) == domain.MaxQuestions {
			break
		}
	}
	return out
}

// FetchTasks fetches a remote course's tasks collection (one page of
// embedded Pages, as Lernejo serves it) and returns them, sanitised, in
// order. Tasks not on the course's origin are skipped.
func (r *Resolver) FetchTasks(ctx context.Context, course *domain.RemoteActor) ([]*domain.RemoteTask, error) {
	if course.Tasks == "" {
		return nil, nil
	}
	b, err := r.Client.FetchActivity(ctx, course.Tasks)
	if err != nil {
		return nil, err
	}
	var coll struct {
		OrderedItems []json.RawMessage `json:"orderedItems"`
	}
	if err := json.Unmarshal(b, &coll); err != nil {
		return nil, fmt.Errorf("fetch: tasks of %s: %w", course.ID, err)
	}
	var out []*domain.RemoteTask
	for i, raw := range coll.OrderedItems {
		if i >= 200 {
			break
		}
		if t := r.RemoteTask(course.ID, raw); t != nil {
			if t.Position == 0 {
				t.Position = i + 1
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// RemoteTask reads one Page of a remote course into a cached task; nil
// when it is not a Page on the course's origin.
func (r *Resolver) RemoteTask(courseID string, raw []byte) *domain.RemoteTask {
	o, err := federation.DecodeObject(raw, r.now())
	if err != nil || o.Type != "Page" || !federation.SameOrigin(o.ID, courseID) {
		return nil
	}
	var pos struct {
		Position int `json:"position"`
	}
	json.Unmarshal(raw, &pos)
	return &domain.RemoteTask{ID: o.ID, Course: courseID, Position: pos.Position, Title: r.Sanitizer.PlainText(o.Name),
		Content: r.Sanitizer.RemoteHTML(o.Content), Fetched: r.now()}
}

// FetchObject fetches an object (a note) from its own origin, unless the
// origin is blocked, and decodes it; its id must be the one asked for.
func (r *Resolver) FetchObject(ctx context.Context, id string) (*federation.Object, error) {
	if federation.SameOrigin(id, r.URLs.Base()) {
		return nil, ErrLocalID
	}
	if err := r.checkBlocked(ctx, id); err != nil {
		return nil, err
	}
	b, err := r.Client.FetchActivity(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := federation.DecodeObject(b, r.now())
	if err != nil {
		return nil, err
	}
	if o.ID != id {
		return nil, fmt.Errorf("%w: asked for %s, got %s", ErrIDMismatch, id, o.ID)
	}
	o.Fetched = true
	return o, nil
}

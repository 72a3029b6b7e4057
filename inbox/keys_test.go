package inbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/fetch"
)

// origin serves one actor document, swappable, and counts fetches.
type origin struct {
	*httptest.Server
	mu      sync.Mutex
	doc     []byte
	fetches atomic.Int32
}

func newOrigin(t *testing.T) *origin {
	o := &origin{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/users/kim" {
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			w.WriteHeader(404)
			return
		}
		o.fetches.Add(1)
		o.mu.Lock()
		defer o.mu.Unlock()
		w.Header().Set("Content-Type", "application/activity+json")
		w.Write(o.doc)
	}))
	t.Cleanup(o.Close)
	return o
}

// publish makes the origin serve kim with this key.
func (o *origin) publish(kp domain.KeyPair) {
	id := o.URL + "/users/kim"
	b, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Person",
		"preferredUsername": "kim", "inbox": id + "/inbox",
		"publicKey": map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": kp.PublicPEM}})
	o.mu.Lock()
	o.doc = b
	o.mu.Unlock()
}

func newKey(t *testing.T) (domain.KeyPair, *remoteActor) {
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	k, _ := domain.ParsePrivateKeyPEM(kp.PrivatePEM)
	return kp, &remoteActor{key: k}
}

// TestKeyRotationIsFollowedFromTheOrigin (S12): kim's server rotates her
// key. A request signed with the new key fails against the cached one, so
// the key is refetched once from the origin and the request verifies.
func TestKeyRotationIsFollowedFromTheOrigin(t *testing.T) {
	o := newOrigin(t)
	r := newRig(t, fetch.Config{AllowPrivate: true})
	oldKey, _ := newKey(t)
	o.publish(oldKey)
	kimID := o.URL + "/users/kim"
	if _, err := r.res.Refresh(context.Background(), kimID); err != nil {
		t.Fatal(err)
	}
	newPair, kim := newKey(t)
	kim.id, kim.keyID = kimID, kimID+"#main-key"
	o.publish(newPair)
	before := o.fetches.Load()
	if err := r.inbox.Receive(context.Background(), r.signed(kim, followBody(o.URL+"/follows/1", kimID))); err != nil {
		t.Fatalf("request signed with the rotated key: %v", err)
	}
	if o.fetches.Load() != before+1 {
		t.Fatalf("%d fetches, want exactly one refetch", o.fetches.Load()-before)
	}
	r.view(func(tx domain.Tx) {
		a, _ := tx.RemoteActor(kimID)
		if a == nil || a.PublicKeyPEM != newPair.PublicPEM {
			t.Fatal("the cached key was not replaced by the origin's")
		}
	})
}

// TestBadSignaturesDoNotStormTheOrigin (S11): many requests with bad
// signatures for a known actor cause at most one refetch per cool-off.
func TestBadSignaturesDoNotStormTheOrigin(t *testing.T) {
	o := newOrigin(t)
	r := newRig(t, fetch.Config{AllowPrivate: true})
	real, _ := newKey(t)
	o.publish(real)
	kimID := o.URL + "/users/kim"
	if _, err := r.res.Refresh(context.Background(), kimID); err != nil {
		t.Fatal(err)
	}
	_, forger := newKey(t)
	forger.id, forger.keyID = kimID, kimID+"#main-key"
	before := o.fetches.Load()
	for i := 0; i < 20; i++ {
		err := r.inbox.Receive(context.Background(), r.signed(forger, followBody(o.URL+"/follows/x", kimID)))
		if statusOf(err) != 401 {
			t.Fatalf("forged request %d: %v", i, err)
		}
	}
	if n := o.fetches.Load() - before; n != 1 {
		t.Fatalf("%d refetches for 20 bad signatures, want 1", n)
	}
	if r.journalLen() != 0 {
		t.Fatal("a forged request was journalled")
	}
}

// TestUpdateCannotSwapTheKey (S12): an Update{Person} that embeds another
// key changes nothing: the actor is refetched from its origin instead.
func TestUpdateCannotSwapTheKey(t *testing.T) {
	o := newOrigin(t)
	r := newRig(t, fetch.Config{AllowPrivate: true})
	realPair, kim := newKey(t)
	o.publish(realPair)
	kimID := o.URL + "/users/kim"
	kim.id, kim.keyID = kimID, kimID+"#main-key"
	if _, err := r.res.Refresh(context.Background(), kimID); err != nil {
		t.Fatal(err)
	}
	attacker, _ := newKey(t)
	upd, _ := json.Marshal(map[string]any{"id": kimID + "#updates/1", "type": "Update", "actor": kimID,
		"object": map[string]any{"id": kimID, "type": "Person", "preferredUsername": "kim", "inbox": kimID + "/inbox",
			"publicKey": map[string]string{"id": kimID + "#main-key", "owner": kimID, "publicKeyPem": attacker.PublicPEM}}})
	if err := r.inbox.Receive(context.Background(), r.signed(kim, upd)); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(context.Background())
	r.view(func(tx domain.Tx) {
		a, _ := tx.RemoteActor(kimID)
		if a == nil || a.PublicKeyPEM != realPair.PublicPEM {
			t.Fatal("the embedded key replaced the origin's")
		}
	})
}

// TestUpdateOfACourseRunByItsOrganisers: a Lernejo course's Group names
// its organisers in attributedTo; its Update{Group} is the actor's own
// change, taken (refetched from the origin), not refused as an object
// attributed to someone else, which left every other node with a course's
// old name and dates.
func TestUpdateOfACourseRunByItsOrganisers(t *testing.T) {
	o := newOrigin(t)
	r := newRig(t, fetch.Config{AllowPrivate: true})
	kp, kim := newKey(t)
	id := o.URL + "/users/kim"
	kim.id, kim.keyID = id, id+"#main-key"
	group := func(name string) map[string]any {
		return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Group",
			"preferredUsername": "kim", "name": name, "inbox": id + "/inbox", "attributedTo": []string{o.URL + "/people/ada"},
			"publicKey": map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": kp.PublicPEM}}
	}
	serve := func(name string) {
		b, _ := json.Marshal(group(name))
		o.mu.Lock()
		o.doc = b
		o.mu.Unlock()
	}
	serve("Python")
	if _, err := r.res.Refresh(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	serve("Python, spring run")
	upd, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": o.URL + "/activities/1",
		"type": "Update", "actor": id, "object": group("Python, spring run")})
	if err := r.inbox.Receive(context.Background(), r.signed(kim, upd)); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(context.Background())
	r.view(func(tx domain.Tx) {
		if a, _ := tx.RemoteActor(id); a == nil || a.Name != "Python, spring run" {
			t.Fatalf("the course's Update was not taken: %+v", a)
		}
	})
}

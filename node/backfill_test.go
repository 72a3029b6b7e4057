package node

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/httpsig"
)

// slowCourse is a Lernejo course on another server whose outbox never
// answers: what a hostile or overloaded course server does to the backfill
// a node starts when the course accepts one of its people.
type slowCourse struct {
	*httptest.Server
	key      domain.KeyPair
	release  chan struct{}
	mu       sync.Mutex
	received []map[string]any
	asked    chan struct{} // closed at the first GET of the outbox
	once     sync.Once
}

func newSlowCourse(t *testing.T) *slowCourse {
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	c := &slowCourse{key: kp, release: make(chan struct{}), asked: make(chan struct{})}
	c.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && r.URL.Path == "/courses/slow":
			w.Header().Set("Content-Type", "application/activity+json")
			json.NewEncoder(w).Encode(map[string]any{
				"@context": "https://www.w3.org/ns/activitystreams", "id": c.actor(), "type": "Group",
				"preferredUsername": "slow", "kind": "Course", "inbox": c.actor() + "/inbox", "outbox": c.actor() + "/outbox",
				"publicKey": map[string]string{"id": c.actor() + "#main-key", "owner": c.actor(), "publicKeyPem": kp.PublicPEM}})
		case r.Method == "GET" && r.URL.Path == "/courses/slow/outbox":
			c.once.Do(func() { close(c.asked) })
			select {
			case <-c.release:
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		case r.Method == "POST":
			var a map[string]any
			b, _ := io.ReadAll(r.Body)
			json.Unmarshal(b, &a)
			c.mu.Lock()
			c.received = append(c.received, a)
			c.mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	c.Start()
	// Release the hanging outbox before the server closes (Cleanup runs last first).
	t.Cleanup(c.Close)
	t.Cleanup(func() { close(c.release) })
	return c
}

func (c *slowCourse) actor() string { return c.URL + "/courses/slow" }

func (c *slowCourse) join() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.received {
		if a["type"] == "Join" || a["type"] == "Follow" {
			id, _ := a["id"].(string)
			return id
		}
	}
	return ""
}

func (c *slowCourse) send(t *testing.T, inbox string, activity map[string]any) {
	t.Helper()
	body, _ := json.Marshal(activity)
	req, _ := http.NewRequest("POST", inbox, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/activity+json")
	key, _ := domain.ParsePrivateKeyPEM(c.key.PrivatePEM)
	if err := httpsig.Sign(req, body, c.actor()+"#main-key", key, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: %d", inbox, resp.StatusCode)
	}
}

// TestSlowCourseDoesNotHoldUpTheInbox: a Lernejo course on another server
// accepts one of our people, and its outbox (read to backfill the recent
// discussion) never answers. The Accept is applied at once, and so are the
// activities other servers send meanwhile: the backfill waits on its own.
func TestSlowCourseDoesNotHoldUpTheInbox(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, Config{AllowPrivateNetworks: true, Demo: true})
	course := newSlowCourse(t)
	if _, err := n.Services.Enrolment.Follow(ctx, DemoOrganiser, course.actor()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the course gets the Join", func() bool { return course.join() != "" })
	person := n.URLs.Actor(domain.ActorPerson, DemoOrganiser)
	course.send(t, n.URLs.SharedInbox(), map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": course.URL + "/accepts/1", "type": "Accept", "actor": course.actor(),
		"object": map[string]any{"id": course.join(), "type": "Join", "actor": person, "object": course.actor()}})
	select {
	case <-course.asked:
	case <-time.After(20 * time.Second):
		t.Fatal("the node never read the course's outbox to backfill its discussion")
	}
	eventually(t, "the Accept is applied while the outbox hangs", func() bool {
		f := following(n, DemoOrganiser, course.actor())
		return f != nil && f.State == domain.FollowAccepted
	})
	zoe := newFakePeer(t)
	zoe.status.Store(202)
	if st := zoe.follow(n.URLs.Actor(domain.ActorCourse, DemoCourse), n.URLs.SharedInbox(), "1"); st != http.StatusAccepted {
		t.Fatalf("zoe's Follow: %d", st)
	}
	eventually(t, "another server's Follow is answered while the outbox hangs", func() bool { return zoe.received("Accept") == 1 })
}

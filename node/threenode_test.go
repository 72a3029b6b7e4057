package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/httpsig"
	"github.com/lernejo/lernejo/service"
)

// fakeMastodon is a Mastodon-like server with one person, zoe: it serves
// her actor and the notes she wrote, checks the HTTP signature of every
// delivery against the sender's key (fetched from the sender), and keeps
// only the deliveries that verify. Any other request fails the test.
type fakeMastodon struct {
	*httptest.Server
	t     *testing.T
	key   domain.KeyPair
	mu    sync.Mutex
	notes map[string][]byte // path → document
	got   []map[string]any  // verified deliveries
}

func newFakeMastodon(t *testing.T) *fakeMastodon {
	kp, err := domain.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	m := &fakeMastodon{t: t, key: kp, notes: map[string][]byte{}}
	m.Server = httptest.NewUnstartedServer(http.HandlerFunc(m.serve))
	m.Start()
	t.Cleanup(m.Close)
	return m
}

func (m *fakeMastodon) zoe() string { return m.URL + "/users/zoe" }

func (m *fakeMastodon) serve(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	note, isNote := m.notes[r.URL.Path]
	m.mu.Unlock()
	switch {
	case r.Method == "GET" && r.URL.Path == "/users/zoe":
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams", "id": m.zoe(), "type": "Person", "preferredUsername": "zoe",
			"inbox": m.zoe() + "/inbox", "followers": m.zoe() + "/followers", "endpoints": map[string]string{"sharedInbox": m.URL + "/inbox"},
			"publicKey": map[string]string{"id": m.zoe() + "#main-key", "owner": m.zoe(), "publicKeyPem": m.key.PublicPEM},
		})
	case r.Method == "GET" && isNote:
		w.Header().Set("Content-Type", "application/activity+json")
		w.Write(note)
	case r.Method == "POST" && (r.URL.Path == "/inbox" || r.URL.Path == "/users/zoe/inbox"):
		body, _ := io.ReadAll(r.Body)
		if err := m.verify(r, body); err != nil {
			m.t.Logf("fake Mastodon: refused a delivery: %v", err)
			w.WriteHeader(401)
			return
		}
		act := map[string]any{}
		json.Unmarshal(body, &act)
		m.mu.Lock()
		m.got = append(m.got, act)
		m.mu.Unlock()
		w.WriteHeader(202)
	default:
		m.t.Errorf("fake Mastodon: unexpected %s %s", r.Method, r.URL)
		w.WriteHeader(404)
	}
}

// verify checks a delivery's signature, either scheme, with the key of
// the actor that signed it, as Mastodon does.
func (m *fakeMastodon) verify(r *http.Request, body []byte) error {
	opt := httpsig.VerifyOptions{Host: strings.TrimPrefix(m.URL, "http://"), Scheme: "http"}
	p, err := httpsig.Check(r, body, opt)
	if err != nil {
		return err
	}
	actor, _, _ := strings.Cut(p.KeyID, "#")
	req, _ := http.NewRequest("GET", actor, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var doc struct {
		PublicKey struct{ ID, PublicKeyPem string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return err
	}
	if doc.PublicKey.ID != p.KeyID {
		return fmt.Errorf("key %s is not the actor's (%s)", p.KeyID, doc.PublicKey.ID)
	}
	pub, err := httpsig.ParsePublicKeyPEM(doc.PublicKey.PublicKeyPem)
	if err != nil {
		return err
	}
	var act struct{ Actor string }
	json.Unmarshal(body, &act)
	if act.Actor != actor {
		return fmt.Errorf("activity by %s signed by %s", act.Actor, actor)
	}
	return httpsig.Verify(r, p, pub, opt)
}

// send POSTs an activity from zoe, signed with her key.
func (m *fakeMastodon) send(inbox string, activity map[string]any) {
	m.t.Helper()
	body, _ := json.Marshal(activity)
	req, _ := http.NewRequest("POST", inbox, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/activity+json")
	key, _ := domain.ParsePrivateKeyPEM(m.key.PrivatePEM)
	if err := httpsig.Sign(req, body, m.zoe()+"#main-key", key, time.Now()); err != nil {
		m.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		m.t.Fatalf("zoe's %s: %d", activity["type"], resp.StatusCode)
	}
}

// post publishes a public note by zoe in a course: served at its id, and
// sent in a Create to the course's node.
func (m *fakeMastodon) post(course, inbox, text string) string {
	id := m.URL + "/notes/1"
	note := map[string]any{"id": id, "type": "Note", "attributedTo": m.zoe(), "content": "<p>" + text + "</p>",
		"published": time.Now().UTC().Format(time.RFC3339),
		"to":        []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{m.zoe() + "/followers", course},
		"tag": []any{map[string]string{"type": "Mention", "href": course, "name": "@" + DemoCourse}}}
	doc := map[string]any{"@context": "https://www.w3.org/ns/activitystreams"}
	for k, v := range note {
		doc[k] = v
	}
	b, _ := json.Marshal(doc)
	u, _ := url.Parse(id)
	m.mu.Lock()
	m.notes[u.Path] = b
	m.mu.Unlock()
	m.send(inbox, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity", "type": "Create",
		"actor": m.zoe(), "to": note["to"], "cc": note["cc"], "object": note})
	return id
}

// delivered returns the verified deliveries of a type.
func (m *fakeMastodon) delivered(typ string) []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []map[string]any
	for _, a := range m.got {
		if a["type"] == typ {
			out = append(out, a)
		}
	}
	return out
}

// TestThreadAcrossThreeNodes: a study group spread over three nodes and
// Mastodon. The course is on B; bea learns from A, cem from C (he joins
// late), dan on B itself, zoe on Mastodon. Zoe starts a thread; bea
// answers her from A, cem answers bea from C, dan answers cem on B, bea
// answers dan: a thread five posts and four replies deep, written on four
// servers. Every Lernejo node ends up keeping the same whole thread (the
// course announces every reply to the Lernejo nodes among its followers,
// and C reads what came before it joined from the course's outbox); zoe
// gets bea's reply, signed, addressed to her and in reply to her post,
// though A had never fetched her actor; and Mastodon gets no boost of any
// reply (the course does not redistribute replies).
func TestThreadAcrossThreeNodes(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	c := startNode(t, Config{AllowPrivateNetworks: true})
	if err := c.Services.Accounts.Register(ctx, &domain.Person{Handle: "cem", DisplayName: "Cem", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Services.Accounts.Register(ctx, &domain.Person{Handle: "dan", DisplayName: "Dan", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Services.Enrolment.EnrolLocal(ctx, "dan", DemoCourse, ""); err != nil {
		t.Fatal(err)
	}
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	zoe := newFakeMastodon(t)
	zoe.send(b.URLs.SharedInbox(), map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": zoe.URL + "/follows/1",
		"type": "Follow", "actor": zoe.zoe(), "object": course})
	enrolled := func(n *Node, who string) {
		t.Helper()
		if _, err := n.Services.Enrolment.Enrol(ctx, who, course, ""); err != nil {
			t.Fatal(err)
		}
		eventually(t, who+" enrolled", func() bool { f := following(n, who, course); return f != nil && f.State == domain.FollowAccepted })
	}
	enrolled(a, "bea")
	eventually(t, "zoe enrolled", func() bool { return len(zoe.delivered("Accept")) == 1 })

	// Zoe starts the thread; the course redistributes it to everyone.
	root := zoe.post(course, b.URLs.SharedInbox(), "Who else is stuck on loops?")
	eventually(t, "A keeps zoe's post", func() bool { return post(a, root) != nil })
	if a.Store.View(ctx, func(tx domain.Tx) error { _, err := tx.RemoteActor(zoe.zoe()); return err }) == nil {
		t.Fatal("A has zoe's actor cached already: the reply below would not test the fetch")
	}

	reply := func(n *Node, who, where, parent, text string) string {
		t.Helper()
		p, err := n.Services.Posts.Publish(ctx, service.PostInput{Author: who, Course: where, Text: text, InReplyTo: parent})
		if err != nil {
			t.Fatal(err)
		}
		return p.URI
	}
	r1 := reply(a, "bea", course, root, "Me too! The while loop never ends.")
	eventually(t, "zoe gets bea's reply", func() bool { return len(zoe.delivered("Create")) == 1 })
	create := zoe.delivered("Create")[0]
	note := create["object"].(map[string]any)
	if create["actor"] != a.URLs.Actor(domain.ActorPerson, "bea") || note["id"] != r1 || note["inReplyTo"] != root {
		t.Fatalf("the Create zoe got: %v", create)
	}
	addressed := slices.Concat(note["to"].([]any), note["cc"].([]any))
	if !slices.Contains(addressed, any(zoe.zoe())) {
		t.Fatalf("bea's reply is not addressed to zoe: to %v cc %v", note["to"], note["cc"])
	}
	mentioned := false
	for _, tag := range note["tag"].([]any) {
		m := tag.(map[string]any)
		mentioned = mentioned || (m["type"] == "Mention" && m["href"] == zoe.zoe())
	}
	if !mentioned {
		t.Fatalf("bea's reply does not mention zoe: %v", note["tag"])
	}
	eventually(t, "B threads bea's reply", func() bool { return post(b, r1) != nil })

	// Cem joins from C now: C reads the thread so far from the course.
	enrolled(c, "cem")
	eventually(t, "C backfills the thread so far", func() bool { return post(c, root) != nil && post(c, r1) != nil })
	r2 := reply(c, "cem", course, r1, "Did you change the counter inside the loop?")
	eventually(t, "A keeps cem's reply", func() bool { return post(a, r2) != nil })
	r3 := reply(b, "dan", DemoCourse, r2, "That was it for me: i += 1 was outside.")
	eventually(t, "A and C keep dan's reply", func() bool { return post(a, r3) != nil && post(c, r3) != nil })
	r4 := reply(a, "bea", course, r3, "Fixed it, thank you both!")
	eventually(t, "B and C keep bea's last reply", func() bool { return post(b, r4) != nil && post(c, r4) != nil })

	// Every node keeps the same whole thread, each reply under its parent.
	parents := map[string]string{root: "", r1: root, r2: r1, r3: r2, r4: r3}
	for _, n := range []struct {
		name, viewer string
		node         *Node
	}{{"A", "bea", a}, {"B", "", b}, {"C", "cem", c}} {
		top := post(n.node, root)
		page, err := n.node.Services.Posts.Thread(ctx, n.viewer, top.Thread, "")
		if err != nil {
			t.Fatalf("%s: thread: %v", n.name, err)
		}
		// The page is a tree: each post with its replies nested under it.
		var got []string
		var walk func(vs []service.PostView, parent string)
		walk = func(vs []service.PostView, parent string) {
			for _, v := range vs {
				got = append(got, v.Post.URI)
				if want, ok := parents[v.Post.URI]; !ok || v.Post.InReplyTo != want || v.Post.InReplyTo != parent && v.ReplyTo == "" {
					t.Errorf("%s: %s answers %q, shown under %q, want %q", n.name, v.Post.URI, v.Post.InReplyTo, parent, want)
				}
				walk(v.Replies, v.Post.URI)
			}
		}
		walk(page.Posts, "")
		if len(got) != len(parents) || page.Total != len(parents) {
			t.Fatalf("%s keeps %d posts of the thread (total %d): %v", n.name, len(got), page.Total, got)
		}
	}

	// Mastodon's home timelines are not flooded: zoe got no boost of any
	// reply, only of her own top-level post.
	for _, an := range zoe.delivered("Announce") {
		if an["object"] != root {
			t.Fatalf("zoe got a boost of %v", an["object"])
		}
	}
	// The course's redistribution is no boost of a post on A.
	var boosts int
	a.Store.View(ctx, func(tx domain.Tx) error {
		p, err := tx.Post(r1)
		if err == nil {
			boosts = p.Boosts
		}
		return err
	})
	if boosts != 0 {
		t.Fatalf("A counts %d boosts of bea's reply", boosts)
	}
}

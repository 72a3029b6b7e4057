package inbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/service"
)

// countingDNS is a resolver that answers nothing and counts the lookups:
// any attempt to fetch a key from a named host shows up here.
func countingDNS() (*net.Resolver, *atomic.Int32) {
	n := new(atomic.Int32)
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		n.Add(1)
		return nil, errors.New("no DNS in tests")
	}}, n
}

func (r *rig) moderation() *service.Moderation {
	return r.svc.Moderation
}

// TestBlockedSignerIsRefusedBeforeAnyFetch (HOSTILE S13, M1): a request
// signed with a key on a subdomain of a blocked domain is answered 403
// without looking the key up: not a single DNS query. The block was entered
// in an odd spelling (upper case, trailing dot) and still covers it. Lifted,
// the same request goes on to the key fetch (which fails here: no DNS).
func TestBlockedSignerIsRefusedBeforeAnyFetch(t *testing.T) {
	dns, lookups := countingDNS()
	r := newRig(t, fetch.Config{Resolver: dns})
	ctx := context.Background()
	m := r.moderation()
	_, kim := newKey(t)
	kim.id = "https://sub.blocked.example/users/kim"
	kim.keyID = kim.id + "#main-key"
	body := followBody("https://sub.blocked.example/follows/1", kim.id)

	for _, spelling := range []string{"BLOCKED.example.", "blocked.example", "*.Blocked.Example"} {
		if _, _, err := m.BlockDomain(ctx, spelling, "spam"); err != nil {
			t.Fatal(err)
		}
		err := r.inbox.Receive(ctx, r.signed(kim, body))
		r.expectRefused(nil, 403, err)
		if n := lookups.Load(); n != 0 {
			t.Fatalf("%s: %d DNS lookups for a blocked signer, want 0", spelling, n)
		}
		if err := m.UnblockDomain(ctx, spelling); err != nil {
			t.Fatal(err)
		}
	}
	// Unblocked: the key is looked up (and not found: 401).
	if err := r.inbox.Receive(ctx, r.signed(kim, body)); statusOf(err) != 401 {
		t.Fatalf("unblocked signer: %v, want 401 from the key fetch", err)
	}
	if lookups.Load() == 0 {
		t.Fatal("the unblocked request never tried to fetch the key: the counter proves nothing")
	}
}

// TestBlockedOriginIsNeverFetched (S13, M3): the same with a real origin
// that counts fetches. It listens on 127.0.0.1 (AllowPrivate), so the block
// is of the IP literal, which covers any port. Unblocked, one fetch of the
// key and the request is accepted.
func TestBlockedOriginIsNeverFetched(t *testing.T) {
	o := newOrigin(t)
	r := newRig(t, fetch.Config{AllowPrivate: true})
	ctx := context.Background()
	m := r.moderation()
	pair, kim := newKey(t)
	o.publish(pair)
	kim.id = o.URL + "/users/kim"
	kim.keyID = kim.id + "#main-key"
	body := followBody(o.URL+"/follows/1", kim.id)

	if _, _, err := m.BlockDomain(ctx, "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		r.expectRefused(nil, 403, r.inbox.Receive(ctx, r.signed(kim, body)))
	}
	if n := o.fetches.Load(); n != 0 {
		t.Fatalf("%d fetches from a blocked origin, want 0", n)
	}
	if err := m.UnblockDomain(ctx, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := r.inbox.Receive(ctx, r.signed(kim, body)); err != nil {
		t.Fatalf("after unblock: %v", err)
	}
	if n := o.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches after unblock, want 1", n)
	}
}

// TestBlockedActorHostIsRefused (M1): a signer on an open domain cannot
// carry an activity whose actor is on a blocked one; that is 403, not the
// 401 of an actor/signer mismatch. An IDN spelling of the blocked domain in
// the keyId is refused as well.
func TestBlockedActorHostIsRefused(t *testing.T) {
	dns, lookups := countingDNS()
	r := newRig(t, fetch.Config{Resolver: dns})
	ctx := context.Background()
	alice := r.newRemote("https://good.test/users/alice")
	if _, _, err := r.moderation().BlockDomain(ctx, "bücher.example", ""); err != nil {
		t.Fatal(err)
	}
	body := followBody("https://good.test/follows/1", "https://shop.xn--bcher-kva.example/users/x")
	r.expectRefused(nil, 403, r.inbox.Receive(ctx, r.signed(alice, body)))

	// A keyId cannot carry Unicode (a quoted-string is ASCII): the
	// punycode spelling, in upper case with the root's dot, must match.
	_, kim := newKey(t)
	kim.id = "https://SHOP.XN--BCHER-KVA.example./users/kim"
	kim.keyID = kim.id + "#main-key"
	r.expectRefused(nil, 403, r.inbox.Receive(ctx, r.signed(kim, followBody("https://shop.xn--bcher-kva.example/f/1", "https://shop.xn--bcher-kva.example/users/kim"))))
	if lookups.Load() != 0 {
		t.Fatalf("%d DNS lookups for a blocked IDN signer", lookups.Load())
	}
	// Alice herself is not affected.
	if err := r.inbox.Receive(ctx, r.signed(alice, followBody("https://good.test/follows/2", alice.id))); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) reports() []*domain.Report {
	var out []*domain.Report
	r.view(func(tx domain.Tx) { out, _ = tx.Reports() })
	return out
}

// TestCapturedFlagBecomesAReport: GoToSocial's report, sent by its instance
// actor with the reported account and post as an array, lands as a Report
// with both objects and the comment.
func TestCapturedFlagBecomesAReport(t *testing.T) {
	r := newRig(t, fetch.Config{})
	r.remember(peerActors...)
	f := loadFixture(t, "gotosocial/inbound-flag.json")
	r.now = f.date(t)
	if err := r.inbox.Receive(context.Background(), f.request(f.body(t))); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(context.Background())
	rs := r.reports()
	if len(rs) != 1 {
		t.Fatalf("%d reports, want 1", len(rs))
	}
	rep := rs[0]
	if rep.Reporter != "https://gts.test/users/gts.test" || rep.Content != "test report: this lesson post is spam" ||
		!rep.Received.Equal(r.now) || rep.Resolved {
		t.Fatalf("report %+v", rep)
	}
	want := []string{"https://node.test/users/course", "https://node.test/users/course/notes/1795879208626709845"}
	if strings.Join(rep.Objects, " ") != strings.Join(want, " ") {
		t.Fatalf("objects %v, want %v", rep.Objects, want)
	}
}

// TestHugeFlagIsTruncated (M5): a report with a huge HTML comment is kept,
// as plain text cut to 2000 characters.
func TestHugeFlagIsTruncated(t *testing.T) {
	r := newRig(t, fetch.Config{})
	alice := r.newRemote("https://good.test/users/alice")
	// About 9000 characters of text in 33 kB of HTML; kept under 64 kB,
	// the largest value the in-memory store of the tests takes.
	content := "<p>" + strings.Repeat("é<b>x</b> ", 3000) + "</p><script>alert(1)</script>"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": "https://good.test/flags/1",
		"type": "Flag", "actor": alice.id, "object": "https://node.test/courses/course", "content": content})
	body := bytes.TrimSpace(buf.Bytes())
	if err := r.inbox.Receive(context.Background(), r.signed(alice, body)); err != nil {
		t.Fatal(err)
	}
	r.inbox.ProcessPending(context.Background())
	rs := r.reports()
	if len(rs) != 1 {
		t.Fatalf("%d reports", len(rs))
	}
	c := rs[0].Content
	if n := utf8.RuneCountInString(c); n != domain.MaxReportContent || !strings.HasPrefix(c, "éx éx") || !strings.HasSuffix(c, "…") {
		t.Fatalf("content of %d characters: %.40q…%q", n, c, c[len(c)-10:])
	}
	if strings.ContainsAny(c, "<>") || strings.Contains(c, "alert") {
		t.Fatal("markup kept in a report")
	}
	if len(rs[0].Objects) != 1 || rs[0].Objects[0] != "https://node.test/courses/course" {
		t.Fatalf("objects %v", rs[0].Objects)
	}
}

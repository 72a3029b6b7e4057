package outbox

import (
	"crypto"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/store"
	"github.com/lernejo/lernejo/federation/httpsig"
)

// peer is a server that verifies deliveries with the node's own verifiers (federation/httpsig), as a
// peer of one kind or another would: one that reads RFC 9421 (Mastodon 4.5), one that only reads
// draft-cavage (it takes the Signature header for a cavage one and cannot parse an RFC 9421 value),
// or one that refuses every signature. A signature it can read but that does not verify fails the
// test: the outbox only ever sends good ones. It answers 202 to what it accepts and 401 otherwise.
type peer struct {
	t     *testing.T
	srv   *httptest.Server
	clock *fakeClock
	pub   crypto.PublicKey

	mu         sync.Mutex
	cavageOnly bool
	refuseAll  bool
	got        []domain.SignatureScheme // the scheme of each POST, in order
}

func newPeer(t *testing.T, e *env, cavageOnly bool) *peer {
	p := &peer{t: t, clock: e.clock, pub: mustPub(t, e.keys), cavageOnly: cavageOnly}
	p.srv = httptest.NewServer(p)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *peer) inbox() string { return p.srv.URL + "/inbox" }
func (p *peer) host() string  { return strings.TrimPrefix(p.srv.URL, "http://") }

func (p *peer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || r.Method != http.MethodPost || r.URL.Path != "/inbox" {
		p.t.Errorf("peer: unexpected %s %s (%v)", r.Method, r.URL, err)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	scheme := domain.SignatureCavage
	if len(r.Header.Values("Signature-Input")) > 0 {
		scheme = domain.SignatureRFC9421
	}
	p.mu.Lock()
	p.got = append(p.got, scheme)
	cavageOnly, refuseAll := p.cavageOnly, p.refuseAll
	p.mu.Unlock()
	if refuseAll {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if cavageOnly {
		r.Header.Del("Signature-Input") // it does not know the header
	}
	opt := httpsig.VerifyOptions{Host: r.Host, Scheme: "http", Now: p.clock.Now()}
	params, err := httpsig.Check(r, body, opt)
	if err == nil {
		err = httpsig.Verify(r, params, p.pub, opt)
	}
	switch {
	case err == nil:
		w.WriteHeader(http.StatusAccepted)
	case cavageOnly && scheme == domain.SignatureRFC9421:
		w.WriteHeader(http.StatusUnauthorized) // expected: it cannot read RFC 9421
	default:
		p.t.Errorf("peer: %s signature refused: %v", scheme, err)
		w.WriteHeader(http.StatusUnauthorized)
	}
}

func (p *peer) set(cavageOnly, refuseAll bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cavageOnly, p.refuseAll = cavageOnly, refuseAll
}

// schemes returns the schemes of the POSTs received so far.
func (p *peer) schemes() []domain.SignatureScheme {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]domain.SignatureScheme(nil), p.got...)
}

// deliver queues one activity to p, and waits until it is no longer queued and p has want POSTs in
// all.
func (e *env) deliver(t *testing.T, ob *Outbox, p *peer, want int) {
	t.Helper()
	e.queue(ob, "ada", p.inbox())
	waitFor(t, "the delivery", func() bool { return len(e.deliveries()) == 0 && len(p.schemes()) == want })
}

func wantSchemes(t *testing.T, p *peer, want ...domain.SignatureScheme) {
	t.Helper()
	got := p.schemes()
	if strings.Join(schemeNames(got), " ") != strings.Join(schemeNames(want), " ") {
		t.Fatalf("POSTs signed %v, want %v", got, want)
	}
}

func schemeNames(ss []domain.SignatureScheme) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

const (
	rfc9421 = domain.SignatureRFC9421
	cavage  = domain.SignatureCavage
)

// TestKnockCavageOnlyHost: a host that only verifies draft-cavage answers the RFC 9421 knock with 401
// and gets the delivery on the second knock, in the same attempt; from then on it is sent cavage at
// once, and that is stored with the host's health.
func TestKnockCavageOnlyHost(t *testing.T) {
	e := newEnv(t)
	p := newPeer(t, e, true)
	ob := e.outbox()
	e.run(ob)

	e.deliver(t, ob, p, 2)
	wantSchemes(t, p, rfc9421, cavage)
	if h := e.health(p.host()); h.Signature != cavage || !h.SignatureLearned.Equal(e.clock.Now()) || len(h.FailureDays) != 0 {
		t.Errorf("host health %+v, want cavage learnt now and no failure", h)
	}
	e.deliver(t, ob, p, 3)
	wantSchemes(t, p, rfc9421, cavage, cavage)
}

// TestKnockRFC9421Host: a host that verifies RFC 9421 gets RFC 9421 only, and is remembered so.
func TestKnockRFC9421Host(t *testing.T) {
	e := newEnv(t)
	p := newPeer(t, e, false)
	ob := e.outbox()
	e.run(ob)

	e.deliver(t, ob, p, 1)
	e.deliver(t, ob, p, 2)
	wantSchemes(t, p, rfc9421, rfc9421)
	if h := e.health(p.host()); h.Signature != rfc9421 {
		t.Errorf("host health %+v, want rfc9421", h)
	}
}

// TestKnockMemorySurvivesRestart: what was learnt of a host is in the store, so an Outbox on the
// reopened store sends cavage to a cavage-only host at once.
func TestKnockMemorySurvivesRestart(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	open := func() *store.Store {
		st, err := store.Open(store.Options{Dir: dir, MinFree: 1, Reserve: -1})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	e.st = open()
	e.keys = e.person("ada")
	p := newPeer(t, e, true)
	ob := e.outbox()
	stop := e.run(ob)
	e.deliver(t, ob, p, 2)
	stop()
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}

	e.st = open()
	t.Cleanup(func() { e.st.Close() })
	e.clock.Advance(time.Hour)
	ob2 := e.outbox()
	e.run(ob2)
	e.deliver(t, ob2, p, 3)
	wantSchemes(t, p, rfc9421, cavage, cavage)
}

// TestKnockBothRefused: a host that answers 401 to both knocks is a failed attempt, as a 401 was
// before the double knock: rescheduled with backoff, a failure day counted, nothing learnt; the retry
// knocks twice again.
func TestKnockBothRefused(t *testing.T) {
	e := newEnv(t)
	p := newPeer(t, e, false)
	p.set(false, true)
	ob := e.outbox()
	e.run(ob)

	start := e.clock.Now()
	e.queue(ob, "ada", p.inbox())
	var d *domain.Delivery
	waitFor(t, "a failed attempt", func() bool {
		ds := e.deliveries()
		if len(ds) == 1 && ds[0].Attempts == 1 {
			d = ds[0]
		}
		return d != nil
	})
	wantSchemes(t, p, rfc9421, cavage)
	if delay := d.NextAt.Sub(start); delay < Backoff(1, 0) || delay > Backoff(1, 1) {
		t.Errorf("retry in %v, want within [%v, %v]", delay, Backoff(1, 0), Backoff(1, 1))
	}
	if !strings.Contains(d.LastError, "RFC 9421: 401") || !strings.Contains(d.LastError, "draft-cavage: 401") {
		t.Errorf("LastError %q, want both answers", d.LastError)
	}
	h := e.health(p.host())
	if len(h.FailureDays) != 1 || h.Signature != "" {
		t.Errorf("host health %+v, want one failure day and no scheme", h)
	}

	e.clock.Set(d.NextAt.Add(time.Second))
	ob.Wake()
	waitFor(t, "the retry", func() bool {
		ds := e.deliveries()
		return len(ds) == 1 && ds[0].Attempts == 2
	})
	wantSchemes(t, p, rfc9421, cavage, rfc9421, cavage)
}

// TestKnockRFC9421HostFlips: a host remembered as RFC 9421 that starts answering it with 401 gets the
// cavage knock too, and is remembered as cavage from then on.
func TestKnockRFC9421HostFlips(t *testing.T) {
	e := newEnv(t)
	p := newPeer(t, e, false)
	ob := e.outbox()
	e.run(ob)

	e.deliver(t, ob, p, 1)
	p.set(true, false)
	e.clock.Advance(time.Minute)
	e.deliver(t, ob, p, 3)
	e.deliver(t, ob, p, 4)
	wantSchemes(t, p, rfc9421, rfc9421, cavage, cavage)
	if h := e.health(p.host()); h.Signature != cavage || !h.SignatureLearned.Equal(e.clock.Now()) {
		t.Errorf("host health %+v, want cavage learnt at the flip", h)
	}
}

// TestKnockCavageReprobed: a host remembered as cavage gets RFC 9421 first again once
// ReprobeCavageAfter has passed. Still cavage-only, it is remembered as cavage for another period;
// upgraded, it is remembered as RFC 9421.
func TestKnockCavageReprobed(t *testing.T) {
	e := newEnv(t)
	p := newPeer(t, e, true)
	ob := e.outbox()
	e.run(ob)

	e.deliver(t, ob, p, 2) // learnt: cavage
	e.clock.Advance(ReprobeCavageAfter - time.Minute)
	e.deliver(t, ob, p, 3) // within the period: cavage at once
	wantSchemes(t, p, rfc9421, cavage, cavage)

	e.clock.Advance(time.Minute)
	e.deliver(t, ob, p, 5) // re-probed, still cavage-only
	wantSchemes(t, p, rfc9421, cavage, cavage, rfc9421, cavage)
	if h := e.health(p.host()); h.Signature != cavage || !h.SignatureLearned.Equal(e.clock.Now()) {
		t.Errorf("host health %+v, want cavage confirmed now", h)
	}
	e.clock.Advance(time.Minute)
	e.deliver(t, ob, p, 6) // a new period: cavage at once
	wantSchemes(t, p, rfc9421, cavage, cavage, rfc9421, cavage, cavage)

	p.set(false, false) // the server upgrades
	e.clock.Advance(ReprobeCavageAfter)
	e.deliver(t, ob, p, 7)
	e.deliver(t, ob, p, 8)
	wantSchemes(t, p, rfc9421, cavage, cavage, rfc9421, cavage, cavage, rfc9421, rfc9421)
	if h := e.health(p.host()); h.Signature != rfc9421 {
		t.Errorf("host health %+v, want rfc9421 after the upgrade", h)
	}
}

// TestKnockRules: which answers call for the second knock and which teach a scheme.
func TestKnockRules(t *testing.T) {
	unknown, known9421 := knownScheme{}, knownScheme{scheme: rfc9421}
	for _, c := range []struct {
		status         int
		unknown, known bool // knocksAgain for an unknown host, for an RFC 9421 host
		accepts        bool // acceptsSignature
	}{
		{202, false, false, true},
		{200, false, false, true},
		{400, true, false, false},
		{401, true, true, false},
		{403, true, false, false},
		{404, false, false, true},
		{410, false, false, true},
		{422, false, false, true},
		{408, false, false, false},
		{429, false, false, false},
		{301, false, false, false},
		{500, false, false, false},
		{503, false, false, false},
		{0, false, false, false},
	} {
		if got := knocksAgain(unknown, c.status); got != c.unknown {
			t.Errorf("knocksAgain(unknown, %d) = %v", c.status, got)
		}
		if got := knocksAgain(known9421, c.status); got != c.known {
			t.Errorf("knocksAgain(rfc9421, %d) = %v", c.status, got)
		}
		if got := acceptsSignature(c.status); got != c.accepts {
			t.Errorf("acceptsSignature(%d) = %v", c.status, got)
		}
	}
}

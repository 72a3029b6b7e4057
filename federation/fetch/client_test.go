package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lernejo/lernejo/federation"
	"golang.org/x/net/dns/dnsmessage"
)

const asJSON = "application/activity+json"

// ---- test helpers ----------------------------------------------------------------------------------------

// fakeDNS is an in-process DNS server reached through net.Resolver.Dial (stream framing over net.Pipe).
// answer gets the lower-cased name and how many A queries that name has had (1-based; AAAA queries see the
// current count). nil means NXDOMAIN.
type fakeDNS struct {
	answer func(name string, n int) []netip.Addr
	mu     sync.Mutex
	count  map[string]int
}

func newFakeDNS(answer func(name string, n int) []netip.Addr) *fakeDNS {
	return &fakeDNS{answer: answer, count: map[string]int{}}
}

func staticDNS(m map[string]string) *fakeDNS {
	return newFakeDNS(func(name string, _ int) []netip.Addr {
		ip, ok := m[name]
		if !ok {
			return nil
		}
		return []netip.Addr{netip.MustParseAddr(ip)}
	})
}

func (f *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		cli, srv := net.Pipe()
		go f.serve(srv)
		return cli, nil
	}}
}

func (f *fakeDNS) serve(c net.Conn) {
	defer c.Close()
	for {
		var lb [2]byte
		if _, err := io.ReadFull(c, lb[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(lb[:]))
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		var p dnsmessage.Parser
		h, err := p.Start(msg)
		if err != nil {
			return
		}
		q, err := p.Question()
		if err != nil {
			return
		}
		name := strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")
		f.mu.Lock()
		if q.Type == dnsmessage.TypeA {
			f.count[name]++
		}
		n := f.count[name]
		f.mu.Unlock()
		addrs := f.answer(name, n)
		rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
		if addrs == nil {
			rh.RCode = dnsmessage.RCodeNameError
		}
		b := dnsmessage.NewBuilder(nil, rh)
		_ = b.StartQuestions()
		_ = b.Question(q)
		_ = b.StartAnswers()
		for _, a := range addrs {
			rrh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}
			switch {
			case q.Type == dnsmessage.TypeA && a.Is4():
				_ = b.AResource(rrh, dnsmessage.AResource{A: a.As4()})
			case q.Type == dnsmessage.TypeAAAA && a.Is6():
				_ = b.AAAAResource(rrh, dnsmessage.AAAAResource{AAAA: a.As16()})
			}
		}
		out, err := b.Finish()
		if err != nil {
			return
		}
		binary.BigEndian.PutUint16(lb[:], uint16(len(out)))
		if _, err := c.Write(append(lb[:], out...)); err != nil {
			return
		}
	}
}

// countingListener accepts and counts connections on 127.0.0.1, closing each at once.
type countingListener struct {
	ln      net.Listener
	accepts atomic.Int64
}

func newCountingListener(t *testing.T) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cl.accepts.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return cl
}

func (cl *countingListener) port() string {
	_, p, _ := net.SplitHostPort(cl.ln.Addr().String())
	return p
}

// asDoc serves an AS document with the given id.
func asDoc(w http.ResponseWriter, id string) {
	w.Header().Set("Content-Type", asJSON)
	fmt.Fprintf(w, `{"@context":"https://www.w3.org/ns/activitystreams","id":%q,"type":"Note"}`, id)
}

// privateClient is a client with AllowPrivate (to reach httptest servers on 127.0.0.1).
func privateClient(cfg Config) *Client {
	cfg.AllowPrivate = true
	return NewClient(cfg)
}

// treatAsPublic makes the production guard (AllowPrivate=false) regard the given listener addresses as
// public, as if they were internet hosts; every other address still goes through the real guard.
// It also trusts the TLS test server's certificate.
func treatAsPublic(c *Client, srv *httptest.Server, public ...string) {
	if srv != nil && srv.TLS != nil {
		c.transport.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	}
	orig := c.dialer.Control
	c.dialer.Control = func(network, address string, rc syscall.RawConn) error {
		for _, p := range public {
			if address == p {
				return nil
			}
		}
		return orig(network, address, rc)
	}
}

// ---- F1 / F4 / F7: the guard ------------------------------------------------------------------------------

func TestGuardRefusesAddresses(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255",
		"192.168.1.1", "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3",
		"224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "198.18.0.1", "198.19.255.255",
		"192.0.0.8", "192.0.2.1", "198.51.100.7", "203.0.113.9", "192.88.99.1",
		"::1", "::", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::7f00:1",
		"64:ff9b::808:808", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "ff0e::1", "2001:db8::1",
		"2002:7f00:1::1", "2001::1", "3fff::1", "::127.0.0.1", "100::1", "4000::1", "fec0::1",
	}
	for _, s := range refused {
		a := netip.MustParseAddr(s)
		if !forbiddenAddr(a) {
			t.Errorf("forbiddenAddr(%s) = false, want true", s)
		}
		err := guardDial("tcp", netip.AddrPortFrom(a, 443).String())
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("guardDial(%s) = %v, want ErrForbiddenAddress", s, err)
		}
	}
	allowed := []string{"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "::ffff:8.8.8.8",
		"2606:4700:4700::1111", "2a01:4f8::1", "2001:4860:4860::8888"}
	for _, s := range allowed {
		a := netip.MustParseAddr(s)
		if forbiddenAddr(a) {
			t.Errorf("forbiddenAddr(%s) = true, want false", s)
		}
		if err := guardDial("tcp", netip.AddrPortFrom(a, 443).String()); err != nil {
			t.Errorf("guardDial(%s) = %v, want nil", s, err)
		}
	}
	if err := guardDial("udp", "8.8.8.8:53"); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("guardDial(udp) = %v, want refusal", err)
	}
	if err := guardDial("tcp", "example.com:443"); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("guardDial(unresolved name) = %v, want refusal", err)
	}
}

// F1 end to end: with AllowPrivate=false nothing reaches a loopback listener, whatever the URL spelling.
func TestFetchGuardZeroConnections(t *testing.T) {
	cl := newCountingListener(t)
	p := cl.port()
	dns := staticDNS(map[string]string{"evil.test": "127.0.0.1", "meta.test": "169.254.169.254", "six.test": "::1"})
	c := NewClient(Config{Resolver: dns.resolver(), Timeout: 5 * time.Second})
	ctx := context.Background()
	urls := []string{
		"http://127.0.0.1:" + p + "/",
		"https://127.0.0.1:" + p + "/",
		"https://evil.test:" + p + "/actor",
		"https://EVIL.test.:" + p + "/actor",
		"https://[::ffff:127.0.0.1]:" + p + "/",
		"https://[::1]:" + p + "/",
		"https://six.test:" + p + "/",
		"https://meta.test:" + p + "/latest/meta-data",
		"https://2130706433:" + p + "/",
		"https://0x7f.1:" + p + "/",
		"https://127.1:" + p + "/",
		"https://0.0.0.0:" + p + "/",
		"gopher://127.0.0.1:" + p + "/",
		"file:///etc/passwd",
		"ftp://127.0.0.1:" + p + "/",
	}
	for _, u := range urls {
		if _, err := c.FetchActivity(ctx, u); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("FetchActivity(%s) = %v, want ErrForbiddenAddress", u, err)
		}
		if _, _, err := c.Get(ctx, u, "application/json"); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("Get(%s) = %v, want ErrForbiddenAddress", u, err)
		}
	}
	// POST deliveries use the same guard.
	for _, u := range []string{"https://127.0.0.1:" + p + "/inbox", "https://evil.test:" + p + "/inbox", "http://127.0.0.1:" + p + "/inbox"} {
		resp, err := c.HTTP().Post(u, asJSON, strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("HTTP().Post(%s) = %v, want ErrForbiddenAddress", u, err)
		}
	}
	if n := cl.accepts.Load(); n != 0 {
		t.Fatalf("loopback listener saw %d connections, want 0", n)
	}
}

func TestFetchGuardSchemes(t *testing.T) {
	c := NewClient(Config{})
	for _, u := range []string{"gopher://example.com/", "file:///etc/passwd", "ftp://example.com/x", "data:text/plain,hi",
		"javascript:alert(1)", "ws://example.com/", "http://example.com/x", "https://user:pw@example.com/x", "https:///x"} {
		if _, err := c.FetchActivity(context.Background(), u); err == nil {
			t.Errorf("FetchActivity(%s) succeeded, want error", u)
		} else if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("FetchActivity(%s) = %v, want ErrForbiddenAddress", u, err)
		}
	}
	if _, err := c.FetchActivity(context.Background(), "/relative"); err == nil {
		t.Error("relative URL accepted")
	}
}

// F7: hidden services are refused even with private networks allowed; no DNS query is made.
func TestFetchOnionRefused(t *testing.T) {
	var queries atomic.Int64
	dns := newFakeDNS(func(string, int) []netip.Addr { queries.Add(1); return []netip.Addr{netip.MustParseAddr("127.0.0.1")} })
	for _, allow := range []bool{false, true} {
		c := NewClient(Config{AllowPrivate: allow, Resolver: dns.resolver()})
		for _, u := range []string{"https://abcdefghijklmnop.onion/users/a", "http://abcdefghijklmnop.onion/", "https://x.i2p/a",
			"https://X.ONION./a", "https://foo.b32.i2p:8443/"} {
			if _, err := c.FetchActivity(context.Background(), u); !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("allow=%v FetchActivity(%s) = %v, want ErrForbiddenAddress", allow, u, err)
			}
			resp, err := c.HTTP().Get(u)
			if err == nil {
				resp.Body.Close()
			}
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("allow=%v HTTP().Get(%s) = %v, want ErrForbiddenAddress", allow, u, err)
			}
		}
	}
	if n := queries.Load(); n != 0 {
		t.Errorf("%d DNS queries for hidden services, want 0", n)
	}
}

// F2: the guard runs on the IP actually dialled, so an answer that flips between public and private
// cannot slip through. The "public" dial is stopped by the test before connecting.
func TestFetchGuardDNSRebinding(t *testing.T) {
	cl := newCountingListener(t)
	dns := newFakeDNS(func(name string, n int) []netip.Addr {
		if name != "rebind.test" {
			return nil
		}
		if n%2 == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	})
	c := NewClient(Config{Resolver: dns.resolver(), Timeout: 5 * time.Second})
	errStub := errors.New("test stub: public address would be dialled")
	var publicDials, guardCalls atomic.Int64
	orig := c.dialer.Control
	c.dialer.Control = func(network, address string, rc syscall.RawConn) error {
		guardCalls.Add(1)
		if err := orig(network, address, rc); err != nil {
			return err
		}
		publicDials.Add(1)
		return errStub
	}
	u := "https://rebind.test:" + cl.port() + "/actor"
	for i := 1; i <= 4; i++ {
		_, err := c.FetchActivity(context.Background(), u)
		if i%2 == 1 {
			if !errors.Is(err, errStub) {
				t.Errorf("fetch %d (public answer): %v, want the stub error", i, err)
			}
		} else if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("fetch %d (private answer): %v, want ErrForbiddenAddress", i, err)
		}
	}
	if guardCalls.Load() != 4 || publicDials.Load() != 2 {
		t.Errorf("guard calls %d, public dials %d; want 4, 2", guardCalls.Load(), publicDials.Load())
	}
	if n := cl.accepts.Load(); n != 0 {
		t.Fatalf("loopback listener saw %d connections, want 0", n)
	}
}

func TestFetchResolverUsed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asDoc(w, "http://a.test:"+portOf(r.Host)+r.URL.Path)
	}))
	defer srv.Close()
	dns := staticDNS(map[string]string{"a.test": "127.0.0.1"})
	c := privateClient(Config{Resolver: dns.resolver()})
	u := "http://a.test:" + portOf(srv.Listener.Addr().String()) + "/notes/1"
	if _, err := c.FetchActivity(context.Background(), u); err != nil {
		t.Fatalf("FetchActivity via fake resolver: %v", err)
	}
}

func portOf(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}

// ---- F3: redirects ----------------------------------------------------------------------------------------

func TestFetchRedirects(t *testing.T) {
	var srvURL string
	mux := http.NewServeMux()
	mux.HandleFunc("/doc", func(w http.ResponseWriter, r *http.Request) { asDoc(w, srvURL+"/doc") })
	mux.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/hop/"), "%d", &n)
		if n <= 0 {
			http.Redirect(w, r, "/doc", http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusMovedPermanently)
	})
	for path, loc := range map[string]string{
		"/to-file":    "file:///etc/passwd",
		"/to-gopher":  "gopher://127.0.0.1:70/",
		"/to-ftp":     "ftp://127.0.0.1/x",
		"/to-onion":   "https://abcdefghijklmnop.onion/x",
		"/to-userinf": "http://user:pw@127.0.0.1/x",
		"/to-empty":   "",
	} {
		loc := loc
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if loc == "" {
				w.WriteHeader(http.StatusFound)
				return
			}
			w.Header().Set("Location", loc)
			w.WriteHeader(http.StatusFound)
		})
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL
	c := privateClient(Config{})
	ctx := context.Background()

	// /hop/2 → /hop/1 → /hop/0 → /doc: 3 hops, allowed. The id differs from the requested URL but is on the
	// same origin, so the doc is refetched by id and returned.
	body, err := c.FetchActivity(ctx, srv.URL+"/hop/2")
	if err != nil || !bytes.Contains(body, []byte(`"id":"`+srv.URL+`/doc"`)) {
		t.Fatalf("3 hops: %s, %v", body, err)
	}
	if _, err := c.FetchActivity(ctx, srv.URL+"/hop/3"); !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("4 hops: %v, want ErrTooManyRedirects", err)
	}
	if _, _, err := c.Get(ctx, srv.URL+"/hop/3", "application/json"); !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("Get 4 hops: %v, want ErrTooManyRedirects", err)
	}
	c1 := privateClient(Config{MaxRedirects: 1})
	if _, err := c1.FetchActivity(ctx, srv.URL+"/hop/1"); !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("MaxRedirects 1, 2 hops: %v, want ErrTooManyRedirects", err)
	}
	c0 := privateClient(Config{MaxRedirects: -1})
	if _, err := c0.FetchActivity(ctx, srv.URL+"/hop/0"); !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("MaxRedirects -1, 1 hop: %v, want ErrTooManyRedirects", err)
	}
	for _, p := range []string{"/to-file", "/to-gopher", "/to-ftp", "/to-onion", "/to-userinf"} {
		if _, err := c.FetchActivity(ctx, srv.URL+p); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("redirect %s: %v, want ErrForbiddenAddress", p, err)
		}
	}
	if _, err := c.FetchActivity(ctx, srv.URL+"/to-empty"); err == nil {
		t.Error("redirect without Location accepted")
	}

	// HTTP() never follows redirects (D9).
	resp, err := c.HTTP().Post(srv.URL+"/hop/0", asJSON, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("HTTP() followed a redirect: status %d", resp.StatusCode)
	}
}

// F3 with the production guard on: a "public" TLS server (example.com → its 127.0.0.1 listener, which the
// test marks as public) redirecting to private addresses, literal or via DNS, or to plain http.
func TestFetchRedirectGuardedEachHop(t *testing.T) {
	cl := newCountingListener(t)
	var base string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/doc":
			asDoc(w, base+"/doc")
		case "/ok":
			http.Redirect(w, r, "/doc", http.StatusFound)
		case "/meta":
			http.Redirect(w, r, "https://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/meta-dns":
			http.Redirect(w, r, "https://meta.test/latest/meta-data/", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "https://127.0.0.1:"+cl.port()+"/", http.StatusTemporaryRedirect)
		case "/loop-dns":
			http.Redirect(w, r, "https://loop.test:"+cl.port()+"/", http.StatusTemporaryRedirect)
		case "/v6":
			http.Redirect(w, r, "https://[::1]:"+cl.port()+"/", http.StatusPermanentRedirect)
		case "/downgrade":
			http.Redirect(w, r, "http://"+r.Host+"/doc", http.StatusMovedPermanently)
		}
	}))
	defer srv.Close()
	base = "https://example.com:" + portOf(srv.Listener.Addr().String())
	dns := staticDNS(map[string]string{"example.com": "127.0.0.1", "meta.test": "169.254.169.254", "loop.test": "127.0.0.1"})
	c := NewClient(Config{Resolver: dns.resolver(), Timeout: 5 * time.Second})
	treatAsPublic(c, srv, srv.Listener.Addr().String())
	ctx := context.Background()
	if _, err := c.FetchActivity(ctx, base+"/ok"); err != nil {
		t.Fatalf("public https redirect chain: %v", err)
	}
	for _, p := range []string{"/meta", "/meta-dns", "/loop", "/loop-dns", "/v6", "/downgrade"} {
		if _, err := c.FetchActivity(ctx, base+p); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("redirect %s: %v, want ErrForbiddenAddress", p, err)
		}
	}
	if n := cl.accepts.Load(); n != 0 {
		t.Fatalf("loopback listener saw %d connections, want 0", n)
	}
}

// F10: every hop is signed again, with a fresh Date.
func TestFetchSignsEveryHop(t *testing.T) {
	type seen struct{ date, sig, path string }
	var mu sync.Mutex
	var got []seen
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, seen{r.Header.Get("Date"), r.Header.Get("Signature"), r.URL.Path})
		mu.Unlock()
		switch r.URL.Path {
		case "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case "/b":
			http.Redirect(w, r, "/c", http.StatusFound)
		default:
			asDoc(w, srvURL+"/c")
		}
	}))
	defer srv.Close()
	srvURL = srv.URL
	var clock atomic.Int64
	base := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	var signs atomic.Int64
	var hosts []string
	c := privateClient(Config{
		Now: func() time.Time { return base.Add(time.Duration(clock.Add(1)) * time.Second) },
		Sign: func(r *http.Request) error {
			n := signs.Add(1)
			if r.Header.Get("Date") == "" {
				return errors.New("no Date to sign")
			}
			hosts = append(hosts, r.Header.Get("Host"))
			r.Header.Set("Signature", fmt.Sprintf("sig%d %s", n, r.URL.Path))
			return nil
		},
	})
	if _, err := c.FetchActivity(context.Background(), srv.URL+"/c"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FetchActivity(context.Background(), srv.URL+"/a"); err != nil {
		t.Fatal(err)
	}
	// 1 request for /c, then /a → /b → /c and a refetch of /c by id.
	if signs.Load() != 5 || len(got) != 5 {
		t.Fatalf("Sign called %d times, server saw %d requests; want 5, 5", signs.Load(), len(got))
	}
	dates := map[string]bool{}
	for i, s := range got {
		want := fmt.Sprintf("sig%d %s", i+1, s.path)
		if s.sig != want {
			t.Errorf("request %d (%s) Signature %q, want %q", i, s.path, s.sig, want)
		}
		if dates[s.date] {
			t.Errorf("request %d reused Date %q", i, s.date)
		}
		dates[s.date] = true
		if d, err := http.ParseTime(s.date); err != nil || !d.After(base) {
			t.Errorf("request %d Date %q not from the injected clock", i, s.date)
		}
	}
	for _, h := range hosts {
		if h != srv.Listener.Addr().String() {
			t.Errorf("Host header for signing %q, want %q", h, srv.Listener.Addr().String())
		}
	}
	c2 := privateClient(Config{Sign: func(*http.Request) error { return errors.New("no key") }})
	if _, err := c2.FetchActivity(context.Background(), srv.URL+"/c"); err == nil {
		t.Error("Sign error ignored")
	}
}

// ---- F5, F6: deadlines and sizes --------------------------------------------------------------------------

func TestFetchSlowloris(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", asJSON)
		w.WriteHeader(http.StatusOK)
		fl := w.(http.Flusher)
		for {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			fl.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}))
	defer srv.Close()
	c := privateClient(Config{Timeout: time.Second})
	if _, err := c.FetchActivity(context.Background(), srv.URL+"/x"); err == nil {
		t.Fatal("slowloris fetch succeeded")
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("slowloris error (not DeadlineExceeded but an error): %v", err)
	}
	if _, _, err := c.Get(context.Background(), srv.URL+"/x", "application/json"); err == nil {
		t.Fatal("slowloris Get succeeded")
	}
	// A server that never sends headers is cut off too.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	if _, err := c.FetchActivity(context.Background(), hang.URL+"/x"); err == nil {
		t.Fatal("hanging server fetch succeeded")
	}
}

func TestFetchBodyLimits(t *testing.T) {
	var srvURL string
	bomb := func() []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write([]byte(`{"id":"` + srvURL + `/bomb","x":"`))
		zw.Write(make([]byte, 10<<20)) // 10 MiB of zeros → ~10 KiB compressed
		zw.Write([]byte(`"}`))
		zw.Close()
		return buf.Bytes()
	}
	small := func() []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		fmt.Fprintf(zw, `{"id":%q}`, srvURL+"/smallgz")
		zw.Close()
		return buf.Bytes()
	}
	big := bytes.Repeat([]byte("a"), 2<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", asJSON)
		switch r.URL.Path {
		case "/bomb":
			b := bomb()
			if len(b) > 64<<10 {
				t.Errorf("bomb is %d bytes compressed", len(b))
			}
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(b)
		case "/smallgz":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(small())
		case "/big":
			w.Header().Set("Content-Length", fmt.Sprint(len(big)))
			w.Write(big)
		case "/big-chunked":
			w.(http.Flusher).Flush() // no Content-Length
			for i := 0; i < len(big); i += 32 << 10 {
				if _, err := w.Write(big[i : i+32<<10]); err != nil {
					return
				}
			}
		case "/limit":
			fmt.Fprintf(w, `{"id":%q,"pad":"%s"}`, srvURL+"/limit", strings.Repeat("p", 1000))
		}
	}))
	defer srv.Close()
	srvURL = srv.URL
	c := privateClient(Config{})
	ctx := context.Background()
	for _, p := range []string{"/bomb", "/big", "/big-chunked"} {
		if _, err := c.FetchActivity(ctx, srv.URL+p); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", p, err)
		}
		if _, _, err := c.Get(ctx, srv.URL+p, "application/json"); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Get %s: %v, want ErrTooLarge", p, err)
		}
	}
	body, err := c.FetchActivity(ctx, srv.URL+"/smallgz")
	if err != nil || !bytes.HasPrefix(body, []byte(`{"id"`)) {
		t.Errorf("small gzip doc: %q, %v", body, err)
	}
	// MaxBody is exact: a body of n bytes passes with MaxBody n and fails with n-1.
	resp, b, err := c.Get(ctx, srv.URL+"/limit", "")
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	n := int64(len(b))
	if _, err := privateClient(Config{MaxBody: n}).FetchActivity(ctx, srv.URL+"/limit"); err != nil {
		t.Errorf("body of exactly MaxBody: %v", err)
	}
	if _, err := privateClient(Config{MaxBody: n - 1}).FetchActivity(ctx, srv.URL+"/limit"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("body of MaxBody+1: %v, want ErrTooLarge", err)
	}
}

// ---- O5: identity ----------------------------------------------------------------------------------------

func TestFetchIDChecks(t *testing.T) {
	var hits sync.Map
	hit := func(p string) int64 {
		v, _ := hits.LoadOrStore(p, new(atomic.Int64))
		return v.(*atomic.Int64).Load()
	}
	var other, third string
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, _ := hits.LoadOrStore(r.URL.Path, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
		switch r.URL.Path {
		case "/exact":
			asDoc(w, srvURL+"/exact")
		case "/alias": // id differs, same origin; the real one answers with its own id
			asDoc(w, srvURL+"/real")
		case "/real":
			asDoc(w, srvURL+"/real")
		case "/alias-liar": // points at an id that itself names yet another id
			asDoc(w, srvURL+"/liar")
		case "/liar":
			asDoc(w, srvURL+"/elsewhere")
		case "/foreign-id": // claims an object on another host
			asDoc(w, other+"/notes/1")
		case "/to-other-claims-us":
			http.Redirect(w, r, other+"/claims-requested?u="+srvURL+"/to-other-claims-us", http.StatusFound)
		case "/to-other-claims-third":
			http.Redirect(w, r, other+"/claims-third", http.StatusFound)
		case "/to-other-own":
			http.Redirect(w, r, other+"/own", http.StatusFound)
		case "/no-id":
			w.Header().Set("Content-Type", asJSON)
			w.Write([]byte(`{"type":"Note"}`))
		case "/case-id":
			w.Header().Set("Content-Type", asJSON)
			fmt.Fprintf(w, `{"id":%q,"ID":%q}`, srvURL+"/case-id", "https://evil.example/x")
		case "/dup-id":
			w.Header().Set("Content-Type", asJSON)
			fmt.Fprintf(w, `{"id":"https://evil.example/x","id":%q}`, srvURL+"/dup-id")
		case "/num-id":
			w.Header().Set("Content-Type", asJSON)
			w.Write([]byte(`{"id":42}`))
		case "/array":
			w.Header().Set("Content-Type", asJSON)
			fmt.Fprintf(w, `[{"id":%q}]`, srvURL+"/array")
		case "/trailing":
			w.Header().Set("Content-Type", asJSON)
			fmt.Fprintf(w, `{"id":%q} {"id":"x"}`, srvURL+"/trailing")
		case "/http-twin":
			asDoc(w, strings.Replace(srvURL, "http://", "https://", 1)+"/http-twin")
		}
	}))
	defer srv.Close()
	srvURL = srv.URL
	oth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/claims-requested":
			asDoc(w, r.URL.Query().Get("u"))
		case "/claims-third":
			asDoc(w, third+"/x")
		case "/own":
			asDoc(w, other+"/own")
		}
	}))
	defer oth.Close()
	other = oth.URL
	third = "http://third.example"
	c := privateClient(Config{})
	ctx := context.Background()

	if _, err := c.FetchActivity(ctx, srv.URL+"/exact"); err != nil || hit("/exact") != 1 {
		t.Errorf("exact id: %v, hits %d", err, hit("/exact"))
	}
	body, err := c.FetchActivity(ctx, srv.URL+"/alias")
	if err != nil || !bytes.Contains(body, []byte(srv.URL+"/real")) || hit("/alias") != 1 || hit("/real") != 1 {
		t.Errorf("same-origin refetch: %s, %v, hits alias %d real %d", body, err, hit("/alias"), hit("/real"))
	}
	if _, err := c.FetchActivity(ctx, srv.URL+"/alias-liar"); !errors.Is(err, ErrIDMismatch) || hit("/liar") != 1 {
		t.Errorf("refetch mismatch: %v (liar hits %d), want ErrIDMismatch after exactly one refetch", err, hit("/liar"))
	}
	for _, p := range []string{"/foreign-id", "/to-other-claims-us", "/to-other-claims-third", "/no-id", "/case-id",
		"/dup-id", "/num-id", "/array", "/trailing", "/http-twin"} {
		if _, err := c.FetchActivity(ctx, srv.URL+p); !errors.Is(err, ErrIDMismatch) {
			t.Errorf("%s: %v, want ErrIDMismatch", p, err)
		}
	}
	// A redirect to another host whose document carries that host's own id: accepted (as Mastodon does), and
	// the returned document is the other host's; identity must be taken from its id.
	body, err = c.FetchActivity(ctx, srv.URL+"/to-other-own")
	if err != nil || !bytes.Contains(body, []byte(other+"/own")) {
		t.Errorf("cross-host redirect to a self-consistent doc: %s, %v", body, err)
	}
	// A differently spelled request URL is refetched under the canonical id.
	spelled := strings.Replace(srv.URL, "127.0.0.1", "127.0.0.1.", 1) + "/exact"
	if body, err := c.FetchActivity(ctx, spelled); err != nil || !bytes.Contains(body, []byte(srv.URL+"/exact")) {
		t.Errorf("respelled URL: %s, %v", body, err)
	}
}

// ---- O6: content types, statuses ---------------------------------------------------------------------------

func TestFetchContentTypes(t *testing.T) {
	tests := []struct {
		ct string
		ok bool
	}{
		{"application/activity+json", true},
		{"application/activity+json; charset=utf-8", true},
		{"Application/Activity+JSON", true},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, true},
		{`application/ld+json;profile="https://www.w3.org/ns/activitystreams"; charset=utf-8`, true},
		{`application/ld+json; profile="https://example.com/x https://www.w3.org/ns/activitystreams"`, true},
		{"application/ld+json", false},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams/evil"`, false},
		{`application/ld+json; profile="http://www.w3.org/ns/activitystreams"`, false},
		{"application/json", false},
		{"text/html", false},
		{"text/html; charset=utf-8", false},
		{"image/png", false},
		{"image/svg+xml", false},
		{"text/plain", false},
		{"application/octet-stream", false},
		{"", false},
		{"application/activity+json, text/html", false},
		{"application/activity+jsonx", false},
	}
	var srvURL string
	var mu sync.Mutex
	var ct string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		w.Header()["Content-Type"] = []string{ct}
		mu.Unlock()
		fmt.Fprintf(w, `{"id":%q}`, srvURL+"/obj")
	}))
	defer srv.Close()
	srvURL = srv.URL
	c := privateClient(Config{})
	for _, tt := range tests {
		if got := federation.IsActivityStreamsContentType(tt.ct); got != tt.ok {
			t.Errorf("IsActivityStreamsContentType(%q) = %v, want %v", tt.ct, got, tt.ok)
		}
		mu.Lock()
		ct = tt.ct
		mu.Unlock()
		_, err := c.FetchActivity(context.Background(), srv.URL+"/obj")
		if tt.ok && err != nil {
			t.Errorf("Content-Type %q refused: %v", tt.ct, err)
		}
		if !tt.ok && !errors.Is(err, ErrContentType) {
			t.Errorf("Content-Type %q: %v, want ErrContentType", tt.ct, err)
		}
	}
}

func TestFetchAcceptAndStatus(t *testing.T) {
	var accept, ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept.Store(r.Header.Get("Accept"))
		ua.Store(r.Header.Get("User-Agent"))
		switch r.URL.Path {
		case "/404":
			w.WriteHeader(http.StatusNotFound)
		case "/410":
			w.WriteHeader(http.StatusGone)
		case "/500":
			w.WriteHeader(http.StatusInternalServerError)
		case "/201":
			w.Header().Set("Content-Type", asJSON)
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"id":"x"}`)
		}
	}))
	defer srv.Close()
	c := privateClient(Config{UserAgent: "Lernejo/test (+https://example.com)"})
	ctx := context.Background()
	if _, err := c.FetchActivity(ctx, srv.URL+"/404"); !errors.Is(err, ErrNotFound) {
		t.Errorf("404: %v", err)
	}
	if got := accept.Load(); got != federation.ActivityStreamsAccept {
		t.Errorf("Accept %q, want %q", got, federation.ActivityStreamsAccept)
	}
	if got := ua.Load(); got != "Lernejo/test (+https://example.com)" {
		t.Errorf("User-Agent %q", got)
	}
	if _, err := c.FetchActivity(ctx, srv.URL+"/410"); !errors.Is(err, ErrGone) {
		t.Errorf("410: %v", err)
	}
	var se *StatusError
	if _, err := c.FetchActivity(ctx, srv.URL+"/500"); !errors.As(err, &se) || se.StatusCode != 500 {
		t.Errorf("500: %v", err)
	}
	if _, err := c.FetchActivity(ctx, srv.URL+"/201"); !errors.As(err, &se) || se.StatusCode != 201 {
		t.Errorf("201: %v", err)
	}
	// Get hands back any status with its (capped) body and no error.
	resp, _, err := c.Get(ctx, srv.URL+"/404", "application/jrd+json")
	if err != nil || resp.StatusCode != 404 || accept.Load() != "application/jrd+json" {
		t.Errorf("Get 404: %v, %v, Accept %q", resp, err, accept.Load())
	}
}

// ---- F11: per-host connection cap ---------------------------------------------------------------------------

func TestFetchPerHostConnectionCap(t *testing.T) {
	var active, peak atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			n := active.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
		case http.StateClosed, http.StateHijacked:
			active.Add(-1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := privateClient(Config{Timeout: 20 * time.Second})
	if c.transport.MaxConnsPerHost != maxConnsPerHost || maxConnsPerHost > 64 {
		t.Fatalf("MaxConnsPerHost = %d", c.transport.MaxConnsPerHost)
	}
	const n = maxConnsPerHost + 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := c.Get(context.Background(), srv.URL+"/", "")
			errs <- err
		}()
	}
	// Wait until the cap is reached, then let everything finish.
	deadline := time.Now().Add(10 * time.Second)
	for active.Load() < maxConnsPerHost && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if p := peak.Load(); p > maxConnsPerHost {
		t.Errorf("peak %d connections to one host, cap %d", p, maxConnsPerHost)
	}
}

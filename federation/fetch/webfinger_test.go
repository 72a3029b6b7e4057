package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestParseHandle(t *testing.T) {
	tests := []struct {
		in, name, host string // name "" = error expected
	}{
		{"@alice@example.com", "alice", "example.com"},
		{"alice@example.com", "alice", "example.com"},
		{"acct:alice@example.com", "alice", "example.com"},
		{"ACCT:alice@example.com", "alice", "example.com"},
		{"@Alice@EXAMPLE.com.", "Alice", "example.com"},
		{"alice@example.com:443", "alice", "example.com"},
		{"alice@a.test:8080", "alice", "a.test:8080"},
		{"alice@bücher.example", "alice", "xn--bcher-kva.example"},
		{"al.ice_-~9@example.com", "al.ice_-~9", "example.com"},
		{"alice", "", ""},
		{"@alice", "", ""},
		{"alice@", "", ""},
		{"@example.com", "", ""},
		{"@@example.com", "", ""},
		{"alice@bob@example.com", "", ""},
		{"@alice@bob@example.com", "", ""},
		{"acct:@alice@example.com", "", ""},
		{"@acct:alice@example.com", "", ""},
		{"ali ce@example.com", "", ""},
		{"alice@exa mple.com", "", ""},
		{"alice@a..b", "", ""},
		{"alice@example.com/x", "", ""},
		{"ali/ce@example.com", "", ""},
		{"ali:ce@example.com", "", ""},
		{"alice\x00@example.com", "", ""},
		{"äli@example.com", "", ""},
		{"alice@ex\u202eample.com", "", ""},
		{"https://example.com/@alice", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		name, host, err := ParseHandle(tt.in)
		if tt.name == "" {
			if err == nil {
				t.Errorf("ParseHandle(%q) = %q, %q; want error", tt.in, name, host)
			}
			continue
		}
		if err != nil || name != tt.name || host != tt.host {
			t.Errorf("ParseHandle(%q) = %q, %q, %v; want %q, %q", tt.in, name, host, err, tt.name, tt.host)
		}
	}
}

// wfServer answers WebFinger with a JRD produced by jrdFor(resource, host).
func wfServer(t *testing.T, jrdFor func(resource, host string) (int, any)) (*httptest.Server, *atomic.Value) {
	t.Helper()
	var lastAccept atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lastAccept.Store(r.Header.Get("Accept"))
		if r.URL.Path != "/.well-known/webfinger" {
			http.NotFound(w, r)
			return
		}
		status, doc := jrdFor(r.URL.Query().Get("resource"), r.Host)
		w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
		w.WriteHeader(status)
		if doc != nil {
			json.NewEncoder(w).Encode(doc)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &lastAccept
}

func selfJRD(subject, href, typ string) map[string]any {
	return map[string]any{
		"subject": subject,
		"aliases": []string{href},
		"links": []map[string]string{
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": href + "/profile"},
			{"rel": "self", "type": typ, "href": href},
		},
	}
}

func TestLookupWebFinger(t *testing.T) {
	ctx := context.Background()
	srv, accept := wfServer(t, func(resource, host string) (int, any) {
		actor := "http://" + host + "/users/"
		switch resource {
		case "acct:alice@" + host:
			return 200, selfJRD("acct:alice@"+host, actor+"alice", "application/activity+json")
		case "acct:Carol@" + host: // subject spelled differently in case: accepted
			return 200, selfJRD("acct:carol@"+strings.ToUpper(host), actor+"carol", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
		case "acct:mallory@" + host: // O14: answers for another user
			return 200, selfJRD("acct:alice@"+host, actor+"alice", "application/activity+json")
		case "acct:eve@" + host: // O14: answers for another host
			return 200, selfJRD("acct:eve@b.example", "https://b.example/users/eve", "application/activity+json")
		case "acct:nosubject@" + host:
			return 200, selfJRD("", actor+"nosubject", "application/activity+json")
		case "acct:httpsubject@" + host:
			return 200, selfJRD("https://"+host+"/users/httpsubject", actor+"httpsubject", "application/activity+json")
		case "acct:htmlonly@" + host:
			return 200, selfJRD("acct:htmlonly@"+host, actor+"htmlonly", "text/html")
		case "acct:plainld@" + host:
			return 200, selfJRD("acct:plainld@"+host, actor+"plainld", "application/ld+json")
		case "acct:badhref@" + host:
			return 200, selfJRD("acct:badhref@"+host, "javascript:alert(1)", "application/activity+json")
		case "acct:gone@" + host:
			return 410, nil
		case "acct:broken@" + host:
			return 500, nil
		case "acct:garbage@" + host:
			return 200, "not a JRD"
		}
		return 404, nil
	})
	host := srv.Listener.Addr().String()
	c := privateClient(Config{})

	got, err := c.LookupWebFinger(ctx, "http", "alice", host)
	if err != nil || got != "http://"+host+"/users/alice" {
		t.Fatalf("alice: %q, %v", got, err)
	}
	if a := accept.Load(); a == nil || !strings.Contains(a.(string), "application/jrd+json") {
		t.Errorf("Accept %v", a)
	}
	if got, err := c.LookupWebFinger(ctx, "http", "Carol", host); err != nil || got != "http://"+host+"/users/carol" {
		t.Errorf("Carol (case-insensitive subject, ld+json link): %q, %v", got, err)
	}
	for _, name := range []string{"mallory", "eve", "nosubject", "httpsubject", "htmlonly", "plainld", "badhref", "garbage"} {
		if got, err := c.LookupWebFinger(ctx, "http", name, host); err == nil {
			t.Errorf("%s: got %q, want error", name, got)
		}
	}
	if _, err := c.LookupWebFinger(ctx, "http", "nobody", host); !errors.Is(err, ErrNotFound) {
		t.Errorf("nobody: %v, want ErrNotFound", err)
	}
	if _, err := c.LookupWebFinger(ctx, "http", "gone", host); !errors.Is(err, ErrGone) {
		t.Errorf("gone: %v, want ErrGone", err)
	}
	var se *StatusError
	if _, err := c.LookupWebFinger(ctx, "http", "broken", host); !errors.As(err, &se) || se.StatusCode != 500 {
		t.Errorf("broken: %v, want StatusError 500", err)
	}
	for _, bad := range [][3]string{{"gopher", "alice", host}, {"http", "al@ice", host}, {"http", "", host}, {"http", "alice", "a..b"}, {"http", "alice", "x@" + host}} {
		if _, err := c.LookupWebFinger(ctx, bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("LookupWebFinger(%q, %q, %q) succeeded", bad[0], bad[1], bad[2])
		}
	}
}

// The host in the subject is compared after canonicalisation, through the injected resolver.
func TestLookupWebFingerNamedHost(t *testing.T) {
	srv, _ := wfServer(t, func(resource, host string) (int, any) {
		if resource != "acct:alice@a.test:"+portOf(host) {
			return 404, nil
		}
		return 200, selfJRD("acct:alice@A.TEST.:"+portOf(host), "http://a.test:"+portOf(host)+"/users/alice", "application/activity+json")
	})
	dns := staticDNS(map[string]string{"a.test": "127.0.0.1"})
	c := privateClient(Config{Resolver: dns.resolver()})
	p := portOf(srv.Listener.Addr().String())
	got, err := c.LookupWebFinger(context.Background(), "http", "alice", "A.test:"+p)
	if err != nil || got != "http://a.test:"+p+"/users/alice" {
		t.Fatalf("named host: %q, %v", got, err)
	}
	name, h, err := ParseHandle("@alice@A.TEST:" + p)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.LookupWebFinger(context.Background(), "http", name, h); err != nil || got == "" {
		t.Errorf("via ParseHandle: %q, %v", got, err)
	}
}

// WebFinger goes through the guarded client: no plain http and no loopback without AllowPrivate.
func TestLookupWebFingerGuarded(t *testing.T) {
	cl := newCountingListener(t)
	c := NewClient(Config{})
	for _, scheme := range []string{"http", "https"} {
		if _, err := c.LookupWebFinger(context.Background(), scheme, "alice", "127.0.0.1:"+cl.port()); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: %v, want ErrForbiddenAddress", scheme, err)
		}
	}
	if n := cl.accepts.Load(); n != 0 {
		t.Fatalf("%d connections", n)
	}
}

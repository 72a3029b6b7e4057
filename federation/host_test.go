package federation

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

func TestCanonicalHost(t *testing.T) {
	tests := []struct {
		host, scheme string
		want         string // "" = error expected
	}{
		{"example.com", "https", "example.com"},
		{"EXAMPLE.com", "https", "example.com"},
		{"Example.COM", "", "example.com"},
		{"example.com.", "https", "example.com"},
		{"example.com.:443", "https", "example.com"},
		{"example.com..", "https", ""},
		{"example.com。", "https", "example.com"}, // ideographic full stop maps to "."
		{"bücher.example", "https", "xn--bcher-kva.example"},
		{"BÜCHER.example", "https", "xn--bcher-kva.example"},
		{"xn--bcher-kva.example", "https", "xn--bcher-kva.example"},
		{"XN--BCHER-KVA.example", "https", "xn--bcher-kva.example"},
		{"ｅｘａｍｐｌｅ.com", "https", "example.com"}, // full-width letters
		{"example.com:443", "https", "example.com"},
		{"example.com:443", "http", "example.com:443"},
		{"example.com:443", "", "example.com:443"},
		{"example.com:80", "http", "example.com"},
		{"example.com:80", "HTTP", "example.com"},
		{"example.com:80", "https", "example.com:80"},
		{"example.com:0443", "https", "example.com"},
		{"example.com:8443", "https", "example.com:8443"},
		{"example.com:", "https", "example.com"},
		{"example.com:0", "https", ""},
		{"example.com:65536", "https", ""},
		{"example.com:+1", "https", ""},
		{"example.com:x", "https", ""},
		{"user@example.com", "https", ""},
		{"user:pw@example.com", "https", ""},
		{"@example.com", "https", ""},
		{"ex ample.com", "https", ""},
		{"example.com ", "https", ""},
		{"ex\tample.com", "https", ""},
		{"ex\x00ample.com", "https", ""},
		{"ex\u202eample.com", "https", ""}, // RTL override
		{"ex\u00adample.com", "https", ""}, // soft hyphen (invisible)
		{"ex\xffample.com", "https", ""},
		{"a..b", "https", ""},
		{".example.com", "https", ""},
		{".", "https", ""},
		{"", "https", ""},
		{"example.com/", "https", ""},
		{"example.com#x", "https", ""},
		{"example.com\\x", "https", ""},
		{"ex%41mple.com", "https", ""},
		{"exa_mple.com", "https", ""}, // STD3 rules
		{"-example.com", "https", ""},
		{"a.b.c:1:2", "https", ""},
		{"127.0.0.1", "https", "127.0.0.1"},
		{"127.0.0.1:443", "https", "127.0.0.1"},
		{"127.000.0.1", "https", ""},
		{"2130706433", "https", ""},
		{"0x7f.1", "https", ""},
		{"127.1", "https", ""},
		{"1.2.3.4.5", "https", ""},
		{"foo.123", "https", ""},
		{"123.foo", "https", "123.foo"},
		{"[::1]", "https", "[::1]"},
		{"[::1]:443", "https", "[::1]"},
		{"[::1]:8080", "https", "[::1]:8080"},
		{"[2001:DB8::0:1]", "https", "[2001:db8::1]"},
		{"2001:db8::1", "https", "[2001:db8::1]"},
		{"[::ffff:127.0.0.1]", "https", "[::ffff:127.0.0.1]"},
		{"[fe80::1%25eth0]", "https", ""},
		{"[127.0.0.1]", "https", ""},
		{"[::1", "https", ""},
		{"[::1]x", "https", ""},
		{"localhost", "https", "localhost"},
		{"a.test:8080", "http", "a.test:8080"},
	}
	for _, tt := range tests {
		got, err := CanonicalHost(tt.host, tt.scheme)
		if tt.want == "" {
			if err == nil {
				t.Errorf("CanonicalHost(%q, %q) = %q, want error", tt.host, tt.scheme, got)
			} else if !errors.Is(err, ErrBadHost) {
				t.Errorf("CanonicalHost(%q, %q) error %v does not wrap ErrBadHost", tt.host, tt.scheme, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CanonicalHost(%q, %q) = %q, %v; want %q", tt.host, tt.scheme, got, err, tt.want)
			continue
		}
		again, err := CanonicalHost(got, tt.scheme)
		if err != nil || again != got {
			t.Errorf("not idempotent: %q → %q → %q, %v", tt.host, got, again, err)
		}
	}
}

func TestCanonicalOrigin(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/users/a", "https://example.com"},
		{"HTTPS://EXAMPLE.com:443/x?y#z", "https://example.com"},
		{"https://example.com.:443", "https://example.com"},
		{"http://example.com:80/", "http://example.com"},
		{"http://example.com:443/", "http://example.com:443"},
		{"https://bücher.example/x", "https://xn--bcher-kva.example"},
		{"https://b%C3%BCcher.example/x", "https://xn--bcher-kva.example"},
		{"https://[::1]:8443/", "https://[::1]:8443"},
		{"https://user@example.com/", ""},
		{"https://user:pw@example.com/", ""},
		{"https://evil.com\\@example.com/", ""},
		{"ftp://example.com/", ""},
		{"gopher://example.com/", ""},
		{"file:///etc/passwd", ""},
		{"javascript:alert(1)", ""},
		{"https:example.com", ""},
		{"//example.com/x", ""},
		{"/relative", ""},
		{"https:///nohost", ""},
		{"https://a..b/", ""},
		{"https://ex ample.com/", ""},
	}
	for _, tt := range tests {
		got, err := CanonicalOrigin(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("CanonicalOrigin(%q) = %q, want error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CanonicalOrigin(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://example.com/a", "https://EXAMPLE.com./b", true},
		{"https://example.com/a", "https://example.com:443/b", true},
		{"https://bücher.example/a", "https://xn--bcher-kva.example/b", true},
		{"https://example.com/a", "http://example.com/a", false}, // O13: scheme is part of the origin
		{"https://example.com/a", "https://example.com:8443/a", false},
		{"https://example.com/a", "https://sub.example.com/a", false},
		{"https://example.com/a", "https://user@example.com/a", false},
		{"https://example.com/a", "ftp://example.com/a", false},
		{"", "", false},
		{"not a url", "not a url", false},
	}
	for _, tt := range tests {
		if got := SameOrigin(tt.a, tt.b); got != tt.want {
			t.Errorf("SameOrigin(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestHostCovered(t *testing.T) {
	tests := []struct {
		host, domain string
		want         bool
	}{
		{"example.com", "example.com", true},
		{"EXAMPLE.com.", "example.com", true},
		{"example.com:8443", "example.com", true},
		{"a.b.example.com", "example.com", true},
		{"A.B.EXAMPLE.COM.", "Example.com.", true},
		{"sub.bücher.example", "xn--bcher-kva.example", true},
		{"sub.xn--bcher-kva.example", "bücher.example", true},
		{"notexample.com", "example.com", false},
		{"example.com.evil", "example.com", false},
		{"example.com", "sub.example.com", false},
		{"user@example.com", "example.com", false},
		{"1.2.3.4", "3.4", false},
		{"1.2.3.4", "1.2.3.4", true},
		{"1.2.3.4:80", "1.2.3.4", true},
		{"[::1]:80", "[::1]", true},
		{"a..example.com", "example.com", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := HostCovered(tt.host, tt.domain); got != tt.want {
			t.Errorf("HostCovered(%q, %q) = %v, want %v", tt.host, tt.domain, got, tt.want)
		}
	}
}

// TestPlainLDHMatchesIDNA: every name the fast path takes is one that IDNA's
// Lookup profile maps to itself, and CanonicalHost gives the same answer
// either way.
func TestPlainLDHMatchesIDNA(t *testing.T) {
	alphabet := "abz09-."
	rng := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for n := 0; n < 200_000; n++ {
		b := make([]byte, 1+rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		name := string(b)
		if !plainLDH(name) {
			continue
		}
		checked++
		ascii, err := idna.Lookup.ToASCII(name)
		if err != nil || ascii != name {
			t.Fatalf("fast path took %q, but IDNA gives %q, %v", name, ascii, err)
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d names took the fast path", checked)
	}
	for _, name := range []string{"xn--nxasmq6b", "ab--cd", "-a", "a-", "a..b", "", "Example.COM", "bücher.de"} {
		if plainLDH(strings.ToLower(name)) && name != "Example.COM" {
			t.Errorf("plainLDH(%q) = true", name)
		}
	}
}

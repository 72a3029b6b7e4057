package federation

import "testing"

// TestRegistrableDomain: subdomains and ports of one registrable domain
// count as one sender; domains under a public suffix (co.uk, github.io)
// stay apart; IP literals and names under no listed suffix stand alone,
// with their port.
func TestRegistrableDomain(t *testing.T) {
	for host, want := range map[string]string{
		"example.com":              "example.com",
		"a.example.com":            "example.com",
		"b.example.com":            "example.com",
		"x.y.example.com:8443":     "example.com",
		"example.co.uk":            "example.co.uk",
		"a.example.co.uk":          "example.co.uk",
		"other.co.uk":              "other.co.uk",
		"co.uk":                    "co.uk",
		"com":                      "com",
		"alice.github.io":          "alice.github.io",
		"www.alice.github.io":      "alice.github.io",
		"bob.github.io":            "bob.github.io",
		"xn--bcher-kva.example.de": "example.de",
		"127.0.0.1:8080":           "127.0.0.1:8080",
		"127.0.0.1:8081":           "127.0.0.1:8081",
		"203.0.113.7":              "203.0.113.7",
		"[2001:db8::1]:443":        "[2001:db8::1]:443",
		"localhost:3000":           "localhost:3000",
		"node.test":                "node.test",
		"a.node.test":              "a.node.test",
		"host.internal":            "host.internal",
		"":                         "",
	} {
		if got := RegistrableDomain(host); got != want {
			t.Errorf("RegistrableDomain(%q) = %q, want %q", host, got, want)
		}
	}
}

package federation

import (
	"strings"
	"testing"
)

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// FuzzCanonicalHost checks that CanonicalHost never panics, is idempotent for every scheme, and that
// domain blocks (HostCovered) cannot be escaped by re-spelling a host (O12).
func FuzzCanonicalHost(f *testing.F) {
	for _, s := range []string{
		"example.com", "EXAMPLE.com", "example.com.", "bücher.example", "xn--bcher-kva.example",
		"example.com:443", "example.com:80", "user@example.com", "ex ample.com", "a..b", "[::1]:8080",
		"2130706433", "0x7f.1", "example.com。", "ｅｘａｍｐｌｅ.com", "[::ffff:127.0.0.1]", "ß.example",
	} {
		f.Add(s, "example.com")
	}
	f.Fuzz(func(t *testing.T, host, domain string) {
		for _, scheme := range []string{"", "http", "https"} {
			c, err := CanonicalHost(host, scheme)
			if err != nil {
				continue
			}
			c2, err := CanonicalHost(c, scheme)
			if err != nil || c2 != c {
				t.Fatalf("not idempotent (scheme %q): %q → %q → %q, %v", scheme, host, c, c2, err)
			}
			if strings.ContainsAny(c, " \t\r\n@/\\?#%") {
				t.Fatalf("canonical form %q of %q has a forbidden character", c, host)
			}
		}

		c, err := CanonicalHost(host, "")
		if err != nil {
			if HostCovered(host, domain) {
				t.Fatalf("invalid host %q covered by %q", host, domain)
			}
			return
		}
		covered := HostCovered(host, domain)
		if !covered {
			return
		}
		// Every spelling of the same host must be covered too.
		variants := []string{c, asciiUpper(c)}
		if hs, err := CanonicalHost(host, "https"); err == nil {
			variants = append(variants, hs)
		}
		if !strings.Contains(c, ":") { // no port yet: add dot and default ports
			variants = append(variants, c+".", asciiUpper(c)+".", c+":443", c+".:443", c+":80", c+":8080")
		}
		for _, v := range variants {
			if !HostCovered(v, domain) {
				t.Fatalf("HostCovered(%q, %q) but not HostCovered(%q, %q)", host, domain, v, domain)
			}
			if cd, err := CanonicalHost(domain, ""); err == nil && !HostCovered(v, cd) {
				t.Fatalf("HostCovered(%q, %q) but not with canonical domain %q", host, domain, cd)
			}
		}
	})
}

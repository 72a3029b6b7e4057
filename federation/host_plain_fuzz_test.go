package federation

import "testing"

// FuzzPlainURL holds the fast path of CanonicalOrigin and HostOf to the
// answers url.Parse gives: whenever plainURL takes a URL, the long way must
// take it too and find the same scheme and host.
func FuzzPlainURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/users/a", "http://example.com:80/x", "https://example.com:443", "https://a.test:8443/p?q=1#f",
		"https://a.test:0443/", "https://a.test:99999/", "https://a.test:/", "https://127.0.0.1/", "https://1.2.3.4.5/",
		"https://a.test/%zz", "https://a.test/ x", "https://u@a.test/", "https://a.test\\\\evil.test/", "HTTPS://A.test/",
		"https://a.test./", "https://xn--bcher-kva.example/", "https://-a.test/", "https://a.test#x", "https://a.test?x",
		"https:///p", "https://a.test:8080:1/", "https://a..test/", "https://a.test/\x7f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		scheme, host, ok := plainURL(raw)
		if !ok {
			return
		}
		origin, err := parsedOrigin(raw)
		if err != nil || origin != scheme+"://"+host {
			t.Fatalf("plainURL(%q) = %s://%s; url.Parse way: %q, %v", raw, scheme, host, origin, err)
		}
		h, err := parsedHost(raw)
		if err != nil || h != host {
			t.Fatalf("plainURL(%q) host %q; url.Parse way: %q, %v", raw, host, h, err)
		}
	})
}

// TestPlainURLTakesCommonIDs: the fast path is taken for the ids real
// servers send, and left for the spellings that need url.Parse and IDNA.
func TestPlainURLTakesCommonIDs(t *testing.T) {
	for raw, want := range map[string]string{
		"https://mastodon.social/users/Gargron/statuses/1#likes": "https://mastodon.social",
		"https://gts.example.org:8443/users/a":                   "https://gts.example.org:8443",
		"https://snac.example:443/a":                             "https://snac.example",
		"http://127.0.0.1.nip.io:80/x":                           "http://127.0.0.1.nip.io",
		"http://127.0.0.1:8080/users/a":                          "http://127.0.0.1:8080",
	} {
		scheme, host, ok := plainURL(raw)
		if !ok || scheme+"://"+host != want {
			t.Errorf("plainURL(%q) = %q, %q, %v; want %s", raw, scheme, host, ok, want)
		}
	}
	for _, raw := range []string{"https://Mastodon.social/", "https://bücher.example/", "https://127.000.0.1/", "https://127.1/", "https://1.2.3.4.5/", "https://a.test:0443/",
		"https://a.test/%41", "https://u@a.test/", "https://a.test./", "ftp://a.test/"} {
		if _, _, ok := plainURL(raw); ok {
			t.Errorf("plainURL took %q, which needs the long way", raw)
		}
	}
}

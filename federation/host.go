package federation

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ErrBadHost is wrapped by every CanonicalHost / CanonicalOrigin rejection.
var ErrBadHost = errors.New("federation: invalid host")

const (
	maxHostLen  = 253
	maxLabelLen = 63
	// maxHostInput bounds the raw input (253 ASCII bytes can be spelled with up to 4-byte runes,
	// plus brackets and a port), so hostile megabyte hosts are refused before any IDNA work.
	maxHostInput = 1024
)

func badHost(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadHost}, args...)...)
}

// CanonicalHost lower-cases, IDNA ToASCII (idna.Lookup profile), strips one trailing dot and a default port
// (":443" for https, ":80" for http, given scheme; scheme "" strips neither), rejects userinfo, empty labels,
// spaces/control chars, invalid UTF-8. Idempotent. Returns "host" or "host:port".
//
// IP literals are returned in their canonical textual form: IPv4 as dotted quad, IPv6 in brackets
// ("[2001:db8::1]", zones rejected). A bare unbracketed IPv6 literal is accepted and bracketed. Hosts whose
// last label is numeric but which are not a dotted-quad IPv4 address ("2130706433", "0x7f.1", "127.1",
// "127.000.0.1") are rejected, as a WHATWG URL parser would treat them as IPv4 in some odd notation (F4).
func CanonicalHost(host, scheme string) (string, error) {
	if host == "" {
		return "", badHost("empty host")
	}
	if len(host) > maxHostInput {
		return "", badHost("host longer than %d bytes", maxHostInput)
	}
	if !utf8.ValidString(host) {
		return "", badHost("invalid UTF-8")
	}
	for _, r := range host {
		if r <= 0x20 || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r) ||
			unicode.Is(unicode.Cf, r) && r != 0x200c && r != 0x200d { // format chars (RTL override, BOM…); ZWNJ/ZWJ left to IDNA's CheckJoiners
			return "", badHost("control or space character in %q", host)
		}
		switch r {
		case '@':
			return "", badHost("userinfo in %q", host)
		case '/', '\\', '?', '#', '%':
			return "", badHost("forbidden character %q in %q", r, host)
		}
	}

	name, port, bracketed, err := splitHostPortLoose(host)
	if err != nil {
		return "", err
	}

	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n <= 0 || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
			return "", badHost("bad port %q", port)
		}
		port = strconv.Itoa(n)
		switch strings.ToLower(scheme) {
		case "https":
			if n == 443 {
				port = ""
			}
		case "http":
			if n == 80 {
				port = ""
			}
		}
	}

	canon, err := canonicalName(name, bracketed)
	if err != nil {
		return "", err
	}
	if port != "" {
		return canon + ":" + port, nil
	}
	return canon, nil
}

// splitHostPortLoose splits "name", "name:port", "[v6]", "[v6]:port" or a bare "v6".
// An empty port ("name:") is treated as absent, as RFC 3986 §6.2.3 allows.
func splitHostPortLoose(s string) (name, port string, bracketed bool, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", false, badHost("unterminated IPv6 literal %q", s)
		}
		name, rest := s[1:end], s[end+1:]
		switch {
		case rest == "":
		case strings.HasPrefix(rest, ":"):
			port = rest[1:]
		default:
			return "", "", false, badHost("garbage after IPv6 literal %q", s)
		}
		return name, port, true, nil
	}
	switch strings.Count(s, ":") {
	case 0:
		return s, "", false, nil
	case 1:
		i := strings.IndexByte(s, ':')
		return s[:i], s[i+1:], false, nil
	default:
		// Only a bare IPv6 literal may contain several colons.
		if a, perr := netip.ParseAddr(s); perr == nil && a.Is6() {
			return s, "", true, nil
		}
		return "", "", false, badHost("too many colons in %q", s)
	}
}

func canonicalName(name string, bracketed bool) (string, error) {
	if bracketed {
		if strings.ContainsRune(name, '%') {
			return "", badHost("IPv6 zone not allowed")
		}
		a, err := netip.ParseAddr(name)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", badHost("bad IPv6 literal %q", name)
		}
		return "[" + a.String() + "]", nil
	}
	if name == "" {
		return "", badHost("empty host name")
	}
	// One trailing dot (the DNS root) is stripped, before and after mapping, so that
	// "example.com." and "example.com。" both canonicalise; a second one is an empty label.
	stripped := strings.HasSuffix(name, ".")
	name = strings.TrimSuffix(name, ".")
	lower := strings.ToLower(name)
	ascii, err := lower, error(nil)
	plain := plainLDH(lower)
	if !plain {
		ascii, err = idna.Lookup.ToASCII(lower)
	}
	if err != nil {
		return "", badHost("IDNA: %v", err)
	}
	if !stripped {
		ascii = strings.TrimSuffix(ascii, ".")
	}
	if ascii == "" || len(ascii) > maxHostLen {
		return "", badHost("bad host length %q", name)
	}
	labels := strings.Split(ascii, ".")
	for _, l := range labels {
		if l == "" {
			return "", badHost("empty label in %q", name)
		}
		if len(l) > maxLabelLen {
			return "", badHost("label too long in %q", name)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", badHost("bad character %q in %q", c, name)
			}
		}
	}
	if last := labels[len(labels)-1]; isNumericLabel(last) {
		a, err := netip.ParseAddr(ascii)
		if err != nil || !a.Is4() {
			return "", badHost("numeric host %q is not a dotted-quad IPv4 address", name)
		}
		return a.String(), nil
	}
	// Guarantee idempotence: the result must be a fixed point of the mapping.
	if !plain {
		if again, err := idna.Lookup.ToASCII(ascii); err != nil || again != ascii {
			return "", badHost("IDNA result %q not stable", ascii)
		}
	}
	return ascii, nil
}

// plainLDH reports whether a lower-cased host name is made only of labels
// that IDNA's Lookup profile maps to themselves: letters, digits and
// hyphens, no hyphen first or last or in the third and fourth places, no
// "xn--" (punycode is checked by IDNA). Such names, nearly all of them in
// practice, skip the IDNA mapping on hot paths (every origin check of every
// inbox request); TestPlainLDHMatchesIDNA holds it to the same results.
func plainLDH(name string) bool {
	if name == "" || len(name) > maxHostLen {
		return false
	}
	start := 0
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] != '.' {
			c := name[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		l := name[start:i]
		if l == "" || len(l) > maxLabelLen || l[0] == '-' || l[len(l)-1] == '-' ||
			len(l) >= 4 && l[2] == '-' && l[3] == '-' {
			return false
		}
		start = i + 1
	}
	return true
}

// isNumericLabel reports whether a label looks like a number in the sense of the WHATWG
// "ends in a number" check: all decimal digits, or 0x followed by hex digits.
func isNumericLabel(l string) bool {
	if l == "" {
		return false
	}
	if strings.HasPrefix(l, "0x") {
		return strings.Trim(l[2:], "0123456789abcdef") == ""
	}
	return strings.Trim(l, "0123456789") == ""
}

// CanonicalOrigin returns scheme://canonicalhost for an absolute http(s) URL; error for other schemes,
// userinfo, missing host (O12, O13: the scheme is part of the origin).
func CanonicalOrigin(rawURL string) (string, error) {
	if scheme, host, ok := plainURL(rawURL); ok {
		return scheme + "://" + host, nil
	}
	return parsedOrigin(rawURL)
}

// parsedOrigin is CanonicalOrigin by url.Parse, for every URL.
func parsedOrigin(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", badHost("parse URL: %v", err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", badHost("scheme %q not http(s)", u.Scheme)
	}
	if u.Opaque != "" {
		return "", badHost("opaque URL %q", rawURL)
	}
	if u.User != nil {
		return "", badHost("userinfo in URL")
	}
	if u.Host == "" {
		return "", badHost("URL without host")
	}
	h, err := CanonicalHost(u.Host, scheme)
	if err != nil {
		return "", err
	}
	return scheme + "://" + h, nil
}

// SameOrigin reports whether two absolute URLs have the same canonical origin.
func SameOrigin(a, b string) bool {
	oa, err := CanonicalOrigin(a)
	if err != nil {
		return false
	}
	ob, err := CanonicalOrigin(b)
	if err != nil {
		return false
	}
	return oa == ob
}

// HostCovered reports whether host equals domain or is a subdomain of it (after canonicalisation, port
// ignored) — used for domain blocks (M1). IP literals match only exactly. Invalid input is never covered:
// callers must reject hosts that fail CanonicalHost on their own.
func HostCovered(host, domain string) bool {
	h, ok := hostNoPort(host)
	if !ok {
		return false
	}
	d, ok := hostNoPort(domain)
	if !ok {
		return false
	}
	if h == d {
		return true
	}
	if isIPLiteral(h) || isIPLiteral(d) {
		return false
	}
	return strings.HasSuffix(h, "."+d)
}

// hostNoPort canonicalises s and removes any port.
func hostNoPort(s string) (string, bool) {
	c, err := CanonicalHost(s, "")
	if err != nil {
		return "", false
	}
	if strings.HasPrefix(c, "[") {
		return c[:strings.IndexByte(c, ']')+1], true
	}
	if i := strings.IndexByte(c, ':'); i >= 0 {
		c = c[:i]
	}
	return c, true
}

func isIPLiteral(canon string) bool {
	if strings.HasPrefix(canon, "[") {
		return true
	}
	_, err := netip.ParseAddr(canon)
	return err == nil
}

// HostOf returns the canonical host[:port] of an absolute http(s) URL: the
// key for block lists, rate limits and host health.
func HostOf(rawURL string) (string, error) {
	if _, host, ok := plainURL(rawURL); ok {
		return host, nil
	}
	return parsedHost(rawURL)
}

// parsedHost is HostOf by url.Parse, for every URL.
func parsedHost(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadHost, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%w: %q is not an absolute http(s) URL", ErrBadHost, rawURL)
	}
	return CanonicalHost(u.Host, u.Scheme)
}

// plainURL is the fast path of CanonicalOrigin and HostOf for the URLs
// nearly every id is: "https://" or "http://", a lower-case plain host name
// (see plainLDH) or dotted-quad IPv4 address with at most a decimal port, then only printable ASCII
// without escapes, which url.Parse takes as it is. It returns the scheme
// and the canonical host[:port], or ok=false for anything else, which then
// goes the long way; FuzzPlainURL holds both ways to the same answers.
func plainURL(rawURL string) (scheme, host string, ok bool) {
	switch {
	case strings.HasPrefix(rawURL, "https://"):
		scheme = "https"
	case strings.HasPrefix(rawURL, "http://"):
		scheme = "http"
	default:
		return "", "", false
	}
	rest := rawURL[len(scheme)+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	for i := 0; i < len(tail); i++ {
		if c := tail[i]; c <= ' ' || c >= 0x7f || c == '%' {
			return "", "", false
		}
	}
	name, port, _ := strings.Cut(authority, ":")
	if !plainLDH(name) {
		return "", "", false
	}
	if last := name[strings.LastIndexByte(name, '.')+1:]; isNumericLabel(last) {
		// Only an IPv4 address in its canonical dotted-quad form.
		if a, err := netip.ParseAddr(name); err != nil || !a.Is4() || a.String() != name {
			return "", "", false
		}
	}
	if strings.Contains(authority, ":") {
		if port == "" || len(port) > 5 || port[0] == '0' || strings.Trim(port, "0123456789") != "" {
			return "", "", false
		}
		n, _ := strconv.Atoi(port)
		if n > 65535 {
			return "", "", false
		}
		if scheme == "https" && n == 443 || scheme == "http" && n == 80 {
			return scheme, name, true
		}
	}
	return scheme, authority, true
}

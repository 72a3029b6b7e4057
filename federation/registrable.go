package federation

import (
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// RegistrableDomain is the unit that per-sender limits count by: the
// registrable domain (eTLD+1, by the public suffix list) of a canonical
// host[:port] as HostOf returns it. Anyone who holds a domain can make
// subdomains at will, so a.example.com and b.example.com:8443 are both
// example.com; example.co.uk and other.co.uk stay apart, and so do
// alice.github.io and bob.github.io (a suffix on the list's private
// section). An IP literal, a name under no listed suffix (localhost, .test,
// .internal) and a name that is itself a public suffix are returned as they
// are, port included: nothing says two of them belong together.
func RegistrableDomain(host string) string {
	if host == "" || strings.HasPrefix(host, "[") { // empty, or an IPv6 literal
		return host
	}
	name := host
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		name = host[:i]
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return host
	}
	// The list's default rule ("*") makes any unknown last label a suffix;
	// such names are not registrable anywhere we know of, so they stand alone.
	if suffix, icann := publicsuffix.PublicSuffix(name); !icann && !strings.Contains(suffix, ".") {
		return host
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil { // name is a public suffix itself
		return host
	}
	return d
}

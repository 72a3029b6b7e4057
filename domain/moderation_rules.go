package domain

import (
	"net/netip"
	"strings"
)

// IsBlockedIn reports whether host, or any domain it is a subdomain of, is
// in blocked, the node's block list (HOSTILE M1: a block covers
// subdomains). host must already be canonical (federation.CanonicalHost):
// lower case, ASCII, with or without a port. IP literals match only
// exactly. Store.DomainBlocked asks it of the committed list.
func IsBlockedIn(blocked map[string]bool, host string) bool {
	h := stripPort(host)
	if h == "" {
		return false
	}
	ip := isIPHost(h)
	for h != "" {
		if blocked[h] {
			return true
		}
		i := strings.IndexByte(h, '.')
		if ip || i < 0 {
			break
		}
		h = h[i+1:]
	}
	return false
}

func stripPort(host string) string {
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i >= 0 {
			return host[:i+1]
		}
		return host
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.Count(host, ":") == 1 {
		return host[:i]
	}
	return host
}

func isIPHost(h string) bool {
	if strings.HasPrefix(h, "[") {
		return true
	}
	_, err := netip.ParseAddr(h)
	return err == nil
}

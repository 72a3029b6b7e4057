package domain

import (
	"net/netip"
	"strings"
)

// IsBlocked reports whether host, or any domain it is a subdomain of, is on
// the node's block list (HOSTILE M1: a block covers subdomains). host must
// already be canonical (federation.CanonicalHost): lower case, ASCII, with
// or without a port. IP literals match only exactly. It is a handful of
// point reads; Store.DomainBlocked answers the same from memory.
func IsBlocked(tx Tx, host string) (bool, error) {
	return blockedBy(host, func(d string) (bool, error) {
		_, err := tx.DomainBlock(d)
		if err == nil {
			return true, nil
		}
		if IsNotFound(err) {
			return false, nil
		}
		return false, err
	})
}

// IsBlockedIn is IsBlocked over a set of blocked domains held in memory.
func IsBlockedIn(blocked map[string]bool, host string) bool {
	b, _ := blockedBy(host, func(d string) (bool, error) { return blocked[d], nil })
	return b
}

// blockedBy asks isBlocked about host without its port and, unless it is an
// IP literal, about every domain above it.
func blockedBy(host string, isBlocked func(domain string) (bool, error)) (bool, error) {
	h := stripPort(host)
	if h == "" {
		return false, nil
	}
	ip := isIPHost(h)
	for h != "" {
		if b, err := isBlocked(h); b || err != nil {
			return b, err
		}
		i := strings.IndexByte(h, '.')
		if ip || i < 0 {
			break
		}
		h = h[i+1:]
	}
	return false, nil
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

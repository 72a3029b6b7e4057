package domain

import (
	"net/netip"
	"strings"
)

// IsBlocked reports whether host, or any domain it is a subdomain of, is on
// the node's block list (HOSTILE M1: a block covers subdomains). host must
// already be canonical (federation.CanonicalHost): lower case, ASCII, with
// or without a port. IP literals match only exactly. It is a handful of
// point reads, cheap enough to run before any key fetch (S13).
func IsBlocked(tx Tx, host string) (bool, error) {
	h := stripPort(host)
	if h == "" {
		return false, nil
	}
	candidates := []string{h}
	if !isIPHost(h) {
		for i := strings.IndexByte(h, '.'); i >= 0; i = strings.IndexByte(h, '.') {
			h = h[i+1:]
			if h == "" {
				break
			}
			candidates = append(candidates, h)
		}
	}
	for _, d := range candidates {
		_, err := tx.DomainBlock(d)
		if err == nil {
			return true, nil
		}
		if !IsNotFound(err) {
			return false, err
		}
	}
	return false, nil
}

// stripPort removes a ":port" from a canonical host ("[v6]:port" keeps its brackets).
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

package web

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientIP is the address of the person or server making a request. Behind
// a reverse proxy every request comes from the proxy, so when the direct
// peer is one of the configured trusted proxies the address is taken from
// X-Forwarded-For: the rightmost entry that is not itself a trusted proxy
// (entries to its left were written by the client and prove nothing,
// HOSTILE W6). Without trusted proxies, forwarding headers are ignored.
func (s *Server) clientIP(c *fiber.Ctx) string {
	direct := c.Context().RemoteIP()
	if !s.trusted(direct) {
		return direct.String()
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(hops[i]))
		if ip == nil {
			break
		}
		if !s.trusted(ip) {
			return ip.String()
		}
	}
	return direct.String()
}

func (s *Server) trusted(ip net.IP) bool {
	for _, n := range s.cfg.TrustedProxies {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// forwardedByUntrusted reports whether a request carries forwarding headers
// that we cannot trust: it came through a proxy we were not told about, so
// its direct address (often loopback) says nothing about the client.
func (s *Server) forwardedByUntrusted(c *fiber.Ctx) bool {
	if s.trusted(c.Context().RemoteIP()) {
		return false
	}
	return c.Get(fiber.HeaderXForwardedFor) != "" || c.Get("Forwarded") != "" || c.Get("X-Real-IP") != ""
}

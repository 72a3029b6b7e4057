// Package web is the node's HTTP face: one Fiber app with one routes table,
// serving ActivityPub documents, WebFinger and NodeInfo, and the HTML pages.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/i18n"
	"github.com/lernejo/lernejo/inbox"
	"github.com/lernejo/lernejo/priority"
	"github.com/lernejo/lernejo/service"
)

// Config is what the web layer needs; cmd builds it once.
type Config struct {
	// Space tells how much room the store has left (domain.Store.Space):
	// forms and inboxes refuse work when it is low, and /healthz says why.
	Space func() domain.DiskSpace
	// Services are the use cases behind the forms.
	Services *service.Services
	// Now is the clock of sessions and signatures; nil means time.Now.
	Now      func() time.Time
	Docs     federation.Documents
	Logger   *slog.Logger
	Version  string
	Inbox    *inbox.Inbox
	Resolver *fetch.Resolver
	// Metrics is the Prometheus registry /metrics serves; the web layer
	// adds its own collectors to it.
	Metrics *prometheus.Registry
	// MetricsFrom are the networks allowed to read /metrics; empty means
	// loopback only.
	MetricsFrom []*net.IPNet
	// RequestsPerIP bounds each client address's requests to the pages per
	// five minutes; 0 means 600.
	RequestsPerIP int
	// InboxPerHost bounds the activities one sending host (the registrable
	// domain of the signing key's host: subdomains share it) may POST to the
	// inboxes per five minutes; 0 means 3,000.
	InboxPerHost int
	// InboxPerIP bounds the POSTs to the inboxes from one client address
	// per five minutes, whatever they carry; 0 means 30,000.
	InboxPerIP int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (for rate limits, logs and /metrics).
	TrustedProxies []*net.IPNet
	// Ready reports whether the node is ready to serve (store open, listener up).
	Ready func() bool
	// Priority is told of every request but the inboxes' POSTs, so that
	// the inbox's work waits for them (see package priority); nil tells
	// nobody.
	Priority *priority.Scheduler
}

// Server is the Fiber app and what its handlers share.
type Server struct {
	App   *fiber.App
	cfg   Config
	space func() domain.DiskSpace
	urls  federation.URLs
	log   *slog.Logger
	pages *pageSet

	metrics     *webMetrics
	metricsFrom []*net.IPNet
	ipLimit     *rateLimiter // pages, per client address
	hostLimit   *rateLimiter // inboxes, per sending host
	inboxIP     *rateLimiter // inboxes, per client address
	auth        *authState   // sessions' clock and the log-in rate limits
}

// Timeouts of the HTTP server: Fiber's defaults are unlimited (HOSTILE P11).
const (
	ReadTimeout  = 30 * time.Second
	WriteTimeout = 30 * time.Second
	IdleTimeout  = 60 * time.Second
)

// New builds the Fiber app with every route registered.
func New(cfg Config) (*Server, error) {
	pages, err := newPageSet()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, space: cfg.Space, urls: cfg.Docs.URLs, log: cfg.Logger, pages: pages}
	if cfg.Metrics == nil {
		cfg.Metrics = prometheus.NewRegistry()
		s.cfg.Metrics = cfg.Metrics
	}
	s.metrics = newWebMetrics(cfg.Metrics)
	s.metricsFrom = cfg.MetricsFrom
	if len(s.metricsFrom) == 0 {
		_, v4, _ := net.ParseCIDR("127.0.0.0/8")
		_, v6, _ := net.ParseCIDR("::1/128")
		s.metricsFrom = []*net.IPNet{v4, v6}
	}
	perIP := cfg.RequestsPerIP
	if perIP == 0 {
		perIP = 600
	}
	s.ipLimit = newRateLimiter(perIP, 5*time.Minute, time.Now)
	// A big instance's shared inbox delivery carries all its users'
	// activities for our actors: on a learning node, follows, replies and
	// likes of courses, in bursts of seconds. 3,000 in five minutes (10 a
	// second, sustained) from one sending domain is a flood, not
	// federation. Past it Mastodon retries the 429 later, so a burst is
	// delayed, not lost; the per-host backlog (inbox.Config.Backlog) bounds
	// what one host can leave waiting, this its share of signature checks.
	perHost := cfg.InboxPerHost
	if perHost == 0 {
		perHost = 3000
	}
	s.hostLimit = newRateLimiter(perHost, 5*time.Minute, time.Now)
	// One address may carry many sending hosts: a hosting provider's
	// instances, or one sender's domains. Ten times one host's limit lets
	// a provider's workers through and stops a flood of made-up domains.
	inboxPerIP := cfg.InboxPerIP
	if inboxPerIP == 0 {
		inboxPerIP = 30000
	}
	s.inboxIP = newRateLimiter(inboxPerIP, 5*time.Minute, time.Now)
	s.auth = newAuthState(cfg.Now)
	s.App = fiber.New(fiber.Config{
		// Fiber reuses request buffers after a handler returns; anything kept
		// (the inbox queue above all) must own its bytes (HOSTILE W12).
		Immutable:    true,
		ReadTimeout:  ReadTimeout,
		WriteTimeout: WriteTimeout,
		IdleTimeout:  IdleTimeout,
		// The cap applies while fasthttp reads (a larger Content-Length is
		// refused before the body), not after (HOSTILE P1).
		BodyLimit:             MaxBody,
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		AppName:               "lernejo",
	})
	s.routes()
	return s, nil
}

// handleError logs an error once and answers with the status its domain code
// maps to: HTML for browsers, JSON for everything else.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	msg := s.message(c, err)
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		status, msg = fe.Code, fiberMessage(s.printer(c), fe)
	default:
		status = StatusOf(err)
	}
	if status >= 500 {
		s.log.Error("request failed", slog.String("method", c.Method()), slog.String("path", c.Path()), slog.Any("err", err))
	}
	c.Status(status)
	if wantsHTML(c) {
		return s.render(c, "error", pageData{Title: s.printer(c).T("Error"), Data: errorPage{Status: status, Message: msg}})
	}
	return c.JSON(fiber.Map{"error": msg})
}

// fiberMessage is the message of a fiber error in p's language: the
// node's own (fiber.NewError in web) are messages of the catalogue; those
// fiber makes itself, its status text or "Cannot GET /path" for a path no
// route serves, are said in the node's words.
func fiberMessage(p *i18n.Printer, fe *fiber.Error) string {
	generic := fe.Message == utils.StatusMessage(fe.Code) || strings.HasPrefix(fe.Message, "Cannot ")
	switch {
	case !generic:
		return p.T(fe.Message)
	case fe.Code == fiber.StatusNotFound:
		return p.T("There is no such page here.")
	case fe.Code == fiber.StatusMethodNotAllowed:
		return p.T("This page does not answer that kind of request.")
	case fe.Code == fiber.StatusRequestEntityTooLarge:
		return p.T("What was sent is too large.")
	}
	return p.T("The request could not be answered.")
}

// StatusOf is the HTTP status for an error, by its domain code: the one
// mapping, for the web app and the admin socket alike.
func StatusOf(err error) int {
	switch domain.ErrorCode(err) {
	case domain.EINVALID:
		return fiber.StatusBadRequest
	case domain.ENOTFOUND:
		return fiber.StatusNotFound
	case domain.ECONFLICT:
		return fiber.StatusConflict
	case domain.EFORBIDDEN:
		return fiber.StatusForbidden
	case domain.EUNAUTHORISED:
		return fiber.StatusUnauthorized
	case domain.EUNAVAILABLE:
		return fiber.StatusServiceUnavailable
	default:
		return fiber.StatusInternalServerError
	}
}

// ctx is the request's context: Fiber's UserContext is Background unless set,
// so bound it by the write timeout.
func ctx(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), WriteTimeout)
}

package web

import (
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// webMetrics are the web layer's Prometheus collectors.
type webMetrics struct {
	requests      *prometheus.HistogramVec
	inbox         *prometheus.CounterVec
	inboxAccepted prometheus.Counter // inbox{result="accepted"}, looked up once
}

func newWebMetrics(reg prometheus.Registerer) *webMetrics {
	m := &webMetrics{
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lernejo_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "status"}),
		inbox: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lernejo_inbox_activities_total",
			Help: "Activities POSTed to the inboxes: accepted, or refused by reason.",
		}, []string{"result", "reason"}),
	}
	reg.MustRegister(m.requests, m.inbox)
	m.inboxAccepted = m.inbox.WithLabelValues("accepted", "")
	return m
}

// observeRequests records each request's latency under its route pattern
// (never the raw path: that would make unbounded label values).
func (s *Server) observeRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		if fe, ok := err.(*fiber.Error); ok {
			status = fe.Code
		}
	}
	route := "unmatched"
	if r := c.Route(); r != nil && status != fiber.StatusNotFound {
		route = r.Path
	}
	s.metrics.requests.WithLabelValues(route, c.Method(), strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	return err
}

// metricsHandler serves /metrics to the configured networks only
// (loopback by default): the numbers describe the node's traffic.
func (s *Server) metricsHandler() fiber.Handler {
	h := adaptor.HTTPHandler(promhttp.HandlerFor(s.cfg.Metrics, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		// Through a proxy nobody declared, the direct address is the
		// proxy's: refuse rather than expose the metrics to the internet.
		if s.forwardedByUntrusted(c) {
			return fiber.ErrNotFound
		}
		ip := net.ParseIP(s.clientIP(c))
		allowed := false
		for _, n := range s.metricsFrom {
			allowed = allowed || (ip != nil && n.Contains(ip))
		}
		if !allowed {
			return fiber.ErrNotFound
		}
		return h(c)
	}
}

// inFlight bounds concurrent requests: past the bound the node answers 503
// with Retry-After instead of falling over (HOSTILE P11).
func (s *Server) limitInFlight(max int64) fiber.Handler {
	var n atomic.Int64
	return func(c *fiber.Ctx) error {
		if n.Add(1) > max {
			n.Add(-1)
			c.Set(fiber.HeaderRetryAfter, "30")
			return c.Status(fiber.StatusServiceUnavailable).SendString("The server is busy; please try again in a moment.\n")
		}
		defer n.Add(-1)
		return c.Next()
	}
}

// limitPerIP allows each client address a number of requests per window on
// the web pages (POSTs to the inboxes have limits of their own, postInbox):
// one address cannot crowd out everyone else.
func (s *Server) limitPerIP(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodPost && isInboxPath(c.Path()) || c.Path() == "/healthz" {
		return c.Next()
	}
	if ok, wait := s.ipLimit.allow(s.clientIP(c)); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		return c.Status(fiber.StatusTooManyRequests).SendString("Too many requests from your address; please slow down.\n")
	}
	return c.Next()
}

package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/inbox"
)

// postInbox receives an activity at the shared inbox or an actor's inbox:
// 202 once it is durably journalled, 4xx when refused.
func (s *Server) postInbox(c *fiber.Ctx) error {
	// Before anything costs: one address may not flood the inboxes with
	// made-up senders, or with requests that never get as far as a sender.
	if ok, wait := s.inboxIP.allow(s.clientIP(c)); !ok {
		s.metrics.inbox.WithLabelValues("refused", "ip_rate_limited").Inc()
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		return c.Status(fiber.StatusTooManyRequests).JSON(fiber.Map{"error": "ip_rate_limited"})
	}
	h := make(http.Header)
	c.Request().Header.VisitAll(func(k, v []byte) { h.Add(string(k), string(v)) })
	req := inbox.Request{
		Method: c.Method(),
		Path:   string(c.Request().URI().PathOriginal()),
		Query:  string(c.Request().URI().QueryString()),
		Header: h,
		// Fiber reuses its buffers after the handler returns (HOSTILE W12):
		// the journal must own these bytes.
		Body:  append([]byte(nil), c.Body()...),
		Admit: s.admitInbox,
	}
	ctx, cancel := ctx(c)
	defer cancel()
	err := s.cfg.Inbox.Receive(ctx, req)
	if err == nil {
		s.metrics.inboxAccepted.Inc()
		return c.SendStatus(fiber.StatusAccepted)
	}
	var ie *inbox.Error
	if !errors.As(err, &ie) {
		s.metrics.inbox.WithLabelValues("refused", "internal").Inc()
		return err
	}
	s.metrics.inbox.WithLabelValues("refused", ie.Reason).Inc()
	switch {
	case ie.Reason == "journal_full" || ie.Reason == "busy":
		// Overload, answered with Retry-After: counted, not logged per POST.
	case ie.Status >= 500:
		s.log.Error("inbox", slog.String("reason", ie.Reason), slog.Any("err", ie.Err))
	case ie.Status != fiber.StatusTooManyRequests:
		s.log.Info("inbox refused", slog.String("reason", ie.Reason), slog.String("ip", s.clientIP(c)), slog.Any("err", ie.Err))
	}
	if ie.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(ie.RetryAfter.Seconds())+1))
	}
	return c.Status(ie.Status).JSON(fiber.Map{"error": ie.Reason})
}

// admitInbox is the per-host limit of the inboxes: one sending host (the
// registrable domain of the signing key's host, so that subdomains made at
// will share it) may not flood them.
func (s *Server) admitInbox(sender string) *inbox.Error {
	if ok, wait := s.hostLimit.allow(sender); !ok {
		return &inbox.Error{Status: fiber.StatusTooManyRequests, Reason: "rate_limited",
			Err: fmt.Errorf("%s sent too many activities", sender), RetryAfter: wait}
	}
	return nil
}

// foreground runs every request but an inbox POST as foreground work (see
// Config.Priority): a page someone waits for, a document another server
// fetches while it handles one of our activities. Inbox POSTs are
// answered after their activity is checked and journalled, which the inbox
// does as background work.
func (s *Server) foreground(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodPost && isInboxPath(c.Path()) {
		return c.Next()
	}
	done := s.cfg.Priority.Foreground()
	defer done()
	return c.Next()
}

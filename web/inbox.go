package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/inbox"
)

// postInbox receives an activity at the shared inbox or an actor's inbox:
// 202 once it is durably journalled, 4xx when refused.
func (s *Server) postInbox(c *fiber.Ctx) error {
	local := c.Params("handle")
	if local == "" && c.Path() == "/actor/inbox" {
		local = domain.InstanceActorName
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
		Body:   append([]byte(nil), c.Body()...),
		Local:  local,
		Remote: s.clientIP(c),
	}
	// One sending host may not flood the inbox (per keyId host).
	if p, err := federation.ParseSignature(h); err == nil {
		if host, err := federation.HostOf(p.KeyID); err == nil {
			if ok, wait := s.hostLimit.allow(host); !ok {
				s.metrics.inbox.WithLabelValues("refused", "rate_limited").Inc()
				c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
				return c.Status(fiber.StatusTooManyRequests).JSON(fiber.Map{"error": "rate_limited"})
			}
		}
	}
	ctx, cancel := ctx(c)
	defer cancel()
	err := s.cfg.Inbox.Receive(ctx, req)
	if err == nil {
		s.metrics.inbox.WithLabelValues("accepted", "").Inc()
		return c.SendStatus(fiber.StatusAccepted)
	}
	var ie *inbox.Error
	if !errors.As(err, &ie) {
		s.metrics.inbox.WithLabelValues("refused", "internal").Inc()
		return err
	}
	s.metrics.inbox.WithLabelValues("refused", ie.Reason).Inc()
	if ie.Status >= 500 {
		s.log.Error("inbox", slog.String("reason", ie.Reason), slog.Any("err", ie.Err))
	} else {
		s.log.Info("inbox refused", slog.String("reason", ie.Reason), slog.String("ip", s.clientIP(c)), slog.Any("err", ie.Err))
	}
	return c.Status(ie.Status).JSON(fiber.Map{"error": ie.Reason})
}

// activity serves an activity this node sent, so peers can dereference its id.
func (s *Server) activity(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	var doc []byte
	err := s.store.View(ctx, func(tx domain.Tx) error {
		a, err := tx.Activity(s.urls.NewActivityID(c.Params("id")))
		if err != nil {
			return err
		}
		doc = a.JSON
		return nil
	})
	if err != nil {
		return err
	}
	return sendActivity(c, doc)
}

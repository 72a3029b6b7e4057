package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/inbox"
)

// refuseWorkWhenDiskLow answers 503 with Retry-After to every request that
// would make the node take new work (an activity POSTed to an inbox, a form)
// while the disk holding its data is under the watermark (see
// domain.DiskSpace): the node finishes what it acknowledged and takes on
// nothing more until space is freed, then resumes by itself. Pages are
// still served. Mastodon and GoToSocial retry a 503 later; a person sees
// a page that says what is wrong. Logging out is let through: it only
// deletes.
func (s *Server) refuseWorkWhenDiskLow(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if c.Path() == "/logout" || !s.space().Low() {
		return c.Next()
	}
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(inbox.DiskFullRetry.Seconds())))
	if isInboxPath(c.Path()) {
		s.metrics.inbox.WithLabelValues("refused", "disk_full").Inc()
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"error": "disk_full"})
	}
	return fiber.NewError(fiber.StatusServiceUnavailable,
		"This node is short of disk space, so it cannot save anything just now. Nothing you sent was saved: please try again later.")
}

package web

import (
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// ContentTypeActivity is the media type of the ActivityPub documents we serve.
const ContentTypeActivity = "application/activity+json; charset=utf-8"

// wantsActivity reports whether the Accept header asks for an ActivityStreams
// document: application/activity+json, or application/ld+json (with the AS
// profile, or with no profile at all, as some clients send it). Anything
// else, application/json included, gets the HTML page.
func wantsActivity(c *fiber.Ctx) bool {
	for _, part := range strings.Split(c.Get(fiber.HeaderAccept), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q, ok := params["q"]; ok && (q == "0" || q == "0.0" || q == "0.00" || q == "0.000") {
			continue
		}
		switch mt {
		case "application/activity+json":
			return true
		case "application/ld+json":
			p, ok := params["profile"]
			if !ok || strings.Contains(p, "https://www.w3.org/ns/activitystreams") {
				return true
			}
		}
	}
	return false
}

// wantsHTML reports whether an error page should be HTML.
func wantsHTML(c *fiber.Ctx) bool {
	return !wantsActivity(c) && strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}

// sendActivity answers with an ActivityStreams document.
func sendActivity(c *fiber.Ctx, doc []byte) error {
	c.Set(fiber.HeaderContentType, ContentTypeActivity)
	c.Vary(fiber.HeaderAccept)
	return c.Send(doc)
}

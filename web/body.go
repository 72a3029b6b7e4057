package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/inbox"
)

// MaxBody is the largest request body the server reads: the largest activity
// an inbox takes. Forms are far smaller (a badge image is at most 256 KiB).
// fasthttp stops reading at this size (413), so no route holds more.
const MaxBody = inbox.MaxBody

// refuseEncodedBodies answers 415 to any request whose body claims a
// Content-Encoding other than identity, before anything reads the body.
//
// Fiber's Ctx.Body inflates gzip, deflate and br bodies, nested encodings
// included, with no limit, and fasthttp inflates gzipped multipart forms
// while parsing them (which the CSRF check does): 509 KB of gzip became
// 2.46 GB of heap before the size cap could apply (HOSTILE P1). No
// fediverse server compresses what it POSTs, and browsers never compress
// form bodies, so refusing costs nothing; RFC 7694 §3 says to answer 415
// with the encodings that are accepted.
func refuseEncodedBodies(c *fiber.Ctx) error {
	encoded := false
	c.Request().Header.VisitAll(func(k, v []byte) {
		if encoded || !strings.EqualFold(string(k), fiber.HeaderContentEncoding) {
			return
		}
		for _, coding := range strings.Split(string(v), ",") {
			if coding = strings.TrimSpace(coding); coding != "" && !strings.EqualFold(coding, "identity") {
				encoded = true
			}
		}
	})
	if !encoded {
		return c.Next()
	}
	c.Set(fiber.HeaderAcceptEncoding, "identity")
	return fiber.NewError(fiber.StatusUnsupportedMediaType, "Compressed request bodies are not accepted: send the body without Content-Encoding.")
}

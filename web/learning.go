package web

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/domain/badgepng"
	"github.com/lernejo/lernejo/federation"
)

// tasks serves a course's tasks collection, Pages embedded in order.
func (s *Server) tasks(c *fiber.Ctx) error {
	handle := c.Params("handle")
	ctx, cancel := ctx(c)
	defer cancel()
	ts, err := s.cfg.Services.Tasks.List(ctx, handle)
	if err != nil {
		return err
	}
	items := make([]any, 0, len(ts))
	for _, t := range ts {
		items = append(items, federation.TaskPage(s.urls, t))
	}
	id := s.urls.Actor(domain.ActorCourse, handle) + "/tasks"
	return sendActivity(c, federation.Document(federation.OrderedCollectionOf(id, items)))
}

// task serves one task: its Page to ActivityPub clients, its page to people.
func (s *Server) task(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Tasks.Page(ctx, s.viewerHandle(c), c.Params("handle"), c.Params("id"))
	if err != nil {
		return err
	}
	c.Vary(fiber.HeaderAccept)
	if wantsActivity(c) {
		return sendActivity(c, federation.Document(federation.TaskPage(s.urls, p.Task)))
	}
	// Bodies are sanitised when saved; this again applies today's policy to
	// those saved under an older one (images from other servers, above all).
	shown, page := *p.Task, *p
	shown.Body = s.cfg.Docs.Sanitizer.LocalHTML(p.Task.Body)
	page.Task = &shown
	return s.render(c, "task", pageData{Title: shown.Title, Data: &page})
}

// taskCompletions serves how many learners did a task (not who: that is
// for the organisers and each learner to see).
func (s *Server) taskCompletions(c *fiber.Ctx) error {
	handle, id := c.Params("handle"), c.Params("id")
	ctx, cancel := ctx(c)
	defer cancel()
	n, err := s.cfg.Services.Tasks.Completions(ctx, handle, id)
	if err != nil {
		return err
	}
	return s.collection(c, s.urls.Actor(domain.ActorCourse, handle)+"/tasks/"+id+"/completions", n)
}

// sendOB answers with an Open Badges document. Verifiers ask for JSON; a
// browser gets the same JSON, readable, unless it asked for HTML.
func sendOB(c *fiber.Ctx, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/ld+json; charset=utf-8")
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*") // badge verifiers and backpacks read these from anywhere
	return c.Send(b)
}

// issuer serves the Open Badges Issuer profile of a course or school.
func (s *Server) issuer(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	doc, err := s.cfg.Services.Badges.Issuer(ctx, c.Params("handle"))
	if err != nil {
		return err
	}
	return sendOB(c, doc)
}

func (s *Server) badgeClassDoc(b *domain.Badge) federation.OBBadgeClass {
	criteria := map[domain.BadgeCriteria]string{
		domain.CriteriaAllTasks:    "Complete every task.",
		domain.CriteriaChosenTasks: "Complete the tasks the organisers chose.",
		domain.CriteriaOrganiser:   "Awarded by an organiser.",
		domain.CriteriaPeer:        "Awarded by fellow learners' votes.",
	}[b.Criteria]
	if b.Criteria == domain.CriteriaAttendance {
		criteria = fmt.Sprintf("Come to %d sessions of the course's meetings.", b.Sessions)
	}
	if b.Criteria == domain.CriteriaReviewed {
		criteria = fmt.Sprintf("Do the chosen tasks, and have the work approved by %d fellow learners.", b.Approvals)
		if b.MinRating > 0 {
			criteria = fmt.Sprintf("Do the chosen tasks, and have the work approved by %d fellow learners with a mean rating of at least %.1f of 5.", b.Approvals, b.MinRating)
		}
	}
	doc := federation.NewBadgeClass(s.urls.Path("/badges/"+b.ID), b.Name, b.Description,
		s.urls.Path("/badges/"+b.ID+"/image.png"), s.urls.Actor(domain.ActorCourse, b.Issuer)+"/tasks", criteria,
		s.urls.Path("/issuers/"+b.Issuer))
	if b.Criteria == domain.CriteriaPeer {
		doc = doc.PeerVotes(b.Votes)
	}
	return doc
}

// badge loads the badge class named by the :id parameter.
func (s *Server) badge(c *fiber.Ctx) (*domain.Badge, error) {
	ctx, cancel := ctx(c)
	defer cancel()
	return s.cfg.Services.Badges.Class(ctx, c.Params("id"))
}

// badgePNG is a badge's image: the organiser's checked upload, or a
// generated default.
func badgePNG(b *domain.Badge) []byte {
	if len(b.Image) > 0 {
		return b.Image
	}
	return badgepng.Default(b.ID)
}

// sendPNG answers with an image of ours: always image/png, never sniffed,
// sandboxed if opened on its own (HOSTILE O7, H7).
func sendPNG(c *fiber.Ctx, img []byte, cacheable bool) error {
	c.Set(fiber.HeaderContentType, "image/png")
	if cacheable {
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	}
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Send(img)
}

func (s *Server) badgeClass(c *fiber.Ctx) error {
	b, err := s.badge(c)
	if err != nil {
		return err
	}
	// A course's badges collection lists its badge classes, and a
	// collection's items are ActivityStreams documents to the servers that
	// walk it: the same BadgeClass, as application/activity+json.
	c.Vary(fiber.HeaderAccept)
	if wantsActivity(c) {
		doc, err := json.Marshal(s.badgeClassDoc(b))
		if err != nil {
			return err
		}
		return sendActivity(c, doc)
	}
	return sendOB(c, s.badgeClassDoc(b))
}

// badgeImage serves a badge's PNG.
func (s *Server) badgeImage(c *fiber.Ctx) error {
	b, err := s.badge(c)
	if err != nil {
		return err
	}
	return sendPNG(c, badgePNG(b), true)
}

// award serves an award as an Open Badges 2.0 hosted assertion (revoked
// ones say so), or its page to a browser that asks for HTML.
func (s *Server) award(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Badges.Awarded(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	a, b := p.Award, p.Badge
	var evidence []federation.OBEvidence
	for _, e := range a.Evidence {
		narrative := "A completed task of " + b.Name
		if strings.Contains(e, "#review-") {
			narrative = "A fellow learner's review of the work for " + b.Name
		}
		evidence = append(evidence, federation.OBEvidence{Type: "Evidence", ID: e, Narrative: narrative})
	}
	doc := federation.NewAssertion(s.urls.Path("/awards/"+a.ID), s.urls.Path("/badges/"+b.ID), a.Learner, a.IssuedOn, evidence)
	doc.Image = s.urls.Path("/badges/" + b.ID + "/image.png")
	if a.Revoked {
		doc.Revoked, doc.RevocationReason = true, a.Reason
	}
	if strings.Contains(c.Get(fiber.HeaderAccept), "text/html") {
		// The page, for a person: with the revocation form if they
		// organise the issuer.
		if p, err = s.cfg.Services.Badges.AwardFor(ctx, s.viewerHandle(c), a.ID); err != nil {
			return err
		}
		return s.render(c, "award", pageData{Title: b.Name, Data: p})
	}
	return sendOB(c, doc)
}

// bakedBadge serves the award's badge image with the assertion baked in
// (Open Badges baking: an iTXt "openbadges" chunk with the assertion URL),
// so the PNG itself carries what it certifies.
func (s *Server) bakedBadge(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	id := c.Params("id")
	p, err := s.cfg.Services.Badges.Awarded(ctx, id)
	if err != nil {
		return err
	}
	baked, err := badgepng.Bake(badgePNG(p.Badge), s.urls.Path("/awards/"+id))
	if err != nil {
		return err
	}
	return sendPNG(c, baked, false)
}

// completion serves a completion record made on this node, with its proof.
func (s *Server) completion(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	raw, err := s.cfg.Services.Tasks.CompletionRecord(ctx, s.urls.Path("/completions/"+c.Params("id")))
	if err != nil {
		return err
	}
	return sendActivity(c, raw)
}

package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/service"
)

// runAgain makes the next run of a course its organiser manages (the
// "Run this again" form of the settings tab): a draft with the same tasks,
// badges and meetings under a new handle, which the organiser then edits
// and opens. The old run's followers are invited when it opens.
func (s *Server) runAgain(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	starts, err := service.ParseDate("starts", c.FormValue("starts"))
	if err != nil {
		return s.back(c, co.Handle, service.TabSettings, err, "")
	}
	ctx, cancel := ctx(c)
	defer cancel()
	next, err := s.cfg.Services.Courses.RunAgain(ctx, p.Handle, co.Handle, c.FormValue("handle"), starts)
	if err != nil {
		return s.back(c, co.Handle, service.TabSettings, err, "")
	}
	return s.back(c, next.Handle, service.TabSettings, nil,
		s.printer(c).T("%s is ready as a draft: check its dates, tasks and meetings, then publish it. The people of the last run are invited when it opens.", next.Title))
}

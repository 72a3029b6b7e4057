package web

import (
	"context"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// reviewFromForm reads the task form's peer review: whether the task asks
// for it, and its criteria, one per line.
func reviewFromForm(c *fiber.Ctx, t *domain.Task) {
	t.PeerReview = c.FormValue("peer_review") == "1"
	t.Rubric = lines(c.FormValue("rubric"))
}

// reviewWork keeps a participant's review of a fellow learner's work for
// a task (the review form under each piece of work on the task's page),
// and goes back to the work on the page.
func (s *Server) reviewWork(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	course, task := c.Params("handle"), c.Params("id")
	ctx, cancel := ctx(c)
	defer cancel()
	_, err := s.cfg.Services.Reviews.Review(ctx, p.Handle, course, task, c.FormValue("learner"), reviewFromPost(c))
	return s.refused(c, "/courses/"+course+"/tasks/"+task+"#work", err, s.printer(c).T("Your review is saved: the learner can read it."))
}

// reviewFromPost reads a review form: whether the reviewer approves, a
// rating for each criterion (rating0, rating1…), and the comment.
func reviewFromPost(c *fiber.Ctx) service.ReviewInput {
	in := service.ReviewInput{Approve: c.FormValue("approve") == "1", Comment: c.FormValue("comment")}
	for i := 0; i < domain.MaxRubric; i++ {
		v := c.FormValue("rating" + strconv.Itoa(i))
		if v == "" {
			break
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1 // refused by the service, with its message
		}
		in.Ratings = append(in.Ratings, n)
	}
	return in
}

// remoteReview sends a participant's review of work a course on another
// Lernejo node shows for review (the form under it on the course's page
// here), and goes back to that page.
func (s *Server) remoteReview(c *fiber.Ctx) error {
	return s.asViewer(c, s.printer(c).T("Your review is sent to the course's server."), func(ctx context.Context, p *domain.Person) (string, error) {
		return "/remote?id=" + url.QueryEscape(c.FormValue("target")) + "#work",
			s.cfg.Services.Reviews.ReviewElsewhere(ctx, p.Handle, c.FormValue("post"), reviewFromPost(c))
	})
}

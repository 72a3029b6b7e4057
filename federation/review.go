package federation

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/lernejo/lernejo/domain"
)

// Peer review across servers. When a learner submits work for a task that
// asks for peer review, the course posts it to its followers in a note
// that carries the work as `submission` (the completion: its id, learner,
// task, link, the task's rubric and the collection reviews go to). A
// Mastodon participant reviews by replying to that note with #approve or
// #revise; a participant on another Lernejo node through their node, which
// sends a Review record signed by the reviewer's assertion key (FEP-8b32),
// as completions are: Add{object: Review, target: TASK/reviews}.

// ASSubmission is the work a course's note shows for review.
type ASSubmission struct {
	ID      string   `json:"id"`   // the completion's id: what a review names
	Type    string   `json:"type"` // "Completion"
	Actor   string   `json:"actor"`
	Object  string   `json:"object"`        // the task's Page
	URL     string   `json:"url,omitempty"` // the work
	Rubric  []string `json:"rubric"`
	Reviews string   `json:"reviews"` // TASK/reviews
}

// TaskReviews is the collection a task's reviews are added to.
func TaskReviews(u URLs, course, task string) string { return TaskURL(u, course, task) + "/reviews" }

// Submission is the submission of a local course's post that shows work.
func (d Documents) Submission(p *domain.Post) *ASSubmission {
	if p.Work == nil || strings.Contains(p.Course, "://") {
		return nil
	}
	w := p.Work
	return &ASSubmission{ID: w.Completion, Type: "Completion", Actor: w.Learner, Object: TaskURL(d.URLs, p.Course, w.Task),
		URL: w.Evidence, Rubric: orEmpty(w.Rubric), Reviews: TaskReviews(d.URLs, p.Course, w.Task)}
}

// ReadSubmission reads the work a course's note (raw, sent by course)
// shows for review; nil when it shows none. The task, the collection
// reviews go to and the note are the course's own (on its origin), and
// there are at most domain.MaxRubric criteria, or it is refused.
func ReadSubmission(raw json.RawMessage, course string) (*domain.Work, error) {
	var n struct {
		Submission *ASSubmission `json:"submission"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &n) != nil || n.Submission == nil {
		return nil, nil
	}
	s := n.Submission
	switch {
	case s.ID == "" || s.Actor == "" || !SameOrigin(s.Object, course) || !SameOrigin(s.Reviews, course):
		return nil, fmt.Errorf("federation: submission: the work, its learner, task and reviews must be named, on the course's server")
	case len(s.Rubric) > domain.MaxRubric:
		return nil, fmt.Errorf("federation: submission: %d criteria", len(s.Rubric))
	}
	w := &domain.Work{Task: s.Object, Learner: s.Actor, Completion: s.ID, Reviews: s.Reviews}
	if IsLink(s.URL) {
		w.Evidence = s.URL
	}
	for _, c := range s.Rubric {
		if len([]rune(c)) > domain.MaxCriterionLen {
			return nil, fmt.Errorf("federation: submission: a criterion of %d characters", len(c))
		}
		w.Rubric = append(w.Rubric, strings.TrimSpace(c))
	}
	return w, nil
}

// reviewContext is the @context of a Review record: it defines the proof
// it is signed with (data-integrity) and Lernejo's terms.
var reviewContext = []any{NSActivityStreams, NSDataIntegrity, map[string]any{
	"lernejo": NSLernejo,
	"Review":  "lernejo:Review",
	"approve": "lernejo:approve",
	"ratings": map[string]string{"@id": "lernejo:ratings", "@container": "@list"},
}}

// ReviewObject is a review record as it travels in Add: a Lernejo "Review"
// by reviewer (actor) of the work named by the completion id (object), for
// the task's Page (target): whether they approve it, a rating for each of
// its criteria and a comment (HTML). It is the record the reviewer signs.
func ReviewObject(id string, r *domain.Review, task string) map[string]any {
	o := map[string]any{"@context": reviewContext, "id": id, "type": "Review", "actor": r.Reviewer,
		"object": r.Completion, "target": task, "approve": r.Approve, "ratings": orEmpty(r.Ratings),
		"published": r.At.UTC().Format(time.RFC3339)}
	if r.Comment != "" {
		o["content"] = r.Comment
	}
	return o
}

// AddReview adds a review (the signed record) to a task's reviews (target,
// TASK/reviews), addressed to the course.
func AddReview(id, reviewer string, review json.RawMessage, target, course string) []byte {
	return activity(ASActivity{ID: id, Type: vocab.AddType, Actor: reviewer, Object: review, Target: target, To: []string{course}})
}

// ReviewRecord is what a review record says, read after its proof was
// checked.
type ReviewRecord struct {
	Target  string `json:"target"`  // the task's Page
	Object  string `json:"object"`  // the completion reviewed
	Approve bool   `json:"approve"` // false when absent
	Ratings []int  `json:"ratings"`
	Content string `json:"content"` // HTML, to sanitise
}

// ReadReview reads a review record's raw JSON.
func ReadReview(raw json.RawMessage) (*ReviewRecord, error) {
	var r ReviewRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("federation: review record: %w", err)
	}
	if len(r.Ratings) > domain.MaxRubric {
		return nil, fmt.Errorf("federation: review record: %d ratings", len(r.Ratings))
	}
	return &r, nil
}

package domain

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Limits on peer review.
const (
	MaxRubric       = 5   // criteria of one task's review
	MaxCriterionLen = 200 // characters of one criterion
	MaxRating       = 5   // ratings go from 1 to MaxRating
)

// Review is a fellow participant's review of a learner's work for a task
// that asks for peer review: whether they approve it, a rating for each
// criterion of the task's rubric, and a comment. One per reviewer and
// piece of work; nobody reviews their own.
type Review struct {
	ID         string // ULID
	Course     string // course handle
	Task       string // task id
	Learner    string // actor id of whose work it is
	Completion string // id of the completion reviewed (a redone task is new work)
	Reviewer   string // actor id of who reviewed it
	Approve    bool
	Ratings    []int  `json:",omitempty"` // one per criterion, in the rubric's order
	Comment    string `json:",omitempty"` // sanitised HTML, as a post's
	At         time.Time
}

// Work is a learner's work shown for peer review, as the course's post
// about it says: for a local course Task is the task's id, for a course
// elsewhere its Page's id and Reviews the collection reviews are added to.
type Work struct {
	Task       string
	Learner    string   // actor id of whose work it is
	Completion string   // id of the completion: what a review names
	Evidence   string   `json:",omitempty"` // the link to the work
	Rubric     []string `json:",omitempty"` // the task's criteria
	Reviews    string   `json:",omitempty"` // BASE/courses/H/tasks/T/reviews
}

// Review tags: a reply with one of them to a post that shows work reviews
// it, approving it or asking for a revision.
const (
	TagApprove = "approve"
	TagRevise  = "revise"
)

// ParseRatings reads the ratings of a review written as text: each
// "N/MaxRating" in it, in order (a Mastodon reply "#approve 4/5 3/5, clear
// and tested").
func ParseRatings(text string) []int {
	var out []int
	for _, m := range ratingRE.FindAllStringSubmatch(text, MaxRubric+1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

var ratingRE = regexp.MustCompile(`\b([0-9]{1,2})\s*/\s*` + strconv.Itoa(MaxRating) + `\b`)

// CheckReview checks a review of work for task t and changes nothing: the
// task asks for review, the reviewer is not the learner, and there is a
// rating from 1 to MaxRating for each of its criteria.
func CheckReview(t *Task, r *Review) error {
	if !t.PeerReview {
		return Errorf(EFORBIDDEN, "This task does not ask for peer review.")
	}
	if r.Reviewer == r.Learner {
		return Errorf(EFORBIDDEN, "You cannot review your own work.")
	}
	if len(r.Ratings) != len(t.Rubric) {
		return Errorf(EINVALID, "Rate the work on each of the task's %d criteria.", len(t.Rubric)).On("ratings")
	}
	for _, n := range r.Ratings {
		if n < 1 || n > MaxRating {
			return Errorf(EINVALID, "A rating goes from 1 to %d.", MaxRating).On("ratings")
		}
	}
	return nil
}

// ReviewText trims a review's comment and checks it: at most
// MaxCommentLen, and may be empty.
func ReviewText(text string) (string, error) {
	text = strings.TrimSpace(text)
	return text, checkText(text, Phrase("comment"), false, MaxCommentLen)
}

// Average is the mean of a review's ratings, 0 for none.
func (r *Review) Average() float64 {
	if len(r.Ratings) == 0 {
		return 0
	}
	sum := 0
	for _, n := range r.Ratings {
		sum += n
	}
	return float64(sum) / float64(len(r.Ratings))
}

// ReviewsMeet reports whether the reviews of one piece of work meet a
// badge's bar: at least approvals of them approve it, and, when minRating
// is above 0, the mean of their ratings is at least minRating.
func ReviewsMeet(rs []*Review, approvals int, minRating float64) bool {
	yes, sum, rated := 0, 0.0, 0
	for _, r := range rs {
		if r.Approve {
			yes++
		}
		if len(r.Ratings) > 0 {
			sum += r.Average()
			rated++
		}
	}
	if yes < approvals {
		return false
	}
	if minRating > 0 && (rated == 0 || sum/float64(rated) < minRating) {
		return false
	}
	return true
}

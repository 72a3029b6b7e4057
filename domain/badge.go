package domain

import (
	"strings"
	"time"
)

// BadgeCriteria say how a badge is earned.
type BadgeCriteria string

// Badge criteria.
const (
	CriteriaAllTasks    BadgeCriteria = "all_tasks"    // complete every task
	CriteriaChosenTasks BadgeCriteria = "chosen_tasks" // complete the tasks listed
	CriteriaOrganiser   BadgeCriteria = "organiser"    // awarded by an organiser
	CriteriaPeer        BadgeCriteria = "peer"         // after Votes votes from enrolled learners
	CriteriaAttendance  BadgeCriteria = "attendance"   // after coming to Sessions sessions of the course's meetings
	// CriteriaReviewed: each of Tasks done, and its work approved by at
	// least Approvals fellow participants with a mean rating of at least
	// MinRating (0: any), as Lernanta's min_votes and min_avg_rating.
	CriteriaReviewed BadgeCriteria = "reviewed"
)

// Badge is a badge class of a course or a school.
type Badge struct {
	ID          string // ULID
	Issuer      string // handle of the issuing course or school
	Name        string
	Description string // Markdown, as written
	// DescriptionHTML is the description rendered (sanitised HTML); ""
	// for a badge made before Markdown, shown as plain text.
	DescriptionHTML string
	Criteria        BadgeCriteria
	Tasks           []string // task ids, for CriteriaChosenTasks
	Votes           int      // for CriteriaPeer
	Sessions        int      `json:",omitempty"` // for CriteriaAttendance
	Approvals       int      `json:",omitempty"` // for CriteriaReviewed
	MinRating       float64  `json:",omitempty"` // for CriteriaReviewed
	Image           []byte   // PNG, checked on upload; nil: a generated default
	Created         time.Time
}

// Normalise trims a badge's name and description and gives a badge
// without criteria the default: complete every task.
func (b *Badge) Normalise() {
	b.Name = strings.TrimSpace(b.Name)
	b.Description = strings.TrimSpace(b.Description)
	if b.Criteria == "" {
		b.Criteria = CriteriaAllTasks
	}
}

// Validate checks a badge's fields and changes nothing; call Normalise
// first. Empty criteria stand for the default Normalise fills in.
func (b *Badge) Validate() error {
	if err := checkText(b.Name, Phrase("badge name"), true, MaxNameLen); err != nil {
		return OnField("name", err)
	}
	if err := checkText(b.Description, Phrase("badge description"), false, MaxSummaryLen); err != nil {
		return OnField("description", err)
	}
	switch b.Criteria {
	case "", CriteriaAllTasks, CriteriaOrganiser:
	case CriteriaChosenTasks:
		if len(b.Tasks) == 0 {
			return Errorf(EINVALID, "Choose at least one task for this badge.").On("tasks")
		}
	case CriteriaPeer:
		if b.Votes < 1 {
			return Errorf(EINVALID, "A peer-awarded badge needs at least one vote.").On("votes")
		}
	case CriteriaReviewed:
		if len(b.Tasks) == 0 {
			return Errorf(EINVALID, "Choose at least one task for this badge.").On("tasks")
		}
		if b.Approvals < 1 || b.Approvals > 100 {
			return Errorf(EINVALID, "A badge for reviewed work needs between 1 and 100 approvals.").On("approvals")
		}
		if b.MinRating < 0 || b.MinRating > MaxRating {
			return Errorf(EINVALID, "The lowest mean rating goes from 0 (any) to %d.", MaxRating).On("min_rating")
		}
	case CriteriaAttendance:
		if b.Sessions < 1 || b.Sessions > MaxMeetingCount {
			return Errorf(EINVALID, "A badge for coming to sessions needs between 1 and %d sessions.", MaxMeetingCount).On("sessions")
		}
	default:
		return Errorf(EINVALID, "Unknown badge criteria %q.", b.Criteria).On("criteria")
	}
	return nil
}

// Award is one badge given to one learner: an Open Badges assertion hosted
// at a stable URL, announced in a public note that mentions the learner.
type Award struct {
	ID       string // ULID; the assertion is at /awards/ID
	Badge    string // badge class id
	Issuer   string // handle of the issuing course or school
	Learner  string // actor id of the learner
	IssuedOn time.Time
	// Evidence are the ids of the completion records the award rests on.
	Evidence  []string
	NoteURI   string // the public note that announced it
	Revoked   bool
	RevokedAt time.Time
	Reason    string // why it was revoked
	AwardedBy string // handle of the organiser for hand-given awards
}

// ReceivedBadge is a badge a local person was awarded by a course on
// another server, as shown on their profile.
type ReceivedBadge struct {
	Learner   string // local handle
	Assertion string // URL of the hosted assertion
	NoteURI   string // the note that announced it
	Name      string
	ImageURL  string
	Issuer    string // actor id of the issuing course or school
	IssuedOn  time.Time
	Revoked   bool
}

package domain

import (
	"strings"
	"time"
)

// School is a curated group of courses with its organisers, e.g. "School of
// Webcraft". It is an Organization actor.
type School struct {
	Handle     string
	Name       string
	Summary    string   // plain text
	Organisers []string // handles of local people
	// Image is the file name (Image.Name) of the picture its organisers uploaded,
	// "" for none: the school actor's icon.
	Image        string
	PublicKeyPEM string
	AssertionKey []byte // Ed25519 public key (FEP-521a)
	Created      time.Time
	Updated      time.Time
	// Retired is when an operator retired the school (zero while it is
	// active). A retired school keeps its actor, keys and page, so the
	// badges it issued still verify, but it takes no new courses.
	Retired time.Time
	// Asks are the courses waiting for an organiser's answer to their
	// request to join, oldest first: local ones by handle, others by
	// their actor's id.
	Asks []SchoolAsk
	// RemoteCourses are the courses of other servers the school took in,
	// in the order it accepted them. Local courses name their school
	// themselves (Course.School).
	RemoteCourses []RemoteCourse
}

// SchoolAsk is a course's request to join a school.
type SchoolAsk struct {
	Course string // a local course's handle, or a remote course's actor id
	Name   string // the course's title when it asked
	Offer  string // the id of the Offer a remote course sent; "" for a local one
	At     time.Time
}

// Remote reports whether the asking course lives on another server.
func (a SchoolAsk) Remote() bool { return a.Offer != "" }

// RemoteCourse is a course of another server that a school lists.
type RemoteCourse struct {
	ID   string // the course's actor id
	Name string // its title when it was accepted
	At   time.Time
}

// RemoteSchool is a school on another server that a local course asked
// to join (it sent Offer), and whether the school accepted.
type RemoteSchool struct {
	ID       string // the school's actor id
	Name     string
	Offer    string // the id of the Offer the course sent
	Accepted bool
}

// MaxSchoolAsks bounds a school's queue, so that a flood of Offers from
// other servers cannot grow its record without end.
const MaxSchoolAsks = 500

// Normalise puts a school's fields in the form they are stored in: the
// handles lower-cased and trimmed, without blank or repeated organisers,
// and the text trimmed.
func (s *School) Normalise() {
	s.Handle = NormaliseHandle(s.Handle)
	s.Name = strings.TrimSpace(s.Name)
	s.Summary = strings.TrimSpace(s.Summary)
	s.Organisers = normaliseHandles(s.Organisers)
}

// Validate checks a school's fields and changes nothing; call Normalise first.
func (s *School) Validate() error {
	if err := ValidateHandle(s.Handle); err != nil {
		return OnField("handle", err)
	}
	if err := checkText(s.Name, Phrase("school name"), true, MaxNameLen); err != nil {
		return OnField("name", err)
	}
	if err := checkText(s.Summary, Phrase("summary"), false, MaxSummaryLen); err != nil {
		return OnField("summary", err)
	}
	if err := validateHandles(s.Organisers); err != nil {
		return OnField("organisers", err)
	}
	if len(s.Organisers) == 0 {
		return Errorf(EINVALID, "A school needs at least one organiser.").On("organisers")
	}
	return nil
}

// IsOrganiser reports whether handle organises the school.
func (s *School) IsOrganiser(handle string) bool { return contains(s.Organisers, handle) }

// MayPlace is the rule for putting a course into a school directly: only the
// school's organisers may, or anyone could make the school list their
// course and announce it to its followers. Anyone else's course asks to
// join, and a school organiser decides.
func (s *School) MayPlace(by string) error {
	if err := s.TakesCourses(); err != nil {
		return err
	}
	if s.IsOrganiser(by) {
		return nil
	}
	return Errorf(EFORBIDDEN, "Only the organisers of %s can place a course in it.", s.Name)
}

// IsRetired reports whether an operator retired the school.
func (s *School) IsRetired() bool { return !s.Retired.IsZero() }

// TakesCourses fails for a retired school: it keeps what it has and takes
// nothing new.
func (s *School) TakesCourses() error {
	if s.IsRetired() {
		return Errorf(EINVALID, "%s is retired and takes no new courses.", s.Name)
	}
	return nil
}

// MayEdit is the rule for changing a school's profile (name and summary):
// its organisers, and the node's operators (operator is true for them).
// Who organises it only operators decide (see MayAppoint).
func (s *School) MayEdit(by string, operator bool) error {
	if operator || s.IsOrganiser(by) {
		return nil
	}
	return Errorf(EFORBIDDEN, "Only the organisers of %s can change its profile.", s.Name)
}

// MayDecide is the rule for answering a course's request to join: only the
// school's organisers, who curate it.
func (s *School) MayDecide(by string) error {
	if s.IsOrganiser(by) {
		return nil
	}
	return Errorf(EFORBIDDEN, "Only the organisers of %s can answer the courses asking to join it.", s.Name)
}

// Ask puts a course's request into the queue. A course already listed or
// already waiting is refused, and so is one more than MaxSchoolAsks.
func (s *School) Ask(a SchoolAsk) error {
	if err := s.TakesCourses(); err != nil {
		return err
	}
	if s.Asked(a.Course) >= 0 {
		return Errorf(ECONFLICT, "%s has already asked to join %s.", a.Name, s.Name)
	}
	if s.Lists(a.Course) {
		return Errorf(ECONFLICT, "%s is already in %s.", a.Name, s.Name)
	}
	if len(s.Asks) >= MaxSchoolAsks {
		return Errorf(EINVALID, "%s has too many requests waiting; try again later.", s.Name)
	}
	s.Asks = append(s.Asks, a)
	return nil
}

// Asked returns the place of course's request in the queue, or -1.
func (s *School) Asked(course string) int {
	for i, a := range s.Asks {
		if a.Course == course {
			return i
		}
	}
	return -1
}

// Lists reports whether the school lists the remote course id.
func (s *School) Lists(id string) bool {
	for _, rc := range s.RemoteCourses {
		if rc.ID == id {
			return true
		}
	}
	return false
}

// Answer takes course's request out of the queue and returns it; a
// remote course that is accepted joins RemoteCourses.
func (s *School) Answer(course string, accept bool, at time.Time) (SchoolAsk, error) {
	i := s.Asked(course)
	if i < 0 {
		return SchoolAsk{}, Errorf(ENOTFOUND, "No such request to join %s.", s.Name)
	}
	a := s.Asks[i]
	s.Asks = append(s.Asks[:i:i], s.Asks[i+1:]...)
	if accept && a.Remote() {
		s.RemoteCourses = append(s.RemoteCourses, RemoteCourse{ID: a.Course, Name: a.Name, At: at})
	}
	return a, nil
}

// normaliseHandles normalises each handle of a list, dropping blank and
// repeated ones. It returns a new slice: the caller's is left as it was.
func normaliseHandles(hs []string) []string {
	var out []string
	for _, h := range hs {
		h = NormaliseHandle(h)
		if h != "" && !contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// validateHandles checks each handle of a list of organisers.
func validateHandles(hs []string) error {
	for _, h := range hs {
		if err := ValidateHandle(h); err != nil {
			return Errorf(EINVALID, "The organiser %q is not a valid handle.", h)
		}
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

package domain

import (
	"strings"
	"time"
)

// School is a curated group of courses with its organisers, e.g. "School of
// Webcraft". It is an Organization actor.
type School struct {
	Handle       string
	Name         string
	Summary      string   // plain text
	Organisers   []string // handles of local people
	PublicKeyPEM string
	AssertionKey []byte // Ed25519 public key (FEP-521a)
	Created      time.Time
	Updated      time.Time
}

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
		return err
	}
	if err := checkText(s.Name, "school name", true, MaxNameLen); err != nil {
		return err
	}
	if err := checkText(s.Summary, "summary", false, MaxSummaryLen); err != nil {
		return err
	}
	if err := validateHandles(s.Organisers, "organiser"); err != nil {
		return err
	}
	if len(s.Organisers) == 0 {
		return Errorf(EINVALID, "A school needs at least one organiser.")
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
	if s.IsOrganiser(by) {
		return nil
	}
	return Errorf(EFORBIDDEN, "Only the organisers of %s can place a course in it.", s.Name)
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

// validateHandles checks each handle of a list; what names their role in
// the message ("organiser").
func validateHandles(hs []string, what string) error {
	for _, h := range hs {
		if err := ValidateHandle(h); err != nil {
			return Errorf(EINVALID, "The %s %q is not a valid handle.", what, h)
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

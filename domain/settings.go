package domain

import (
	"strings"
	"unicode/utf8"
)

// Settings are the operator's choices for the node.
type Settings struct {
	Name        string
	Description string
	// Kinds are the words the node uses for its learning activities. P2PU let
	// each community choose: "Course", "Study Group", "Challenge", or its own.
	Kinds []string
	// DefaultKind is one of Kinds, preselected when a course is created.
	DefaultKind      string
	RegistrationOpen bool
}

// DefaultSettings are the settings of a new node.
func DefaultSettings() Settings {
	return Settings{
		Name:             "Lernejo",
		Description:      "A place to learn together: join a course, a study group or a challenge, or start your own.",
		Kinds:            []string{"Course", "Study Group", "Challenge"},
		DefaultKind:      "Course",
		RegistrationOpen: true,
	}
}

// Limits on free text, in characters.
const (
	MaxNameLen    = 100
	MaxSummaryLen = 5000
	MaxKinds      = 12
	MaxKindLen    = 40
)

// Validate normalises the settings and checks them.
func (s *Settings) Validate() error {
	s.Name = strings.TrimSpace(s.Name)
	s.Description = strings.TrimSpace(s.Description)
	if s.Name == "" {
		return Errorf(EINVALID, "The node needs a name.")
	}
	if utf8.RuneCountInString(s.Name) > MaxNameLen {
		return Errorf(EINVALID, "The node name can have at most %d characters.", MaxNameLen)
	}
	if utf8.RuneCountInString(s.Description) > MaxSummaryLen {
		return Errorf(EINVALID, "The description can have at most %d characters.", MaxSummaryLen)
	}
	var kinds []string
	seen := map[string]bool{}
	for _, k := range s.Kinds {
		k = strings.TrimSpace(k)
		if k == "" || seen[strings.ToLower(k)] {
			continue
		}
		if utf8.RuneCountInString(k) > MaxKindLen {
			return Errorf(EINVALID, "An activity kind can have at most %d characters.", MaxKindLen)
		}
		seen[strings.ToLower(k)] = true
		kinds = append(kinds, k)
	}
	if len(kinds) == 0 {
		return Errorf(EINVALID, "The node needs at least one activity kind.")
	}
	if len(kinds) > MaxKinds {
		return Errorf(EINVALID, "The node can have at most %d activity kinds.", MaxKinds)
	}
	s.Kinds = kinds
	s.DefaultKind = strings.TrimSpace(s.DefaultKind)
	if !s.HasKind(s.DefaultKind) {
		s.DefaultKind = kinds[0]
	}
	return nil
}

// HasKind reports whether k is one of the node's kinds.
func (s Settings) HasKind(k string) bool {
	for _, x := range s.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// checkText trims *p and checks that it is present (when required) and not too long.
func checkText(p *string, field string, required bool, max int) error {
	*p = strings.TrimSpace(*p)
	if !utf8.ValidString(*p) || strings.ContainsRune(*p, 0) {
		return Errorf(EINVALID, "The %s contains characters that are not allowed.", field)
	}
	if required && *p == "" {
		return Errorf(EINVALID, "The %s is required.", field)
	}
	if utf8.RuneCountInString(*p) > max {
		return Errorf(EINVALID, "The %s can have at most %d characters.", field, max)
	}
	return nil
}

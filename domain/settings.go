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

// Normalise puts the settings in the form they are stored in: text
// trimmed, blank kinds and kinds repeated in another case dropped, and a
// default kind that is not one of the kinds replaced by the first kind.
func (s *Settings) Normalise() {
	s.Name = strings.TrimSpace(s.Name)
	s.Description = strings.TrimSpace(s.Description)
	var kinds []string
	seen := map[string]bool{}
	for _, k := range s.Kinds {
		k = strings.TrimSpace(k)
		if k == "" || seen[strings.ToLower(k)] {
			continue
		}
		seen[strings.ToLower(k)] = true
		kinds = append(kinds, k)
	}
	s.Kinds = kinds
	s.DefaultKind = strings.TrimSpace(s.DefaultKind)
	if !s.HasKind(s.DefaultKind) && len(kinds) > 0 {
		s.DefaultKind = kinds[0]
	}
}

// Validate checks the settings and changes nothing; call Normalise first.
func (s *Settings) Validate() error {
	name := strings.TrimSpace(s.Name)
	if name == "" {
		return Errorf(EINVALID, "The node needs a name.")
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		return Errorf(EINVALID, "The node name can have at most %d characters.", MaxNameLen)
	}
	if utf8.RuneCountInString(strings.TrimSpace(s.Description)) > MaxSummaryLen {
		return Errorf(EINVALID, "The description can have at most %d characters.", MaxSummaryLen)
	}
	for _, k := range s.Kinds {
		if utf8.RuneCountInString(strings.TrimSpace(k)) > MaxKindLen {
			return Errorf(EINVALID, "An activity kind can have at most %d characters.", MaxKindLen)
		}
	}
	if len(s.Kinds) == 0 {
		return Errorf(EINVALID, "The node needs at least one activity kind.")
	}
	if len(s.Kinds) > MaxKinds {
		return Errorf(EINVALID, "The node can have at most %d activity kinds.", MaxKinds)
	}
	if !s.HasKind(s.DefaultKind) {
		return Errorf(EINVALID, "The default kind %q is not one of the node's kinds.", s.DefaultKind)
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

// checkText checks that a text is present (when required), valid UTF-8
// without NUL, and not too long. It judges the text without the spaces at
// its ends, which Normalise trims.
func checkText(text, field string, required bool, max int) error {
	text = strings.TrimSpace(text)
	if !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
		return Errorf(EINVALID, "The %s contains characters that are not allowed.", field)
	}
	if required && text == "" {
		return Errorf(EINVALID, "The %s is required.", field)
	}
	if utf8.RuneCountInString(text) > max {
		return Errorf(EINVALID, "The %s can have at most %d characters.", field, max)
	}
	return nil
}

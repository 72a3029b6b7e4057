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
// trimmed, blank kinds and kinds repeated in another case dropped, the
// default kind written as the kind it names in another case, and a blank
// default kind filled with the first kind. A default kind that is none of
// the kinds stays as it is, for Validate to refuse: replacing it with the
// first kind would change the operator's word without a word.
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
	for _, k := range kinds {
		if strings.EqualFold(k, s.DefaultKind) {
			s.DefaultKind = k
		}
	}
	if s.DefaultKind == "" && len(kinds) > 0 {
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
		if err := checkText(k, Phrase("activity kind"), false, MaxKindLen); err != nil {
			return err
		}
	}
	if err := checkText(s.DefaultKind, Phrase("preselected kind"), false, MaxKindLen); err != nil {
		return err
	}
	if len(s.Kinds) == 0 {
		return Errorf(EINVALID, "The node needs at least one activity kind.")
	}
	if len(s.Kinds) > MaxKinds {
		return Errorf(EINVALID, "The node can have at most %d activity kinds.", MaxKinds)
	}
	if !s.HasKind(s.DefaultKind) {
		return Errorf(EINVALID, "The preselected kind %q is not one of the node's kinds.", s.DefaultKind)
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
// its ends, which Normalise trims, and counts a line break sent as CR LF
// (as browsers send a textarea's) as one character, as the browser's
// maxlength counted it.
func checkText(text string, field Phrase, required bool, max int) error {
	text = strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n")
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

// Word is the operator's word for a learning activity in a sentence, in
// the singular ("study group"): the default kind, as KindWord writes it.
func (s Settings) Word() string { return KindWord(s.DefaultKind) }

// AWord is Word with its article ("a challenge", "an activity").
func (s Settings) AWord() string {
	w := s.Word()
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) {
		return "an " + w
	}
	return "a " + w
}

// Words is Word in the plural ("study groups").
func (s Settings) Words() string { return plural(s.Word()) }

// Heading is the plural of the default kind as the operator wrote it, for
// headings ("Study Groups").
func (s Settings) Heading() string {
	if s.DefaultKind == "" {
		return "Courses"
	}
	return plural(s.DefaultKind)
}

// KindWord writes a kind as a word inside a sentence: lower case, except
// for words the operator wrote in capitals ("MOOC" stays), and "course"
// when there is no kind.
func KindWord(kind string) string {
	kind = strings.TrimSpace(kind)
	if kind == "" {
		return "course"
	}
	words := strings.Fields(kind)
	for i, w := range words {
		if strings.ToUpper(w) != w || utf8.RuneCountInString(w) == 1 {
			words[i] = strings.ToLower(w)
		}
	}
	return strings.Join(words, " ")
}

// plural makes an English plural of the last word of w, as the usual
// rules go: "challenges", "classes", "study groups", "communities".
func plural(w string) string {
	lower := strings.ToLower(w)
	switch {
	case w == "":
		return w
	case strings.HasSuffix(lower, "s"), strings.HasSuffix(lower, "x"), strings.HasSuffix(lower, "z"),
		strings.HasSuffix(lower, "ch"), strings.HasSuffix(lower, "sh"):
		return w + "es"
	case len(lower) > 1 && lower[len(lower)-1] == 'y' && !strings.ContainsRune("aeiou", rune(lower[len(lower)-2])):
		return w[:len(w)-1] + "ies"
	}
	return w + "s"
}

package web

import (
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/i18n"
)

// The operator's words for a learning activity (domain.Settings.Kinds) are
// theirs and are written as they typed them, in every language. The kinds
// a new node starts with ("Course", "Study Group", "Challenge") are the
// node's words, not the operator's, and are written in the reader's
// language: their English forms are messages of the catalogue like any
// other (see the i18n package's doc).

// kindForms are the English forms of a kind, as the pages write it: as the
// operator wrote it (a label), inside a sentence, in the plural, with its
// indefinite article, and as a heading in the plural.
type kindForms struct {
	Label, Word, Words, AWord, Heading string
}

// formsOf are the English forms of kind.
func formsOf(kind string) kindForms {
	st := domain.Settings{DefaultKind: kind}
	return kindForms{Label: kind, Word: st.Word(), Words: st.Words(), AWord: st.AWord(), Heading: st.Heading()}
}

// defaultKinds are the forms of the kinds a new node offers, by the kind
// as written there ("Study Group": an operator who types "study group"
// chose their own word); "" is a course with no kind, which reads as
// "course".
var defaultKinds = func() map[string]kindForms {
	m := map[string]kindForms{"": formsOf("")}
	for _, k := range domain.DefaultSettings().Kinds {
		m[k] = formsOf(k)
	}
	return m
}()

// kindWords writes kinds in one language.
type kindWords struct{ p *i18n.Printer }

// form is one form of kind in the printer's language: a default kind's
// translation, any other kind's English form, which is the operator's own
// word.
func (k kindWords) form(kind string, pick func(kindForms) string) string {
	kind = strings.TrimSpace(kind)
	if f, ok := defaultKinds[kind]; ok && pick(f) != "" {
		return k.p.T(pick(f))
	}
	return pick(formsOf(kind))
}

// Label is the kind as a label beside a course ("Study Group").
func (k kindWords) Label(kind string) string {
	return k.form(kind, func(f kindForms) string { return f.Label })
}

// Word is the kind inside a sentence ("study group").
func (k kindWords) Word(kind string) string {
	return k.form(kind, func(f kindForms) string { return f.Word })
}

// Words is the kind inside a sentence in the plural ("study groups").
func (k kindWords) Words(kind string) string {
	return k.form(kind, func(f kindForms) string { return f.Words })
}

// AWord is the kind with its indefinite article ("a study group"; in
// Esperanto, which has none, the word alone).
func (k kindWords) AWord(kind string) string {
	return k.form(kind, func(f kindForms) string { return f.AWord })
}

// Heading is the kind in the plural as a heading ("Study Groups").
func (k kindWords) Heading(kind string) string {
	return k.form(kind, func(f kindForms) string { return f.Heading })
}

// nodeView is the node's settings as a page shows them: its words for a
// learning activity (Word, Words, AWord, Heading of the default kind) in
// the page's language.
type nodeView struct {
	domain.Settings
	kinds kindWords
}

// Word is the default kind inside a sentence.
func (n nodeView) Word() string { return n.kinds.Word(n.DefaultKind) }

// Words is the default kind inside a sentence, in the plural.
func (n nodeView) Words() string { return n.kinds.Words(n.DefaultKind) }

// AWord is the default kind with its indefinite article.
func (n nodeView) AWord() string { return n.kinds.AWord(n.DefaultKind) }

// Heading is the default kind in the plural, as a heading.
func (n nodeView) Heading() string { return n.kinds.Heading(n.DefaultKind) }

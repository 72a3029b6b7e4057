// Package i18n is the node's message catalogue: the languages its pages
// and mails speak, the Esperanto (and any later) translations of their
// English text, choosing a reader's language, and writing dates in it.
// The web pages (package web) and the mails the services write (package
// service) both print through it.
//
// The English text is the message's key: a template writes
// {{t "Log in"}} or {{t "Join this %s" .Word}}, and Go code
// p.T("Your password is too short."). A language's catalogue is one or
// more JSON files in its directory (eo/*.json), each an object from the
// English text to the translation, split by page so that people editing
// different pages do not edit the same file. TestEveryMessageTranslated
// reads the templates and the Go code and fails on a message with no
// translation, or a translation nothing uses.
//
// Errors: a domain error's English format is its key (domain.Errorf keeps
// the format and the arguments), so the pages write it in the reader's
// language; an argument that is the node's own English text, such as the
// name of the field a message is about, is a domain.Phrase and is
// translated too, while names and handles stay as they are. The test
// finds every domain.Errorf, domain.Error literal, fiber.NewError and
// domain.Phrase literal in the repository's Go code and requires its
// translation.
//
// The words for a learning activity: the operator's kinds
// (domain.Settings.Kinds) are their own words and are written as typed in
// every language, but the three a new node starts with, "Course", "Study
// Group" and "Challenge", are the node's words and are messages like any
// other, in each of the forms the pages use: the label ("Study Group"),
// the word inside a sentence ("study group"), its plural ("study
// groups"), with the indefinite article ("a study group"; Esperanto has
// none: "studrondo") and the plural heading ("Study Groups"). Templates
// write a course's kind with {{kind .Kind}}, {{word .Kind}}, {{words
// .Kind}} or {{aword .Kind}}, and the node's default kind with .Node.Word,
// .Node.Words, .Node.AWord or .Node.Heading; a domain error names a kind
// as a domain.KindName. They come into a message as an argument, in the
// nominative: an Esperanto translation puts them where the nominative
// fits ("pri ĝiaj novaj %s", "Ĉi tiu %s estas plena."), since adding the
// accusative -n to an operator's own word would change it.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

// Lang is a language the pages speak, as a BCP 47 tag ("en", "eo").
type Lang string

// The languages of the pages. English is the source: its catalogue is the
// messages themselves.
const (
	English   Lang = "en"
	Esperanto Lang = "eo"
)

// Languages are the languages a reader may choose, with their names in
// themselves, in the order a settings page lists them.
var Languages = []struct {
	Lang Lang
	Name string
}{
	{English, "English"},
	{Esperanto, "Esperanto"},
}

// Supported reports whether l is a language the pages speak.
func Supported(l string) bool {
	for _, x := range Languages {
		if string(x.Lang) == l {
			return true
		}
	}
	return false
}

//go:embed eo/*.json
var catalogueFS embed.FS

// Catalogue holds the translations of every language but English.
type Catalogue struct {
	msgs map[Lang]map[string]string
}

// Load reads the embedded catalogue. A message translated twice (in two
// files of a language) or translated to nothing is an error: the node does
// not start with a catalogue that would hide a translator's mistake.
func Load() (*Catalogue, error) {
	return load(catalogueFS)
}

func load(fsys fs.FS) (*Catalogue, error) {
	c := &Catalogue{msgs: map[Lang]map[string]string{}}
	for _, x := range Languages {
		if x.Lang == English {
			continue
		}
		files, err := fs.Glob(fsys, string(x.Lang)+"/*.json")
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		msgs := map[string]string{}
		from := map[string]string{}
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", f, err)
			}
			for k, v := range m {
				if prev, dup := from[k]; dup {
					return nil, fmt.Errorf("i18n: %q is translated in %s and in %s", k, prev, path.Base(f))
				}
				if strings.TrimSpace(v) == "" {
					return nil, fmt.Errorf("i18n: %s: %q has an empty translation", f, k)
				}
				if a, b := verbs(k), verbs(v); a != b {
					return nil, fmt.Errorf("i18n: %s: %q has the verbs %q, its translation %q", f, k, a, b)
				}
				msgs[k], from[k] = v, path.Base(f)
			}
		}
		c.msgs[x.Lang] = msgs
	}
	return c, nil
}

// verbs lists the fmt verbs of a message in order (%s, %d, %q, %%), which
// its translation must keep: the arguments come in the English order.
func verbs(s string) string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 >= len(s) {
			continue
		}
		out = append(out, s[i:i+2])
		i++
	}
	return strings.Join(out, " ")
}

// Messages returns the translations of l (nil for English), for the test
// that checks every message is translated.
func (c *Catalogue) Messages(l Lang) map[string]string { return c.msgs[l] }

// Printer writes the messages of one language. A nil catalogue writes
// English only.
func (c *Catalogue) Printer(l Lang) *Printer {
	if !Supported(string(l)) || c == nil {
		l = English
	}
	if c == nil {
		return &Printer{Lang: l}
	}
	return &Printer{Lang: l, msgs: c.msgs[l]}
}

// Printer translates and formats messages in one language.
type Printer struct {
	Lang Lang
	msgs map[string]string // nil for English
}

// T is msg in the printer's language, formatted with args when there are
// any (the English text when there is no translation: a page is never left
// with a blank). With no args, msg is returned as it is, % and all.
func (p *Printer) T(msg string, args ...any) string {
	if t, ok := p.msgs[msg]; ok {
		msg = t
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// N picks the singular or plural message for n and formats it with n and
// args: N(3, "%d post", "%d posts"). English and Esperanto both use the
// singular for one only.
func (p *Printer) N(n int, one, other string, args ...any) string {
	msg := other
	if n == 1 {
		msg = one
	}
	return p.T(msg, append([]any{n}, args...)...)
}

// matcher picks the page language from an Accept-Language header; its
// tags are in the order of Languages.
var matcher = func() language.Matcher {
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.MustParse(string(l.Lang))
	}
	return language.NewMatcher(tags)
}()

// Negotiate is the language an Accept-Language header asks for, among
// those the pages speak; English when it asks for none of them.
func Negotiate(acceptLanguage string) Lang {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Languages[i].Lang
}

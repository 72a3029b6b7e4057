package web

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/i18n"
)

// pageSet holds the parsed templates and, for each language and time zone
// readers have asked for, a copy whose t, n and ago functions write in
// that language and zone. html/template binds functions when a template
// is parsed or cloned, not when it runs, so each (language, zone) has its
// own clone, made once and kept.
type pageSet struct {
	base *template.Template // parsed with English functions; never run, only cloned
	cat  *i18n.Catalogue
	mu   sync.Mutex
	sets map[pageKey]*template.Template
}

// pageKey names one clone of the pages.
type pageKey struct {
	lang i18n.Lang
	zone string // IANA name; "UTC" for readers with no zone set
}

// maxPageSets bounds the clones kept: a node's readers use few time zones,
// and one clone more per request past the bound is slower, not wrong.
const maxPageSets = 64

// newPageSet parses the templates and makes the clones every visitor uses
// (each language in UTC), so a broken template or catalogue fails at start.
func newPageSet() (*pageSet, error) {
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	base, err := parseTemplates(printerFuncs(cat.Printer(i18n.English), time.UTC))
	if err != nil {
		return nil, err
	}
	ps := &pageSet{base: base, cat: cat, sets: map[pageKey]*template.Template{}}
	for _, l := range i18n.Languages {
		if _, err := ps.get(l.Lang, time.UTC); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// get is the pages for a reader of lang in the zone loc.
func (ps *pageSet) get(lang i18n.Lang, loc *time.Location) (*template.Template, error) {
	key := pageKey{lang, loc.String()}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if t := ps.sets[key]; t != nil {
		return t, nil
	}
	t, err := ps.base.Clone()
	if err != nil {
		return nil, err
	}
	t.Funcs(printerFuncs(ps.cat.Printer(lang), loc))
	if len(ps.sets) < maxPageSets {
		ps.sets[key] = t
	}
	return t, nil
}

// printerFuncs are the template functions that write in a language and a
// time zone: t translates and formats a message, th does the same for a
// message with links or markup in its arguments, n picks its singular or
// plural, ago writes a moment and day a calendar day; kind, word, words and aword write a
// course's kind (web/kinds.go); errtext and fielderror a refused form's
// message (web/forms.go).
func printerFuncs(p *i18n.Printer, loc *time.Location) template.FuncMap {
	k := kindWords{p}
	return template.FuncMap{
		"t":     p.T,
		"th":    func(msg string, args ...any) template.HTML { return translateHTML(p, msg, args) },
		"n":     p.N,
		"ago":   func(t time.Time) string { return p.Date(t, loc) },
		"day":   p.Day,
		"kind":  k.Label,
		"word":  k.Word,
		"words": k.Words,
		"aword": k.AWord,
		"errtext": func(e *formError) string {
			if e == nil {
				return ""
			}
			return errorText(p, e.err)
		},
		"fielderror": func(v any, field, id string) template.HTML { return fieldError(p, v, field, id) },
	}
}

// reader is the language and time zone a request's pages are written in:
// the logged-in person's own choice where they made one, else the
// language the browser asks for, in UTC.
func (s *Server) reader(c *fiber.Ctx) (i18n.Lang, *time.Location) {
	lang, loc := i18n.Lang(""), time.UTC
	if p := s.viewer(c); p != nil {
		if i18n.Supported(p.Language) {
			lang = i18n.Lang(p.Language)
		}
		if p.TimeZone != "" {
			if l, err := time.LoadLocation(p.TimeZone); err == nil {
				loc = l
			}
		}
	}
	if lang == "" {
		lang = i18n.Negotiate(c.Get(fiber.HeaderAcceptLanguage))
	}
	return lang, loc
}

// printer writes messages Go code makes (titles, errors) in the request's
// language.
func (s *Server) printer(c *fiber.Ctx) *i18n.Printer {
	lang, _ := s.reader(c)
	return s.pages.cat.Printer(lang)
}

// message is the safe message of err (domain.ErrorMessage) in the
// request's language.
func (s *Server) message(c *fiber.Ctx, err error) string {
	return errorText(s.printer(c), err)
}

// errorText is the safe message of err in p's language: its format
// translated, and the arguments that are the node's words (a
// domain.Phrase such as a field's name, a domain.KindName) with it; the
// other arguments (names, handles, numbers) as they are.
func errorText(p *i18n.Printer, err error) string {
	format, args := domain.ErrorText(err)
	if len(args) > 0 {
		args = slices.Clone(args)
		for i, a := range args {
			switch a := a.(type) {
			case domain.Phrase:
				args[i] = p.T(string(a))
			case domain.KindName:
				args[i] = kindWords{p}.Word(string(a))
			}
		}
	}
	return p.T(format, args...)
}

// translateHTML is msg translated and formatted as HTML: the message and
// every argument are escaped, but for arguments already template.HTML (a
// link the template built with the html function), so that a translation
// may put a link where its language wants it and nothing else becomes
// markup.
func translateHTML(p *i18n.Printer, msg string, args []any) template.HTML {
	esc := make([]any, len(args))
	for i, a := range args {
		if h, ok := a.(template.HTML); ok {
			esc[i] = string(h)
		} else {
			esc[i] = template.HTMLEscapeString(fmt.Sprint(a))
		}
	}
	return template.HTML(fmt.Sprintf(template.HTMLEscapeString(p.T(msg)), esc...))
}

// link is an <a> to href with the text text, both escaped, for a message
// that puts a link where its language wants it: {{th "Awarded to %s."
// (link .Href .Name)}}. An href that is neither a path on this node nor
// an http(s) address gives the text alone.
func link(href, text string) template.HTML {
	t := template.HTMLEscapeString(text)
	if !strings.HasPrefix(href, "https://") && !strings.HasPrefix(href, "http://") && !isLocalPath(href) {
		return template.HTML(t)
	}
	return template.HTML(`<a href="` + template.HTMLEscapeString(href) + `">` + t + `</a>`)
}

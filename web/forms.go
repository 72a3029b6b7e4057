package web

import (
	"html/template"
	"slices"
	"strings"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/i18n"
)

// A refused form is shown again with what the person typed and the
// service's message beside the field it is about (the domain error's
// Field), the field marked aria-invalid and described by the message, so
// that nothing typed is lost and the person sees what to fix (issue 15).

// formError is a refused form's error and the input it is about; with no
// Field the form shows its message above itself. The message is written
// when the page is, in the page's language (the "errtext" and
// "fielderror" functions of the templates).
type formError struct {
	Field string
	err   error
}

// formErrorOf is err as a form shows it. fields are the form's inputs: a
// domain error about any other field (or none) is shown above the form.
func formErrorOf(err error, fields ...string) *formError {
	if err == nil {
		return nil
	}
	f := domain.ErrorField(err)
	if !slices.Contains(fields, f) {
		f = ""
	}
	return &formError{Field: f, err: err}
}

// isFormError reports whether err refuses what was typed (EINVALID, or a
// handle already taken), so the form is shown again to put it right;
// anything else (not allowed, not found, a failure) is not the form's.
func isFormError(err error) bool {
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ECONFLICT:
		return true
	}
	return false
}

// formStatus is the status of a form shown again: 422, what was sent is
// understood and will not do; 409 for a conflict (a handle taken).
func formStatus(err error) int {
	if domain.ErrorCode(err) == domain.ECONFLICT {
		return 409
	}
	return 422
}

// fieldAttrs are an input's accessibility attributes, for the templates
// ("invalid"): aria-describedby naming its hints and, when e is about the
// field, its error message (id "ID-error", written by fieldError), and
// aria-invalid then. e is any so that a template may pass a dict's
// missing key (a nil interface) for no error.
func fieldAttrs(v any, field, id string, hints ...string) template.HTMLAttr {
	e, _ := v.(*formError)
	ids := slices.Clone(hints)
	bad := e != nil && e.Field == field
	if bad {
		ids = append(ids, id+"-error")
	}
	var b strings.Builder
	if len(ids) > 0 {
		b.WriteString(` aria-describedby="` + template.HTMLEscapeString(strings.Join(ids, " ")) + `"`)
	}
	if bad {
		b.WriteString(` aria-invalid="true"`)
	}
	return template.HTMLAttr(b.String())
}

// fieldError is the message beside an input when e is about its field, in
// p's language, for the templates ("fielderror"); the input's fieldAttrs
// name it.
func fieldError(p *i18n.Printer, v any, field, id string) template.HTML {
	e, _ := v.(*formError)
	if e == nil || e.Field != field {
		return ""
	}
	return template.HTML(`<span class="error field-error" id="` + template.HTMLEscapeString(id) + `-error" role="alert">` +
		template.HTMLEscapeString(errorText(p, e.err)) + `</span>`)
}

// Package domain holds Lernejo's types, their rules, the error codes and the
// store interfaces. It imports only the standard library: every other package
// depends on it, it depends on none of ours.
package domain

import (
	"errors"
	"fmt"
)

// Error codes. Only the web layer maps them to HTTP statuses.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EFORBIDDEN    = "forbidden"
	EUNAUTHORISED = "unauthorised"
	// EUNAVAILABLE: the node cannot do it now but will later (its disk is
	// nearly full); whoever asked should try again, and nothing is refused
	// for good.
	EUNAVAILABLE = "unavailable"
	EINTERNAL    = "internal"
)

// Error is a domain error: a code and a message that is safe to show to the
// person who caused it, and, when it is about one field of what they filled
// in, that field's name, so that a form can say what to fix beside it.
type Error struct {
	Code    string
	Message string
	Field   string // the form field's name ("title", "text"), or ""
	// Format and Args are what Errorf made Message from, so that the web
	// pages can write the message in the reader's language (the English
	// Format is its key in the catalogue). An Error built without Errorf
	// has neither; its Message is the key.
	Format string
	Args   []any
}

// On names the field e is about and returns e.
func (e *Error) On(field string) *Error {
	e.Field = field
	return e
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Phrase is English text passed as an argument of an error message, such
// as the name of the field a message is about ("The %s is required." with
// Phrase("title")): the pages translate it as they translate the message.
// A name, a handle or anything else a person wrote is passed as a plain
// string and stays as it is. Write a Phrase as a conversion of a string
// literal, Phrase("title"), where it is made, so that the test of the
// catalogue finds it.
type Phrase string

// KindName is a course's kind (one of the node's kinds) passed as an
// argument of an error message: it is written as KindWord writes it, and
// the pages write the node's default kinds in the reader's language and
// any kind an operator chose as they wrote it.
type KindName string

// String is the kind as a word inside a sentence.
func (k KindName) String() string { return KindWord(string(k)) }

// Errorf returns a domain error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// ErrorCode returns the code of the first domain error in err's chain,
// EINTERNAL for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of a domain error, or a generic
// message for internal errors (their details belong in the log, not the page).
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side."
}

// ErrorField returns the field the first domain error in err's chain is
// about, "" when none.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// OnField names the field a domain error from a check is about, and
// returns any other error (or nil) as it is.
func OnField(field string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		e.Field = field
	}
	return err
}

// ErrorText is the message of err as ErrorMessage says it, split into
// the English format and its arguments, for a translation: the format
// is the catalogue's key (the message itself when it has no arguments).
func ErrorText(err error) (format string, args []any) {
	var e *Error
	switch {
	case err == nil:
		return "", nil
	case !errors.As(err, &e):
		return ErrorMessage(err), nil
	case e.Format != "" && len(e.Args) > 0:
		return e.Format, e.Args
	default:
		return e.Message, nil
	}
}

// ErrNoSpace is the store's answer to a write while the disk holding the data
// is nearly full (see DiskSpace): nothing was written, and the same write
// will succeed once space is freed.
var ErrNoSpace = &Error{Code: EUNAVAILABLE, Message: "This node is short of disk space: nothing could be saved. Please try again later."}

// IsUnavailable reports whether err says "not now, later" (EUNAVAILABLE).
func IsUnavailable(err error) bool { return ErrorCode(err) == EUNAVAILABLE }

// IsNotFound reports whether err is a domain not-found error.
func IsNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }

// IsConflict reports whether err is a domain conflict error.
func IsConflict(err error) bool { return ErrorCode(err) == ECONFLICT }

// Found sorts the result of a lookup into there, not there, or failed: ok
// is true when err is nil, and false with a nil error when err is a
// not-found error. Any other error (the store failed) comes back as it is:
// it is never taken for "not there", which would turn an I/O failure into
// a wrong answer. Use it as domain.Found(tx.Post(uri)).
func Found[T any](v T, err error) (_ T, ok bool, _ error) {
	var zero T
	switch {
	case err == nil:
		return v, true, nil
	case IsNotFound(err):
		return zero, false, nil
	}
	return zero, false, err
}

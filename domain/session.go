package domain

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// SessionTTL is how long a log-in lasts. The store keeps a session under a
// Badger TTL of the same length, so abandoned sessions vanish on their own.
const SessionTTL = 30 * 24 * time.Hour

// TokenLen is the length in bytes of session ids and CSRF tokens before hex
// encoding.
const TokenLen = 32

// Session is a logged-in browser: the cookie holds ID, forms carry CSRF.
type Session struct {
	ID      string // TokenLen random bytes, hex
	Person  string // the handle of the local person
	Created time.Time
	Expires time.Time
	CSRF    string // per session, TokenLen random bytes, hex
	// Flash is the one-time message for the next page this browser shows,
	// or nil: what became of the form it sent last.
	Flash *Flash `json:",omitempty"`
}

// MaxFlashLen bounds a flash message's text, in bytes: it says what became
// of one form.
const MaxFlashLen = 500

// Flash is a one-time message: set by a form's handler before it redirects,
// shown once by the next page and then gone. It lives with the session
// (or, for a visitor, in a signed cookie), never in the URL, so a link
// cannot make a page show a message the node did not write.
type Flash struct {
	Error bool   // a refusal to put right, not a notice
	Text  string // plain text, safe to show
	// Action, when set, is a path on this node the message offers to POST
	// to, with ActionLabel on its button ("Publish" after creating a draft).
	Action      string `json:",omitempty"`
	ActionLabel string `json:",omitempty"`
}

// Bounded is f with its text cut to MaxFlashLen bytes (at a character's
// end): a domain error's message may quote what someone typed.
func (f Flash) Bounded() Flash {
	if len(f.Text) > MaxFlashLen {
		f.Text = strings.ToValidUTF8(f.Text[:MaxFlashLen], "")
	}
	return f
}

// Expired reports whether the session has ended at now.
func (s *Session) Expired(now time.Time) bool { return !now.Before(s.Expires) }

// NewToken returns TokenLen bytes from crypto/rand, hex-encoded. A failing
// random source is an error, never a weaker token (HOSTILE W4).
func NewToken() (string, error) {
	b := make([]byte, TokenLen)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// ValidToken reports whether s has the shape of a token from NewToken, so
// that cookie values of any other shape never reach the store.
func ValidToken(s string) bool {
	if len(s) != 2*TokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// NewSession starts a session for a person with a fresh id and CSRF token.
func NewSession(handle string, now time.Time) (*Session, error) {
	id, err := NewToken()
	if err != nil {
		return nil, err
	}
	csrf, err := NewToken()
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	return &Session{ID: id, Person: handle, Created: now, Expires: now.Add(SessionTTL), CSRF: csrf}, nil
}

package domain

import (
	"regexp"
	"strings"
)

// MaxHandleLen is the longest handle accepted (Mastodon allows 30 characters).
const MaxHandleLen = 30

// handleRE is Mastodon's username rule (Account::USERNAME_RE), lower-cased:
// one handle namespace per node, so acct:HANDLE@DOMAIN resolves any actor.
var handleRE = regexp.MustCompile(`^[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?$`)

// reservedHandles are words that name routes, roles or the node itself; no
// person, course or school may take them. "actor" is the node's Application
// actor, reachable as acct:actor@DOMAIN.
var reservedHandles = map[string]bool{
	"actor": true, "inbox": true, "outbox": true, "admin": true, "administrator": true,
	"api": true, "root": true, "system": true, "support": true, "help": true,
	"about": true, "settings": true, "login": true, "logout": true, "signup": true,
	"register": true, "static": true, "media": true, "uploads": true, "assets": true,
	"well-known": true, "nodeinfo": true, "webfinger": true, "healthz": true, "metrics": true,
	"users": true, "people": true, "courses": true, "schools": true, "tasks": true,
	"badges": true, "search": true, "lookup": true, "feed": true, "feeds": true,
	"instance": true, "lernejo": true, "moderator": true, "postmaster": true,
	"webmaster": true, "hostmaster": true, "abuse": true, "security": true, "www": true,
	"public": true, "followers": true, "following": true, "new": true, "edit": true,
}

// NormaliseHandle trims spaces and one leading "@" and lower-cases s. It does
// not validate: call ValidateHandle on the result.
func NormaliseHandle(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "@")
	return strings.ToLower(s)
}

// ValidateHandle checks a normalised handle against Mastodon's username rule,
// the length limit and the reserved words.
func ValidateHandle(h string) error {
	switch {
	case h == "":
		return Errorf(EINVALID, "A handle is required.")
	case len(h) > MaxHandleLen:
		return Errorf(EINVALID, "A handle can have at most %d characters.", MaxHandleLen)
	case !handleRE.MatchString(h):
		return Errorf(EINVALID, "A handle may use only lower-case letters, digits, underscores, dots and dashes, and must start and end with a letter, digit or underscore.")
	case reservedHandles[h]:
		return Errorf(EINVALID, "The handle %q is reserved.", h)
	}
	return nil
}

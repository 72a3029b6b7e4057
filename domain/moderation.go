package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MaxReportContent bounds the comment kept with a report, in characters:
// longer Flag comments are truncated, never refused (HOSTILE M5).
const MaxReportContent = 2000

// DomainBlock defederates a host and its subdomains: nothing is accepted
// from it, delivered to it, or kept of it (HOSTILE M1, M3).
type DomainBlock struct {
	Domain  string // canonical host, lower case, no port
	Reason  string // the operator's note, plain text
	Created time.Time
}

// Report is a moderation report (a Flag) sent to the operator.
type Report struct {
	ID       string   // ULID
	Reporter string   // actor id of who reported (often a server's instance actor)
	Objects  []string // ids of the reported actors and posts
	Content  string   // the reporter's comment, plain text, at most MaxReportContent characters
	Received time.Time
	Resolved bool
	// Course is set on a report about a post of a local course's
	// discussion, made here or sent by another server: the course's
	// handle, whose organisers see it beside the operator. A report made
	// here names the post and its author, in that order.
	Course string
}

// ClipContent trims the report's comment and truncates it to
// MaxReportContent characters, marking the cut with an ellipsis.
func (r *Report) ClipContent() {
	r.Content = Truncate(strings.TrimSpace(r.Content), MaxReportContent)
}

// Truncate cuts s to at most max characters (runes), ending with "…" when
// something was cut. Invalid UTF-8 is replaced, never split mid-rune.
func Truncate(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

package mail

import (
	"bytes"
	"fmt"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"unicode"

	"github.com/lernejo/lernejo/domain"
)

// maxSubjectRunes bounds a subject, so that its encoded header stays well
// under RFC 5322's 998-octet line limit without folding.
const maxSubjectRunes = 200

// Compose renders a queued mail as an RFC 5322 message: a text/plain UTF-8
// body in quoted-printable, and the headers every receiving server looks
// for (Date, Message-ID, From, To, Subject, MIME-Version). The subject and
// the sender's display name carry people's text (a course's name, a
// display name), so each loses its control characters and goes out as
// RFC 2047 encoded-words: nothing a person types can end a header line and
// start another (header injection). host is the node's host, the right
// part of the Message-ID, which stays the same on every retry so that a
// mail sent twice (at-least-once) can be told apart by the receiver.
func Compose(m *domain.OutMail, from netmail.Address, host string) ([]byte, error) {
	to, err := netmail.ParseAddress(m.To)
	if err != nil || headerUnsafe(m.To) {
		return nil, fmt.Errorf("mail: bad recipient address %q", m.To)
	}
	if headerUnsafe(from.Address) {
		return nil, fmt.Errorf("mail: bad sender address %q", from.Address)
	}
	from.Name = oneLine(from.Name, maxSubjectRunes)
	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("From", from.String())
	header("To", (&netmail.Address{Address: to.Address}).String())
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Subject, maxSubjectRunes)))
	header("Date", m.Created.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	header("Message-ID", "<"+m.ID+"@"+host+">")
	// RFC 3834: a notification is not written by a person, so
	// out-of-office replies and the like leave it alone.
	header("Auto-Submitted", "auto-generated")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(m.Text, "\r\n", "\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}

// oneLine replaces every control and line-separating character of s with
// a space, trims it, and cuts it to at most n runes.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		s = strings.TrimSpace(string(r[:n-1])) + "…"
	}
	return s
}

// headerUnsafe reports whether an address holds a character that could
// break out of a header or an SMTP command.
func headerUnsafe(addr string) bool {
	return strings.ContainsFunc(addr, func(r rune) bool { return unicode.IsControl(r) || r == '<' || r == '>' })
}

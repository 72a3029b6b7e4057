package domain

import (
	"net/mail"
	"strings"
	"time"
)

// MailKind is a kind of notification a person may choose to get by email.
type MailKind string

// The kinds of notification mail. Organisers get the last two about the
// courses they organise.
const (
	MailReply         MailKind = "reply"          // a reply to my post
	MailMention       MailKind = "mention"        // a post mentions me
	MailSignUpAnswer  MailKind = "signup-answer"  // my sign-up to a course was approved or declined
	MailNewTask       MailKind = "new-task"       // a new task in a course I take
	MailBadge         MailKind = "badge"          // I earned a badge
	MailReminder      MailKind = "reminder"       // a session of a meeting I come to starts soon
	MailReport        MailKind = "report"         // a post of my course was reported
	MailPendingSignUp MailKind = "pending-signup" // someone asks to join my course
)

// MailKinds are every kind, in the order the settings page lists them.
var MailKinds = []MailKind{MailReply, MailMention, MailSignUpAnswer, MailNewTask, MailBadge, MailReminder, MailReport, MailPendingSignUp}

// MaxAddressLen is the longest email address accepted (RFC 5321's path limit).
const MaxAddressLen = 254

// MailSettings are a local person's email address and the kinds of
// notification they want by mail. No notification is sent to an address
// until its person opened the link of the confirmation mail.
type MailSettings struct {
	Person    string
	Address   string // "" when they gave none
	Confirmed bool   // the person opened the confirmation link sent to Address
	Kinds     []MailKind
	Updated   time.Time
	// Language is that of the page the settings were saved from: the
	// mails' language while the person has chosen none (Person.Language).
	Language string
}

// Wants reports whether the person takes mail of kind k at a confirmed address.
func (m *MailSettings) Wants(k MailKind) bool {
	if m == nil || m.Address == "" || !m.Confirmed {
		return false
	}
	for _, x := range m.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// NormaliseAddress checks an email address a person typed and returns it as
// stored: a bare addr-spec (no display name), its domain lower-cased. ""
// stays "" (no address).
func NormaliseAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	bad := Errorf(EINVALID, "That email address does not look right: write it as name@example.org.")
	if len(s) > MaxAddressLen || strings.ContainsAny(s, "\r\n<>,;\"") {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", bad
	}
	local, host, ok := strings.Cut(a.Address, "@")
	if !ok || local == "" || !strings.Contains(host, ".") || strings.HasPrefix(host, "[") {
		return "", bad
	}
	return local + "@" + strings.ToLower(host), nil
}

// MailTokenPurpose says what a mailed link does.
type MailTokenPurpose string

// The links the node mails.
const (
	TokenConfirmAddress MailTokenPurpose = "confirm" // confirms a person's address
	TokenResetPassword  MailTokenPurpose = "reset"   // sets a new password
)

// ResetTokenTTL is how long a password reset link works; ConfirmTokenTTL
// how long an address confirmation link does.
const (
	ResetTokenTTL   = time.Hour
	ConfirmTokenTTL = 7 * 24 * time.Hour
)

// MailToken is a one-use link the node mailed. Only the SHA-256 of the
// token is stored (Hash, hex), so a copy of the data holds no working link.
type MailToken struct {
	Hash    string
	Purpose MailTokenPurpose
	Person  string
	Address string // the address it was sent to
	// Stamp is a digest of the person's password hash when it was made: a
	// reset link stops working once the password changed.
	Stamp   string
	Created time.Time
	Expires time.Time
}

// OutMail is a mail waiting to be sent. It is queued in the transaction of
// the change that causes it, and deleted once the SMTP server took it, so a
// crash can send it twice but never lose it.
type OutMail struct {
	ID      string // ULID; also the Message-ID's left part
	To      string // a bare address
	Subject string
	Text    string // the plain-text body
	Created time.Time
	// NextAt is when the next attempt is due; Attempts counts the failed
	// ones, LastError says why the latest failed.
	NextAt    time.Time
	Attempts  int
	LastError string
}

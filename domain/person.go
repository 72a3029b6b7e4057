package domain

import (
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // every IANA zone, also where the system has no zoneinfo
)

// ActorType is the ActivityStreams type a local actor is published as.
// Mastodon accepts Person, Group, Organization, Application and Service.
type ActorType string

// The actor types of local actors.
const (
	ActorPerson       ActorType = "Person"       // a local account
	ActorCourse       ActorType = "Group"        // a course, study group or challenge
	ActorSchool       ActorType = "Organization" // a school
	ActorApplication  ActorType = "Application"  // the node itself, at /actor
	InstanceActorName           = "actor"        // its handle: acct:actor@DOMAIN
)

// Person is a local account.
type Person struct {
	Handle      string
	DisplayName string
	Bio         string // plain text
	// Avatar and Header are the file names (Image.Name) of the images the person
	// uploaded as their picture and their profile's header, "" for none.
	Avatar       string
	Header       string
	PasswordHash string // argon2id, PHC string format
	Admin        bool
	PublicKeyPEM string
	AssertionKey []byte    // Ed25519 public key (FEP-521a)
	LastActive   time.Time // when they last logged in or posted, to the day (NodeInfo's active users)
	// Language and TimeZone are the person's choices for the pages they
	// read: a language tag the pages speak and an IANA zone name. Empty
	// means the browser's language and UTC.
	Language string
	TimeZone string
	// Suspended is when an operator suspended the account, zero when it is
	// not: a suspended person cannot log in, their actor is served as
	// Mastodon serves a suspended account's and their posts are hidden.
	Suspended time.Time
	// CalendarKey is the secret in the address of the person's calendar
	// of all their sessions (calendar apps cannot log in): made the first
	// time they ask for it, replaced when they ask for a new one; "" until
	// then.
	CalendarKey string `json:",omitempty"`
	Created     time.Time
	Updated     time.Time
}

// Name is the display name, or the handle when there is none.
func (p *Person) Name() string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Handle
}

// IsSuspended reports whether an operator suspended the account.
func (p *Person) IsSuspended() bool { return !p.Suspended.IsZero() }

// Normalise puts a person's fields in the form they are stored in: the
// handle lower-cased and trimmed, the display name and bio trimmed.
func (p *Person) Normalise() {
	p.Handle = NormaliseHandle(p.Handle)
	p.DisplayName = strings.TrimSpace(p.DisplayName)
	p.Bio = strings.TrimSpace(p.Bio)
}

// Validate checks a person's fields and changes nothing; call Normalise first.
func (p *Person) Validate() error {
	if err := ValidateHandle(p.Handle); err != nil {
		return OnField("handle", err)
	}
	if err := checkText(p.DisplayName, Phrase("display name"), false, MaxNameLen); err != nil {
		return OnField("display_name", err)
	}
	if err := checkText(p.Bio, Phrase("bio"), false, MaxSummaryLen); err != nil {
		return OnField("bio", err)
	}
	if p.PasswordHash == "" {
		return Errorf(EINVALID, "A password is required.")
	}
	return nil
}

// InstanceActor is the node's own Application actor. It signs the node's
// fetches, for peers that refuse unsigned GETs (FEP-2677, FEP-d556).
type InstanceActor struct {
	PublicKeyPEM string
	Created      time.Time
}

// PageLanguages are the languages the web pages are written in (their
// catalogues are in i18n/), which a person may choose to read them in.
var PageLanguages = []string{"en", "eo"}

// SetReading sets the language and time zone a person reads the pages in:
// one of PageLanguages or "" (the browser's), and an IANA zone name such
// as "Europe/Berlin" or "" (UTC).
func (p *Person) SetReading(lang, zone string) error {
	lang, zone = strings.TrimSpace(lang), strings.TrimSpace(zone)
	if lang != "" && !slices.Contains(PageLanguages, lang) {
		return Errorf(EINVALID, "The pages are not written in %q.", lang)
	}
	if zone != "" {
		// LoadLocation also opens files by path: only names that look
		// like zone names are tried.
		if strings.Contains(zone, "..") || strings.HasPrefix(zone, "/") || len(zone) > 64 {
			return Errorf(EINVALID, "%q is not a time zone. Write one like Europe/Berlin.", zone)
		}
		if _, err := time.LoadLocation(zone); err != nil || zone == "Local" {
			return Errorf(EINVALID, "%q is not a time zone. Write one like Europe/Berlin.", zone)
		}
	}
	p.Language, p.TimeZone = lang, zone
	return nil
}

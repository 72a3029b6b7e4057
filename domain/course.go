package domain

import (
	"strings"
	"time"
)

// CourseStatus is where a course is in its life.
type CourseStatus string

// Course statuses. Drafts are invisible to federation.
const (
	StatusDraft    CourseStatus = "draft"
	StatusOpen     CourseStatus = "open"
	StatusClosed   CourseStatus = "closed"
	StatusArchived CourseStatus = "archived"
)

// SignUpMode says how people join a course.
type SignUpMode string

// Sign-up modes. Moderated courses publish manuallyApprovesFollowers: true.
const (
	SignUpOpen      SignUpMode = "open"
	SignUpModerated SignUpMode = "moderated"
	SignUpClosed    SignUpMode = "closed"
)

// Limits on courses.
const (
	MaxQuestions   = 10
	MaxQuestionLen = 500
	MaxTags        = 10
	MaxTagLen      = 40
)

// Course is a learning activity — a course, study group or challenge, in the
// node's own words (Kind). It is a Group actor.
type Course struct {
	Handle  string
	Title   string
	Summary string // Markdown, as its organisers wrote it
	// SummaryHTML is the summary rendered (sanitised HTML); "" for a
	// summary saved before Markdown, shown as plain paragraphs.
	SummaryHTML string
	Kind        string // one of Settings.Kinds
	Status      CourseStatus
	SignUp      SignUpMode
	Questions   []string // sign-up questions, for moderated sign-up
	School      string   // handle of its school, or ""
	Organisers  []string // handles of local people; at least one
	Language    string   // BCP 47 tag, e.g. "en"
	Tags        []string
	Capacity    int // 0 = unlimited
	// Image is the file name (Image.Name) of the picture its organisers uploaded,
	// "" for none: the course actor's icon.
	Image string
	// RedistributeReplies makes the course Announce learners' replies to its
	// followers, not only their top-level posts. Off by default: flooding
	// home timelines with every reply is a known complaint about groups.
	RedistributeReplies bool
	// OpenDiscussion lets anyone, not only enrolled learners, post to the
	// course's discussion.
	OpenDiscussion bool
	// RemoteSchool is the school of another server the course asked to
	// join (or belongs to, once it accepted), or nil.
	RemoteSchool *RemoteSchool
	// Blocked are actors the organisers blocked from this course: they
	// cannot enrol or post here.
	Blocked []string
	// Starts and Ends are the first and last days of this run of the
	// course (midnight UTC of each date); zero for none: a self-paced
	// course, or dates not set.
	Starts time.Time `json:",omitzero"`
	Ends   time.Time `json:",omitzero"`
	// Previous is the handle of the run this one was made from, Next that
	// of the run made from this one ("" for none).
	Previous string `json:",omitempty"`
	Next     string `json:",omitempty"`
	// Invited is set once the previous run's followers were told of this
	// run (when it first opened).
	Invited bool `json:",omitempty"`
	// Its sessions are Meetings (domain/meeting.go); the weekly meeting a
	// course once had here became one (store schema 6).
	PublicKeyPEM string
	AssertionKey []byte // Ed25519 public key (FEP-521a)
	Created      time.Time
	Updated      time.Time
}

// Normalise puts a course's fields in the form they are stored in, against
// the node settings: the handles and tags lower-cased and trimmed (a tag
// loses its "#"), text trimmed, blank and repeated entries dropped from the
// lists, and the defaults filled in (the node's default kind, a draft with
// open sign-up, a meeting in UTC). It checks nothing: Validate does.
func (c *Course) Normalise(s Settings) {
	c.Handle = NormaliseHandle(c.Handle)
	c.Title = strings.TrimSpace(c.Title)
	c.Summary = strings.TrimSpace(c.Summary)
	if c.Kind == "" {
		c.Kind = s.DefaultKind
	}
	if c.Status == "" {
		c.Status = StatusDraft
	}
	if c.SignUp == "" {
		c.SignUp = SignUpOpen
	}
	var qs []string
	for _, q := range c.Questions {
		if q = strings.TrimSpace(q); q != "" {
			qs = append(qs, q)
		}
	}
	c.Questions = qs
	if c.School != "" {
		c.School = NormaliseHandle(c.School)
	}
	c.Organisers = normaliseHandles(c.Organisers)
	c.Language = strings.ToLower(strings.TrimSpace(c.Language))
	var tags []string
	for _, t := range c.Tags {
		t = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(t), "#"))
		if t != "" && !contains(tags, t) {
			tags = append(tags, t)
		}
	}
	c.Tags = tags
}

// Validate checks a course's fields against the node settings and changes
// nothing; call Normalise first. An empty kind, status or sign-up mode
// stands for the default Normalise fills in.
func (c *Course) Validate(s Settings) error {
	if err := ValidateHandle(c.Handle); err != nil {
		return OnField("handle", err)
	}
	if err := checkText(c.Title, Phrase("title"), true, MaxNameLen); err != nil {
		return OnField("title", err)
	}
	if err := checkText(c.Summary, Phrase("summary"), false, MaxSummaryLen); err != nil {
		return OnField("summary", err)
	}
	kind := c.Kind
	if kind == "" {
		kind = s.DefaultKind
	}
	if !s.HasKind(kind) {
		return Errorf(EINVALID, "%q is not one of this node's kinds (%s).", kind, strings.Join(s.Kinds, ", ")).On("kind")
	}
	switch c.Status {
	case "", StatusDraft, StatusOpen, StatusClosed, StatusArchived:
	default:
		return Errorf(EINVALID, "Unknown status %q.", c.Status).On("status")
	}
	switch c.SignUp {
	case "", SignUpOpen, SignUpModerated, SignUpClosed:
	default:
		return Errorf(EINVALID, "Unknown sign-up mode %q.", c.SignUp).On("signup")
	}
	questions := 0
	for _, q := range c.Questions {
		if err := checkText(q, Phrase("sign-up question"), false, MaxQuestionLen); err != nil {
			return OnField("questions", err)
		}
		if strings.TrimSpace(q) != "" {
			questions++
		}
	}
	if questions > MaxQuestions {
		return Errorf(EINVALID, "A course can ask at most %d sign-up questions.", MaxQuestions).On("questions")
	}
	if c.School != "" {
		if err := ValidateHandle(c.School); err != nil {
			return Errorf(EINVALID, "The school %q is not a valid handle.", c.School).On("school")
		}
	}
	if err := validateHandles(c.Organisers); err != nil {
		return OnField("organisers", err)
	}
	if len(c.Organisers) == 0 {
		return Errorf(EINVALID, "A course needs at least one organiser.").On("organisers")
	}
	if len(c.Language) > 35 {
		return Errorf(EINVALID, "The language should be a short code such as \"en\".").On("language")
	}
	for _, t := range c.Tags {
		if t == "" || len(t) > MaxTagLen || strings.ContainsAny(t, " \t\n#<>\"'") {
			return Errorf(EINVALID, "The tag %q is not valid: use one word without spaces.", t).On("tags")
		}
	}
	if len(c.Tags) > MaxTags {
		return Errorf(EINVALID, "A course can have at most %d tags.", MaxTags).On("tags")
	}
	if c.Capacity < 0 {
		return Errorf(EINVALID, "The capacity cannot be negative.").On("capacity")
	}
	if !c.Starts.IsZero() && !c.Ends.IsZero() && c.Ends.Before(c.Starts) {
		return Errorf(EINVALID, "The end date comes before the start date.").On("ends")
	}
	return nil
}

// MaxMeetingPlaceLen bounds a meeting's place or link, in characters.
const MaxMeetingPlaceLen = 200

// CanMoveTo reports whether a course may go from its status to next:
// draft → open → closed → archived, reopening a closed course, and
// archiving from open. Nothing goes back to draft; archived is final.
func (c *Course) CanMoveTo(next CourseStatus) bool {
	if c.Status == next {
		return true
	}
	switch c.Status {
	case StatusDraft:
		return next == StatusOpen
	case StatusOpen:
		return next == StatusClosed || next == StatusArchived
	case StatusClosed:
		return next == StatusOpen || next == StatusArchived
	}
	return false
}

// IsBlocked reports whether the organisers blocked an actor from the course.
func (c *Course) IsBlocked(actor string) bool { return contains(c.Blocked, actor) }

// MaxBlocked bounds a course's own block list.
const MaxBlocked = 1000

// Admit is the one rule for letting someone who is not enrolled take part
// in the course, whichever way they ask (a local "Join", a Mastodon Follow,
// a Lernejo Join): refused when the organisers blocked them, when the course
// does not take sign-ups (not open, or closed sign-up) or when it is full
// (members counts the accepted ones, asked only when there is a capacity);
// otherwise accepted, or pending for an organiser when sign-up is
// moderated. A refusal is an EFORBIDDEN error whose message says why.
func (c *Course) Admit(actor string, members func() (int, error)) (FollowState, error) {
	kind := KindName(c.Kind)
	if c.IsBlocked(actor) {
		return "", Errorf(EFORBIDDEN, "The organisers of this %s do not let you take part.", kind)
	}
	if c.Status != StatusOpen || c.SignUp == SignUpClosed {
		return "", Errorf(EFORBIDDEN, "This %s is not taking sign-ups.", kind)
	}
	if c.Capacity > 0 {
		n, err := members()
		if err != nil {
			return "", err
		}
		if n >= c.Capacity {
			return "", Errorf(EFORBIDDEN, "This %s is full.", kind)
		}
	}
	if c.SignUp == SignUpModerated {
		return FollowPending, nil
	}
	return FollowAccepted, nil
}

// IsOrganiser reports whether handle organises the course.
func (c *Course) IsOrganiser(handle string) bool { return contains(c.Organisers, handle) }

// Federates reports whether the course is visible to other servers.
func (c *Course) Federates() bool { return c.Status != StatusDraft }

// ManuallyApprovesFollowers reports whether joining needs an organiser's approval.
func (c *Course) ManuallyApprovesFollowers() bool { return c.SignUp == SignUpModerated }

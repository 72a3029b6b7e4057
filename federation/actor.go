package federation

import (
	vocab "github.com/go-ap/activitypub"

	"crypto/ed25519"
	"encoding/json"
	"html"
	"slices"
	"strings"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// Namespaces and the @context every document we serve carries. Mastodon
// ignores what it does not know, so the learning fields live in Lernejo's
// own namespace, defined inline: nobody has to fetch a context document.
const (
	NSActivityStreams = string(vocab.ActivityBaseURI)
	NSSecurity        = "https://w3id.org/security/v1"
	// NSDataIntegrity defines FEP-8b32's proof and DataIntegrityProof (W3C
	// Data Integrity 1.0); NSMultikey defines Multikey with its controller
	// and publicKeyMultibase (FEP-521a, W3C Controlled Identifiers).
	NSDataIntegrity = "https://w3id.org/security/data-integrity/v1"
	NSMultikey      = "https://w3id.org/security/multikey/v1"
	NSLernejo       = "https://lernejo.org/ns#"
	// NSPending is FEP-4ccd's namespace (pending followers and following).
	NSPending = "https://purl.archive.org/socialweb/pending#"
	Public    = string(vocab.PublicNS) // the audience of public posts
)

// Context is the JSON-LD @context of actors. The published multikey context
// defines a Multikey's controller and publicKeyMultibase (inside the
// Multikey type, as FEP-521a's examples use it); it and data-integrity
// protect their terms, so the inline map below does not define them again.
// ActivityPub's sharedInbox is in the ActivityStreams namespace but not in
// its context: it is defined here. So are FEP-4ccd's pendingFollowers and
// pendingFollowing, exactly as the FEP's context document
// (https://purl.archive.org/socialweb/pending) defines them.
var Context = []any{
	NSActivityStreams,
	NSSecurity,
	NSDataIntegrity,
	NSMultikey,
	map[string]any{
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"sharedInbox":               map[string]string{"@id": "as:sharedInbox", "@type": "@id"},
		"assertionMethod":           map[string]string{"@id": "https://w3id.org/security#assertionMethod", "@type": "@id", "@container": "@set"},
		"toot":                      "http://joinmastodon.org/ns#",
		"discoverable":              "toot:discoverable",
		"featured":                  map[string]string{"@id": "toot:featured", "@type": "@id"},
		"pdg":                       NSPending,
		"pendingFollowers":          map[string]string{"@id": "pdg:pendingFollowers", "@type": "@id"},
		"pendingFollowing":          map[string]string{"@id": "pdg:pendingFollowing", "@type": "@id"},
		"Hashtag":                   "as:Hashtag",
		"sensitive":                 "as:sensitive",
		"lernejo":                   NSLernejo,
		"kind":                      "lernejo:kind",
		"courseStatus":              "lernejo:courseStatus",
		"signUpMode":                "lernejo:signUpMode",
		"signUpQuestions":           "lernejo:signUpQuestions",
		"capacity":                  "lernejo:capacity",
		"school":                    map[string]string{"@id": "lernejo:school", "@type": "@id"},
		"tasks":                     map[string]string{"@id": "lernejo:tasks", "@type": "@id"},
		"badges":                    map[string]string{"@id": "lernejo:badges", "@type": "@id"},
		"courses":                   map[string]string{"@id": "lernejo:courses", "@type": "@id"},
		"previousRun":               map[string]string{"@id": "lernejo:previousRun", "@type": "@id"},
		"nextRun":                   map[string]string{"@id": "lernejo:nextRun", "@type": "@id"},
	},
}

// Documents builds the ActivityStreams documents of local objects.
type Documents struct {
	URLs      URLs
	Sanitizer *Sanitizer
}

// TextToHTML turns plain text into HTML paragraphs: escaped, blank lines
// split paragraphs, single newlines become <br>.
func TextToHTML(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}

// ProfileHTML is the HTML of an actor's plain-text summary (a person's
// bio, a course's or school's summary), as its actor carries it and its
// page shows it: paragraphs, with the web addresses made links, through
// the sanitiser.
func (d Documents) ProfileHTML(text string) string {
	return d.Sanitizer.RemoteHTML(linkify(TextToHTML(text)))
}

// ASActor is the actor document of a local actor: a Person, a school (an
// Organization), a course (a Group) or the node's Application. Mastodon
// needs publicKey to check signatures, endpoints.sharedInbox to deliver
// once per server, and reads manuallyApprovesFollowers and discoverable
// (toot:); assertionMethod carries the Ed25519 key that record proofs
// point to (FEP-521a).
type ASActor struct {
	Context           any                          `json:"@context,omitempty"`
	ID                string                       `json:"id"`
	Type              vocab.ActivityVocabularyType `json:"type"`
	PreferredUsername string                       `json:"preferredUsername,omitempty"`
	Name              string                       `json:"name,omitempty"`
	Summary           string                       `json:"summary,omitempty"` // HTML
	URL               string                       `json:"url"`
	Icon              *ASImage                     `json:"icon,omitempty"`
	// Image is a person's profile header, which Mastodon shows above
	// their profile.
	Image     *ASImage    `json:"image,omitempty"`
	Inbox     string      `json:"inbox"`
	Outbox    string      `json:"outbox"`
	Followers string      `json:"followers"`
	Following string      `json:"following"`
	Endpoints ASEndpoints `json:"endpoints"`
	PublicKey ASPublicKey `json:"publicKey"`
	Published string      `json:"published,omitempty"`
	// AttributedTo are the organisers of a school or course.
	AttributedTo              IRIs             `json:"attributedTo,omitempty"`
	ManuallyApprovesFollowers bool             `json:"manuallyApprovesFollowers"`
	Discoverable              bool             `json:"discoverable"`
	AssertionMethod           []map[string]any `json:"assertionMethod,omitempty"` // MultikeyDoc entries
	// Featured is the collection of pinned posts (Mastodon's): a course's,
	// and the Application's, always empty. GoToSocial reads an Application
	// actor without one as an empty URL and dereferences it.
	Featured string `json:"featured,omitempty"`
	// PendingFollowers is a moderated course's collection of the sign-up
	// requests its organisers have not answered yet; PendingFollowing is a
	// person's collection of their follows that are not accepted yet
	// (FEP-4ccd). Both show their size, not their members.
	PendingFollowers string `json:"pendingFollowers,omitempty"`
	PendingFollowing string `json:"pendingFollowing,omitempty"`
	// Suspended is set on the actor of a person an operator suspended
	// (Mastodon's toot:suspended), which says nothing else about them.
	Suspended bool `json:"suspended,omitempty"`
	// Courses is a school's collection of the courses it holds, on this
	// node and on others.
	Courses string `json:"courses,omitempty"`
	// CourseFields are set on a course's actor only.
	*CourseFields
}

// CourseFields are what a course's actor says besides what every actor
// says: its tasks, and the learning fields in Lernejo's namespace. Kind,
// courseStatus and signUpMode are always there, the others only when set.
type CourseFields struct {
	Tasks string `json:"tasks"`
	// Badges is the collection of the course's badge classes, which
	// learners on other Lernejo nodes pick from to vote.
	Badges          string   `json:"badges"`
	Kind            string   `json:"kind"`
	CourseStatus    string   `json:"courseStatus"`
	SignUpMode      string   `json:"signUpMode"`
	SignUpQuestions []string `json:"signUpQuestions,omitempty"`
	Capacity        int      `json:"capacity,omitempty"`
	School          string   `json:"school,omitempty"` // the school's actor id
	// StartTime and EndTime are the days this run of the course begins and
	// ends (ActivityStreams' startTime and endTime, which any object may
	// have); PreviousRun and NextRun the actors of the run it was made from
	// and of the run made from it.
	StartTime   string `json:"startTime,omitempty"`
	EndTime     string `json:"endTime,omitempty"`
	PreviousRun string `json:"previousRun,omitempty"`
	NextRun     string `json:"nextRun,omitempty"`
}

// ASEndpoints are an actor's endpoints: the node's shared inbox.
type ASEndpoints struct {
	SharedInbox string `json:"sharedInbox"`
}

// ASPublicKey is an actor's RSA key for HTTP signatures, as Mastodon reads
// it (security/v1).
type ASPublicKey struct {
	ID           string `json:"id"`
	Owner        string `json:"owner"`
	PublicKeyPem string `json:"publicKeyPem"`
}

// IRIs are the ids of a property that may hold several. One id is written
// alone and several as an array, as go-ap wrote them when it built the
// actors; readers take both.
type IRIs []string

// MarshalJSON writes one id as a string, several as an array.
func (l IRIs) MarshalJSON() ([]byte, error) {
	if len(l) == 1 {
		return json.Marshal(l[0])
	}
	return json.Marshal([]string(l))
}

// picture is the Image of an uploaded picture (its file name,
// domain.Image.Name), nil for none.
func (d Documents) picture(name string) *ASImage {
	if name == "" {
		return nil
	}
	return &ASImage{Type: vocab.ImageType, MediaType: domain.ImageMediaType(name), URL: d.URLs.Image(name)}
}

// withPicture sets an actor's icon to the picture its people uploaded,
// when there is one: the generated one stays otherwise.
func withPicture(a *ASActor, pic *ASImage) {
	if pic != nil {
		a.Icon = pic
	}
}

// actor fills the fields every local actor has. The actors are built
// without @context, as an Update embeds them; actorDocument adds it to
// one served on its own.
func (d Documents) actor(typ domain.ActorType, handle, name, summary, publicKeyPEM string, published time.Time) ASActor {
	id := d.URLs.Actor(typ, handle)
	a := ASActor{
		ID:                id,
		Type:              vocab.ActivityVocabularyType(typ),
		PreferredUsername: handle,
		Name:              name,
		Summary:           d.ProfileHTML(summary),
		URL:               id,
		Inbox:             id + "/inbox",
		Outbox:            id + "/outbox",
		Followers:         id + "/followers",
		Following:         id + "/following",
		Endpoints:         ASEndpoints{SharedInbox: d.URLs.SharedInbox()},
		PublicKey:         ASPublicKey{ID: d.URLs.Key(id), Owner: id, PublicKeyPem: publicKeyPEM},
	}
	// A generated picture, so the actor is recognisable in Mastodon's lists
	// (Mastodon shows a grey default otherwise).
	if typ != domain.ActorApplication {
		a.Icon = &ASImage{Type: vocab.ImageType, MediaType: "image/png", URL: id + "/icon.png"}
	}
	if !published.IsZero() {
		a.Published = published.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	return a
}

// suspendedContext is Context with Mastodon's term for a suspended account,
// for the actor of a suspended person (other actors never carry it).
var suspendedContext = append(slices.Clip(Context), map[string]any{"suspended": "toot:suspended"})

// PersonActor is the actor of a local person. A suspended person's is what
// Mastodon 4 serves for a suspended local account: the actor's ids, key
// and endpoints, suspended set, and no name, bio or picture, so that other
// servers stop showing their profile and can restore it from the next
// Update once the suspension is lifted.
func (d Documents) PersonActor(p *domain.Person) ASActor {
	if p.IsSuspended() {
		a := d.actor(domain.ActorPerson, p.Handle, "", "", p.PublicKeyPEM, p.Created)
		a.Icon = nil
		a.AssertionMethod = assertionMethod(a.ID, p.AssertionKey)
		a.Suspended = true
		return a
	}
	a := d.actor(domain.ActorPerson, p.Handle, p.Name(), p.Bio, p.PublicKeyPEM, p.Created)
	withPicture(&a, d.picture(p.Avatar))
	a.Image = d.picture(p.Header)
	a.Discoverable = true
	a.AssertionMethod = assertionMethod(a.ID, p.AssertionKey)
	a.PendingFollowing = a.ID + "/pendingFollowing"
	return a
}

// Person is the actor document of a local person.
func (d Documents) Person(p *domain.Person) ([]byte, error) {
	return actorDocument(d.PersonActor(p)), nil
}

// SchoolActor is the actor of a school (an Organization), its organisers
// in attributedTo.
func (d Documents) SchoolActor(s *domain.School) ASActor {
	a := d.actor(domain.ActorSchool, s.Handle, s.Name, s.Summary, s.PublicKeyPEM, s.Created)
	withPicture(&a, d.picture(s.Image))
	if s.SummaryHTML != "" {
		a.Summary = d.Sanitizer.RemoteHTML(s.SummaryHTML) // rendered from Markdown
	}
	a.AttributedTo = d.people(s.Organisers)
	a.Discoverable = true
	a.AssertionMethod = assertionMethod(a.ID, s.AssertionKey)
	a.Courses = a.ID + "/courses"
	return a
}

// School is the actor document of a school.
func (d Documents) School(s *domain.School) ([]byte, error) {
	return actorDocument(d.SchoolActor(s)), nil
}

// CourseActor is the actor of a course (a Group). Organisers are in
// attributedTo; the learning fields are in Lernejo's namespace. Only a
// moderated course names its pendingFollowers: an open course answers
// every request at once, so it has none to show.
func (d Documents) CourseActor(c *domain.Course) ASActor {
	a := d.actor(domain.ActorCourse, c.Handle, c.Title, c.Summary, c.PublicKeyPEM, c.Created)
	withPicture(&a, d.picture(c.Image))
	if c.SummaryHTML != "" {
		a.Summary = d.Sanitizer.RemoteHTML(c.SummaryHTML) // rendered from Markdown
	}
	a.AttributedTo = d.people(c.Organisers)
	a.ManuallyApprovesFollowers = c.ManuallyApprovesFollowers()
	a.Discoverable = c.Federates()
	a.AssertionMethod = assertionMethod(a.ID, c.AssertionKey)
	a.Featured = a.ID + "/featured"
	if c.ManuallyApprovesFollowers() {
		a.PendingFollowers = a.ID + "/pendingFollowers"
	}
	a.CourseFields = &CourseFields{
		Tasks:           a.ID + "/tasks",
		Badges:          a.ID + "/badges",
		Kind:            c.Kind,
		CourseStatus:    string(c.Status),
		SignUpMode:      string(c.SignUp),
		SignUpQuestions: c.Questions,
	}
	if c.Capacity > 0 {
		a.Capacity = c.Capacity
	}
	if !c.Starts.IsZero() {
		a.StartTime = c.Starts.UTC().Format(time.RFC3339)
	}
	if !c.Ends.IsZero() {
		a.EndTime = c.Ends.UTC().Format(time.RFC3339)
	}
	if c.Previous != "" {
		a.PreviousRun = d.URLs.Actor(domain.ActorCourse, c.Previous)
	}
	if c.Next != "" {
		a.NextRun = d.URLs.Actor(domain.ActorCourse, c.Next)
	}
	if c.School != "" {
		a.School = d.URLs.Actor(domain.ActorSchool, c.School)
	} else if rs := c.RemoteSchool; rs != nil && rs.Accepted {
		a.School = rs.ID
	}
	return a
}

// Course is the actor document of a course.
func (d Documents) Course(c *domain.Course) ([]byte, error) {
	return actorDocument(d.CourseActor(c)), nil
}

// Instance is the node's Application actor at /actor. It signs the node's
// own fetches for peers that require signed GETs (FEP-2677, FEP-d556).
func (d Documents) Instance(ia *domain.InstanceActor, nodeName string) ([]byte, error) {
	a := d.actor(domain.ActorApplication, domain.InstanceActorName, nodeName, "", ia.PublicKeyPEM, ia.Created)
	a.URL = d.URLs.Base() + "/about"
	a.Featured = a.ID + "/featured"
	a.ManuallyApprovesFollowers = true
	return actorDocument(a), nil
}

// UpdatePerson is the Update of a local person's actor (suspended or not),
// addressed as addr, with the @context their actor is served with.
func (d Documents) UpdatePerson(id string, p *domain.Person, addr NoteAddress, at time.Time) []byte {
	a := d.PersonActor(p)
	return wrap(actorContext(a), vocab.UpdateType, id, a.ID, a, addr, at)
}

// DeleteActor is the Delete of a local actor that is gone (a person who
// deleted their account): the object is the actor's id, as Mastodon sends
// it, and receivers drop what they hold of the actor.
func DeleteActor(id, actor string, addr NoteAddress) []byte {
	return marshal(ASActivity{Context: NSActivityStreams, ID: id, Type: vocab.DeleteType, Actor: actor, Object: actor,
		To: addr.to(), CC: addr.cc()})
}

// actorDocument is an actor served on its own: with the @context of actors.
func actorDocument(a ASActor) []byte {
	a.Context = actorContext(a)
	return marshal(a)
}

// actorContext is the @context an actor is served with.
func actorContext(a ASActor) any {
	if a.Suspended {
		return suspendedContext
	}
	return Context
}

func (d Documents) people(handles []string) IRIs {
	var out IRIs
	for _, h := range handles {
		out = append(out, d.URLs.Actor(domain.ActorPerson, h))
	}
	return out
}

// AssertionKeyID is the id of an actor's Ed25519 key in its assertionMethod.
func AssertionKeyID(actorID string) string { return actorID + "#assertion-key" }

// assertionMethod publishes an actor's Ed25519 key as its assertionMethod
// (FEP-521a), which proofs on its records point to; none when the actor
// has no such key.
func assertionMethod(actorID string, pub []byte) []map[string]any {
	if len(pub) != ed25519.PublicKeySize {
		return nil
	}
	return []map[string]any{MultikeyDoc(AssertionKeyID(actorID), actorID, ed25519.PublicKey(pub))}
}

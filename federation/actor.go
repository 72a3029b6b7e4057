package federation

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/lernejo/lernejo/domain"
)

// Namespaces and the @context every document we serve carries. Mastodon
// ignores what it does not know, so the learning fields live in Lernejo's
// own namespace, defined inline: nobody has to fetch a context document.
const (
	NSActivityStreams = "https://www.w3.org/ns/activitystreams"
	NSSecurity        = "https://w3id.org/security/v1"
	NSLernejo         = "https://lernejo.org/ns#"
	Public            = NSActivityStreams + "#Public"
)

// Context is the JSON-LD @context of the documents the node serves.
var Context = []any{
	NSActivityStreams,
	NSSecurity,
	"https://w3id.org/security/data-integrity/v1",
	map[string]any{
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"assertionMethod":           map[string]string{"@id": "https://w3id.org/security#assertionMethod", "@type": "@id", "@container": "@set"},
		"Multikey":                  "https://w3id.org/security#Multikey",
		"publicKeyMultibase":        "https://w3id.org/security#publicKeyMultibase",
		"toot":                      "http://joinmastodon.org/ns#",
		"discoverable":              "toot:discoverable",
		"featured":                  map[string]string{"@id": "toot:featured", "@type": "@id"},
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

// actorBase fills the fields every local actor has.
func (d Documents) actorBase(typ domain.ActorType, handle, name, summary, publicKeyPEM string, published time.Time) *vocab.Actor {
	id := d.URLs.Actor(typ, handle)
	a := vocab.ActorNew(vocab.IRI(id), vocab.ActivityVocabularyType(typ))
	a.PreferredUsername = vocab.DefaultNaturalLanguageValue(handle)
	a.Name = vocab.DefaultNaturalLanguageValue(name)
	if s := d.Sanitizer.RemoteHTML(TextToHTML(summary)); s != "" {
		a.Summary = vocab.DefaultNaturalLanguageValue(s)
	}
	a.URL = vocab.IRI(id)
	// A generated picture, so the actor is recognisable in Mastodon's lists
	// (Mastodon shows a grey default otherwise).
	if typ != domain.ActorApplication {
		icon := vocab.ObjectNew(vocab.ImageType)
		icon.MediaType = "image/png"
		icon.URL = vocab.IRI(id + "/icon.png")
		a.Icon = icon
	}
	a.Inbox = vocab.IRI(id + "/inbox")
	a.Outbox = vocab.IRI(id + "/outbox")
	a.Followers = vocab.IRI(id + "/followers")
	a.Following = vocab.IRI(id + "/following")
	a.Endpoints = &vocab.Endpoints{SharedInbox: vocab.IRI(d.URLs.SharedInbox())}
	a.PublicKey = vocab.PublicKey{
		ID:           vocab.ID(d.URLs.Key(id)),
		Owner:        vocab.IRI(id),
		PublicKeyPem: publicKeyPEM,
	}
	if !published.IsZero() {
		a.Published = published.UTC().Truncate(time.Second)
	}
	return a
}

// withExtras marshals a with go-ap, then adds @context and the fields go-ap
// does not model (manuallyApprovesFollowers, discoverable, Lernejo's own).
func withExtras(a any, extras map[string]any) ([]byte, error) {
	return withContext(a, Context, extras)
}

// withContext marshals a with go-ap (which emits no @context), then sets
// @context and adds extras.
func withContext(a any, context any, extras map[string]any) ([]byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("federation: encode document: %w", err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("federation: re-decode document: %w", err)
	}
	m["@context"] = context
	for k, v := range extras {
		m[k] = v
	}
	return json.Marshal(m)
}

// Person is the actor document of a local person.
func (d Documents) Person(p *domain.Person) ([]byte, error) {
	a := d.actorBase(domain.ActorPerson, p.Handle, p.Name(), p.Bio, p.PublicKeyPEM, p.Created)
	return withExtras(a, withAssertionMethod(map[string]any{
		"manuallyApprovesFollowers": false,
		"discoverable":              true,
	}, d.URLs.Actor(domain.ActorPerson, p.Handle), p.AssertionKey))
}

// School is the actor document of a school (an Organization).
func (d Documents) School(s *domain.School) ([]byte, error) {
	a := d.actorBase(domain.ActorSchool, s.Handle, s.Name, s.Summary, s.PublicKeyPEM, s.Created)
	a.AttributedTo = d.people(s.Organisers)
	return withExtras(a, withAssertionMethod(map[string]any{
		"manuallyApprovesFollowers": false,
		"discoverable":              true,
	}, d.URLs.Actor(domain.ActorSchool, s.Handle), s.AssertionKey))
}

// Course is the actor document of a course (a Group). Organisers are in
// attributedTo; the learning fields are in Lernejo's namespace.
func (d Documents) Course(c *domain.Course) ([]byte, error) {
	a := d.actorBase(domain.ActorCourse, c.Handle, c.Title, c.Summary, c.PublicKeyPEM, c.Created)
	a.AttributedTo = d.people(c.Organisers)
	extras := map[string]any{
		"featured":                  d.URLs.Actor(domain.ActorCourse, c.Handle) + "/featured",
		"tasks":                     d.URLs.Actor(domain.ActorCourse, c.Handle) + "/tasks",
		"manuallyApprovesFollowers": c.ManuallyApprovesFollowers(),
		"discoverable":              c.Federates(),
		"kind":                      c.Kind,
		"courseStatus":              string(c.Status),
		"signUpMode":                string(c.SignUp),
	}
	if len(c.Questions) > 0 {
		extras["signUpQuestions"] = c.Questions
	}
	if c.Capacity > 0 {
		extras["capacity"] = c.Capacity
	}
	if c.School != "" {
		extras["school"] = d.URLs.Actor(domain.ActorSchool, c.School)
	}
	return withExtras(a, withAssertionMethod(extras, d.URLs.Actor(domain.ActorCourse, c.Handle), c.AssertionKey))
}

// Instance is the node's Application actor at /actor. It signs the node's
// own fetches for peers that require signed GETs (FEP-2677, FEP-d556).
func (d Documents) Instance(ia *domain.InstanceActor, nodeName string) ([]byte, error) {
	a := d.actorBase(domain.ActorApplication, domain.InstanceActorName, nodeName, "", ia.PublicKeyPEM, ia.Created)
	a.URL = vocab.IRI(d.URLs.Base() + "/about")
	return withExtras(a, map[string]any{
		"manuallyApprovesFollowers": true,
		"discoverable":              false,
	})
}

func (d Documents) people(handles []string) vocab.ItemCollection {
	var out vocab.ItemCollection
	for _, h := range handles {
		out = append(out, vocab.IRI(d.URLs.Actor(domain.ActorPerson, h)))
	}
	return out
}

// AssertionKeyID is the id of an actor's Ed25519 key in its assertionMethod.
func AssertionKeyID(actorID string) string { return actorID + "#assertion-key" }

// withAssertionMethod publishes an actor's Ed25519 key as its
// assertionMethod (FEP-521a), which proofs on its records point to.
func withAssertionMethod(extras map[string]any, actorID string, pub []byte) map[string]any {
	if len(pub) == ed25519.PublicKeySize {
		extras["assertionMethod"] = []any{MultikeyDoc(AssertionKeyID(actorID), actorID, ed25519.PublicKey(pub))}
	}
	return extras
}

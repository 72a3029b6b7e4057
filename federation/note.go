package federation

import (
	vocab "github.com/go-ap/activitypub"

	"fmt"
	"html"
	"regexp"
	"strings"
	"time"

	xhtml "golang.org/x/net/html"

	"github.com/lernejo/lernejo/domain"
)

// NoteContext is the @context of notes, tasks' Pages and the activities
// and collections that carry them: Mastodon reads Hashtag and sensitive
// only when they are defined, and a JSON-LD consumer drops (or makes
// blank-node properties of) the Lernejo terms unless they are.
var NoteContext = []any{NSActivityStreams, noteTerms}

// SignedNoteContext is the @context of a standalone note (an award), which
// carries a FEP-8b32 proof: data-integrity defines proof, as in FEP-8b32's
// examples.
var SignedNoteContext = []any{NSActivityStreams, NSDataIntegrity, noteTerms}

// noteTerms are the terms of notes and Pages besides ActivityStreams'.
var noteTerms = map[string]any{
	"Hashtag":     "as:Hashtag",
	"sensitive":   "as:sensitive",
	"lernejo":     NSLernejo,
	"openBadge":   map[string]string{"@id": "lernejo:openBadge", "@type": "@id"},
	"position":    "lernejo:position",
	"completions": map[string]string{"@id": "lernejo:completions", "@type": "@id"},
	"submission":  "lernejo:submission",
	"Completion":  "lernejo:Completion",
	"rubric":      map[string]string{"@id": "lernejo:rubric", "@container": "@list"},
	"reviews":     map[string]string{"@id": "lernejo:reviews", "@type": "@id"},
}

// Mention is an actor a post mentions: Mastodon notifies them only when they
// are both Mention-tagged and addressed in to or cc.
type Mention struct {
	ID   string // actor id
	Name string // @user@host
}

// NoteAddress is who a note is for.
type NoteAddress struct {
	To, CC []string
}

// to and cc are the addressing of an activity that carries a note: both
// are always there, [] when empty (Mastodon reads cc).
func (a NoteAddress) to() []string { return orEmpty(a.To) }
func (a NoteAddress) cc() []string { return orEmpty(a.CC) }

// orEmpty is l, or an empty list for none: written [], not null.
func orEmpty[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// PublicAddress addresses a post to everyone, with the course's followers
// in cc (DESIGN.md §4) and mentioned actors too, so they are notified.
func PublicAddress(followers string, mentions []Mention) NoteAddress {
	cc := []string{followers}
	for _, m := range mentions {
		cc = append(cc, m.ID)
	}
	return NoteAddress{To: []string{Public}, CC: cc}
}

// DirectAddress addresses a note only to the mentioned actors (a direct
// message, as Mastodon shows a note with no Public and no followers).
func DirectAddress(mentions []Mention) NoteAddress {
	var to []string
	for _, m := range mentions {
		to = append(to, m.ID)
	}
	return NoteAddress{To: to, CC: []string{}}
}

// ASNote is the Note of a post or of a standalone note (an award, a direct
// message). to, cc, tag and sensitive are always there, empty or false:
// Mastodon reads them. Replies (a Collection with its first page
// embedded) and context (FEP-7888: the thread) are set on the posts of a
// discussion only.
type ASNote struct {
	Context      any                          `json:"@context,omitempty"`
	ID           string                       `json:"id"`
	Type         vocab.ActivityVocabularyType `json:"type"` // "Note"
	AttributedTo string                       `json:"attributedTo"`
	Content      string                       `json:"content"` // HTML
	// Source is the Markdown the content was rendered from (AS2 source,
	// as Mastodon and Misskey send it), for posts written in Markdown.
	Source     *ASSource     `json:"source,omitempty"`
	Published  string        `json:"published"`
	Updated    string        `json:"updated,omitempty"`
	URL        string        `json:"url"`
	To         []string      `json:"to"`
	CC         []string      `json:"cc"`
	Tag        []ASTag       `json:"tag"`
	Replies    *ASCollection `json:"replies,omitempty"`
	Thread     string        `json:"context,omitempty"`
	Audience   string        `json:"audience,omitempty"` // FEP-1b12: the course
	InReplyTo  string        `json:"inReplyTo,omitempty"`
	Sensitive  bool          `json:"sensitive"`
	Attachment []ASImage     `json:"attachment,omitempty"`
	// OpenBadge is the Open Badges assertion an award's note announces.
	OpenBadge string `json:"openBadge,omitempty"`
	// Submission is the work a course's post shows for peer review.
	Submission *ASSubmission `json:"submission,omitempty"`
}

// HashtagType is the type of a hashtag in a note's tags: Mastodon's
// extension of the vocabulary, which go-ap does not name.
const HashtagType vocab.ActivityVocabularyType = "Hashtag"

// ASTag is a Hashtag or a Mention of a note.
type ASTag struct {
	Type vocab.ActivityVocabularyType `json:"type"` // "Hashtag" or "Mention"
	Href string                       `json:"href"`
	Name string                       `json:"name"` // #tag, or @user@host
}

// ASImage is an actor's icon or a note's attachment.
type ASImage struct {
	Type      vocab.ActivityVocabularyType `json:"type"` // "Image"
	MediaType string                       `json:"mediaType"`
	URL       string                       `json:"url"`
	Name      string                       `json:"name,omitempty"`
}

// BadgeImage is the attachment of an award's note: the badge's picture.
func BadgeImage(url, badgeName string) ASImage {
	return ASImage{Type: vocab.ImageType, MediaType: "image/png", URL: url, Name: "Badge: " + badgeName}
}

// NoteObject is the Note of a post: object id on this node, content HTML,
// no summary (Mastodon would show it as a content warning), url, replies
// with their first page (none for a new post), context (FEP-7888: the
// thread) and audience (FEP-1b12: the course).
func (d Documents) NoteObject(p *domain.Post, course string, addr NoteAddress, mentions []Mention, replies RepliesPage) ASNote {
	tags := make([]ASTag, 0, len(p.Tags)+len(mentions))
	for _, t := range p.Tags {
		tags = append(tags, ASTag{Type: HashtagType, Href: d.URLs.Path("/tags/" + t), Name: "#" + t})
	}
	for _, m := range mentions {
		tags = append(tags, ASTag{Type: vocab.MentionType, Href: m.ID, Name: m.Name})
	}
	n := ASNote{
		ID:           p.URI,
		Type:         vocab.NoteType,
		AttributedTo: p.Author,
		Content:      p.Content,
		Source:       MarkdownSource(p.Source),
		Published:    p.Published.UTC().Format(time.RFC3339),
		URL:          p.URI,
		To:           addr.To,
		CC:           addr.CC,
		Tag:          tags,
		Thread:       d.URLs.Path("/threads/" + p.Thread),
		InReplyTo:    p.InReplyTo,
	}
	r := Replies(p.URI, replies)
	n.Replies = &r
	n.Submission = d.Submission(p)
	switch {
	case strings.Contains(course, "://"):
		n.Audience = course // a course on another server
	case course != "":
		n.Audience = d.URLs.Actor(domain.ActorCourse, course)
	}
	if !p.Updated.IsZero() && p.Updated.After(p.Published) {
		n.Updated = p.Updated.UTC().Format(time.RFC3339)
	}
	return n
}

// StandaloneNote is the Note of a note outside any discussion (an award, a
// direct message): no replies, no thread, and its own @context, as it is
// served on its own at its id and signed with it: one that defines the
// proof it is signed with.
func (d Documents) StandaloneNote(p *domain.Post, addr NoteAddress, mentions []Mention) ASNote {
	n := d.NoteObject(p, "", addr, mentions, RepliesPage{})
	n.Replies, n.Thread = nil, ""
	n.Context = SignedNoteContext
	return n
}

func (n ASNote) withContext(c any) any { n.Context = c; return n }

// servable is an object this package builds that is also served on its
// own, with an @context: a Note, a task's Page, a collection of them.
type servable interface{ withContext(any) any }

// Document adds the @context of notes to an object served on its own: one
// this package built, or one read back from an activity the node sent. An
// object sent with its own @context (a signed note) keeps it: its proof
// covers that context, whatever NoteContext has become since.
func Document(obj any) []byte {
	switch o := obj.(type) {
	case servable:
		return marshal(o.withContext(NoteContext))
	case map[string]any:
		if _, ok := o["@context"]; ok {
			return marshal(o)
		}
		m := make(map[string]any, len(o)+1)
		for k, v := range o {
			m[k] = v
		}
		m["@context"] = NoteContext
		return marshal(m)
	}
	panic(fmt.Sprintf("federation: Document of a %T", obj))
}

// Wrap makes an activity (Create, Update) around an embedded object (a
// Note, a task's Page, an actor, a signed note as it was signed),
// addressed like the object.
func Wrap(typ vocab.ActivityVocabularyType, id, actor string, obj any, addr NoteAddress, at time.Time) []byte {
	return wrap(NoteContext, typ, id, actor, obj, addr, at)
}

// AddTask is the Add of a course's new task (its Page, embedded) to the
// course's tasks collection, addressed like the Page: what tells the
// Lernejo nodes whose people follow the course to keep the task too.
func AddTask(id, course string, page ASPage, at time.Time) []byte {
	addr := page.Address()
	return marshal(ASActivity{Context: NoteContext, ID: id, Type: vocab.AddType, Actor: course, Object: page,
		Target: course + "/tasks", To: addr.to(), CC: addr.cc(), Published: at.UTC().Format(time.RFC3339)})
}

// UpdateActor is the Update of an actor document (obj, without its own
// @context), with the @context of actors: it defines the actor's terms
// (its Multikey's controller, the course fields) for the embedded actor.
func UpdateActor(id, actor string, obj any, addr NoteAddress, at time.Time) []byte {
	return wrap(Context, vocab.UpdateType, id, actor, obj, addr, at)
}

func wrap(ctx any, typ vocab.ActivityVocabularyType, id, actor string, obj any, addr NoteAddress, at time.Time) []byte {
	return marshal(ASActivity{Context: ctx, ID: id, Type: typ, Actor: actor, Object: obj,
		To: addr.to(), CC: addr.cc(), Published: at.UTC().Format(time.RFC3339)})
}

// ASTombstone is what is left of a deleted note: in a Delete, and at its id
// (with 410 Gone).
type ASTombstone struct {
	Context any                          `json:"@context,omitempty"`
	ID      string                       `json:"id"`
	Type    vocab.ActivityVocabularyType `json:"type"` // "Tombstone"
	Deleted string                       `json:"deleted,omitempty"`
}

// DeleteNote deletes a note, leaving a Tombstone in the object.
func DeleteNote(id, actor, noteID string, addr NoteAddress) []byte {
	return marshal(ASActivity{Context: NSActivityStreams, ID: id, Type: vocab.DeleteType, Actor: actor,
		Object: ASTombstone{ID: noteID, Type: vocab.TombstoneType}, To: addr.to(), CC: addr.cc()})
}

// Announce shares an object by its id. Mastodon boosts objects, not
// activities: object must be the note's id, which Mastodon then fetches.
func Announce(id, actor, objectID string, addr NoteAddress, at time.Time) []byte {
	return marshal(ASActivity{Context: NSActivityStreams, ID: id, Type: vocab.AnnounceType, Actor: actor, Object: objectID,
		To: addr.to(), CC: addr.cc(), Published: at.UTC().Format(time.RFC3339)})
}

// TombstoneDocument is what a deleted note's id serves (with 410 Gone).
func TombstoneDocument(id string, deleted time.Time) []byte {
	return marshal(ASTombstone{Context: NSActivityStreams, ID: id, Type: vocab.TombstoneType, Deleted: deleted.UTC().Format(time.RFC3339)})
}

var hashtagRE = regexp.MustCompile(`(^|[\s(])#([\p{L}\p{N}_]{1,40})`)

// PostHTML turns plain text the node writes (an award's note, a direct
// message, a comment on a learner's work) into HTML: escaped paragraphs,
// web addresses, hashtags and mentions linked. It returns the HTML and the
// hashtags found, lower-cased.
func (d Documents) PostHTML(text string, mentions []Mention) (string, []string) {
	return d.postLinks(linkify(TextToHTML(text)), mentions)
}

// PostMarkdown turns a post's Markdown source into HTML (Sanitizer's
// PostMarkdown), with hashtags linked and mentions linked as Mastodon
// marks them (h-card). It returns the HTML and the hashtags found,
// lower-cased.
func (d Documents) PostMarkdown(src string, mentions []Mention) (string, []string) {
	return d.postLinks(d.Sanitizer.postMarkdownHTML(src), mentions)
}

// postSkipLinks are the elements whose text is not searched for hashtags
// and mentions: a link's text is already a link, and code is code.
var postSkipLinks = map[string]bool{"a": true, "code": true, "pre": true}

// postLinks links the hashtags and mentions in the text of in (never in
// its tags or attributes, nor inside links or code), then sanitises the
// whole with the remote policy. A mention not found in the text is put at
// the start of the first paragraph, so its actor is named where they are
// notified.
func (d Documents) postLinks(in string, mentions []Mention) (string, []string) {
	var tags []string
	linked := make([]bool, len(mentions))
	z := xhtml.NewTokenizer(strings.NewReader(in))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		raw := string(z.Raw())
		switch tt {
		case xhtml.StartTagToken, xhtml.EndTagToken:
			name, _ := z.TagName()
			if postSkipLinks[string(name)] {
				if tt == xhtml.StartTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
			}
		case xhtml.TextToken:
			if skip > 0 {
				break
			}
			raw = hashtagRE.ReplaceAllStringFunc(raw, func(m string) string {
				sub := hashtagRE.FindStringSubmatch(m)
				tag := strings.ToLower(sub[2])
				if !containsString(tags, tag) {
					tags = append(tags, tag)
				}
				return sub[1] + `<a href="` + html.EscapeString(d.URLs.Path("/tags/"+tag)) + `" class="mention hashtag" rel="tag">#<span>` + html.EscapeString(sub[2]) + `</span></a>`
			})
			for i, m := range mentions {
				if esc := html.EscapeString(m.Name); !linked[i] && strings.Contains(raw, esc) {
					raw = strings.Replace(raw, esc, mentionHTML(m), 1)
					linked[i] = true
				}
			}
		}
		b.WriteString(raw)
	}
	out := b.String()
	for i, m := range mentions {
		if !linked[i] {
			out = strings.Replace(out, "<p>", "<p>"+mentionHTML(m)+" ", 1)
		}
	}
	return d.Sanitizer.RemoteHTML(out), tags
}

// mentionHTML is a mention as Mastodon marks it up: an h-card around a
// link to the actor, showing @user.
func mentionHTML(m Mention) string {
	user := strings.SplitN(strings.TrimPrefix(m.Name, "@"), "@", 2)[0]
	return `<span class="h-card"><a href="` + html.EscapeString(m.ID) + `" class="u-url mention">@<span>` + html.EscapeString(user) + `</span></a></span>`
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

var urlRE = regexp.MustCompile(`(^|[\s>(])(https?://[^\s<>"]+[^\s<>".,;:!?)])`)

// linkify turns the web addresses in escaped text into links (Mastodon does
// the same for what people type).
func linkify(escaped string) string {
	return urlRE.ReplaceAllStringFunc(escaped, func(m string) string {
		sub := urlRE.FindStringSubmatch(m)
		return sub[1] + `<a href="` + sub[2] + `" rel="nofollow noopener noreferrer">` + sub[2] + `</a>`
	})
}

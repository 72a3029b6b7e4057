package federation

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// NoteContext is the @context of notes: Mastodon reads Hashtag and
// sensitive only when they are defined.
var NoteContext = []any{NSActivityStreams, map[string]any{"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}}

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

// NoteObject is the Note of a post: object id on this node, content HTML,
// no summary (Mastodon would show it as a content warning), url, replies,
// context (FEP-7888: the thread) and audience (FEP-1b12: the course).
func (d Documents) NoteObject(p *domain.Post, course string, addr NoteAddress, mentions []Mention) map[string]any {
	tags := []any{}
	for _, t := range p.Tags {
		tags = append(tags, map[string]string{"type": "Hashtag", "href": d.URLs.Path("/tags/" + t), "name": "#" + t})
	}
	for _, m := range mentions {
		tags = append(tags, map[string]string{"type": "Mention", "href": m.ID, "name": m.Name})
	}
	n := map[string]any{
		"id":           p.URI,
		"type":         "Note",
		"attributedTo": p.Author,
		"content":      p.Content,
		"published":    p.Published.UTC().Format(time.RFC3339),
		"url":          p.URI,
		"to":           addr.To,
		"cc":           addr.CC,
		"tag":          tags,
		"replies":      p.URI + "/replies",
		"context":      d.URLs.Path("/threads/" + p.Thread),
		"sensitive":    false,
	}
	switch {
	case strings.Contains(course, "://"):
		n["audience"] = course // a course on another server
	case course != "":
		n["audience"] = d.URLs.Actor(domain.ActorCourse, course)
	}
	if p.InReplyTo != "" {
		n["inReplyTo"] = p.InReplyTo
	}
	if !p.Updated.IsZero() && p.Updated.After(p.Published) {
		n["updated"] = p.Updated.UTC().Format(time.RFC3339)
	}
	return n
}

// Document adds the @context to an object served on its own.
func Document(obj map[string]any) []byte {
	m := map[string]any{"@context": NoteContext}
	for k, v := range obj {
		m[k] = v
	}
	return mustJSON(m)
}

// Wrap makes an activity (Create, Update) around an embedded object,
// addressed like the object.
func Wrap(typ, id, actor string, obj map[string]any, addr NoteAddress, at time.Time) []byte {
	return mustJSON(map[string]any{
		"@context": NoteContext, "id": id, "type": typ, "actor": actor, "object": obj,
		"to": addr.To, "cc": addr.CC, "published": at.UTC().Format(time.RFC3339),
	})
}

// DeleteNote deletes a note, leaving a Tombstone in the object.
func DeleteNote(id, actor, noteID string, addr NoteAddress) []byte {
	return mustJSON(map[string]any{
		"@context": NSActivityStreams, "id": id, "type": "Delete", "actor": actor,
		"object": map[string]string{"id": noteID, "type": "Tombstone"}, "to": addr.To, "cc": addr.CC,
	})
}

// Announce shares an object by its id. Mastodon boosts objects, not
// activities: object must be the note's id, which Mastodon then fetches.
func Announce(id, actor, objectID string, addr NoteAddress, at time.Time) []byte {
	return mustJSON(map[string]any{
		"@context": NSActivityStreams, "id": id, "type": "Announce", "actor": actor, "object": objectID,
		"to": addr.To, "cc": addr.CC, "published": at.UTC().Format(time.RFC3339),
	})
}

// TombstoneDocument is what a deleted note's id serves (with 410 Gone).
func TombstoneDocument(id string, deleted time.Time) []byte {
	return mustJSON(map[string]any{"@context": NSActivityStreams, "id": id, "type": "Tombstone",
		"deleted": deleted.UTC().Format(time.RFC3339)})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("federation: marshal: %v", err)) // only maps of strings and slices go in
	}
	return b
}

var hashtagRE = regexp.MustCompile(`(^|[\s(])#([\p{L}\p{N}_]{1,40})`)

// PostHTML turns a local post's plain text into HTML: escaped paragraphs,
// hashtags linked, mentions linked as Mastodon marks them (h-card). It
// returns the HTML and the hashtags found, lower-cased.
func (d Documents) PostHTML(text string, mentions []Mention) (string, []string) {
	out := linkify(TextToHTML(text))
	var tags []string
	out = hashtagRE.ReplaceAllStringFunc(out, func(m string) string {
		sub := hashtagRE.FindStringSubmatch(m)
		tag := strings.ToLower(sub[2])
		if !containsString(tags, tag) {
			tags = append(tags, tag)
		}
		return sub[1] + `<a href="` + html.EscapeString(d.URLs.Path("/tags/"+tag)) + `" class="mention hashtag" rel="tag">#<span>` + html.EscapeString(sub[2]) + `</span></a>`
	})
	for _, m := range mentions {
		esc := html.EscapeString(m.Name)
		user := strings.SplitN(strings.TrimPrefix(m.Name, "@"), "@", 2)[0]
		link := `<span class="h-card"><a href="` + html.EscapeString(m.ID) + `" class="u-url mention">@<span>` + html.EscapeString(user) + `</span></a></span>`
		if strings.Contains(out, esc) {
			out = strings.Replace(out, esc, link, 1)
		} else {
			out = strings.Replace(out, "<p>", "<p>"+link+" ", 1)
		}
	}
	return d.Sanitizer.RemoteHTML(out), tags
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

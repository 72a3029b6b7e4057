package federation

import (
	vocab "github.com/go-ap/activitypub"

	"time"

	"github.com/lernejo/lernejo/domain"
)

// ASPage is a task as an ActivityStreams Page: a titled content page of
// the course, in its context, with its place in the course's order and the
// collection of its completions (Lernejo's namespace). It is addressed as
// the course's public posts are: GoToSocial refuses an object that is not
// to or cc anyone (HTTP 500 on a search for its URL).
type ASPage struct {
	Context      any                          `json:"@context,omitempty"`
	ID           string                       `json:"id"`
	Type         vocab.ActivityVocabularyType `json:"type"` // "Page"
	Name         string                       `json:"name"`
	Content      string                       `json:"content"`          // HTML
	Source       *ASSource                    `json:"source,omitempty"` // the Markdown it was written in
	URL          string                       `json:"url"`
	AttributedTo string                       `json:"attributedTo"`
	Course       string                       `json:"context"` // the course's actor id
	To           []string                     `json:"to"`
	CC           []string                     `json:"cc"`
	Published    string                       `json:"published"`
	Updated      string                       `json:"updated"`
	EndTime      string                       `json:"endTime,omitempty"` // when it is due
	Position     int                          `json:"position"`
	Completions  string                       `json:"completions"`
}

func (p ASPage) withContext(c any) any { p.Context = c; return p }

// Address is who the Page is for: an activity that carries it is
// addressed the same.
func (p ASPage) Address() NoteAddress { return NoteAddress{To: p.To, CC: p.CC} }

// TaskURL is the id of a task: its page and its Page object.
func TaskURL(urls URLs, course, task string) string {
	return urls.Actor(domain.ActorCourse, course) + "/tasks/" + task
}

// TaskPage is the Page of a task, public, with the course's followers in
// cc.
func TaskPage(urls URLs, t *domain.Task) ASPage {
	course := urls.Actor(domain.ActorCourse, t.Course)
	id := TaskURL(urls, t.Course, t.ID)
	addr := PublicAddress(course+"/followers", nil)
	p := ASPage{ID: id, Type: vocab.PageType, Name: t.Title, Content: t.Body, Source: MarkdownSource(t.Source), URL: id, AttributedTo: course, Course: course,
		To: addr.To, CC: addr.CC,
		Published: t.Created.UTC().Format(time.RFC3339), Updated: t.Updated.UTC().Format(time.RFC3339),
		Position: t.Position, Completions: id + "/completions"}
	if !t.Due.IsZero() {
		p.EndTime = t.Due.UTC().Format(time.RFC3339)
	}
	return p
}

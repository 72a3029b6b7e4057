package federation

import (
	vocab "github.com/go-ap/activitypub"

	"time"

	"github.com/lernejo/lernejo/domain"
)

// ASPage is a task as an ActivityStreams Page: a titled content page of
// the course, in its context, with its place in the course's order and the
// collection of its completions (Lernejo's namespace).
type ASPage struct {
	Context      any                          `json:"@context,omitempty"`
	ID           string                       `json:"id"`
	Type         vocab.ActivityVocabularyType `json:"type"` // "Page"
	Name         string                       `json:"name"`
	Content      string                       `json:"content"` // HTML
	URL          string                       `json:"url"`
	AttributedTo string                       `json:"attributedTo"`
	Course       string                       `json:"context"` // the course's actor id
	Published    string                       `json:"published"`
	Updated      string                       `json:"updated"`
	EndTime      string                       `json:"endTime,omitempty"` // when it is due
	Position     int                          `json:"position"`
	Completions  string                       `json:"completions"`
}

func (p ASPage) withContext(c any) any { p.Context = c; return p }

// TaskURL is the id of a task: its page and its Page object.
func TaskURL(urls URLs, course, task string) string {
	return urls.Actor(domain.ActorCourse, course) + "/tasks/" + task
}

// TaskPage is the Page of a task.
func TaskPage(urls URLs, t *domain.Task) ASPage {
	course := urls.Actor(domain.ActorCourse, t.Course)
	id := TaskURL(urls, t.Course, t.ID)
	p := ASPage{ID: id, Type: vocab.PageType, Name: t.Title, Content: t.Body, URL: id, AttributedTo: course, Course: course,
		Published: t.Created.UTC().Format(time.RFC3339), Updated: t.Updated.UTC().Format(time.RFC3339),
		Position: t.Position, Completions: id + "/completions"}
	if !t.Due.IsZero() {
		p.EndTime = t.Due.UTC().Format(time.RFC3339)
	}
	return p
}

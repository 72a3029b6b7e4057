package domain

import (
	"strings"
	"time"
)

// Task is one ordered content page of a course.
type Task struct {
	ID       string // ULID
	Course   string // course handle
	Position int    // 1-based order within the course
	Title    string
	Body     string // rich text, sanitised HTML
	// Source is the Markdown the body was rendered from; "" for a task
	// written as HTML before Markdown, whose Body is what it shows.
	Source string
	Due    time.Time
	// PeerReview shows learners' submitted work to their fellow
	// participants, who review it against Rubric: at most MaxRubric short
	// criteria the organisers wrote, each rated 1 to MaxRating.
	PeerReview bool     `json:",omitempty"`
	Rubric     []string `json:",omitempty"`
	Created    time.Time
	Updated    time.Time
}

// Normalise trims a task's title and text.
func (t *Task) Normalise() {
	t.Title = strings.TrimSpace(t.Title)
	t.Body = strings.TrimSpace(t.Body)
	t.Source = strings.TrimSpace(t.Source)
	var rubric []string
	for _, c := range t.Rubric {
		if c = strings.TrimSpace(c); c != "" && !contains(rubric, c) {
			rubric = append(rubric, c)
		}
	}
	t.Rubric = rubric
	if !t.PeerReview {
		t.Rubric = nil
	}
}

// Bounds of a task's title and text, in characters.
const (
	MaxTaskTitleLen = MaxNameLen * 2
	MaxTaskBodyLen  = 100_000
)

// Validate checks a task's fields and changes nothing; call Normalise first.
func (t *Task) Validate() error {
	if err := checkText(t.Title, Phrase("task title"), true, MaxTaskTitleLen); err != nil {
		return OnField("title", err)
	}
	// The text is checked as its organiser typed it: its Markdown, or the
	// HTML of a task written before Markdown.
	text := t.Body
	if t.Source != "" {
		text = t.Source
	}
	if err := checkText(text, Phrase("task text"), false, MaxTaskBodyLen); err != nil {
		return OnField("body", err)
	}
	if len(t.Rubric) > MaxRubric {
		return Errorf(EINVALID, "A task's review has at most %d criteria.", MaxRubric).On("rubric")
	}
	for _, c := range t.Rubric {
		if err := checkText(c, Phrase("criterion"), true, MaxCriterionLen); err != nil {
			return OnField("rubric", err)
		}
	}
	return nil
}

// TaskRevision is an earlier version of a task, kept when it is edited
// (P2PU's wiki spirit: every version can be viewed and restored).
type TaskRevision struct {
	Course string
	Task   string
	Rev    int // 1 is the first version
	Title  string
	Body   string
	Source string // the Markdown Body was rendered from, or "" (Task.Source)
	Due    time.Time
	Editor string // handle of who saved it
	Saved  time.Time
}

// Completion records that a learner did a task: marked on this node, sent
// by the learner's Lernejo node as Add{completion}, or a #done reply from
// Mastodon. Undoing it removes it; the learner may do the task again.
type Completion struct {
	ID       string // ActivityPub id of the completion record
	Course   string // course handle
	Task     string // task id
	Learner  string // actor id of the learner
	Evidence string // optional link to the work
	Note     string // optional plain-text note
	At       time.Time
	// Raw is the signed record as received from another server, if any.
	Raw []byte
}

// RemoteTask is a task of a course on another server that local people
// follow, cached here so they can work through it; refreshed when the
// course sends Update.
type RemoteTask struct {
	ID       string // its id (URL)
	Course   string // the course's actor id
	Position int
	Title    string
	Content  string // sanitised HTML
	Fetched  time.Time
}

// MaxCommentLen bounds an organiser's comment on a learner's work.
const MaxCommentLen = 2000

// EvidenceComment is an organiser's comment on a learner's completion of a
// task: on the link and note they submitted. It is kept by course, task and
// learner, not inside the completion, so it outlives the learner marking the
// task again (a comment often asks them to); Completion says which record
// it was written on.
type EvidenceComment struct {
	ID         string // ULID
	Course     string // course handle
	Task       string // task id
	Learner    string // actor id of the learner
	Completion string // id of the completion it comments on
	Author     string // handle of the organiser who wrote it
	Content    string // sanitised HTML, as a post's
	// NoteURI is the direct note that carried it to a learner on another
	// server ("" for a local learner).
	NoteURI string
	At      time.Time
}

// CommentText trims an organiser's comment and checks it: not empty, at
// most MaxCommentLen.
func CommentText(text string) (string, error) {
	text = strings.TrimSpace(text)
	return text, checkText(text, Phrase("comment"), true, MaxCommentLen)
}

package domain

import "time"

// Post is a Note in a course's discussion: by the course, an organiser, or
// a learner, local or remote, threaded by InReplyTo.
type Post struct {
	ID        string // ULID, the key within the course
	Course    string // handle of the course whose discussion holds it
	URI       string // ActivityPub id: on this node for local posts
	URL       string // page to show; for remote posts only when on the id's host
	Author    string // actor id of the author
	Local     bool   // written on this node
	InReplyTo string // id of the post it answers, or ""
	Thread    string // ID of the thread's first post (its own ID for a top-level post)
	Content   string // sanitised HTML
	// Source is the Markdown a local post was written in, from which
	// Content was rendered; "" for a post written before Markdown (its
	// Content is what it shows) and for remote posts.
	Source    string
	Tags      []string
	Mentions  []string // actor ids mentioned (and addressed)
	Published time.Time
	Updated   time.Time
	Likes     int
	Boosts    int
	Pinned    bool
	// Activity is the id of the course's activity that put this post in its
	// outbox: its Create of a course post, or its Announce of anyone else's.
	Activity string
	// Task is set on the post that announced a new task: a reply to it
	// with #done completes the task (how Mastodon learners report work).
	Task string
	// Work is set on the course's post that shows a learner's work for a
	// task that asks for peer review: a reply to it with #approve or
	// #revise reviews the work (how Mastodon participants review), and a
	// Lernejo node offers its review form under it.
	Work *Work `json:",omitempty"`
	// Raw is the activity a remote post arrived in, exactly as received.
	Raw []byte
}

// IsReply reports whether the post answers another.
func (p *Post) IsReply() bool { return p.InReplyTo != "" }

// MaxPostLen bounds a local post's text, in characters.
const MaxPostLen = 5000

// Validate checks a local post's text before it is written, and changes
// nothing. The service checks the text as written, then stores the HTML it
// makes of it, so a post has nothing to normalise.
func (p *Post) Validate() error {
	return OnField("text", checkText(p.Content, Phrase("post"), true, MaxPostLen))
}

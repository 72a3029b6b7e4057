package domain

import "time"

// TaskRevision is an earlier version of a task, kept when it is edited
// (P2PU's wiki spirit: every version can be viewed and restored).
type TaskRevision struct {
	Course string
	Task   string
	Rev    int // 1 is the first version
	Title  string
	Body   string
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

// Award is one badge given to one learner: an Open Badges assertion hosted
// at a stable URL, announced in a public note that mentions the learner.
type Award struct {
	ID       string // ULID; the assertion is at /awards/ID
	Badge    string // badge class id
	Issuer   string // handle of the issuing course or school
	Learner  string // actor id of the learner
	IssuedOn time.Time
	// Evidence are the ids of the completion records the award rests on.
	Evidence  []string
	NoteURI   string // the public note that announced it
	Revoked   bool
	RevokedAt time.Time
	Reason    string // why it was revoked
	AwardedBy string // handle of the organiser for hand-given awards
}

// ReceivedBadge is a badge a local person was awarded by a course on
// another server, as shown on their profile.
type ReceivedBadge struct {
	Learner   string // local handle
	Assertion string // URL of the hosted assertion
	NoteURI   string // the note that announced it
	Name      string
	ImageURL  string
	Issuer    string // actor id of the issuing course or school
	IssuedOn  time.Time
	Revoked   bool
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

package domain

import "time"

// NotificationKind names what a notification tells a person. Each kind is
// one event of the node, so a person can choose per kind how they are told
// (in the app today; by email too, once they give an address).
type NotificationKind string

// The kinds of notification, each created where its event happens.
const (
	NotifyReply    NotificationKind = "reply"    // someone replied to my post
	NotifyMention  NotificationKind = "mention"  // someone mentioned me in a post
	NotifyApproved NotificationKind = "approved" // my sign-up to a course was approved
	NotifyDeclined NotificationKind = "declined" // my sign-up to a course was declined
	NotifyTask     NotificationKind = "task"     // a new task in a course I take
	NotifyBadge    NotificationKind = "badge"    // I earned a badge
	NotifyReport   NotificationKind = "report"   // a post of a course I organise was reported
	NotifyPending  NotificationKind = "pending"  // a learner asks to join a course I organise
	NotifyReview   NotificationKind = "review"   // a fellow learner reviewed my work
	NotifyReminder NotificationKind = "reminder" // a session of a meeting I come to starts soon
)

// MaxNotifications is how many notifications the store keeps per person:
// adding one more drops the oldest, so the list stays bounded.
const MaxNotifications = 500

// Notification is one thing a local person is told about.
type Notification struct {
	ID     string // ULID: notifications sort by it, newest last
	Person string // handle of the local person told
	Kind   NotificationKind
	// Actor is the id of who caused it (the replier, the course), "" for
	// none; ActorName is how the list names them.
	Actor     string
	ActorName string
	// Subject names what it is about: a course's title, a task's or a
	// badge's name, a post's first words.
	Subject string
	// URL is where the notification links: a path on this node, or the
	// page of a remote course's post or course.
	URL string
	// At is when what it is about happens (a session's start, for a
	// reminder), and Zone the IANA zone a mail tells it in (the meeting's);
	// zero for the other kinds.
	At      time.Time `json:",omitzero"`
	Zone    string    `json:",omitempty"`
	Created time.Time
}

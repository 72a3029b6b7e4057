package domain

import (
	"context"
	"fmt"
	"time"
)

// Store is the node's persistent state. Update runs fn in one read-write
// transaction (retried on a write conflict, so fn must not have outside
// effects); View runs fn in a read-only one. A Tx must not be used after fn
// returns.
type Store interface {
	View(ctx context.Context, fn func(Tx) error) error
	Update(ctx context.Context, fn func(Tx) error) error
	// DomainBlocked is IsBlockedIn over the committed block list, which the
	// store keeps in memory: for checks on every request (the inbox, each
	// delivery) without a transaction.
	DomainBlocked(host string) bool
	// Space is what the store last saw of the space left on its disk.
	Space() DiskSpace
}

// DiskSpace is the free space of the disk that holds the data, against the
// operator's watermark. Below the watermark the node takes no new work
// (inboxes and forms answer 503) but finishes what it has acknowledged;
// below half of it the store refuses every write (ErrNoSpace) and the
// workers wait, so that Badger, which writes through mmap and would die of
// SIGBUS on a full disk, always has room for the flushes and compactions of
// what it already holds.
type DiskSpace struct {
	Known   bool  // false in memory, or where the OS cannot tell
	Free    int64 // bytes available to the node
	MinFree int64 // the watermark
	// ReadOnly: the store was opened read-only, as there was no room to
	// open it for writing; it reopens for writing once there is.
	ReadOnly bool
}

// Low reports whether free space is under the watermark: take no new work.
func (d DiskSpace) Low() bool { return d.ReadOnly || (d.Known && d.Free < d.MinFree) }

// Critical reports whether free space is under half the watermark: write nothing.
func (d DiskSpace) Critical() bool { return d.ReadOnly || (d.Known && d.Free < d.MinFree/2) }

// Reason says what is wrong, for /healthz and logs; "" when nothing is.
func (d DiskSpace) Reason() string {
	switch {
	case d.ReadOnly:
		return fmt.Sprintf("disk full: the data is open read-only (%s free, %s needed)", Bytes(d.Free), Bytes(d.MinFree))
	case d.Low():
		return fmt.Sprintf("disk space low: %s free, %s needed", Bytes(d.Free), Bytes(d.MinFree))
	}
	return ""
}

// Bytes formats a size for people: 512 MiB, 3.2 GiB, 640 KiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v == float64(int64(v)) || v >= 100 {
		return fmt.Sprintf("%.0f %ciB", v, "KMGTP"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[exp])
}

// Tx is what a transaction can read and write: every store interface of
// the node, one per aggregate. Code that needs only part of the store
// depends on the narrow interfaces it uses; Tx embeds them all.
//
// Getters return an ENOTFOUND domain error, never (nil, nil). The paged
// reads (the …Page methods) return one Page of a list that pages show:
// each seeks to its cursor in an index and reads at most limit entries (at
// most limit*MaxPageScan with a filter), and each count is one counter the
// writes keep, not a walk of the list, so a page's cost does not grow with
// the list.
type Tx interface {
	SettingsStore
	LocalActorStore
	PersonStore
	SchoolStore
	CourseStore
	TaskStore
	CompletionStore
	BadgeStore
	ReceivedBadgeStore
	PostStore
	FollowStore
	ActorCache
	JournalStore
	DeliveryStore
	SessionStore
	ModerationStore
	ImageStore
	MailStore
	NotificationStore
	MeetingStore
}

// SettingsStore reads and writes the operator's settings.
type SettingsStore interface {
	// Settings returns the saved settings, or DefaultSettings when none are saved.
	Settings() (Settings, error)
	PutSettings(Settings) error
}

// LocalActorStore holds what every local actor has: its handle in the
// node's single namespace, and its private keys, stored apart from the
// actor. It also holds the node's own instance actor. The Create methods of
// the local actors' stores claim the handle (ECONFLICT if taken).
type LocalActorStore interface {
	// HandleType returns the type of the local actor with this handle.
	HandleType(handle string) (ActorType, error)
	// PrivateKey returns an actor's private key PEM; read only to sign.
	// The instance actor's handle is InstanceActorName.
	PrivateKey(handle string) (string, error)
	// AssertionSeed returns an actor's Ed25519 private seed; read only to sign records.
	AssertionSeed(handle string) ([]byte, error)

	InstanceActor() (*InstanceActor, error)
	CreateInstanceActor(*InstanceActor, KeyPair) error
}

// PersonStore reads and writes local accounts.
type PersonStore interface {
	Person(handle string) (*Person, error)
	CreatePerson(*Person, KeyPair) error
	PutPerson(*Person) error
	// DeletePerson removes a local account that its person deleted. Their
	// handle stays claimed, so no one can sign up as them, and their
	// keys stay, to sign the Delete of their actor at delivery.
	DeletePerson(handle string) error
	People() ([]*Person, error)
	// PeoplePage returns the local accounts in handle order.
	PeoplePage(cursor string, limit int) (Page[*Person], error)
	CountPeople() (int, error)
}

// SchoolStore reads and writes schools.
type SchoolStore interface {
	School(handle string) (*School, error)
	CreateSchool(*School, KeyPair) error
	PutSchool(*School) error
	Schools() ([]*School, error)
	// SchoolsPage returns the node's schools in handle order.
	SchoolsPage(cursor string, limit int) (Page[*School], error)
}

// CourseStore reads and writes courses, and the course lists that pages
// show (Course.Lists).
type CourseStore interface {
	Course(handle string) (*Course, error)
	CreateCourse(*Course, KeyPair) error
	PutCourse(*Course) error
	Courses() ([]*Course, error)
	CountCourses() (int, error)

	// CoursesPage returns the courses of a list in handle order; keep, when
	// not nil, filters them (a filtered page may be short).
	CoursesPage(list CourseList, cursor string, limit int, keep func(*Course) bool) (Page[*Course], error)
	// CourseLanguages returns the distinct languages of open courses, sorted,
	// at most limit.
	CourseLanguages(limit int) ([]string, error)
}

// TaskStore reads and writes the tasks of local courses with their earlier
// versions, and the tasks of remote courses cached for local learners.
type TaskStore interface {
	Task(course, id string) (*Task, error)
	PutTask(*Task) error
	// Tasks returns a course's tasks in Position order.
	Tasks(course string) ([]*Task, error)

	PutTaskRevision(*TaskRevision) error
	// TaskRevisions returns a task's earlier versions, oldest first.
	TaskRevisions(course, task string) ([]*TaskRevision, error)

	PutRemoteTask(*RemoteTask) error
	// RemoteTasks returns the cached tasks of a remote course in order.
	RemoteTasks(course string) ([]*RemoteTask, error)
	// AllRemoteTasks returns every cached remote task (domain block purges).
	AllRemoteTasks() ([]*RemoteTask, error)
	DeleteRemoteTask(course, id string) error
}

// CompletionStore records which learners did which tasks.
type CompletionStore interface {
	Completion(course, task, learner string) (*Completion, error)
	CompletionByID(id string) (*Completion, error)
	PutCompletion(*Completion) error
	DeleteCompletion(*Completion) error
	// CompletionsOf returns a learner's completions in a course.
	CompletionsOf(course, learner string) ([]*Completion, error)
	// TaskCompletions returns everyone's completions of a task.
	TaskCompletions(course, task string) ([]*Completion, error)
	// CountTaskCompletions returns how many learners completed a task.
	CountTaskCompletions(course, task string) (int, error)
	// PutEvidenceComment keeps an organiser's comment on a learner's work.
	PutEvidenceComment(*EvidenceComment) error
	// PutReview keeps a review of a learner's work; Reviews are those of
	// learner's work for a task, in reviewers' order; Review is reviewer's.
	PutReview(*Review) error
	Review(course, task, learner, reviewer string) (*Review, error)
	Reviews(course, task, learner string) ([]*Review, error)
	// EvidenceComments returns the comments on a learner's work on a task,
	// oldest first.
	EvidenceComments(course, task, learner string) ([]*EvidenceComment, error)
	// PutPastCompletion keeps an attempt a learner set aside by doing a
	// task again or restarting a course (restart.go); PastCompletions are a
	// learner's in a course, in the order they were set aside.
	PutPastCompletion(*PastCompletion) error
	PastCompletions(course, learner string) ([]*PastCompletion, error)
}

// BadgeStore reads and writes the badge classes of courses and schools,
// the votes for peer-awarded badges, and the awards given on this node.
type BadgeStore interface {
	Badge(id string) (*Badge, error)
	PutBadge(*Badge) error
	// Badges returns the badge classes a course or school issues.
	Badges(issuer string) ([]*Badge, error)

	// AddVote records a vote for awarding a badge to a learner; it returns
	// the number of distinct voters.
	AddVote(badge, learner, voter string) (int, error)
	// Voted reports whether voter has voted for awarding a badge to a
	// learner.
	Voted(badge, learner, voter string) (bool, error)

	Award(id string) (*Award, error)
	// AwardOf returns the award of a badge to a learner.
	AwardOf(badge, learner string) (*Award, error)
	PutAward(*Award) error
	// AwardsOf returns every award a learner holds on this node.
	AwardsOf(learner string) ([]*Award, error)
	// AwardsPage returns the awards a learner holds on this node, oldest
	// first; keep, when not nil, filters them.
	AwardsPage(learner, cursor string, limit int, keep func(*Award) bool) (Page[*Award], error)
	// BadgeAwardsPage returns the awards of a badge, revoked ones
	// included, in the order of their learners' ids.
	BadgeAwardsPage(badge, cursor string, limit int) (Page[*Award], error)
}

// ReceivedBadgeStore holds the badges local people were awarded by
// courses and schools on other servers.
type ReceivedBadgeStore interface {
	PutReceivedBadge(*ReceivedBadge) error
	ReceivedBadges(learner string) ([]*ReceivedBadge, error)
	ReceivedBadgeByNote(noteURI string) (*ReceivedBadge, error)
	// AllReceivedBadges returns every badge local people received from
	// other servers (domain block purges).
	AllReceivedBadges() ([]*ReceivedBadge, error)
	DeleteReceivedBadge(*ReceivedBadge) error
	// ReceivedBadgesPage returns the badges a local person received from
	// other servers; keep, when not nil, filters them.
	ReceivedBadgesPage(learner, cursor string, limit int, keep func(*ReceivedBadge) bool) (Page[*ReceivedBadge], error)
}

// PostStore reads and writes course discussions and the reactions to
// their posts.
type PostStore interface {
	// Post finds a post by its ActivityPub id.
	Post(uri string) (*Post, error)
	PutPost(*Post) error
	// DeletePost removes a post and its indexes.
	DeletePost(*Post) error
	// CoursePosts returns a course's posts, newest first, at most limit
	// (0 = all), skipping the first offset.
	CoursePosts(course string, offset, limit int) ([]*Post, error)
	CountCoursePosts(course string) (int, error)
	// Replies returns the direct replies to a post, oldest first.
	Replies(uri string) ([]*Post, error)
	// Thread returns every post of a thread by the ID of its first post,
	// oldest first.
	Thread(id string) ([]*Post, error)
	// PostsBy returns every post whose author is the actor id author,
	// local and remote, oldest first (an account's deletion).
	PostsBy(author string) ([]*Post, error)
	// CountPosts returns the number of local posts (for NodeInfo).
	CountPosts() (int, error)
	// AllPosts returns every post of every discussion, local and remote
	// (domain block purges).
	AllPosts() ([]*Post, error)

	// DiscussionPage returns a course's top-level posts, newest first: the
	// posts that answer nothing, and the replies whose parent is not stored
	// here (as the discussion shows them).
	DiscussionPage(course, cursor string, limit int) (Page[*Post], error)
	// RepliesPage returns the direct replies to a post, oldest first.
	RepliesPage(uri, cursor string, limit int) (Page[*Post], error)
	// ThreadPage returns the posts of a thread by the ID of its first post,
	// oldest first.
	ThreadPage(id, cursor string, limit int) (Page[*Post], error)
	// CoursePostsPage returns every post of a course's discussion, newest first.
	CoursePostsPage(course, cursor string, limit int) (Page[*Post], error)
	// PinnedPosts returns up to limit of a course's pinned local posts, newest first.
	PinnedPosts(course string, limit int) ([]*Post, error)
	// CountReplies returns the number of direct replies to a post.
	CountReplies(uri string) (int, error)
	// CountThread returns the number of posts in a thread.
	CountThread(id string) (int, error)

	// AddReaction records a Like or Announce of a post by an actor under the
	// reacting activity's id; it reports false when it was already recorded.
	AddReaction(kind, postURI, actor, activityID string) (bool, error)
	// RemoveReaction undoes a reaction by its activity id; it returns the
	// post it was on, or "" when unknown.
	RemoveReaction(activityID, actor string) (kind, postURI string, err error)
}

// FollowStore holds the follows in both directions: the followers of
// local actors (learners enrolled in a course are its accepted followers)
// and the remote actors local people follow.
type FollowStore interface {
	Follower(local, actor string) (*Follower, error)
	PutFollower(*Follower) error
	DeleteFollower(local, actor string) error
	// Followers returns a local actor's followers, oldest first.
	Followers(local string) ([]*Follower, error)
	// FollowersPage returns a local actor's followers in one state, in the
	// order they followed (oldest first).
	FollowersPage(local string, state FollowState, cursor string, limit int) (Page[*Follower], error)
	// FollowerInboxes returns the distinct delivery inboxes of a local
	// actor's accepted followers, ordered by follower id. Shared inboxes
	// collapse a host's followers (Follower.Inbox is already the shared
	// inbox when the follower has one), so a host with many followers gets
	// one POST (HOSTILE D7; Mastodon's and GoToSocial's shared-inbox
	// delivery). Pending followers get nothing. It reads only what it needs
	// of each follower: a course with 10,000 followers reads them per post.
	FollowerInboxes(local string) ([]string, error)
	CountFollowers(local string, state FollowState) (int, error)
	// FollowedBy returns every follow of local actors by a remote actor.
	FollowedBy(actor string) ([]*Follower, error)
	// AllFollowers returns the followers of every local actor (domain
	// block purges).
	AllFollowers() ([]*Follower, error)

	Following(local, target string) (*Following, error)
	// FollowingByActivity finds our Follow by its activity id.
	FollowingByActivity(activityID string) (*Following, error)
	PutFollowing(*Following) error
	DeleteFollowing(local, target string) error
	Followings(local string) ([]*Following, error)
	// FollowingsOf returns the local people following a remote actor.
	FollowingsOf(target string) ([]*Following, error)
	// AllFollowings returns every follow of a remote actor by a local
	// person (domain block purges).
	AllFollowings() ([]*Following, error)
}

// ActorCache holds what the node knows of actors and objects on other
// servers: the actors it fetched, with their keys, and the tombstones of
// the deleted ones.
type ActorCache interface {
	RemoteActor(id string) (*RemoteActor, error)
	// RemoteActorByKey finds a cached actor by the id of its public key.
	RemoteActorByKey(keyID string) (*RemoteActor, error)
	PutRemoteActor(*RemoteActor) error
	DeleteRemoteActor(id string) error
	// RemoteActors returns every cached remote actor (domain block purges).
	RemoteActors() ([]*RemoteActor, error)

	Tombstone(id string) (*Tombstone, error)
	PutTombstone(*Tombstone) error
}

// JournalStore holds the inbox journal, where received activities wait to
// be processed, and the seen-set that dedupes them.
type JournalStore interface {
	// Seen reports whether an activity id was received before.
	Seen(activityID string) (bool, error)
	// MarkSeen records an activity id for ttl (dedupe keys do not live forever).
	MarkSeen(activityID string, ttl time.Duration) error

	// PutInboxItem journals an item (ID and Host required) and indexes it
	// by its Host, which never changes.
	PutInboxItem(*InboxItem) error
	// DeleteInboxItem removes an item and its index entry.
	DeleteInboxItem(id string) error
	// InboxItems returns up to limit journalled activities whose ids sort
	// after `after` ("" for the first), oldest first. Ids grow in the order
	// activities are journalled, so the processor carries on from the last
	// one it saw instead of walking past the deletions of everything it
	// already processed.
	InboxItems(after string, limit int) ([]*InboxItem, error)
	// InboxLen counts the journalled activities.
	InboxLen() (int, error)
	// InboxItemsFrom is InboxItems for the items of one sending host
	// (InboxItem.Host), oldest first: the processor takes turns between hosts.
	InboxItemsFrom(host, after string, limit int) ([]*InboxItem, error)
	// InboxBacklog counts the journalled activities of each host, from the
	// index (keys only). Items of earlier versions, without a host, are not
	// counted.
	InboxBacklog() (map[string]int, error)
}

// DeliveryStore holds the activities local actors sent, the queue of their
// deliveries, and the health of the hosts they go to.
type DeliveryStore interface {
	PutActivity(*OutActivity) error
	Activity(id string) (*OutActivity, error)
	// ListInOutbox puts a public activity a local actor sent (a Create or an
	// Announce, already put) in the actor's outbox, in the order they were
	// sent; object is the id of what it publishes. Deleting that object
	// (DeletePost, PutTombstone) takes the activity out again. Listing it
	// twice changes nothing.
	ListInOutbox(actor, activityID, object string) error
	// OutboxPage returns the activities of a local actor's outbox, newest
	// first; CountOutbox counts them.
	OutboxPage(actor, cursor string, limit int) (Page[*OutActivity], error)
	CountOutbox(actor string) (int, error)

	PutDelivery(*Delivery) error
	// DeleteDelivery removes a delivery (as last written: NextAt is part of its key).
	DeleteDelivery(*Delivery) error
	// DueDeliveries returns up to limit deliveries due at or before now, soonest first.
	DueDeliveries(now time.Time, limit int) ([]*Delivery, error)
	// Deliveries returns every queued delivery, soonest first.
	Deliveries() ([]*Delivery, error)
	// CountDeliveries counts the queued deliveries, and those of them that
	// failed at least once (Attempts > 0), without decoding them: for
	// /metrics, on a node whose queue may hold a million.
	CountDeliveries() (queued, retrying int, err error)

	HostHealth(host string) (*HostHealth, error)
	// CountUnavailableHosts counts the hosts marked unavailable.
	CountUnavailableHosts() (int, error)
	PutHostHealth(*HostHealth) error
}

// SessionStore holds the log-in sessions of local people.
type SessionStore interface {
	// PutSession stores a session until its Expires (a Badger TTL).
	PutSession(*Session) error
	// Session returns a session by id; ENOTFOUND when missing or expired.
	Session(id string) (*Session, error)
	// DeleteSession removes a session; a missing one is not an error.
	DeleteSession(id string) error
	// DeleteSessionsOf removes every session of a person (after a password change).
	DeleteSessionsOf(handle string) error
}

// ModerationStore holds the operator's domain blocks and the reports
// (Flags) received.
type ModerationStore interface {
	// DomainBlock returns the block of exactly this canonical domain.
	DomainBlock(domain string) (*DomainBlock, error)
	PutDomainBlock(*DomainBlock) error
	// DeleteDomainBlock removes a block; a missing one is not an error.
	DeleteDomainBlock(domain string) error
	// DomainBlocks returns every block, sorted by domain.
	DomainBlocks() ([]*DomainBlock, error)
	// DomainBlocksPage returns the operator's domain blocks, sorted by domain.
	DomainBlocksPage(cursor string, limit int) (Page[*DomainBlock], error)

	Report(id string) (*Report, error)
	PutReport(*Report) error
	// Reports returns every report, newest first.
	Reports() ([]*Report, error)
	// ReportsPage returns the reports received, newest first.
	ReportsPage(cursor string, limit int) (Page[*Report], error)
	// CourseReportsPage returns the reports made here about posts of a
	// local course, newest first.
	CourseReportsPage(course, cursor string, limit int) (Page[*Report], error)
	// ReportBy returns the report made here by reporter (an actor id)
	// about the post uri; ENOTFOUND when there is none.
	ReportBy(reporter, uri string) (*Report, error)
}

// ImageStore holds the images the node serves, and the remote avatars it
// fetched.
type ImageStore interface {
	// Image returns the image with this hash.
	Image(hash string) (*Image, error)
	// PutImage stores img under its hash; ttl 0 keeps it, otherwise the
	// store drops it after ttl.
	PutImage(img *Image, ttl time.Duration) error
	// RemoteAvatar returns what the node holds of a remote actor's avatar.
	RemoteAvatar(actor string) (*RemoteAvatar, error)
	// PutRemoteAvatar stores a; the store drops it after ttl.
	PutRemoteAvatar(a *RemoteAvatar, ttl time.Duration) error
}

// MailStore holds people's addresses, the links the node mailed, and the
// queue of mails to send.
type MailStore interface {
	// MailSettings returns a person's mail settings; ENOTFOUND when they
	// never saved any.
	MailSettings(handle string) (*MailSettings, error)
	// PutMailSettings saves them and indexes the address.
	PutMailSettings(*MailSettings) error
	// DeleteMailSettings removes a person's settings and address; a
	// missing one is not an error.
	DeleteMailSettings(handle string) error
	// PeopleWithAddress returns the handles of the people who gave this
	// (normalised) address, confirmed or not.
	PeopleWithAddress(address string) ([]string, error)

	// PutMailToken stores a token until its Expires (a Badger TTL).
	PutMailToken(*MailToken) error
	// MailToken returns a token by its hash; ENOTFOUND when missing or expired.
	MailToken(hash string) (*MailToken, error)
	// DeleteMailToken removes a token; a missing one is not an error.
	DeleteMailToken(hash string) error

	// PutMail queues a mail (as last written: NextAt is part of its key).
	PutMail(*OutMail) error
	// DeleteMail removes a queued mail as last written.
	DeleteMail(*OutMail) error
	// DueMails returns up to limit mails due at or before now, soonest first.
	DueMails(now time.Time, limit int) ([]*OutMail, error)
}

// NotificationStore holds each local person's notifications, newest first,
// at most MaxNotifications, and how far they have read them.
type NotificationStore interface {
	// AddNotification stores n in its person's list, dropping the oldest
	// beyond MaxNotifications, and counts it unread.
	AddNotification(n *Notification) error
	// NotificationsPage returns a page of person's notifications, newest
	// first.
	NotificationsPage(person, cursor string, limit int) (Page[*Notification], error)
	// CountUnread is how many of person's notifications are newer than
	// their read marker: one counter, not a walk of the list.
	CountUnread(person string) (int, error)
	// ReadUpTo is the id of the newest notification person has seen ("" for
	// none).
	ReadUpTo(person string) (string, error)
	// MarkRead moves person's read marker to the notification id (their
	// newest) and counts none unread.
	MarkRead(person, id string) error
	// DeleteNotificationsOf removes person's notifications and marker.
	DeleteNotificationsOf(person string) error
}

// MeetingStore holds courses' meetings (sessions), the answers people gave
// to them, who came, the reminders sent, and the meetings of courses on
// other servers that local people take part in.
type MeetingStore interface {
	Meeting(course, id string) (*Meeting, error)
	PutMeeting(*Meeting) error
	// Meetings returns a course's meetings in the order they were made.
	Meetings(course string) ([]*Meeting, error)
	// AllMeetings returns every meeting of every course here (the
	// reminders' round).
	AllMeetings() ([]*Meeting, error)

	// PutRSVP keeps an answer, replacing the actor's earlier one.
	PutRSVP(*RSVP) error
	RSVP(meeting, actor string) (*RSVP, error)
	RSVPs(meeting string) ([]*RSVP, error)

	// SetAttendance makes who came to the session of meeting at start
	// exactly came (replacing what was marked before).
	SetAttendance(course, meeting string, start time.Time, came []*Attendance) error
	Attendance(meeting string, start time.Time) ([]*Attendance, error)
	// CountAttended is how many sessions of the course's meetings actor
	// was marked as having come to.
	CountAttended(course, actor string) (int, error)

	// MarkReminded records that the reminder of the session of meeting at
	// start went out; false when it had already.
	MarkReminded(meeting string, start time.Time) (bool, error)

	PutRemoteMeeting(*RemoteMeeting) error
	RemoteMeeting(id string) (*RemoteMeeting, error)
	// RemoteMeetings returns the meetings of a course on another server
	// that this node was told of.
	RemoteMeetings(course string) ([]*RemoteMeeting, error)
}

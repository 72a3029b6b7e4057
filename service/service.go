// Package service holds the node's use cases, one file per aggregate:
// accounts, settings, schools, courses, enrolment, posts, tasks (and
// completions), badges, moderation, profiles and notifications. It is the
// one place each rule is applied: the web handlers, the inbox's activity
// handlers and the admin commands all call these methods.
//
// A public method takes ctx first, opens the store transaction, applies the
// domain rules and queues the activities the change sends, in that same
// transaction (HOSTILE D1), then wakes the delivery engine. Methods the
// inbox calls take the inbox's transaction instead (tx first), so that an
// activity's effects and its removal from the journal commit together.
// Helpers that run inside a transaction take it and never open one.
//
// How to read the dependencies on the store: a function that runs inside a
// transaction takes the narrow store interfaces it uses, so its signature
// says what it reads and writes. That is one of domain's store interfaces
// (domain.CourseStore, domain.FollowStore…), or a small composite of them
// declared next to it and named for its use (admitTx is what admit needs).
// Queue takes a domain.DeliveryStore. A whole domain.Tx is taken only where
// a transaction opens (the closures handed to Store.View and Store.Update,
// and env.update) and by the inbox's entry points that need more than one
// store interface: the inbox names their parameter's type, and cannot name
// this package's composites. narrow_test.go holds that list and checks
// that nothing else takes a domain.Tx.
//
// What each file's code calls of the store, through whatever transaction or
// narrow interface it holds and through Queue (narrow_test.go checks the
// list against the code):
//
//	accounts.go       ActorCache CourseStore DeliveryStore FollowStore LocalActorStore MailStore NotificationStore PersonStore PostStore SchoolStore SessionStore
//	accounts_read.go  ActorCache BadgeStore CourseStore FollowStore ModerationStore PersonStore ReceivedBadgeStore SessionStore SettingsStore
//	badges.go         ActorCache BadgeStore CompletionStore CourseStore DeliveryStore FollowStore LocalActorStore MeetingStore ReceivedBadgeStore SchoolStore TaskStore
//	calendar.go       CourseStore FollowStore MeetingStore PersonStore
//	courses.go        CourseStore DeliveryStore FollowStore SchoolStore SettingsStore
//	courses_read.go   BadgeStore CompletionStore CourseStore FollowStore SchoolStore SettingsStore TaskStore
//	dashboard.go      ActorCache BadgeStore CompletionStore CourseStore FollowStore PersonStore ReceivedBadgeStore TaskStore
//	documents.go      ActorCache BadgeStore CourseStore DeliveryStore FollowStore LocalActorStore PersonStore PostStore SchoolStore SettingsStore
//	enrolment.go      ActorCache CourseStore DeliveryStore FollowStore LocalActorStore PersonStore
//	evidence.go       CompletionStore TaskStore
//	feedback.go       CompletionStore TaskStore
//	learner_read.go   ActorCache BadgeStore CompletionStore CourseStore FollowStore LocalActorStore PersonStore SchoolStore TaskStore
//	mail.go           MailStore PersonStore SessionStore SettingsStore
//	meetings.go       ActorCache CourseStore DeliveryStore FollowStore MeetingStore
//	meetings_read.go  CourseStore FollowStore MeetingStore
//	reminders.go      CourseStore FollowStore MeetingStore
//	moderation.go     ActorCache CourseStore DeliveryStore FollowStore ModerationStore PersonStore PostStore ReceivedBadgeStore TaskStore
//	notifications.go  ActorCache CourseStore FollowStore NotificationStore PostStore
//	posts.go          ActorCache CourseStore DeliveryStore FollowStore LocalActorStore PostStore
//	posts_read.go     ActorCache CourseStore PostStore SchoolStore
//	profiles.go       ActorCache CourseStore ImageStore PersonStore SchoolStore
//	reruns.go         BadgeStore CourseStore FollowStore MeetingStore SettingsStore TaskStore
//	restart.go        ActorCache CompletionStore CourseStore DeliveryStore TaskStore
//	reviews.go        ActorCache BadgeStore CompletionStore CourseStore DeliveryStore FollowStore LocalActorStore PostStore TaskStore
//	reviews_read.go   CompletionStore FollowStore PostStore TaskStore
//	preferences.go    PersonStore
//	schools.go        ActorCache CourseStore DeliveryStore FollowStore PersonStore SchoolStore
//	schools_read.go   CourseStore SchoolStore
//	sessions.go       PersonStore SessionStore SettingsStore
//	settings.go       SettingsStore
//	tasks.go          ActorCache CompletionStore CourseStore DeliveryStore FollowStore LocalActorStore PostStore TaskStore
//	tasks_read.go     CompletionStore FollowStore TaskStore
//	views.go          ActorCache CourseStore PostStore
//	voting.go         FollowStore PostStore
package service

import (
	"context"
	"time"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
	"github.com/lernejo/lernejo/federation/fetch"
	"github.com/lernejo/lernejo/i18n"
)

// Queue persists outgoing activities inside the caller's transaction and
// wakes the delivery engine; outbox.Outbox is the one in production.
type Queue interface {
	// Queue records activityJSON, sent by the local actor, for delivery to
	// each inbox, inside tx: it writes the activity and its deliveries, and
	// reads nothing else of the store.
	Queue(tx domain.DeliveryStore, actor, activityID string, activityJSON []byte, inboxes []string) error
	// Wake tells the delivery engine that new deliveries are due.
	Wake()
}

// Config is what the services need; node builds it once.
type Config struct {
	Store domain.Store
	Queue Queue
	// Docs builds this node's ActivityPub documents; its Sanitizer cleans
	// organisers' rich text (task bodies) on save (nil: the node's,
	// federation.NewNodeSanitizer).
	Docs federation.Documents
	// Resolver looks up remote actors (following by handle); only
	// Enrolment.Follow and Enrol need it.
	Resolver *fetch.Resolver
	// Mailer wakes the mail sender; nil when the node has no SMTP server
	// (then no mail is queued: Mail.Enabled is false).
	Mailer Mailer
	// Words is the catalogue the mails are written from, each in its
	// reader's language (nil: English only).
	Words   *i18n.Catalogue
	Now     func() time.Time
	NewID   func() string                  // time-sortable ids (ULIDs)
	NewKeys func() (domain.KeyPair, error) // domain.GenerateKeyPair in production
}

// Services are the node's use cases, one per aggregate.
type Services struct {
	Accounts   *Accounts
	Settings   *Settings
	Schools    *Schools
	Courses    *Courses
	Enrolment  *Enrolment
	Posts      *Posts
	Tasks      *Tasks
	Badges     *Badges
	Evidence   *Evidence
	Meetings   *Meetings // a course's sessions, answers, reminders, attendance
	Reviews    *Reviews  // peer review of learners' work
	Moderation *Moderation
	Profiles   *Profiles  // profiles, pictures and remote avatars
	Documents  *Documents // what web serves to other servers and feed readers
	Mail       *Mail      // email addresses, password resets, notification mail

	// Notifications is what local people are told, and how many they
	// have not seen.
	Notifications *Notifications
}

// New builds the services over one configuration.
func New(cfg Config) *Services {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Docs.Sanitizer == nil {
		cfg.Docs.Sanitizer = federation.NewNodeSanitizer(cfg.Docs.URLs.Base())
	}
	e := &env{Store: cfg.Store, Queue: cfg.Queue, Docs: cfg.Docs, URLs: cfg.Docs.URLs, Resolver: cfg.Resolver,
		Now: cfg.Now, NewID: cfg.NewID, NewKeys: cfg.NewKeys, avatars: newAvatarQueue(256),
		newNotificationID: notificationIDs(cfg.Now)}
	posts := &Posts{env: e}
	badges := &Badges{env: e, posts: posts}
	accounts := &Accounts{env: e, posts: posts}
	mail := &Mail{env: e, mailer: cfg.Mailer, words: cfg.Words}
	e.mail = mail
	reviews := &Reviews{env: e, badges: badges, posts: posts}
	posts.reviews = reviews
	return &Services{
		Accounts:   accounts,
		Settings:   &Settings{env: e},
		Schools:    &Schools{env: e, posts: posts},
		Courses:    &Courses{env: e, posts: posts},
		Enrolment:  &Enrolment{env: e, posts: posts},
		Posts:      posts,
		Tasks:      &Tasks{env: e, posts: posts, badges: badges},
		Badges:     badges,
		Evidence:   &Evidence{env: e, posts: posts},
		Meetings:   &Meetings{env: e, badges: badges, posts: posts},
		Reviews:    reviews,
		Moderation: &Moderation{env: e},
		Profiles:   &Profiles{env: e, accounts: accounts, decoding: make(chan struct{}, 2)},
		Documents:  &Documents{env: e, posts: posts},
		Mail:       mail,

		Notifications: &Notifications{env: e},
	}
}

// env is what every service shares.
type env struct {
	Store    domain.Store
	Queue    Queue
	Docs     federation.Documents
	URLs     federation.URLs
	Resolver *fetch.Resolver
	Now      func() time.Time
	NewID    func() string
	NewKeys  func() (domain.KeyPair, error)
	// avatars are the remote actors whose avatars pages asked for
	// (avatarOf), which Profiles.FetchAvatars fetches.
	avatars *avatarQueue

	newNotificationID func() string // see notifications.go
	// mail sends what a person is told by mail too, where they opted in
	// (notifyPerson).
	mail *Mail
}

// update runs fn in one write transaction and, when it committed, wakes the
// delivery engine for what fn queued.
func (e *env) update(ctx context.Context, fn func(tx domain.Tx) error) error {
	err := e.Store.Update(ctx, fn)
	if err == nil && e.Queue != nil {
		e.Queue.Wake()
	}
	return err
}

// newActivityID is the id of a new activity of this node.
func (e *env) newActivityID() string { return e.URLs.NewActivityID(e.NewID()) }

// richText sanitises an organiser's rich text for storage.
func (e *env) richText(html string) string { return e.Docs.Sanitizer.LocalHTML(html) }

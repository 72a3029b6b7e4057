package service

import (
	"context"
	"crypto/rand"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/i18n"
)

// Notifications is the use cases of what local people are told: the list
// of a person's notifications (reading it marks them read) and the unread
// count every page's header shows.
//
// A notification is written by the service where its event happens, in
// the same transaction as the event (a reply stored, a sign-up answered, a
// task added, a badge awarded, a report made), also when the event came
// from another server through the inbox: a crash keeps both or neither.
// Only local people are told; nobody is told of what they did themselves.
// Each event is one domain.NotificationKind, so that other ways of telling
// (email) can be chosen per kind.
type Notifications struct {
	*env
}

// notificationIDs returns the generator of notifications' ids: monotonic
// ULIDs on the services' clock. It is not Config.NewID, so that telling
// people changes none of the ids of what the node stores and sends.
func notificationIDs(now func() time.Time) func() string {
	var mu sync.Mutex
	entropy := ulid.Monotonic(rand.Reader, 0)
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return ulid.MustNew(ulid.Timestamp(now()), entropy).String()
	}
}

// notificationsPerPage is how many notifications the list shows at once.
const notificationsPerPage = 50

// NotificationView is a notification as the list shows it.
type NotificationView struct {
	*domain.Notification
	// Unread is set for a notification the person had not seen before
	// this visit of the list.
	Unread bool
}

// NotificationsPage is a page of a person's notifications, newest first.
type NotificationsPage struct {
	Items      []NotificationView
	Prev, Next string
}

// List is a page of person's notifications (cursor "" for the newest),
// which it marks read: the unread count goes to zero, and the ones shown
// as unread are those that were not seen before.
func (s *Notifications) List(ctx context.Context, person, cursor string) (*NotificationsPage, error) {
	var out *NotificationsPage
	err := s.Store.Update(ctx, func(tx domain.Tx) error {
		page, err := tx.NotificationsPage(person, cursor, notificationsPerPage)
		if err != nil {
			return err
		}
		read, err := tx.ReadUpTo(person)
		if err != nil {
			return err
		}
		out = &NotificationsPage{Prev: page.Prev, Next: page.Next}
		newest := read
		for _, n := range page.Items {
			out.Items = append(out.Items, NotificationView{Notification: n, Unread: n.ID > read})
			newest = max(newest, n.ID)
		}
		if newest == read {
			return nil
		}
		return tx.MarkRead(person, newest)
	})
	return out, err
}

// Unread is how many notifications person has not seen: one counter read.
func (s *Notifications) Unread(ctx context.Context, person string) (int, error) {
	var n int
	err := s.Store.View(ctx, func(tx domain.Tx) error {
		var err error
		n, err = tx.CountUnread(person)
		return err
	})
	return n, err
}

// notifyTx is what telling someone needs: whether an actor id names a
// person of this node, the names of those who caused it, and the list.
type notifyTx interface {
	domain.LocalActorStore
	domain.ActorCache
	domain.NotificationStore
	mailNotifyTx
}

// notify tells the actor to of n, inside tx, when to is a person of this
// node who did not cause it; anyone else is not told here.
func (e *env) notify(tx notifyTx, to string, n domain.Notification) error {
	if to == "" || to == n.Actor {
		return nil
	}
	handle, typ, ok, err := localActor(tx, e.URLs, to)
	if err != nil || !ok || typ != domain.ActorPerson {
		return err
	}
	return e.notifyPerson(tx, handle, n)
}

// notifyPerson tells the local person handle of n, inside tx: it is given
// its id, its time and the name of who caused it.
func (e *env) notifyPerson(tx notifyTx, handle string, n domain.Notification) error {
	if handle == "" || n.Actor == e.URLs.Actor(domain.ActorPerson, handle) {
		return nil
	}
	n.ID, n.Person, n.Created = e.newNotificationID(), handle, e.Now().UTC()
	if n.Actor != "" && n.ActorName == "" {
		n.ActorName = actorName(tx, e, n.Actor)
	}
	if err := tx.AddNotification(&n); err != nil {
		return err
	}
	return e.mail.notify(tx, handle, n)
}

// notificationMail is the kind of mail a notification is (for the
// person's opt-ins), and its subject and text in p's language: what the
// notifications page says of it.
func notificationMail(p *i18n.Printer, n domain.Notification) (kind domain.MailKind, subject, text string) {
	switch n.Kind {
	case domain.NotifyReply:
		return domain.MailReply, p.T("%s replied to your post", n.ActorName), p.T("%s replied to your post: “%s”", n.ActorName, n.Subject)
	case domain.NotifyMention:
		return domain.MailMention, p.T("%s mentioned you", n.ActorName), p.T("%s mentioned you: “%s”", n.ActorName, n.Subject)
	case domain.NotifyApproved:
		return domain.MailSignUpAnswer, p.T("You are in: %s", n.Subject), p.T("Your sign-up to %s was approved. Welcome!", n.Subject)
	case domain.NotifyDeclined:
		return domain.MailSignUpAnswer, p.T("Your sign-up to %s was declined", n.Subject), p.T("Your sign-up to %s was declined.", n.Subject)
	case domain.NotifyTask:
		return domain.MailNewTask, p.T("New task in %s: %s", n.ActorName, n.Subject), p.T("There is a new task in %s: %s", n.ActorName, n.Subject)
	case domain.NotifyBadge:
		return domain.MailBadge, p.T("You earned the badge “%s”", n.Subject), p.T("You earned the badge “%s”. Congratulations!", n.Subject)
	case domain.NotifyReview:
		// A review answers one's work as a reply answers one's post.
		return domain.MailReply, p.T("%s reviewed your work for “%s”", n.ActorName, n.Subject), p.T("%s reviewed your work for “%s”.", n.ActorName, n.Subject)
	case domain.NotifyReminder:
		loc, err := domain.LoadZone(n.Zone)
		if err != nil {
			loc = time.UTC
		}
		at := p.Date(n.At, loc)
		return domain.MailReminder, p.T("Reminder: %s, %s", n.Subject, at), p.T("Reminder: “%s” of %s starts at %s.", n.Subject, n.ActorName, at)
	case domain.NotifyReport:
		return domain.MailReport, p.T("A post in %s was reported", n.Subject), p.T("A post in %s was reported. Its organisers can see the report on the course's manage page.", n.Subject)
	default: // domain.NotifyPending
		return domain.MailPendingSignUp, p.T("%s asks to join %s", n.ActorName, n.Subject), p.T("%s asks to join %s. Approve or decline on the course's manage page.", n.ActorName, n.Subject)
	}
}

// actorName is how a notification names the actor id: @handle for a local
// actor, the remote actor's @name@host as cached, or else its id.
func actorName(tx domain.ActorCache, e *env, id string) string {
	if h, _, ok := e.URLs.LocalActor(id); ok {
		return "@" + h
	}
	if ra, found, err := domain.Found(tx.RemoteActor(id)); err == nil && found {
		return ra.Handle()
	}
	return id
}

// notifyPostTx is what notifyPost reads: the post answered, and whether
// this post was stored before.
type notifyPostTx interface {
	notifyTx
	domain.PostStore
}

// notifyPost tells, inside tx, the people of this node a new post p is
// for: the author of the post it answers (a reply) and the people it
// mentions (a mention; the replied-to author only once). Call it before
// storing p: a post already stored (a Create delivered again) tells nobody
// twice.
func (e *env) notifyPost(tx notifyPostTx, p *domain.Post) error {
	if _, stored, err := domain.Found(tx.Post(p.URI)); err != nil || stored {
		return err
	}
	about := domain.Notification{Actor: p.Author, Subject: postSubject(e, p), URL: "/threads/" + p.Thread}
	told := map[string]bool{p.Author: true}
	if p.InReplyTo != "" {
		parent, found, err := domain.Found(tx.Post(p.InReplyTo))
		if err != nil {
			return err
		}
		if found {
			n := about
			n.Kind = domain.NotifyReply
			if err := e.notify(tx, parent.Author, n); err != nil {
				return err
			}
			told[parent.Author] = true
		}
	}
	for _, m := range p.Mentions {
		if told[m] {
			continue
		}
		told[m] = true
		n := about
		n.Kind = domain.NotifyMention
		if err := e.notify(tx, m, n); err != nil {
			return err
		}
	}
	return nil
}

// postSubject is the first words of a post, as plain text.
func postSubject(e *env, p *domain.Post) string {
	text := strings.Join(strings.Fields(e.Docs.Sanitizer.PlainText(p.Content)), " ")
	const most = 80
	if utf8.RuneCountInString(text) <= most {
		return text
	}
	r := []rune(text)
	return strings.TrimSpace(string(r[:most-1])) + "…"
}

// notifyOrganisers tells, inside tx, every organiser of the local course c
// of n.
func (e *env) notifyOrganisers(tx notifyTx, c *domain.Course, n domain.Notification) error {
	if n.Subject == "" {
		n.Subject = c.Title
	}
	for _, o := range c.Organisers {
		if err := e.notifyPerson(tx, o, n); err != nil {
			return err
		}
	}
	return nil
}

// notifyLearnersTx is what notifyLearners reads: the course's learners.
type notifyLearnersTx interface {
	notifyTx
	domain.FollowStore
}

// notifyLearners tells, inside tx, every enrolled learner of this node of
// the local course c of n.
func (e *env) notifyLearners(tx notifyLearnersTx, c *domain.Course, n domain.Notification) error {
	fs, err := tx.Followers(c.Handle)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.Inbox != "" || f.State != domain.FollowAccepted {
			continue // on another server, or not admitted yet
		}
		if err := e.notify(tx, f.Actor, n); err != nil {
			return err
		}
	}
	return nil
}

// notifyAnswerTx is what notifyAnswer reads: the course answered.
type notifyAnswerTx interface {
	notifyTx
	domain.CourseStore
}

// notifyAnswer tells, inside tx, the learner (an actor id) that the
// organisers of the local course handle approved or declined their
// sign-up; a local actor that is no course tells nobody.
func (e *env) notifyAnswer(tx notifyAnswerTx, handle, learner string, approved bool) error {
	c, found, err := domain.Found(tx.Course(handle))
	if err != nil || !found {
		return err
	}
	return e.notify(tx, learner, answerNotification(e.URLs.Actor(domain.ActorCourse, c.Handle), c.Title, "/courses/"+c.Handle, approved))
}

// notifyRemoteAnswer tells, inside tx, the local person of fl (their
// follow, as it was before the answer) that the remote course ra approved
// or declined their sign-up. Only an answer to a waiting sign-up of a
// course whose organisers approve learners is news: an open course's
// Accept comes at once, and a second Accept confirms what was known.
func (e *env) notifyRemoteAnswer(tx notifyTx, fl *domain.Following, approved bool) error {
	if fl.State != domain.FollowPending {
		return nil
	}
	ra, found, err := domain.Found(tx.RemoteActor(fl.Target))
	if err != nil || !found || ra.Type != "Group" || (approved && !ra.ManuallyApprovesFollowers) {
		return err
	}
	return e.notifyPerson(tx, fl.Local, answerNotification(ra.ID, ra.DisplayName(), "/remote?id="+url.QueryEscape(ra.ID), approved))
}

// answerNotification is the notification of a sign-up approved or
// declined by the course id, named name, whose page is at page.
func answerNotification(id, name, page string, approved bool) domain.Notification {
	n := domain.Notification{Kind: domain.NotifyDeclined, Actor: id, ActorName: name, Subject: name, URL: page}
	if approved {
		n.Kind = domain.NotifyApproved
	}
	return n
}

// notifyPending tells, inside tx, the organisers of the local course c
// that the learner of req waits for their answer.
func (e *env) notifyPending(tx notifyTx, c *domain.Course, req *domain.Follower) error {
	return e.notifyOrganisers(tx, c, domain.Notification{Kind: domain.NotifyPending, Actor: req.Actor, URL: "/courses/" + c.Handle + "/manage"})
}

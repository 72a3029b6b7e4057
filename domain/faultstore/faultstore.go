// Package faultstore wraps a domain.Store so that tests can make chosen
// lookups fail the way a disk does: with an error that is not a domain
// error, so nothing may take it for "not found". Only tests import it.
package faultstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lernejo/lernejo/domain"
)

// ErrInjected is the cause of every failure a Store injects.
var ErrInjected = errors.New("faultstore: injected I/O failure")

// Store is a domain.Store whose transactions fail the lookups named by Fail
// until Heal. Every method of domain.Tx it does not override passes through.
type Store struct {
	domain.Store

	mu     sync.Mutex
	faults []fault
	hits   int
}

type fault struct {
	method string
	args   []string // nil: every call
}

// New wraps s; nothing fails until Fail is called.
func New(s domain.Store) *Store { return &Store{Store: s} }

// Fail makes the Tx method named method fail from now on: every call when
// no args are given, else only calls whose leading arguments are args.
func (s *Store) Fail(method string, args ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{method: method, args: args})
}

// Heal lifts every failure.
func (s *Store) Heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Hits counts the calls that failed so far.
func (s *Store) Hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

// View is the wrapped store's View with a failing Tx.
func (s *Store) View(ctx context.Context, fn func(domain.Tx) error) error {
	return s.Store.View(ctx, func(tx domain.Tx) error { return fn(&failingTx{Tx: tx, s: s}) })
}

// Update is the wrapped store's Update with a failing Tx.
func (s *Store) Update(ctx context.Context, fn func(domain.Tx) error) error {
	return s.Store.Update(ctx, func(tx domain.Tx) error { return fn(&failingTx{Tx: tx, s: s}) })
}

// check returns the injected error when a fault covers this call.
func (s *Store) check(method string, args ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.method == method && (f.args == nil || len(args) >= len(f.args) && slices.Equal(args[:len(f.args)], f.args)) {
			s.hits++
			return fmt.Errorf("%w: %s(%s)", ErrInjected, method, strings.Join(args, ", "))
		}
	}
	return nil
}

// failingTx overrides the lookups of one record (those that answer "not found")
// and the few writes of handlers that look nothing up.
type failingTx struct {
	domain.Tx
	s *Store
}

func (t *failingTx) Settings() (domain.Settings, error) {
	if err := t.s.check("Settings"); err != nil {
		return domain.Settings{}, err
	}
	return t.Tx.Settings()
}

func (t *failingTx) HandleType(handle string) (domain.ActorType, error) {
	if err := t.s.check("HandleType", handle); err != nil {
		return "", err
	}
	return t.Tx.HandleType(handle)
}

func (t *failingTx) PrivateKey(handle string) (string, error) {
	if err := t.s.check("PrivateKey", handle); err != nil {
		return "", err
	}
	return t.Tx.PrivateKey(handle)
}

func (t *failingTx) AssertionSeed(handle string) ([]byte, error) {
	if err := t.s.check("AssertionSeed", handle); err != nil {
		return nil, err
	}
	return t.Tx.AssertionSeed(handle)
}

func (t *failingTx) InstanceActor() (*domain.InstanceActor, error) {
	if err := t.s.check("InstanceActor"); err != nil {
		return nil, err
	}
	return t.Tx.InstanceActor()
}

func (t *failingTx) Person(handle string) (*domain.Person, error) {
	if err := t.s.check("Person", handle); err != nil {
		return nil, err
	}
	return t.Tx.Person(handle)
}

func (t *failingTx) School(handle string) (*domain.School, error) {
	if err := t.s.check("School", handle); err != nil {
		return nil, err
	}
	return t.Tx.School(handle)
}

func (t *failingTx) Course(handle string) (*domain.Course, error) {
	if err := t.s.check("Course", handle); err != nil {
		return nil, err
	}
	return t.Tx.Course(handle)
}

func (t *failingTx) Task(course, id string) (*domain.Task, error) {
	if err := t.s.check("Task", course, id); err != nil {
		return nil, err
	}
	return t.Tx.Task(course, id)
}

func (t *failingTx) Badge(id string) (*domain.Badge, error) {
	if err := t.s.check("Badge", id); err != nil {
		return nil, err
	}
	return t.Tx.Badge(id)
}

func (t *failingTx) Post(uri string) (*domain.Post, error) {
	if err := t.s.check("Post", uri); err != nil {
		return nil, err
	}
	return t.Tx.Post(uri)
}

func (t *failingTx) RemoteActor(id string) (*domain.RemoteActor, error) {
	if err := t.s.check("RemoteActor", id); err != nil {
		return nil, err
	}
	return t.Tx.RemoteActor(id)
}

func (t *failingTx) RemoteActorByKey(keyID string) (*domain.RemoteActor, error) {
	if err := t.s.check("RemoteActorByKey", keyID); err != nil {
		return nil, err
	}
	return t.Tx.RemoteActorByKey(keyID)
}

func (t *failingTx) Follower(local, actor string) (*domain.Follower, error) {
	if err := t.s.check("Follower", local, actor); err != nil {
		return nil, err
	}
	return t.Tx.Follower(local, actor)
}

func (t *failingTx) Following(local, target string) (*domain.Following, error) {
	if err := t.s.check("Following", local, target); err != nil {
		return nil, err
	}
	return t.Tx.Following(local, target)
}

func (t *failingTx) FollowingByActivity(activityID string) (*domain.Following, error) {
	if err := t.s.check("FollowingByActivity", activityID); err != nil {
		return nil, err
	}
	return t.Tx.FollowingByActivity(activityID)
}

func (t *failingTx) Tombstone(id string) (*domain.Tombstone, error) {
	if err := t.s.check("Tombstone", id); err != nil {
		return nil, err
	}
	return t.Tx.Tombstone(id)
}

func (t *failingTx) Seen(activityID string) (bool, error) {
	if err := t.s.check("Seen", activityID); err != nil {
		return false, err
	}
	return t.Tx.Seen(activityID)
}

func (t *failingTx) Activity(id string) (*domain.OutActivity, error) {
	if err := t.s.check("Activity", id); err != nil {
		return nil, err
	}
	return t.Tx.Activity(id)
}

func (t *failingTx) HostHealth(host string) (*domain.HostHealth, error) {
	if err := t.s.check("HostHealth", host); err != nil {
		return nil, err
	}
	return t.Tx.HostHealth(host)
}

func (t *failingTx) Completion(course, task, learner string) (*domain.Completion, error) {
	if err := t.s.check("Completion", course, task, learner); err != nil {
		return nil, err
	}
	return t.Tx.Completion(course, task, learner)
}

func (t *failingTx) CompletionByID(id string) (*domain.Completion, error) {
	if err := t.s.check("CompletionByID", id); err != nil {
		return nil, err
	}
	return t.Tx.CompletionByID(id)
}

func (t *failingTx) Award(id string) (*domain.Award, error) {
	if err := t.s.check("Award", id); err != nil {
		return nil, err
	}
	return t.Tx.Award(id)
}

func (t *failingTx) AwardOf(badge, learner string) (*domain.Award, error) {
	if err := t.s.check("AwardOf", badge, learner); err != nil {
		return nil, err
	}
	return t.Tx.AwardOf(badge, learner)
}

func (t *failingTx) BadgeAwardsPage(badge, cursor string, limit int) (domain.Page[*domain.Award], error) {
	if err := t.s.check("BadgeAwardsPage", badge); err != nil {
		return domain.Page[*domain.Award]{}, err
	}
	return t.Tx.BadgeAwardsPage(badge, cursor, limit)
}

func (t *failingTx) ReceivedBadgeByNote(noteURI string) (*domain.ReceivedBadge, error) {
	if err := t.s.check("ReceivedBadgeByNote", noteURI); err != nil {
		return nil, err
	}
	return t.Tx.ReceivedBadgeByNote(noteURI)
}

func (t *failingTx) Session(id string) (*domain.Session, error) {
	if err := t.s.check("Session", id); err != nil {
		return nil, err
	}
	return t.Tx.Session(id)
}

func (t *failingTx) DomainBlock(d string) (*domain.DomainBlock, error) {
	if err := t.s.check("DomainBlock", d); err != nil {
		return nil, err
	}
	return t.Tx.DomainBlock(d)
}

func (t *failingTx) Report(id string) (*domain.Report, error) {
	if err := t.s.check("Report", id); err != nil {
		return nil, err
	}
	return t.Tx.Report(id)
}

// PutReport can fail too: a Flag's handler looks nothing up.
func (t *failingTx) PutReport(r *domain.Report) error {
	if err := t.s.check("PutReport", r.ID); err != nil {
		return err
	}
	return t.Tx.PutReport(r)
}

func (t *failingTx) AllPosts() ([]*domain.Post, error) {
	if err := t.s.check("AllPosts"); err != nil {
		return nil, err
	}
	return t.Tx.AllPosts()
}

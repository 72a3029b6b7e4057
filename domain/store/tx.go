package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// tx implements domain.Tx over one Badger transaction.
type tx struct {
	txn *badger.Txn
	// blocksChanged is set when the transaction writes the domain block
	// list, which the store then reloads into memory after the commit.
	blocksChanged bool
	// inboxes keeps what FollowerInboxes read, by local actor, until the
	// transaction changes that actor's followers: in a write transaction
	// every new iterator sorts all the writes made so far, and the inbox
	// applies a page of notes to one course (each one redistributed to its
	// followers) in one transaction.
	inboxes map[string][]string
	// queue is the store's counts of the delivery queue; queued and
	// retrying are how this transaction changes them, added to them once
	// it is committed.
	queue            *queueCounts
	queued, retrying int
}

// queueCounts are the counts of the delivery queue, for /metrics, which
// must not walk a queue that may hold a million deliveries: counted once
// at Open, then moved by each committed transaction's changes. In memory
// and not in the store: a key every transaction that queues or records a
// delivery writes would make them conflict with each other.
type queueCounts struct {
	queued, retrying atomic.Int64
}

var _ domain.Tx = (*tx)(nil)

// get decodes the JSON value at k into v; a missing key is an ENOTFOUND
// domain error naming what.
func (t *tx) get(k []byte, v any, what string) error {
	item, err := t.txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return domain.Errorf(domain.ENOTFOUND, "%s not found.", what)
	}
	if err != nil {
		return fmt.Errorf("store: get %s: %w", what, err)
	}
	var decodeErr error
	if err := item.Value(func(b []byte) error { decodeErr = json.Unmarshal(b, v); return nil }); err != nil {
		return fmt.Errorf("store: read %s: %w", what, err)
	}
	if decodeErr != nil {
		return fmt.Errorf("store: decode %s: %w", what, decodeErr)
	}
	return nil
}

// getAs decodes the value at k into a new T; on any error it returns nil.
func getAs[T any](t *tx, k []byte, what string) (*T, error) {
	x := new(T)
	if err := t.get(k, x, what); err != nil {
		return nil, err
	}
	return x, nil
}

func (t *tx) put(k []byte, v any) error { return t.putFor(k, v, 0) }

// putFor stores v as JSON at k for ttl (Badger drops it after); 0 keeps it.
func (t *tx) putFor(k []byte, v any, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %T: %w", v, err)
	}
	if ttl <= 0 {
		return t.txn.Set(k, b)
	}
	return t.txn.SetEntry(badger.NewEntry(k, b).WithTTL(ttl))
}

// exists reports whether k is set; only a missing key is "no", any other
// failure of the read is an error.
func (t *tx) exists(k []byte) (bool, error) {
	_, err := t.txn.Get(k)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, badger.ErrKeyNotFound):
		return false, nil
	}
	return false, fmt.Errorf("store: get: %w", err)
}

// each calls fn with the value of every key under prefix, in key order.
func (t *tx) each(prefix []byte, fn func(k, v []byte) error) error {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 64})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		if err := item.Value(func(v []byte) error { return fn(item.Key(), v) }); err != nil {
			return err
		}
	}
	return nil
}

// count counts the keys under prefix without reading values.
func (t *tx) count(prefix []byte) (int, error) {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid(); it.Next() {
		n++
	}
	return n, nil
}

// list decodes every value under prefix into a new T.
func list[T any](t *tx, prefix []byte) ([]*T, error) {
	var out []*T
	err := t.each(prefix, func(_, v []byte) error {
		x := new(T)
		if err := json.Unmarshal(v, x); err != nil {
			return fmt.Errorf("store: decode %T: %w", x, err)
		}
		out = append(out, x)
		return nil
	})
	return out, err
}

// --- settings

func (t *tx) Settings() (domain.Settings, error) {
	var s domain.Settings
	err := t.get(key(pSettings), &s, "Settings")
	if domain.IsNotFound(err) {
		return domain.DefaultSettings(), nil
	}
	return s, err
}

func (t *tx) PutSettings(s domain.Settings) error { return t.put(key(pSettings), s) }

// --- the handle namespace and keys

func (t *tx) HandleType(handle string) (domain.ActorType, error) {
	var typ domain.ActorType
	err := t.get(key(pHandle, handle), &typ, "Actor "+handle)
	return typ, err
}

// claim takes a handle in the node's single namespace.
func (t *tx) claim(handle string, typ domain.ActorType, keys domain.KeyPair) error {
	taken, err := t.exists(key(pHandle, handle))
	if err != nil {
		return err
	}
	if taken {
		return domain.Errorf(domain.ECONFLICT, "The handle %q is already taken.", handle).On("handle")
	}
	if keys.PrivatePEM == "" {
		return fmt.Errorf("store: actor %s created without a key", handle)
	}
	if err := t.put(key(pHandle, handle), typ); err != nil {
		return err
	}
	if err := t.txn.Set(key(pPrivKey, handle), []byte(keys.PrivatePEM)); err != nil {
		return err
	}
	if len(keys.AssertionSeed) > 0 {
		return t.txn.Set(key(pEdKey, handle), keys.AssertionSeed)
	}
	return nil
}

func (t *tx) AssertionSeed(handle string) ([]byte, error) {
	item, err := t.txn.Get(key(pEdKey, handle))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Assertion key of %s not found.", handle)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get assertion key of %s: %w", handle, err)
	}
	seed, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("store: read assertion key of %s: %w", handle, err)
	}
	return seed, nil
}

func (t *tx) PrivateKey(handle string) (string, error) {
	item, err := t.txn.Get(key(pPrivKey, handle))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return "", domain.Errorf(domain.ENOTFOUND, "Key of %s not found.", handle)
	}
	if err != nil {
		return "", fmt.Errorf("store: get key of %s: %w", handle, err)
	}
	b, err := item.ValueCopy(nil)
	if err != nil {
		return "", fmt.Errorf("store: read key of %s: %w", handle, err)
	}
	return string(b), nil
}

func (t *tx) InstanceActor() (*domain.InstanceActor, error) {
	return getAs[domain.InstanceActor](t, key(pInstance), "Instance actor")
}

func (t *tx) CreateInstanceActor(a *domain.InstanceActor, keys domain.KeyPair) error {
	a.PublicKeyPEM = keys.PublicPEM
	if err := t.put(key(pInstance), a); err != nil {
		return err
	}
	return t.txn.Set(key(pPrivKey, domain.InstanceActorName), []byte(keys.PrivatePEM))
}

// --- people

func (t *tx) Person(handle string) (*domain.Person, error) {
	return getAs[domain.Person](t, key(pPerson, handle), "Person "+handle)
}

func (t *tx) CreatePerson(p *domain.Person, keys domain.KeyPair) error {
	if err := t.claim(p.Handle, domain.ActorPerson, keys); err != nil {
		return err
	}
	return t.PutPerson(p)
}

func (t *tx) PutPerson(p *domain.Person) error { return t.put(key(pPerson, p.Handle), p) }

func (t *tx) DeletePerson(handle string) error { return t.txn.Delete(key(pPerson, handle)) }

func (t *tx) People() ([]*domain.Person, error) { return list[domain.Person](t, prefixOf(pPerson)) }

func (t *tx) CountPeople() (int, error) { return t.count(prefixOf(pPerson)) }

// --- schools

func (t *tx) School(handle string) (*domain.School, error) {
	return getAs[domain.School](t, key(pSchool, handle), "School "+handle)
}

func (t *tx) CreateSchool(s *domain.School, keys domain.KeyPair) error {
	if err := t.claim(s.Handle, domain.ActorSchool, keys); err != nil {
		return err
	}
	return t.PutSchool(s)
}

func (t *tx) PutSchool(s *domain.School) error { return t.put(key(pSchool, s.Handle), s) }

func (t *tx) Schools() ([]*domain.School, error) { return list[domain.School](t, prefixOf(pSchool)) }

// --- courses, tasks, badges

func (t *tx) Course(handle string) (*domain.Course, error) {
	return getAs[domain.Course](t, key(pCourse, handle), "Course "+handle)
}

func (t *tx) CreateCourse(c *domain.Course, keys domain.KeyPair) error {
	if err := t.claim(c.Handle, domain.ActorCourse, keys); err != nil {
		return err
	}
	return t.PutCourse(c)
}

func (t *tx) PutCourse(c *domain.Course) error {
	old, err := orNil(t.Course(c.Handle))
	if err != nil {
		return err
	}
	if err := t.put(key(pCourse, c.Handle), c); err != nil {
		return err
	}
	return t.relistCourse(old, c)
}

func (t *tx) Courses() ([]*domain.Course, error) { return list[domain.Course](t, prefixOf(pCourse)) }

func (t *tx) CountCourses() (int, error) { return t.count(prefixOf(pCourse)) }

func (t *tx) Task(course, id string) (*domain.Task, error) {
	return getAs[domain.Task](t, key(pTask, course, id), "Task")
}

func (t *tx) PutTask(x *domain.Task) error { return t.put(key(pTask, x.Course, x.ID), x) }

func (t *tx) Tasks(course string) ([]*domain.Task, error) {
	tasks, err := list[domain.Task](t, prefixOf(pTask, course))
	sort.SliceStable(tasks, func(i, j int) bool { return tasks[i].Position < tasks[j].Position })
	return tasks, err
}

func (t *tx) Badge(id string) (*domain.Badge, error) {
	return getAs[domain.Badge](t, key(pBadge, id), "Badge")
}

func (t *tx) PutBadge(b *domain.Badge) error {
	if err := t.put(key(pBadge, b.ID), b); err != nil {
		return err
	}
	return t.txn.Set(key(pBadgeByIssuer, b.Issuer, b.ID), nil)
}

func (t *tx) Badges(issuer string) ([]*domain.Badge, error) {
	var out []*domain.Badge
	p := prefixOf(pBadgeByIssuer, issuer)
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: p})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		id := string(it.Item().Key()[len(p):])
		b, err := t.Badge(id)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// --- remote actors

func (t *tx) RemoteActor(id string) (*domain.RemoteActor, error) {
	return getAs[domain.RemoteActor](t, key(pRemoteActor, id), "Remote actor")
}

func (t *tx) RemoteActorByKey(keyID string) (*domain.RemoteActor, error) {
	item, err := t.txn.Get(key(pRemoteKey, keyID))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Key not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: get key %s: %w", keyID, err)
	}
	id, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("store: read key %s: %w", keyID, err)
	}
	a, err := t.RemoteActor(string(id))
	if err == nil && a.KeyID != keyID {
		return nil, domain.Errorf(domain.ENOTFOUND, "Key not found.")
	}
	return a, err
}

func (t *tx) PutRemoteActor(a *domain.RemoteActor) error {
	old, _, err := domain.Found(t.RemoteActor(a.ID))
	if err != nil {
		return err
	}
	if old != nil && old.KeyID != a.KeyID && old.KeyID != "" {
		if err := t.txn.Delete(key(pRemoteKey, old.KeyID)); err != nil {
			return err
		}
	}
	if a.KeyID != "" {
		if err := t.txn.Set(key(pRemoteKey, a.KeyID), []byte(a.ID)); err != nil {
			return err
		}
	}
	return t.put(key(pRemoteActor, a.ID), a)
}

func (t *tx) DeleteRemoteActor(id string) error {
	old, _, err := domain.Found(t.RemoteActor(id))
	if err != nil {
		return err
	}
	if old != nil && old.KeyID != "" {
		if err := t.txn.Delete(key(pRemoteKey, old.KeyID)); err != nil {
			return err
		}
	}
	return t.txn.Delete(key(pRemoteActor, id))
}

// --- followers of local actors

func (t *tx) Follower(local, actor string) (*domain.Follower, error) {
	return getAs[domain.Follower](t, key(pFollower, local, actor), "Follower")
}

func (t *tx) PutFollower(f *domain.Follower) error {
	old, err := t.Follower(f.Local, f.Actor)
	if err != nil && !domain.IsNotFound(err) {
		return err
	}
	if err := t.put(key(pFollower, f.Local, f.Actor), f); err != nil {
		return err
	}
	if err := t.txn.Set(key(pFollowedBy, f.Actor, f.Local), nil); err != nil {
		return err
	}
	if err := t.moveFollowerInbox(old, f); err != nil {
		return err
	}
	if old != nil && bytes.Equal(followerAtKey(old), followerAtKey(f)) {
		return nil // same state, same place in the index
	}
	if old != nil {
		if err := t.unindexFollower(old); err != nil {
			return err
		}
	}
	return t.indexFollower(f)
}

func (t *tx) DeleteFollower(local, actor string) error {
	old, err := t.Follower(local, actor)
	if err != nil && !domain.IsNotFound(err) {
		return err
	}
	if err := t.txn.Delete(key(pFollower, local, actor)); err != nil {
		return err
	}
	if old != nil {
		if err := t.unindexFollower(old); err != nil {
			return err
		}
		if err := t.moveFollowerInbox(old, nil); err != nil {
			return err
		}
	}
	return t.txn.Delete(key(pFollowedBy, actor, local))
}

// followerInboxKey is the follower-inbox index entry a follower counts in,
// nil for one that is not delivered to (not accepted, or no inbox).
func followerInboxKey(f *domain.Follower) []byte {
	if f == nil || f.State != domain.FollowAccepted || f.Inbox == "" {
		return nil
	}
	return key(pFollowerInbox, f.Local, f.Inbox)
}

// moveFollowerInbox keeps the follower-inbox index as a follower changes
// from old to f (nil: none): each of a local actor's distinct delivery
// inboxes with the count of accepted followers behind it, so that a
// fan-out reads one key per inbox instead of every follower's record.
func (t *tx) moveFollowerInbox(old, f *domain.Follower) error {
	from, to := followerInboxKey(old), followerInboxKey(f)
	if bytes.Equal(from, to) {
		return nil
	}
	for _, g := range []*domain.Follower{old, f} {
		if g != nil {
			delete(t.inboxes, g.Local)
		}
	}
	if from != nil {
		if err := t.addCounter(from, -1); err != nil {
			return err
		}
	}
	if to != nil {
		return t.addCounter(to, +1)
	}
	return nil
}

// followerAtKey is a follower's entry in the follower-at index: by local
// actor and state, in the order they followed.
func followerAtKey(f *domain.Follower) []byte {
	k := prefixOf(pFollowerAt, f.Local, string(f.State))
	return append(binary.BigEndian.AppendUint64(k, unixNanos(f.Created)), f.Actor...)
}

// unixNanos is a time as a key part: nanoseconds since 1970, 0 for the
// zero time and earlier ones.
func unixNanos(at time.Time) uint64 {
	if at.IsZero() || at.Before(time.Unix(0, 0)) {
		return 0
	}
	return uint64(at.UnixNano())
}

func followersCount(local string, state domain.FollowState) []byte {
	return countKey("followers", local, string(state))
}

// indexFollower adds a follower to the index and the count of its state.
func (t *tx) indexFollower(f *domain.Follower) error {
	if err := t.txn.Set(followerAtKey(f), nil); err != nil {
		return err
	}
	return t.addCounter(followersCount(f.Local, f.State), +1)
}

// unindexFollower takes a follower, as stored, out of the index and the count.
func (t *tx) unindexFollower(old *domain.Follower) error {
	if err := t.txn.Delete(followerAtKey(old)); err != nil {
		return err
	}
	return t.addCounter(followersCount(old.Local, old.State), -1)
}

func (t *tx) Followers(local string) ([]*domain.Follower, error) {
	fs, err := list[domain.Follower](t, prefixOf(pFollower, local))
	if err != nil {
		return nil, err
	}
	sortBy(fs, func(f *domain.Follower) time.Time { return f.Created })
	return fs, nil
}

// FollowerInboxes reads the follower-inbox index: one key per distinct
// inbox, however many followers share it.
func (t *tx) FollowerInboxes(local string) ([]string, error) {
	if kept, ok := t.inboxes[local]; ok {
		return slices.Clone(kept), nil
	}
	var out []string
	err := t.keys(prefixOf(pFollowerInbox, local), func(inbox []byte) error {
		out = append(out, string(inbox))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if t.inboxes == nil {
		t.inboxes = map[string][]string{}
	}
	t.inboxes[local] = slices.Clone(out)
	return out, nil
}

func (t *tx) CountFollowers(local string, state domain.FollowState) (int, error) {
	return t.counter(followersCount(local, state))
}

func (t *tx) FollowedBy(actor string) ([]*domain.Follower, error) {
	var out []*domain.Follower
	err := t.keys(prefixOf(pFollowedBy, actor), func(rest []byte) error {
		f, err := t.Follower(string(rest), actor)
		if err != nil {
			return err
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// --- local people following remote actors

func (t *tx) Following(local, target string) (*domain.Following, error) {
	return getAs[domain.Following](t, key(pFollowing, local, target), "Follow")
}

func (t *tx) FollowingByActivity(activityID string) (*domain.Following, error) {
	item, err := t.txn.Get(key(pFollowingAct, activityID))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Follow not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: get follow by activity: %w", err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("store: read follow by activity: %w", err)
	}
	local, target, _ := bytes.Cut(v, []byte{0})
	return t.Following(string(local), string(target))
}

func (t *tx) PutFollowing(f *domain.Following) error {
	if err := t.put(key(pFollowing, f.Local, f.Target), f); err != nil {
		return err
	}
	if err := t.txn.Set(key(pFollowingAct, f.ActivityID), key(0, f.Local, f.Target)[1:]); err != nil {
		return err
	}
	return t.txn.Set(key(pFollowingOf, f.Target, f.Local), nil)
}

func (t *tx) DeleteFollowing(local, target string) error {
	f, err := t.Following(local, target)
	if domain.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, k := range [][]byte{key(pFollowing, local, target), key(pFollowingAct, f.ActivityID), key(pFollowingOf, target, local)} {
		if err := t.txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) Followings(local string) ([]*domain.Following, error) {
	return list[domain.Following](t, prefixOf(pFollowing, local))
}

func (t *tx) FollowingsOf(target string) ([]*domain.Following, error) {
	var out []*domain.Following
	err := t.keys(prefixOf(pFollowingOf, target), func(rest []byte) error {
		f, err := t.Following(string(rest), target)
		if err != nil {
			return err
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// --- tombstones

func (t *tx) Tombstone(id string) (*domain.Tombstone, error) {
	return getAs[domain.Tombstone](t, key(pTombstone, id), "Tombstone")
}

func (t *tx) PutTombstone(ts *domain.Tombstone) error {
	if err := t.unlist(ts.ID); err != nil {
		return err
	}
	return t.put(key(pTombstone, ts.ID), ts)
}

// --- seen-set and inbox journal

func (t *tx) Seen(activityID string) (bool, error) { return t.exists(key(pSeen, activityID)) }

func (t *tx) MarkSeen(activityID string, ttl time.Duration) error {
	return t.txn.SetEntry(badger.NewEntry(key(pSeen, activityID), nil).WithTTL(ttl))
}

func (t *tx) PutInboxItem(it *domain.InboxItem) error {
	if it.ID == "" || it.Host == "" {
		return errors.New("store: inbox item without an id or a host")
	}
	if err := t.txn.Set(key(pInbox, it.ID), encodeInboxItem(it)); err != nil {
		return err
	}
	return t.txn.Set(key(pInboxHost, it.Host, it.ID), nil)
}

// DeleteInboxItem reads the item's host from the item itself, so its index
// key goes with it whoever deletes it.
func (t *tx) DeleteInboxItem(id string) error {
	k := key(pInbox, id)
	item, err := t.txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var host string
	if err := item.Value(func(v []byte) (err error) { host, err = journalHost(v); return err }); err != nil {
		return err
	}
	if host != "" {
		if err := t.txn.Delete(key(pInboxHost, host, id)); err != nil {
			return err
		}
	}
	return t.txn.Delete(k)
}

func (t *tx) InboxItems(after string, limit int) ([]*domain.InboxItem, error) {
	prefix := prefixOf(pInbox)
	start := prefix
	if after != "" {
		start = key(pInbox, after)
	}
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: min(limit, 64)})
	defer it.Close()
	var out []*domain.InboxItem
	for it.Seek(start); it.Valid() && len(out) < limit; it.Next() {
		item := it.Item()
		if after != "" && bytes.Equal(item.Key(), start) {
			continue
		}
		var ji *domain.InboxItem
		if err := item.Value(func(v []byte) (err error) {
			ji, err = decodeInboxItem(string(item.Key()[len(prefix):]), v)
			return err
		}); err != nil {
			return nil, err
		}
		out = append(out, ji)
	}
	return out, nil
}

func (t *tx) InboxLen() (int, error) { return t.count(prefixOf(pInbox)) }

func (t *tx) InboxItemsFrom(host, after string, limit int) ([]*domain.InboxItem, error) {
	prefix := prefixOf(pInboxHost, host)
	start := prefix
	if after != "" {
		start = key(pInboxHost, host, after)
	}
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var out []*domain.InboxItem
	for it.Seek(start); it.Valid() && len(out) < limit; it.Next() {
		k := it.Item().Key()
		if after != "" && bytes.Equal(k, start) {
			continue
		}
		id := string(k[len(prefix):])
		item, err := t.txn.Get(key(pInbox, id))
		if err != nil {
			return nil, fmt.Errorf("store: journal item %s of %s: %w", id, host, err)
		}
		var ji *domain.InboxItem
		if err := item.Value(func(v []byte) (err error) {
			ji, err = decodeInboxItem(id, v)
			return err
		}); err != nil {
			return nil, err
		}
		out = append(out, ji)
	}
	return out, nil
}

func (t *tx) InboxBacklog() (map[string]int, error) {
	out := map[string]int{}
	err := t.keys(prefixOf(pInboxHost), func(rest []byte) error {
		i := bytes.LastIndexByte(rest, 0)
		if i < 0 {
			return fmt.Errorf("store: malformed journal index key %q", rest)
		}
		out[string(rest[:i])]++
		return nil
	})
	return out, err
}

// --- outgoing activities and deliveries

func (t *tx) PutActivity(a *domain.OutActivity) error {
	return t.putFor(key(pActivity, a.ID), a, a.KeepFor)
}

func (t *tx) Activity(id string) (*domain.OutActivity, error) {
	return getAs[domain.OutActivity](t, key(pActivity, id), "Activity")
}

// --- the outboxes: the public activities of local actors

// outboxKey is an activity's place in its actor's outbox: by when it was
// sent, then by id.
func outboxKey(actor string, at time.Time, activityID string) []byte {
	return append(binary.BigEndian.AppendUint64(prefixOf(pOutbox, actor), unixNanos(at)), activityID...)
}

func (t *tx) ListInOutbox(actor, activityID, object string) error {
	a, err := t.Activity(activityID)
	if err != nil {
		return err
	}
	k := outboxKey(actor, a.Created, activityID)
	if listed, err := t.exists(k); err != nil || listed {
		return err
	}
	if err := t.txn.Set(k, []byte(object)); err != nil {
		return err
	}
	if err := t.txn.Set(key(pOutboxOf, object, activityID), k); err != nil {
		return err
	}
	return t.addCounter(countKey("outbox", actor), +1)
}

// unlist takes the activities that publish object out of their outboxes:
// it was deleted.
func (t *tx) unlist(object string) error {
	var entries [][2][]byte
	if _, err := t.walk(prefixOf(pOutboxOf, object), nil, false, true, 4, func(rest, v []byte) (bool, error) {
		entries = append(entries, [2][]byte{rest, v})
		return true, nil
	}); err != nil {
		return err
	}
	for _, e := range entries { // written after the iterator is closed
		actor, _, ok := bytes.Cut(e[1][1:], []byte{0})
		if !ok {
			return fmt.Errorf("store: malformed outbox key %q", e[1])
		}
		if err := t.txn.Delete(e[1]); err != nil {
			return err
		}
		if err := t.txn.Delete(key(pOutboxOf, object, string(e[0]))); err != nil {
			return err
		}
		if err := t.addCounter(countKey("outbox", string(actor)), -1); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) OutboxPage(actor, cursor string, limit int) (domain.Page[*domain.OutActivity], error) {
	spec := pageSpec{prefix: prefixOf(pOutbox, actor), desc: true}
	return readPage(t, spec, cursor, limit, func(rest, _ []byte) (*domain.OutActivity, error) {
		if len(rest) < 8 {
			return nil, fmt.Errorf("store: outbox key of %s too short", actor)
		}
		return orNil(t.Activity(string(rest[8:])))
	}, nil)
}

func (t *tx) CountOutbox(actor string) (int, error) { return t.counter(countKey("outbox", actor)) }

func (t *tx) PutDelivery(d *domain.Delivery) error {
	k := deliveryKey(d.NextAt.UnixNano(), d.ID)
	if err := t.uncountDelivery(k); err != nil {
		return err
	}
	if err := t.put(k, d); err != nil {
		return err
	}
	t.queued++
	if d.Attempts > 0 {
		t.retrying++
	}
	return nil
}

func (t *tx) DeleteDelivery(d *domain.Delivery) error {
	k := deliveryKey(d.NextAt.UnixNano(), d.ID)
	if err := t.uncountDelivery(k); err != nil {
		return err
	}
	return t.txn.Delete(k)
}

// uncountDelivery takes the delivery stored at k, if any, out of the
// queue's counts, before it is overwritten or deleted.
func (t *tx) uncountDelivery(k []byte) error {
	item, err := t.txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: read delivery: %w", err)
	}
	retrying := false
	if err := item.Value(func(v []byte) error { retrying = !bytes.Contains(v, firstTry); return nil }); err != nil {
		return fmt.Errorf("store: read delivery: %w", err)
	}
	t.queued--
	if retrying {
		t.retrying--
	}
	return nil
}

func (t *tx) DueDeliveries(now time.Time, limit int) ([]*domain.Delivery, error) {
	end := deliveryKey(now.UnixNano(), "\xff")
	var out []*domain.Delivery
	err := t.each([]byte{pDelivery, 0}, func(k, v []byte) error {
		if len(out) >= limit || bytes.Compare(k, end) > 0 {
			return errStop
		}
		d := new(domain.Delivery)
		if err := json.Unmarshal(v, d); err != nil {
			return fmt.Errorf("store: decode delivery: %w", err)
		}
		out = append(out, d)
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, err
}

func (t *tx) Deliveries() ([]*domain.Delivery, error) {
	return list[domain.Delivery](t, []byte{pDelivery, 0})
}

// firstTry is in the JSON of a delivery never attempted, and in no
// other: JSON escapes the quotes of a string that holds it.
var firstTry = []byte(`"Attempts":0,`)

// CountDeliveries reads the store's counts of the queue, kept in memory
// (see queueCounts), with this transaction's own changes.
func (t *tx) CountDeliveries() (queued, retrying int, err error) {
	if t.queue == nil {
		return t.countDeliveries()
	}
	return int(t.queue.queued.Load()) + t.queued, int(t.queue.retrying.Load()) + t.retrying, nil
}

// countDeliveries counts the queue by reading it, as Open does to start
// the store's counts.
func (t *tx) countDeliveries() (queued, retrying int, err error) {
	err = t.each([]byte{pDelivery, 0}, func(_, v []byte) error {
		queued++
		if !bytes.Contains(v, firstTry) {
			retrying++
		}
		return nil
	})
	return queued, retrying, err
}

func (t *tx) HostHealth(host string) (*domain.HostHealth, error) {
	return getAs[domain.HostHealth](t, key(pHost, host), "Host")
}

func (t *tx) PutHostHealth(h *domain.HostHealth) error { return t.put(key(pHost, h.Host), h) }

// errStop ends an iteration early.
var errStop = errors.New("stop")

// keys calls fn with the rest of every key under prefix (keys only).
func (t *tx) keys(prefix []byte, fn func(rest []byte) error) error {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if err := fn(it.Item().KeyCopy(nil)[len(prefix):]); err != nil {
			return err
		}
	}
	return nil
}

func sortBy[T any](xs []*T, at func(*T) time.Time) {
	slices.SortStableFunc(xs, func(a, b *T) int { return at(a).Compare(at(b)) })
}

func (t *tx) CountUnavailableHosts() (int, error) {
	n := 0
	err := t.each(prefixOf(pHost), func(_, v []byte) error {
		var h domain.HostHealth
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		if h.Unavailable {
			n++
		}
		return nil
	})
	return n, err
}

package store

import (
	"encoding/json"
	"fmt"

	"github.com/lernejo/lernejo/domain"
)

// --- notifications
//
// A person's notifications are keyed by their ULID under the person, so a
// reverse walk reads them newest first and a forward one finds the oldest
// to drop. Two counters keep what the header shows (unread) and what the
// bound needs (how many there are); the read marker is the newest id seen.

func notificationsCount(person string) []byte { return countKey("notifications", person) }

func unreadCount(person string) []byte { return countKey("unread", person) }

func (t *tx) AddNotification(n *domain.Notification) error {
	if err := t.put(key(pNotification, n.Person, n.ID), n); err != nil {
		return err
	}
	if err := t.addCounter(unreadCount(n.Person), +1); err != nil {
		return err
	}
	total, err := t.counter(notificationsCount(n.Person))
	if err != nil {
		return err
	}
	if total+1 <= domain.MaxNotifications {
		return t.setCounter(notificationsCount(n.Person), total+1)
	}
	// Over the bound: the oldest goes, and with it its unread count if it
	// was never seen.
	var oldest []byte
	prefix := prefixOf(pNotification, n.Person)
	if _, err := t.walk(prefix, nil, false, false, 1, func(rest, _ []byte) (bool, error) {
		oldest = rest
		return false, nil
	}); err != nil {
		return err
	}
	if err := t.txn.Delete(append(prefix, oldest...)); err != nil {
		return fmt.Errorf("store: drop notification: %w", err)
	}
	read, err := t.ReadUpTo(n.Person)
	if err != nil {
		return err
	}
	if string(oldest) > read {
		return t.addCounter(unreadCount(n.Person), -1)
	}
	return nil
}

func (t *tx) NotificationsPage(person, cursor string, limit int) (domain.Page[*domain.Notification], error) {
	return readPage(t, pageSpec{prefix: prefixOf(pNotification, person), desc: true, values: true}, cursor, limit,
		func(_, v []byte) (*domain.Notification, error) {
			n := new(domain.Notification)
			if err := json.Unmarshal(v, n); err != nil {
				return nil, fmt.Errorf("store: decode notification: %w", err)
			}
			return n, nil
		}, nil)
}

func (t *tx) CountUnread(person string) (int, error) { return t.counter(unreadCount(person)) }

func (t *tx) ReadUpTo(person string) (string, error) {
	var id string
	if err := t.get(key(pNotifyRead, person), &id, "Read marker"); err != nil && !domain.IsNotFound(err) {
		return "", err
	}
	return id, nil
}

func (t *tx) MarkRead(person, id string) error {
	if err := t.put(key(pNotifyRead, person), id); err != nil {
		return err
	}
	return t.setCounter(unreadCount(person), 0)
}

func (t *tx) DeleteNotificationsOf(person string) error {
	prefix := prefixOf(pNotification, person)
	var ks [][]byte
	if err := t.keys(prefix, func(rest []byte) error {
		ks = append(ks, append(prefixOf(pNotification, person), rest...))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range ks {
		if err := t.txn.Delete(k); err != nil {
			return fmt.Errorf("store: delete notification: %w", err)
		}
	}
	if err := t.txn.Delete(key(pNotifyRead, person)); err != nil {
		return fmt.Errorf("store: delete read marker: %w", err)
	}
	if err := t.setCounter(notificationsCount(person), 0); err != nil {
		return err
	}
	return t.setCounter(unreadCount(person), 0)
}

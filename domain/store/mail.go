package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lernejo/lernejo/domain"
)

// People's addresses, the links mailed to them, and the mail queue. The
// queue is ordered by when each mail is due, as the delivery queue is;
// tokens live under a Badger TTL, as sessions do, so an expired link reads
// as missing without a sweeper.

func (t *tx) MailSettings(handle string) (*domain.MailSettings, error) {
	return getAs[domain.MailSettings](t, key(pMailSettings, handle), "Mail settings")
}

func (t *tx) PutMailSettings(m *domain.MailSettings) error {
	if m.Person == "" {
		return errors.New("store: mail settings without a person")
	}
	old, err := t.MailSettings(m.Person)
	if err != nil && !domain.IsNotFound(err) {
		return err
	}
	if old != nil && old.Address != "" && old.Address != m.Address {
		if err := t.txn.Delete(key(pMailAddress, old.Address, m.Person)); err != nil {
			return err
		}
	}
	if m.Address != "" {
		if err := t.txn.Set(key(pMailAddress, m.Address, m.Person), nil); err != nil {
			return err
		}
	}
	return t.put(key(pMailSettings, m.Person), m)
}

func (t *tx) DeleteMailSettings(handle string) error {
	old, err := t.MailSettings(handle)
	if domain.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if old.Address != "" {
		if err := t.txn.Delete(key(pMailAddress, old.Address, handle)); err != nil {
			return err
		}
	}
	return t.txn.Delete(key(pMailSettings, handle))
}

func (t *tx) PeopleWithAddress(address string) ([]string, error) {
	if address == "" {
		return nil, nil
	}
	p := prefixOf(pMailAddress, address)
	var out []string
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: p})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		out = append(out, string(it.Item().Key()[len(p):]))
	}
	return out, nil
}

func (t *tx) PutMailToken(m *domain.MailToken) error {
	if m.Hash == "" || m.Person == "" {
		return errors.New("store: malformed mail token")
	}
	ttl := m.Expires.Sub(m.Created) // a duration: whichever clock set both
	if ttl <= 0 {
		return errors.New("store: mail token already expired")
	}
	return t.putFor(key(pMailToken, m.Hash), m, ttl)
}

func (t *tx) MailToken(hash string) (*domain.MailToken, error) {
	if hash == "" {
		return nil, domain.Errorf(domain.ENOTFOUND, "Link not found.")
	}
	return getAs[domain.MailToken](t, key(pMailToken, hash), "Link")
}

func (t *tx) DeleteMailToken(hash string) error { return t.txn.Delete(key(pMailToken, hash)) }

// mailKey orders the mail queue by when each mail is due: the prefix, the
// big-endian due time, then the ULID.
func mailKey(nextAt int64, id string) []byte {
	k := make([]byte, 0, 1+1+8+len(id))
	k = append(k, pMail, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(nextAt))
	return append(k, id...)
}

func (t *tx) PutMail(m *domain.OutMail) error {
	if m.ID == "" || m.To == "" {
		return errors.New("store: malformed mail")
	}
	return t.put(mailKey(m.NextAt.UnixNano(), m.ID), m)
}

func (t *tx) DeleteMail(m *domain.OutMail) error {
	return t.txn.Delete(mailKey(m.NextAt.UnixNano(), m.ID))
}

func (t *tx) DueMails(now time.Time, limit int) ([]*domain.OutMail, error) {
	end := mailKey(now.UnixNano(), "\xff")
	var out []*domain.OutMail
	err := t.each([]byte{pMail, 0}, func(k, v []byte) error {
		if len(out) >= limit || bytes.Compare(k, end) > 0 {
			return errStop
		}
		m := new(domain.OutMail)
		if err := json.Unmarshal(v, m); err != nil {
			return fmt.Errorf("store: decode mail: %w", err)
		}
		out = append(out, m)
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, err
}

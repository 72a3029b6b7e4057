package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// The inbox journal is written and read for every activity received, so
// its items are stored in a small binary form rather than JSON (which would
// spell the raw bytes in base64):
//
//	0x01  uvarint len + ActivityID  uvarint len + Signer
//	      varint Received (Unix nanoseconds)  Raw (the rest)
//
// Items journalled as JSON by earlier versions (first byte '{') still read.
const journalV1 = 0x01

func encodeInboxItem(it *domain.InboxItem) []byte {
	b := make([]byte, 0, 1+3*binary.MaxVarintLen64+len(it.ActivityID)+len(it.Signer)+len(it.Raw))
	b = append(b, journalV1)
	b = binary.AppendUvarint(b, uint64(len(it.ActivityID)))
	b = append(b, it.ActivityID...)
	b = binary.AppendUvarint(b, uint64(len(it.Signer)))
	b = append(b, it.Signer...)
	b = binary.AppendVarint(b, it.Received.UnixNano())
	return append(b, it.Raw...)
}

var errBadJournalItem = errors.New("store: malformed inbox journal item")

// decodeInboxItem reads an item encoded by encodeInboxItem, or an older
// JSON one. v may be reused by Badger after the call: nothing aliases it.
func decodeInboxItem(id string, v []byte) (*domain.InboxItem, error) {
	if len(v) > 0 && v[0] == '{' {
		it := new(domain.InboxItem)
		if err := json.Unmarshal(v, it); err != nil {
			return nil, fmt.Errorf("store: decode inbox item: %w", err)
		}
		return it, nil
	}
	if len(v) == 0 || v[0] != journalV1 {
		return nil, errBadJournalItem
	}
	v = v[1:]
	str := func() (string, bool) {
		n, k := binary.Uvarint(v)
		if k <= 0 || n > uint64(len(v)-k) {
			return "", false
		}
		s := string(v[k : k+int(n)])
		v = v[k+int(n):]
		return s, true
	}
	activityID, ok1 := str()
	signer, ok2 := str()
	received, k := binary.Varint(v)
	if !ok1 || !ok2 || k <= 0 {
		return nil, errBadJournalItem
	}
	return &domain.InboxItem{ID: id, ActivityID: activityID, Signer: signer,
		Raw: append([]byte(nil), v[k:]...), Received: time.Unix(0, received).UTC()}, nil
}

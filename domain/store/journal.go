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
//	0x02  uvarint len + ActivityID  uvarint len + Signer  uvarint len + Host
//	      varint Received (Unix nanoseconds)  Raw (the rest)
//
// Items of earlier versions still read, with no Host: 0x01 (the same
// without Host) and JSON (first byte '{').
const (
	journalV1 = 0x01
	journalV2 = 0x02
)

func encodeInboxItem(it *domain.InboxItem) []byte {
	b := make([]byte, 0, 1+4*binary.MaxVarintLen64+len(it.ActivityID)+len(it.Signer)+len(it.Host)+len(it.Raw))
	b = append(b, journalV2)
	for _, s := range []string{it.ActivityID, it.Signer, it.Host} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendVarint(b, it.Received.UnixNano())
	return append(b, it.Raw...)
}

var errBadJournalItem = errors.New("store: malformed inbox journal item")

// decodeInboxItem reads an item encoded by encodeInboxItem, or an older
// one. v may be reused by Badger after the call: nothing aliases it.
func decodeInboxItem(id string, v []byte) (*domain.InboxItem, error) {
	if len(v) > 0 && v[0] == '{' {
		it := new(domain.InboxItem)
		if err := json.Unmarshal(v, it); err != nil {
			return nil, fmt.Errorf("store: decode inbox item: %w", err)
		}
		return it, nil
	}
	it, raw, err := decodeInboxHead(v)
	if err != nil {
		return nil, err
	}
	it.ID, it.Raw = id, append([]byte(nil), raw...)
	return it, nil
}

// decodeInboxHead reads a binary item up to its raw bytes, which it returns
// as a slice of v, uncopied.
func decodeInboxHead(v []byte) (_ *domain.InboxItem, raw []byte, _ error) {
	if len(v) == 0 || v[0] != journalV1 && v[0] != journalV2 {
		return nil, nil, errBadJournalItem
	}
	version := v[0]
	v = v[1:]
	ok := true
	str := func() string {
		n, k := binary.Uvarint(v)
		if k <= 0 || n > uint64(len(v)-k) {
			ok = false
			return ""
		}
		s := string(v[k : k+int(n)])
		v = v[k+int(n):]
		return s
	}
	it := &domain.InboxItem{ActivityID: str(), Signer: str()}
	if version == journalV2 {
		it.Host = str()
	}
	if !ok {
		return nil, nil, errBadJournalItem
	}
	received, k := binary.Varint(v)
	if k <= 0 {
		return nil, nil, errBadJournalItem
	}
	it.Received = time.Unix(0, received).UTC()
	return it, v[k:], nil
}

// journalHost reads the Host of an encoded item, without copying its raw
// bytes: "" for an item of an earlier version.
func journalHost(v []byte) (string, error) {
	if len(v) == 0 || v[0] != journalV2 {
		return "", nil
	}
	it, _, err := decodeInboxHead(v)
	if err != nil {
		return "", err
	}
	return it.Host, nil
}

package federation

// Decoding of actor and key documents; decode.go states the rules.

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DecodeActor decodes and validates an actor (Person, Group, Organization, Application, Service):
// id absolute http(s); inbox required; inbox, sharedInbox, outbox, followers, following and
// publicKey.id must be on the same origin as id (O9, ErrActorOrigin); publicKey (an object or an
// array of objects) must have owner == id (S8, ErrKeyOwner) — the one whose owner is id is taken.
// An actor without any publicKey decodes with empty key fields (it cannot sign anything).
// A url on another origin is dropped (O8); name ≤ 2 KiB, summary ≤ 8 KiB.
func DecodeActor(b []byte) (*RemoteActor, error) { return decActorAt(b, time.Now()) }

func decActorAt(b []byte, now time.Time) (*RemoteActor, error) {
	raw, f, err := decTopObject(b)
	if err != nil {
		return nil, err
	}
	a := &RemoteActor{Raw: raw}
	if a.ID, err = decRequiredID(f); err != nil {
		return nil, err
	}
	if a.Type, err = decType(f["type"]); err != nil {
		return nil, err
	}
	switch a.Type {
	case "Person", "Group", "Organization", "Application", "Service":
	default:
		return nil, fmt.Errorf("%w: %q is not an actor type", ErrInvalidDocument, a.Type)
	}
	// Endpoints: strict strings, same origin as id.
	sameOrigin := func(field string, raw json.RawMessage, required bool) (string, error) {
		if decKind(raw) == 0 || decKind(raw) == 'n' {
			if required {
				return "", fmt.Errorf("%w: actor has no %s", ErrInvalidDocument, field)
			}
			return "", nil
		}
		s, err := decIRIValue(raw, field)
		if err != nil {
			return "", err
		}
		if !sameOriginURL(s, a.ID) {
			return "", fmt.Errorf("%w: %s %q is not on the origin of %q", ErrActorOrigin, field, s, a.ID)
		}
		return s, nil
	}
	if a.Inbox, err = sameOrigin("inbox", f["inbox"], true); err != nil {
		return nil, err
	}
	if a.Outbox, err = sameOrigin("outbox", f["outbox"], false); err != nil {
		return nil, err
	}
	if a.Followers, err = sameOrigin("followers", f["followers"], false); err != nil {
		return nil, err
	}
	if a.Following, err = sameOrigin("following", f["following"], false); err != nil {
		return nil, err
	}
	if decKind(f["endpoints"]) == '{' {
		ef, err := decFieldsOf(f["endpoints"])
		if err != nil {
			return nil, err
		}
		if a.SharedInbox, err = sameOrigin("sharedInbox", ef["sharedInbox"], false); err != nil {
			return nil, err
		}
	}
	if decKind(f["publicKey"]) != 0 && decKind(f["publicKey"]) != 'n' {
		keys, err := decPublicKeys(f["publicKey"])
		if err != nil {
			return nil, err
		}
		found := false
		for _, k := range keys {
			if k.owner != a.ID {
				continue
			}
			if !sameOriginURL(k.id, a.ID) {
				return nil, fmt.Errorf("%w: publicKey.id %q is not on the origin of %q", ErrActorOrigin, k.id, a.ID)
			}
			a.PublicKeyID, a.PublicKeyOwner, a.PublicKeyPEM = k.id, k.owner, k.pem
			found = true
			break
		}
		if !found {
			return nil, fmt.Errorf("%w: no publicKey with owner %q", ErrKeyOwner, a.ID)
		}
	}
	if raw := f["preferredUsername"]; decKind(raw) != 0 && decKind(raw) != 'n' {
		u, ok := decStr(raw)
		if !ok || len(u) > decMaxUsername || !decCleanString(u) {
			return nil, fmt.Errorf("%w: bad preferredUsername", ErrInvalidDocument)
		}
		a.PreferredUsername = u
	}
	a.Name = decText(f["name"], decMaxNameBytes)
	a.Summary = decText(f["summary"], decMaxActorSummary)
	if u := decFirstURL(f["url"]); u != "" && sameOriginURL(u, a.ID) {
		a.URL = u // O8: a url on another origin is dropped
	}
	a.IconURL = decIconURL(f["icon"])
	a.ManuallyApprovesFollowers = decBool(f["manuallyApprovesFollowers"])
	a.Discoverable = decBool(f["discoverable"])
	a.Published = decTime(f["published"], now)
	kind := decText(f["lernejo:kind"], decMaxKindBytes)
	if kind == "" {
		kind = decText(f["kind"], decMaxKindBytes)
	}
	if decCleanString(kind) {
		a.Kind = kind
	}
	return a, nil
}

// DecodeKey decodes a key document fetched at keyID: a full actor whose publicKey.id == keyID, a
// GoToSocial-style stub ({id: actor or keyID, publicKey: {id: keyID, owner, publicKeyPem}}), or a
// bare key object {id: keyID, owner, publicKeyPem}. It returns the key's owner and PEM.
// The owner must be on keyID's origin, and when the key is embedded in a document with a different
// id, that id must be the owner. The caller must still check, on the owner's actor document, that
// the actor lists this key (two-way binding, S8).
func DecodeKey(b []byte, keyID string) (owner, pem string, err error) {
	if err := decCheckIRI(keyID); err != nil {
		return "", "", fmt.Errorf("%w: keyId: %v", ErrInvalidDocument, err)
	}
	_, f, err := decTopObject(b)
	if err != nil {
		return "", "", err
	}
	topID, err := decOptionalID(f)
	if err != nil {
		return "", "", err
	}
	var k *decKey
	if decKind(f["publicKey"]) != 0 && decKind(f["publicKey"]) != 'n' {
		keys, err := decPublicKeys(f["publicKey"])
		if err != nil {
			return "", "", err
		}
		for i := range keys {
			if keys[i].id == keyID {
				k = &keys[i]
				break
			}
		}
		if k == nil {
			return "", "", fmt.Errorf("%w: no publicKey with id %q", ErrKeyOwner, keyID)
		}
		if topID != "" && topID != keyID && topID != k.owner {
			return "", "", fmt.Errorf("%w: key %q in document %q is owned by %q", ErrKeyOwner, keyID, topID, k.owner)
		}
	} else if topID == keyID {
		keys, err := decPublicKeys(json.RawMessage(b))
		if err != nil {
			return "", "", err
		}
		k = &keys[0]
	} else {
		return "", "", fmt.Errorf("%w: document holds no key %q", ErrKeyOwner, keyID)
	}
	if !sameOriginURL(k.owner, keyID) {
		return "", "", fmt.Errorf("%w: key %q owned by %q on another origin", ErrActorOrigin, keyID, k.owner)
	}
	return k.owner, k.pem, nil
}

type decKey struct{ id, owner, pem string }

// decPublicKeys decodes publicKey: an object or an array of objects (IRI-only entries are skipped).
// Every key returned has an id, an owner and a PEM.
func decPublicKeys(raw json.RawMessage) ([]decKey, error) {
	elems, err := decOneOrMany(raw, 20)
	if err != nil {
		return nil, err
	}
	var keys []decKey
	for _, e := range elems {
		if decKind(e) != '{' {
			continue
		}
		f, err := decFieldsOf(e)
		if err != nil {
			return nil, err
		}
		id, err := decIRIValue(f["id"], "publicKey.id")
		if err != nil {
			return nil, err
		}
		owner, err := decSingleIRI(f["owner"], "publicKey.owner")
		if err != nil {
			return nil, err
		}
		if owner == "" {
			return nil, fmt.Errorf("%w: publicKey %q has no owner", ErrKeyOwner, id)
		}
		pem, ok := decStr(f["publicKeyPem"])
		if !ok || len(pem) > decMaxPEMBytes ||
			!strings.HasPrefix(strings.TrimSpace(pem), "-----BEGIN ") {
			return nil, fmt.Errorf("%w: publicKey %q has no PEM", ErrInvalidDocument, id)
		}
		keys = append(keys, decKey{id: id, owner: owner, pem: pem})
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no usable publicKey", ErrInvalidDocument)
	}
	return keys, nil
}

// sameOriginURL reports whether a and b are absolute http(s) URLs on the same origin: scheme,
// lower-case host (trailing dot stripped) and port (default port made explicit). URLs with userinfo
// never match. Unicode and punycode spellings of a host do not match each other (the safe direction).
func sameOriginURL(a, b string) bool {
	oa, ok := decOrigin(a)
	if !ok {
		return false
	}
	ob, ok := decOrigin(b)
	return ok && oa == ob
}

func decOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.User != nil || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	var port string
	switch scheme {
	case "http":
		port = "80"
	case "https":
		port = "443"
	default:
		return "", false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", false
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return "", false
		}
		port = strconv.Itoa(n)
	}
	return scheme + "://" + net.JoinHostPort(host, port), true
}

// ---- low-level strict JSON helpers ----

// decIconURL: icon is an Image object (url), a string, or an array of those; the first http(s) URL.
func decIconURL(raw json.RawMessage) string {
	elems, err := decOneOrMany(raw, decMaxURLCandidate)
	if err != nil {
		return ""
	}
	for _, e := range elems {
		var u string
		switch decKind(e) {
		case '"':
			u = decFirstURL(e)
		case '{':
			f, err := decFieldsOf(e)
			if err != nil {
				continue
			}
			u = decFirstURL(f["url"])
		}
		if u != "" {
			return u
		}
	}
	return ""
}

package federation

// Strict decoding of incoming ActivityPub JSON.
//
// Everything received from another server goes through this file once, into one representation
// (HOSTILE.md O16): there is no JSON-LD processing and no @context fetching (O15; an LD `signature`
// is ignored like any other unknown field), keys are matched exactly and duplicate or case-variant
// keys for identity-bearing fields are rejected, "one or many" fields accept both shapes
// (GoToSocial compacts single values), and every list and text field is capped (P3, P4).
//
// No helper in this file recurses over the input: the walks over the whole document are the
// streaming depth check (P2) and then json.Valid (iterative, and only run on documents already
// known to be at most 32 levels deep); everything else reads a fixed number of levels, splitting
// objects and arrays with an iterative byte scanner over the validated bytes.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxActivityBytes is the largest activity or fetched document DecodeActivity, DecodeActor and
// DecodeKey accept.
const MaxActivityBytes = 1 << 20

const (
	decMaxDepth        = 32        // nesting depth of objects/arrays (P2)
	decMaxAddressees   = 1000      // to+cc entries kept (P3)
	decMaxTags         = 100       // tags kept (P3)
	decMaxAttachments  = 20        // attachments kept (P3)
	decMaxObjects      = 100       // object ids kept from an array-valued object (Flag)
	decMaxURLCandidate = 20        // url array elements looked at
	decMaxNameBytes    = 2 << 10   // name, tag name (P4)
	decMaxSummaryBytes = 2 << 10   // object summary (P4)
	decMaxActorSummary = 8 << 10   // actor bio (HTML with links is longer than its text)
	decMaxContentBytes = 100 << 10 // content (P4)
	decMaxAltBytes     = 8 << 10   // attachment description (alt text)
	decMaxIRIBytes     = 4096      // any IRI we keep
	decMaxTypeBytes    = 256       // a type name
	decMaxMediaType    = 255       // attachment mediaType
	decMaxUsername     = 256       // preferredUsername
	decMaxKindBytes    = 64        // lernejo:kind
	decMaxPEMBytes     = 16 << 10  // publicKeyPem
	decMinYear         = 1990      // P10: earlier dates are treated as absent
)

const decPublicIRI = "https://www.w3.org/ns/activitystreams#Public"

// Errors returned by the decoders. Every error wraps one of these (errors.Is), with details.
var (
	// ErrNoID: the activity has no id. Id-less activities are transient (P8) and are dropped.
	ErrNoID = errors.New("federation: activity has no id")
	// ErrActivityTooLarge: more than MaxActivityBytes.
	ErrActivityTooLarge = errors.New("federation: document too large")
	// ErrJSONTooDeep: nesting deeper than 32 levels (P2).
	ErrJSONTooDeep = errors.New("federation: JSON nested too deeply")
	// ErrAmbiguousKey: duplicate or case-variant keys (O16).
	ErrAmbiguousKey = errors.New("federation: duplicate or case-variant key")
	// ErrMultiValued: several actors / attributedTo / … where exactly one is allowed (O17).
	ErrMultiValued = errors.New("federation: several values where one is required")
	// ErrInvalidDocument: malformed JSON, wrong shapes, missing required fields, bad IRIs.
	ErrInvalidDocument = errors.New("federation: invalid document")
	// ErrActorOrigin: an actor's inbox/outbox/collections/key are not on the actor's origin (O9).
	ErrActorOrigin = errors.New("federation: actor endpoint on another origin")
	// ErrKeyOwner: publicKey.owner is not the actor (S8), or the key is not in the document.
	ErrKeyOwner = errors.New("federation: public key not owned by the actor")
)

// Activity is an incoming activity decoded strictly. Raw keeps the exact received bytes (FEP-1b12
// forwarding must be byte-identical); it is a copy, so the caller's buffer may be reused.
type Activity struct {
	Raw       []byte
	Context   json.RawMessage // "@context" as received
	ID, Type  string
	Actor     string  // exactly one actor IRI (an embedded actor object → its id); several → error (O17)
	Object    *Object // nil when absent
	Target    string  // IRI (or the id of an embedded target)
	To, CC    []string
	Content   string // e.g. Join answers, Flag comment (raw HTML, not sanitised here)
	Published time.Time
}

// Object is the object of an activity: an IRI only (IsLink) or an embedded object/activity.
//
// When the activity's object is an array of several values (Flag sends [actor, note]), Object is a
// link set: IsLink is true, ID is the first id, Objects holds all ids (embedded elements reduced to
// their ids) and the other fields are empty. A one-element array is decoded as its element.
type Object struct {
	Raw          json.RawMessage // embedded JSON as received (nil for a bare IRI or a link set); shares Activity.Raw's memory: do not modify
	IsLink       bool
	ID, Type     string
	Actor        string   // for embedded activities (Undo{Follow}, Accept{Follow})
	Object       string   // id of the embedded activity's object (IRI or embedded object's id); the first if several
	Objects      []string // embedded activity: all ids of its object; link set: all ids of the array
	AttributedTo string   // exactly one (several → error, O17)
	InReplyTo    string
	Context      string // FEP-7888 "context", else snac/Mastodon "conversation"
	Name         string
	Summary      string
	Content      string
	URL          string // first http(s) url (string, Link object or array); identity never comes from it (O8)
	To, CC       []string
	Tags         []Tag
	Attachments  []Attachment
	Published    time.Time
	Updated      time.Time
	Sensitive    bool
	// Fetched is set by the node when the object was dereferenced from its
	// own origin rather than taken from an activity's embedded copy.
	Fetched bool
}

// Tag is one entry of "tag" (Mention, Hashtag, Emoji, …). Href is empty unless it is an http(s) URL.
type Tag struct{ Type, Href, Name string }

// Attachment is one entry of "attachment". URL is empty unless it is an http(s) URL.
type Attachment struct{ Type, MediaType, URL, Name string }

// RemoteActor is a fetched actor document, validated.
type RemoteActor struct {
	Raw                                              []byte
	ID, Type, PreferredUsername, Name, Summary       string
	URL, IconURL                                     string
	Inbox, SharedInbox, Outbox, Followers, Following string
	PublicKeyID, PublicKeyOwner, PublicKeyPEM        string
	ManuallyApprovesFollowers, Discoverable          bool
	Published                                        time.Time
	Kind                                             string // "lernejo:kind" or "kind" if present
}

// DecodeActivityAt decodes an incoming activity. Rules:
//   - b ≤ MaxActivityBytes, valid UTF-8, exactly one JSON object, nesting depth ≤ 32 (P2, P5);
//   - duplicate keys, and keys that differ only in case from an identity-bearing key (id, type,
//     actor, object, attributedTo, to, cc, target, inReplyTo, …), are rejected in every object this
//     decoder reads: the activity, its embedded object, tags, attachments, embedded actors (O16);
//   - id is required (else ErrNoID) and must be an absolute http(s) URL; type and actor are required;
//     an actor or attributedTo with several distinct values is rejected (O17);
//   - type: a string, or an array: a one-element array is that type; with several elements the
//     first known ActivityStreams 2.0 type is taken, and if none is known the document is rejected
//     (P8). Unknown single types are accepted (the caller ignores them);
//   - to/cc/tag/attachment/object accept a string, an object or an array;
//   - to+cc ≤ 1000 entries, tags ≤ 100, attachments ≤ 20 (the rest dropped); name/summary ≤ 2 KiB,
//     content ≤ 100 KiB (truncated at a UTF-8 boundary); NUL and other control characters in IRIs
//     and types are rejected;
//   - published/updated are RFC 3339; dates before 1990 or after now+1 day become the zero time (P10).
//
// Display fields (name, summary, content, url, tags, attachments) are lenient: a value of the wrong
// shape is ignored rather than rejected. Identity fields (id, type, actor, object, attributedTo,
// target, inReplyTo) are strict.
func DecodeActivityAt(b []byte, now time.Time) (*Activity, error) {
	raw, f, err := decTopObject(b)
	if err != nil {
		return nil, err
	}
	a := &Activity{Raw: raw}
	if c, ok := f["@context"]; ok {
		a.Context = c
	}
	if a.ID, err = decRequiredID(f); err != nil {
		return nil, err
	}
	if a.Type, err = decType(f["type"]); err != nil {
		return nil, err
	}
	if a.Type == "" {
		return nil, fmt.Errorf("%w: activity has no type", ErrInvalidDocument)
	}
	if a.Actor, err = decSingleIRI(f["actor"], "actor"); err != nil {
		return nil, err
	}
	if a.Actor == "" {
		return nil, fmt.Errorf("%w: activity has no actor", ErrInvalidDocument)
	}
	if a.Object, err = decActivityObject(f["object"], now); err != nil {
		return nil, err
	}
	if a.Target, err = decSingleIRI(f["target"], "target"); err != nil {
		return nil, err
	}
	if a.To, a.CC, err = decAddressees(f); err != nil {
		return nil, err
	}
	a.Content = decText(f["content"], decMaxContentBytes)
	a.Published = decTime(f["published"], now)
	return a, nil
}

// decActivityObject decodes the "object" of an activity.
func decActivityObject(raw json.RawMessage, now time.Time) (*Object, error) {
	switch decKind(raw) {
	case 0, 'n':
		return nil, nil
	case '"':
		s, err := decIRIValue(raw, "object")
		if err != nil {
			return nil, err
		}
		return &Object{IsLink: true, ID: s}, nil
	case '{':
		return decEmbedded(raw, now)
	case '[':
		elems, err := decOneOrMany(raw, decMaxObjects)
		if err != nil {
			return nil, err
		}
		switch len(elems) {
		case 0:
			return nil, nil
		case 1:
			if decKind(elems[0]) == '[' {
				return nil, fmt.Errorf("%w: nested object array", ErrInvalidDocument)
			}
			return decActivityObject(elems[0], now) // one level: elems[0] is not an array
		}
		ids, err := decIDList(elems, "object")
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("%w: object array has no ids", ErrInvalidDocument)
		}
		return &Object{IsLink: true, ID: ids[0], Objects: ids}, nil
	default:
		return nil, fmt.Errorf("%w: object is not a string, object or array", ErrInvalidDocument)
	}
}

// decEmbedded decodes an embedded object or activity (one level: its own "object" is reduced to ids).
func decEmbedded(raw json.RawMessage, now time.Time) (*Object, error) {
	f, err := decFieldsOf(raw)
	if err != nil {
		return nil, err
	}
	o := &Object{Raw: raw}
	if o.ID, err = decOptionalID(f); err != nil {
		return nil, err
	}
	if o.Type, err = decType(f["type"]); err != nil {
		return nil, err
	}
	if o.Actor, err = decSingleIRI(f["actor"], "object.actor"); err != nil {
		return nil, err
	}
	if decKind(f["object"]) != 0 && decKind(f["object"]) != 'n' {
		elems, err := decOneOrMany(f["object"], decMaxObjects)
		if err != nil {
			return nil, err
		}
		if o.Objects, err = decIDList(elems, "object.object"); err != nil {
			return nil, err
		}
		if len(o.Objects) > 0 {
			o.Object = o.Objects[0]
		}
	}
	if o.AttributedTo, err = decSingleIRI(f["attributedTo"], "attributedTo"); err != nil {
		return nil, err
	}
	if o.InReplyTo, err = decSingleIRI(f["inReplyTo"], "inReplyTo"); err != nil {
		return nil, err
	}
	o.Context = decContextRef(f["context"])
	if o.Context == "" {
		o.Context = decContextRef(f["conversation"])
	}
	o.Name = decText(f["name"], decMaxNameBytes)
	o.Summary = decText(f["summary"], decMaxSummaryBytes)
	o.Content = decText(f["content"], decMaxContentBytes)
	o.URL = decFirstURL(f["url"])
	if o.To, o.CC, err = decAddressees(f); err != nil {
		return nil, err
	}
	if o.Tags, err = decTags(f["tag"]); err != nil {
		return nil, err
	}
	if o.Attachments, err = decAttachments(f["attachment"]); err != nil {
		return nil, err
	}
	o.Published = decTime(f["published"], now)
	o.Updated = decTime(f["updated"], now)
	o.Sensitive = decBool(f["sensitive"])
	return o, nil
}

func decTags(raw json.RawMessage) ([]Tag, error) {
	if decKind(raw) == 0 || decKind(raw) == 'n' {
		return nil, nil
	}
	elems, err := decOneOrMany(raw, -1)
	if err != nil {
		return nil, err
	}
	var tags []Tag
	for _, e := range elems {
		if len(tags) == decMaxTags {
			break
		}
		if decKind(e) != '{' {
			continue // a bare IRI tag carries nothing we use
		}
		f, err := decFieldsOf(e)
		if err != nil {
			return nil, err
		}
		typ, err := decType(f["type"])
		if err != nil {
			continue
		}
		tags = append(tags, Tag{Type: typ, Href: decFirstURL(f["href"]), Name: decText(f["name"], decMaxNameBytes)})
	}
	return tags, nil
}

func decAttachments(raw json.RawMessage) ([]Attachment, error) {
	if decKind(raw) == 0 || decKind(raw) == 'n' {
		return nil, nil
	}
	elems, err := decOneOrMany(raw, -1)
	if err != nil {
		return nil, err
	}
	var atts []Attachment
	for _, e := range elems {
		if len(atts) == decMaxAttachments {
			break
		}
		var at Attachment
		switch decKind(e) {
		case '"':
			at.URL = decFirstURL(e)
		case '{':
			f, err := decFieldsOf(e)
			if err != nil {
				return nil, err
			}
			if at.Type, err = decType(f["type"]); err != nil {
				continue
			}
			at.MediaType = decCleanToken(decText(f["mediaType"], decMaxMediaType))
			at.URL = decFirstURL(f["url"])
			if at.URL == "" {
				at.URL = decFirstURL(f["href"])
			}
			at.Name = decText(f["name"], decMaxAltBytes)
		default:
			continue
		}
		if at.URL == "" && at.Type != "PropertyValue" {
			continue // nothing to show
		}
		atts = append(atts, at)
	}
	return atts, nil
}

// decAddressees decodes to and cc with a combined cap (to first).
func decAddressees(f decFields) (to, cc []string, err error) {
	if to, err = decIRIList(f["to"], decMaxAddressees); err != nil {
		return nil, nil, err
	}
	if cc, err = decIRIList(f["cc"], decMaxAddressees-len(to)); err != nil {
		return nil, nil, err
	}
	return to, cc, nil
}

// decIDList reduces elements to ids: a string must be a valid IRI; an object gives its id
// (objects without an id are skipped).
func decIDList(elems []json.RawMessage, field string) ([]string, error) {
	var ids []string
	for _, e := range elems {
		switch decKind(e) {
		case '"':
			s, err := decIRIValue(e, field)
			if err != nil {
				return nil, err
			}
			ids = append(ids, s)
		case '{':
			f, err := decFieldsOf(e)
			if err != nil {
				return nil, err
			}
			id, err := decOptionalID(f)
			if err != nil {
				return nil, err
			}
			if id != "" {
				ids = append(ids, id)
			}
		case 'n':
		default:
			return nil, fmt.Errorf("%w: %s element is not an IRI or object", ErrInvalidDocument, field)
		}
	}
	return ids, nil
}

// decSingleIRI decodes a field that must have at most one value: an IRI, an object with an id,
// or an array whose elements all reduce to the same id. Several distinct values → ErrMultiValued.
func decSingleIRI(raw json.RawMessage, field string) (string, error) {
	switch decKind(raw) {
	case 0, 'n':
		return "", nil
	case '"', '{', '[':
	default:
		return "", fmt.Errorf("%w: %s is not an IRI or object", ErrInvalidDocument, field)
	}
	elems, err := decOneOrMany(raw, -1)
	if err != nil {
		return "", err
	}
	ids, err := decIDList(elems, field)
	if err != nil {
		return "", err
	}
	if len(ids) == 0 {
		if decKind(raw) == '{' {
			return "", fmt.Errorf("%w: embedded %s has no id", ErrInvalidDocument, field)
		}
		return "", nil
	}
	for _, id := range ids[1:] {
		if id != ids[0] {
			return "", fmt.Errorf("%w: several values for %s", ErrMultiValued, field)
		}
	}
	return ids[0], nil
}

// decRequiredID reads a required id: missing or empty → ErrNoID.
func decRequiredID(f decFields) (string, error) {
	id, err := decOptionalID(f)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", ErrNoID
	}
	return id, nil
}

// decOptionalID reads an optional id: if present it must be a string holding a valid http(s) IRI.
func decOptionalID(f decFields) (string, error) {
	raw := f["id"]
	switch decKind(raw) {
	case 0, 'n':
		return "", nil
	case '"':
	default:
		return "", fmt.Errorf("%w: id is not a string", ErrInvalidDocument)
	}
	s, ok := decStr(raw)
	if !ok {
		return "", fmt.Errorf("%w: bad id string", ErrInvalidDocument)
	}
	if s == "" {
		return "", nil
	}
	if err := decCheckIRI(s); err != nil {
		return "", fmt.Errorf("%w: id: %v", ErrInvalidDocument, err)
	}
	return s, nil
}

// decIRIValue decodes a JSON string that must be a valid http(s) IRI.
func decIRIValue(raw json.RawMessage, field string) (string, error) {
	s, ok := decStr(raw)
	if !ok {
		return "", fmt.Errorf("%w: %s is not a string", ErrInvalidDocument, field)
	}
	if err := decCheckIRI(s); err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrInvalidDocument, field, err)
	}
	return s, nil
}

// decIRIList decodes to/cc: one or many IRIs (or objects with an id). The JSON-LD compact forms
// "as:Public" and "Public" become the full Public IRI; invalid entries are dropped; at most limit
// entries are kept.
func decIRIList(raw json.RawMessage, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	elems, err := decOneOrMany(raw, -1)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range elems {
		if len(out) >= limit {
			break
		}
		var s string
		switch decKind(e) {
		case '"':
			var ok bool
			if s, ok = decStr(e); !ok {
				continue
			}
		case '{':
			f, err := decFieldsOf(e)
			if err != nil {
				return nil, err
			}
			if s, err = decOptionalID(f); err != nil {
				continue
			}
		default:
			continue
		}
		if s == "as:Public" || s == "Public" {
			s = decPublicIRI
		}
		if decCheckIRI(s) != nil {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// decCheckIRI: an absolute http(s) URL with a host, no userinfo, no whitespace, control or
// invisible characters, at most decMaxIRIBytes.
func decCheckIRI(s string) error {
	if s == "" {
		return errors.New("empty IRI")
	}
	if len(s) > decMaxIRIBytes {
		return errors.New("IRI too long")
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || decInvisible(r) {
			return errors.New("IRI contains whitespace, control or invisible characters")
		}
	}
	if _, _, ok := plainURL(s); ok {
		return nil // what url.Parse would accept below (FuzzPlainURL)
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("IRI is not http(s)")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" || u.User != nil {
		return errors.New("IRI has no host, or has userinfo")
	}
	return nil
}

// decInvisible reports bidi controls and zero-width characters (P5).
func decInvisible(r rune) bool {
	switch {
	case r == 0x061c, r == 0x180e, r == 0xfeff, r == 0x2060:
		return true
	case r >= 0x200b && r <= 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// decCleanString: no control or invisible characters.
func decCleanString(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || decInvisible(r) {
			return false
		}
	}
	return true
}

// decCleanToken returns s if it is a clean single token (no spaces or controls), else "".
func decCleanToken(s string) string {
	if !decCleanString(s) || strings.ContainsRune(s, ' ') {
		return ""
	}
	return s
}

// decType decodes "type": see DecodeActivityAt. Absent → "".
func decType(raw json.RawMessage) (string, error) {
	var types []string
	switch decKind(raw) {
	case 0, 'n':
		return "", nil
	case '"':
		s, ok := decStr(raw)
		if !ok {
			return "", fmt.Errorf("%w: bad type string", ErrInvalidDocument)
		}
		types = []string{s}
	case '[':
		elems, err := decOneOrMany(raw, 16)
		if err != nil {
			return "", err
		}
		for _, e := range elems {
			s, ok := decStr(e)
			if !ok {
				return "", fmt.Errorf("%w: type array holds a non-string", ErrInvalidDocument)
			}
			types = append(types, s)
		}
	default:
		return "", fmt.Errorf("%w: type is not a string or array", ErrInvalidDocument)
	}
	for _, t := range types {
		if t == "" || len(t) > decMaxTypeBytes || !decCleanString(t) || strings.ContainsRune(t, ' ') {
			return "", fmt.Errorf("%w: bad type %q", ErrInvalidDocument, t)
		}
	}
	switch len(types) {
	case 0:
		return "", fmt.Errorf("%w: empty type array", ErrInvalidDocument)
	case 1:
		return types[0], nil
	}
	for _, t := range types {
		if decKnownTypes[t] {
			return t, nil
		}
	}
	return "", fmt.Errorf("%w: several types and none is an ActivityStreams type", ErrInvalidDocument)
}

// decKnownTypes is the ActivityStreams 2.0 vocabulary (activity, actor, object and link types).
// Built once, never modified.
var decKnownTypes = map[string]bool{
	// Activity types.
	"Accept": true, "Add": true, "Announce": true, "Arrive": true, "Block": true, "Create": true,
	"Delete": true, "Dislike": true, "Flag": true, "Follow": true, "Ignore": true, "Invite": true,
	"Join": true, "Leave": true, "Like": true, "Listen": true, "Move": true, "Offer": true,
	"Question": true, "Reject": true, "Read": true, "Remove": true, "TentativeReject": true,
	"TentativeAccept": true, "Travel": true, "Undo": true, "Update": true, "View": true,
	"Activity": true, "IntransitiveActivity": true,
	// Actor types.
	"Application": true, "Group": true, "Organization": true, "Person": true, "Service": true,
	// Object and link types.
	"Object": true, "Link": true, "Article": true, "Audio": true, "Document": true, "Event": true,
	"Image": true, "Note": true, "Page": true, "Place": true, "Profile": true, "Relationship": true,
	"Tombstone": true, "Video": true, "Mention": true, "Collection": true, "OrderedCollection": true,
	"CollectionPage": true, "OrderedCollectionPage": true,
}

// decText decodes a display string leniently: a non-string value gives "". Truncated to max bytes
// at a UTF-8 boundary.
func decText(raw json.RawMessage, max int) string {
	s, ok := decStr(raw)
	if !ok {
		return ""
	}
	return decTruncate(s, max)
}

// decTruncate cuts s to at most max bytes without splitting a UTF-8 sequence.
func decTruncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// decContextRef decodes a FEP-7888 context / conversation reference: a string (or an object's id)
// of any scheme (Mastodon uses tag: URIs), clean and at most decMaxIRIBytes; otherwise "".
func decContextRef(raw json.RawMessage) string {
	var s string
	switch decKind(raw) {
	case '"':
		var ok bool
		if s, ok = decStr(raw); !ok {
			return ""
		}
	case '{':
		f, err := decFieldsOf(raw)
		if err != nil {
			return ""
		}
		if s, err = decOptionalID(f); err != nil {
			return ""
		}
	default:
		return ""
	}
	if len(s) > decMaxIRIBytes || !decCleanString(s) || strings.ContainsRune(s, ' ') {
		return ""
	}
	return s
}

// decFirstURL returns the first valid http(s) URL in a url value: a string, a Link object (href),
// or an array of those. Anything else gives "".
func decFirstURL(raw json.RawMessage) string {
	elems, err := decOneOrMany(raw, decMaxURLCandidate)
	if err != nil {
		return ""
	}
	for _, e := range elems {
		var s string
		switch decKind(e) {
		case '"':
			var ok bool
			if s, ok = decStr(e); !ok {
				continue
			}
		case '{':
			f, err := decFieldsOf(e)
			if err != nil {
				continue
			}
			var ok bool
			if s, ok = decStr(f["href"]); !ok || s == "" {
				// Some servers nest {"type":"Link","url":"…"}; accept that one level.
				if s, ok = decStr(f["url"]); !ok {
					continue
				}
			}
		default:
			continue
		}
		if decCheckIRI(s) == nil {
			return s
		}
	}
	return ""
}

// decTime parses an RFC 3339 date; unparseable, before 1990 or after now+1 day → zero (P10).
func decTime(raw json.RawMessage, now time.Time) time.Time {
	s, ok := decStr(raw)
	if !ok || len(s) > 64 {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() < decMinYear || t.After(now.Add(24*time.Hour)) {
		return time.Time{}
	}
	return t.UTC()
}

// decBool: true only for the JSON literal true.
func decBool(raw json.RawMessage) bool { return decKind(raw) == 't' }

// DecodeObject decodes a fetched object (a Note, say) with the same strict
// rules as an activity's embedded object; its id is required.
func DecodeObject(b []byte, now time.Time) (*Object, error) {
	raw, _, err := decTopObject(b)
	if err != nil {
		return nil, err
	}
	o, err := decEmbedded(raw, now)
	if err != nil {
		return nil, err
	}
	if o.ID == "" {
		return nil, ErrNoID
	}
	return o, nil
}

package federation

// The low-level JSON scanning under decode.go: one pass over validated
// bytes, no recursion, duplicate and case-variant keys refused (HOSTILE O16).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// decFields is one JSON object's members by exact key. decFieldsOf guarantees keys are unique and
// that no key is a case variant of an identity-bearing key.
type decFields map[string]json.RawMessage

// decSensitiveKeys are the keys whose case variants are rejected (O16): encoding/json struct
// decoding elsewhere would match them case-insensitively.
var decSensitiveKeys = [...]string{
	"id", "type", "actor", "object", "attributedTo", "to", "cc", "bto", "bcc", "audience", "target",
	"inReplyTo", "href", "url", "owner", "publicKey", "publicKeyPem", "inbox", "outbox", "sharedInbox",
	"endpoints", "followers", "following", "preferredUsername", "content", "published", "@context",
}

// decSensitiveLower maps the lower-case spelling of each decSensitiveKeys
// entry to the entry.
var decSensitiveLower = func() map[string]string {
	m := make(map[string]string, len(decSensitiveKeys))
	for _, k := range decSensitiveKeys {
		m[strings.ToLower(k)] = k
	}
	return m
}()

// decCaseVariant reports whether key is a case variant of a sensitive key
// (strings.EqualFold, but not equal), and which. An ASCII key is looked up
// lower-cased (for ASCII, simple case folding is ASCII lower-casing); any
// other key is compared with each sensitive key, as Unicode folds such as
// "ſ" (long s) and "K" (Kelvin) match ASCII letters.
func decCaseVariant(key string) (string, bool) {
	ascii := true
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		if len(key) > 32 {
			return "", false // longer than any sensitive key
		}
		var buf [32]byte
		lower := buf[:len(key)]
		for i := 0; i < len(key); i++ {
			c := key[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower[i] = c
		}
		k, ok := decSensitiveLower[string(lower)]
		return k, ok && k != key
	}
	for _, k := range decSensitiveKeys {
		if strings.EqualFold(key, k) {
			return k, true // key is not ASCII, so it is not k itself
		}
	}
	return "", false
}

// decTopObject applies the document-level checks (size, UTF-8, depth, JSON syntax) and returns a
// private copy of b and its top-level members, which are sub-slices of that copy.
func decTopObject(b []byte) ([]byte, decFields, error) {
	if len(b) > MaxActivityBytes {
		return nil, nil, fmt.Errorf("%w: %d bytes", ErrActivityTooLarge, len(b))
	}
	if !utf8.Valid(b) {
		return nil, nil, fmt.Errorf("%w: invalid UTF-8", ErrInvalidDocument)
	}
	if err := decCheckDepth(b); err != nil {
		return nil, nil, err
	}
	// The depth is known to be small, so encoding/json's validator runs on a bounded stack. After
	// this, the splitters below only ever see syntactically valid JSON.
	if !json.Valid(b) {
		return nil, nil, fmt.Errorf("%w: malformed JSON", ErrInvalidDocument)
	}
	raw := bytes.Clone(b)
	f, err := decFieldsOf(raw)
	if err != nil {
		return nil, nil, err
	}
	return raw, f, nil
}

// decCheckDepth is one streaming pass over the bytes (no recursion, no allocation): it counts
// '[' and '{' outside strings and fails as soon as the nesting exceeds decMaxDepth (P2). It does not
// validate the syntax (json.Valid does, afterwards). A json.Decoder Token pass would do the same
// job, but Token costs about a microsecond and an allocation per token; this costs one byte compare.
func decCheckDepth(b []byte) error {
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > decMaxDepth {
				return fmt.Errorf("%w: deeper than %d", ErrJSONTooDeep, decMaxDepth)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

var errDecSyntax = fmt.Errorf("%w: malformed JSON", ErrInvalidDocument)

func decSkipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// decStringEnd returns the index just past the JSON string starting at b[i] == '"'.
func decStringEnd(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errDecSyntax
}

// decValueEnd returns the index just past the JSON value starting at b[i] (no leading space).
// Iterative: containers are skipped by counting brackets outside strings. It relies on the input
// having passed json.Valid, but returns an error rather than panicking if it has not.
func decValueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errDecSyntax
	}
	switch b[i] {
	case '"':
		return decStringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				e, err := decStringEnd(b, i)
				if err != nil {
					return 0, err
				}
				i = e
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, errDecSyntax
	default: // number, true, false, null
		j := i
		for j < len(b) {
			c := b[j]
			if c == ',' || c == '}' || c == ']' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' {
				break
			}
			j++
		}
		if j == i {
			return 0, errDecSyntax
		}
		return j, nil
	}
}

// decFieldsOf splits one JSON object into its members (sub-slices of raw, capacity-limited),
// rejecting duplicate keys (compared after unescaping: "\u0069d" is "id") and case variants of
// decSensitiveKeys.
func decFieldsOf(raw []byte) (decFields, error) {
	i := decSkipWS(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidDocument)
	}
	f := make(decFields, 8) // most objects have a few members; one map group holds 8
	i = decSkipWS(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		i++
	} else {
		for {
			i = decSkipWS(raw, i)
			if i >= len(raw) || raw[i] != '"' {
				return nil, errDecSyntax
			}
			e, err := decStringEnd(raw, i)
			if err != nil {
				return nil, err
			}
			key, ok := decStr(raw[i:e])
			if !ok {
				return nil, errDecSyntax
			}
			i = decSkipWS(raw, e)
			if i >= len(raw) || raw[i] != ':' {
				return nil, errDecSyntax
			}
			i = decSkipWS(raw, i+1)
			ve, err := decValueEnd(raw, i)
			if err != nil {
				return nil, err
			}
			if _, dup := f[key]; dup {
				return nil, fmt.Errorf("%w: %q appears twice", ErrAmbiguousKey, key)
			}
			if k, variant := decCaseVariant(key); variant {
				return nil, fmt.Errorf("%w: %q is a case variant of %q", ErrAmbiguousKey, key, k)
			}
			f[key] = json.RawMessage(raw[i:ve:ve])
			i = decSkipWS(raw, ve)
			if i < len(raw) && raw[i] == ',' {
				i++
				continue
			}
			if i < len(raw) && raw[i] == '}' {
				i++
				break
			}
			return nil, errDecSyntax
		}
	}
	if decSkipWS(raw, i) != len(raw) {
		return nil, fmt.Errorf("%w: data after the object", ErrInvalidDocument)
	}
	return f, nil
}

// decStr decodes a JSON string value; ok is false for anything else.
func decStr(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// decKind returns the first byte of a JSON value ('"', '{', '[', 'n', 't', 'f', digit or '-'),
// or 0 when the value is absent.
func decKind(raw json.RawMessage) byte {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c
	}
	return 0
}

// decOneOrMany returns the elements of an array (sub-slices), or the value itself. limit < 0: no
// limit; otherwise at most limit elements are kept (the rest is skipped without being kept).
func decOneOrMany(raw json.RawMessage, limit int) ([]json.RawMessage, error) {
	switch decKind(raw) {
	case 0, 'n':
		return nil, nil
	case '[':
	default:
		return []json.RawMessage{raw}, nil
	}
	i := decSkipWS(raw, 0) + 1
	var out []json.RawMessage
	i = decSkipWS(raw, i)
	if i < len(raw) && raw[i] == ']' {
		return nil, nil
	}
	for {
		i = decSkipWS(raw, i)
		e, err := decValueEnd(raw, i)
		if err != nil {
			return nil, err
		}
		if limit < 0 || len(out) < limit {
			out = append(out, json.RawMessage(raw[i:e:e]))
		}
		i = decSkipWS(raw, e)
		if i < len(raw) && raw[i] == ',' {
			i++
			continue
		}
		if i < len(raw) && raw[i] == ']' {
			return out, nil
		}
		return nil, errDecSyntax
	}
}

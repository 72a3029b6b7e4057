package httpsig

// Parsing the Signature header.

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Params is the parsed Signature header (draft-cavage-http-signatures-12 §2.1).
type Params struct {
	// KeyID is the keyId parameter, exactly as sent (a URL in the fediverse).
	KeyID string
	// Algorithm is the algorithm parameter as sent ("" when absent). It is a label only: Verify
	// takes the real algorithm from the key type (S9).
	Algorithm string
	// Headers are the signed header names, lower-cased, in signing order. When the parameter is absent it
	// is ["date"], the default go-fed and Mastodon apply (which Check then refuses, S2).
	Headers []string
	// Signature is the base64-decoded signature.
	Signature []byte
	// Created and Expires are the (created)/(expires) parameters (Unix seconds), nil when absent.
	Created, Expires *time.Time
	// RFC9421 is set for an RFC 9421 signature (Signature-Input): then KeyID, Algorithm, Signature,
	// Created and Expires are its keyid, alg, signature bytes, created and expires, and Headers is nil.
	// It is nil for draft-cavage.
	RFC9421 *Input
}

// Parse parses the Signature header (or "Authorization: Signature ..."), strictly.
//
// Grammar (Mastodon's signature_parser.rb, RFC 7235 auth-params): an optional "Signature " prefix (in the
// Signature header it is Mastodon's buggy_prefix rule, in Authorization it is the auth-scheme), then
// name=value pairs separated by commas with optional spaces around the comma; a name is a token, matched
// case-insensitively; a value is a token or a quoted string. Quoted values may contain commas and '='
// (go-fed splits naively on ',', HOSTILE S10), but no backslash, no '"', no control byte and no byte
// >= 0x80 (keyIds are URIs). Unknown, well-formed parameters are ignored (draft-cavage-12 §2.2) but still
// count towards the limit.
//
// Refused with an error matching ErrBadSignature: duplicate parameters, anything not matching the
// grammar, a missing keyId or signature, a signature that is not standard base64, a bad created/expires,
// an empty or duplicated headers list, more than MaxSignatureParams parameters, a value longer than
// MaxSignatureHeaderLen, several Signature headers, or both Signature and Authorization: Signature.
// A request carrying Signature-Input is an RFC 9421 request (rfc9421.go): the Signature header is then
// its dictionary of signatures, and Parse returns the Params of the first label of Signature-Input
// (Check chooses among several labels by the components they cover).
// No signature at all gives ErrNoSignature.
//
// Parse is deterministic and never panics.
func Parse(h http.Header) (*Params, error) {
	if len(h.Values("Signature-Input")) > 0 {
		ps, err := parse9421(h)
		if err != nil {
			return nil, err
		}
		return ps[0], nil
	}
	sigs := h.Values("Signature")
	var auths []string
	for _, a := range h.Values("Authorization") {
		if scheme, _, _ := strings.Cut(a, " "); strings.EqualFold(scheme, "Signature") {
			auths = append(auths, a)
		}
	}
	var v string
	switch {
	case len(sigs) == 0 && len(auths) == 0:
		return nil, ErrNoSignature
	case len(sigs)+len(auths) > 1:
		return nil, sigBad("%d signature headers (Signature and/or Authorization: Signature); exactly one is allowed", len(sigs)+len(auths))
	case len(sigs) == 1:
		v = sigs[0]
	default:
		v = auths[0]
	}
	if len(v) > MaxSignatureHeaderLen {
		return nil, sigBad("signature header of %d bytes is longer than %d", len(v), MaxSignatureHeaderLen)
	}
	if len(auths) == 1 {
		v = v[len("Signature"):]
		if len(v) == 0 || !sigIsOWS(v[0]) {
			return nil, sigBad("Authorization: Signature has no parameters")
		}
	} else if len(v) > len("Signature") && strings.EqualFold(v[:len("Signature")], "Signature") && sigIsOWS(v[len("Signature")]) {
		// Mastodon's buggy_prefix: some implementations copy the auth-scheme into the Signature header.
		v = v[len("Signature"):]
	}
	return parseSignatureParams(v)
}

func parseSignatureParams(v string) (*Params, error) {
	p := &Params{}
	seen := make(map[string]bool, 6)
	var haveKeyID, haveSig, haveHeaders bool
	i := sigSkipOWS(v, 0)
	if i == len(v) {
		return nil, sigBad("empty signature header")
	}
	for n := 1; ; n++ {
		if n > MaxSignatureParams {
			return nil, sigBad("more than %d signature parameters", MaxSignatureParams)
		}
		start := i
		for i < len(v) && sigIsTokenChar(v[i]) {
			i++
		}
		if i == start {
			return nil, sigBad("expected a parameter name at offset %d", start)
		}
		name := strings.ToLower(v[start:i])
		if i == len(v) || v[i] != '=' {
			return nil, sigBad("expected '=' after parameter %q at offset %d", v[start:i], i)
		}
		i++
		var val string
		if i < len(v) && v[i] == '"' {
			i++
			vs := i
			for i < len(v) && sigIsQDText(v[i]) {
				i++
			}
			if i == len(v) || v[i] != '"' {
				if i == len(v) {
					return nil, sigBad("unterminated quoted value of parameter %q", name)
				}
				return nil, sigBad("byte %#x not allowed in quoted value of parameter %q at offset %d", v[i], name, i)
			}
			val = v[vs:i]
			i++
		} else {
			vs := i
			for i < len(v) && sigIsTokenChar(v[i]) {
				i++
			}
			if i == vs {
				return nil, sigBad("parameter %q has no value", name)
			}
			val = v[vs:i]
		}
		if seen[name] {
			return nil, sigBad("duplicate parameter %q", name)
		}
		seen[name] = true
		if err := p.set(name, val); err != nil {
			return nil, err
		}
		switch name {
		case "keyid":
			haveKeyID = true
		case "signature":
			haveSig = true
		case "headers":
			haveHeaders = true
		}
		i = sigSkipOWS(v, i)
		if i == len(v) {
			break
		}
		if v[i] != ',' {
			return nil, sigBad("expected ',' at offset %d", i)
		}
		i = sigSkipOWS(v, i+1)
		if i == len(v) {
			return nil, sigBad("trailing ',' in signature header")
		}
	}
	if !haveKeyID {
		return nil, sigBad("missing keyId parameter")
	}
	if !haveSig {
		return nil, sigBad("missing signature parameter")
	}
	if !haveHeaders {
		// go-fed signing.go defaultHeaders and Mastodon signed_request.rb fetch('headers', 'date').
		p.Headers = []string{"date"}
	}
	return p, nil
}

func (p *Params) set(name, val string) error {
	switch name {
	case "keyid":
		if val == "" {
			return sigBad("empty keyId")
		}
		p.KeyID = val
	case "algorithm":
		p.Algorithm = val
	case "headers":
		fields := strings.Fields(val)
		if len(fields) == 0 {
			return sigBad("empty headers parameter")
		}
		for k, f := range fields {
			f = strings.ToLower(f)
			fields[k] = f
			if !sigValidName(f) {
				return sigBad("invalid name %q in headers parameter", f)
			}
			if slices.Contains(fields[:k], f) {
				return sigBad("%q listed twice in headers parameter", f)
			}
		}
		p.Headers = fields
	case "signature":
		sig, err := base64.StdEncoding.Strict().DecodeString(val)
		if err != nil {
			return sigBadWrap(err, "signature parameter is not base64")
		}
		if len(sig) == 0 {
			return sigBad("empty signature parameter")
		}
		p.Signature = sig
	case "created", "expires":
		if val == "" || len(val) > 12 || strings.Trim(val, "0123456789") != "" {
			return sigBad("%s parameter %q is not a Unix time in seconds", name, val)
		}
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n > sigMaxUnix {
			return sigBad("%s parameter %q is out of range", name, val)
		}
		t := time.Unix(n, 0).UTC()
		if name == "created" {
			p.Created = &t
		} else {
			p.Expires = &t
		}
	}
	return nil
}

func sigValidName(f string) bool {
	switch f {
	case sigRequestTargetName, sigCreatedName, sigExpiresName:
		return true
	}
	for i := 0; i < len(f); i++ {
		if !sigIsTokenChar(f[i]) {
			return false
		}
	}
	return f != ""
}

// sigIsTokenChar: RFC 9110 tchar.
func sigIsTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// sigIsQDText: RFC 9110 qdtext without obs-text, and without the backslash of quoted-pair.
func sigIsQDText(c byte) bool {
	return c == '\t' || (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
}

func sigIsOWS(c byte) bool { return c == ' ' || c == '\t' }

func sigSkipOWS(s string, i int) int {
	for i < len(s) && sigIsOWS(s[i]) {
		i++
	}
	return i
}

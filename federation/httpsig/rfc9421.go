package httpsig

// RFC 9421 HTTP Message Signatures on incoming requests (Signature-Input and Signature), next to the
// draft-cavage path. Mastodon 4.5 verifies them and Fedify sends them first, falling back to
// draft-cavage when answered 401.

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Input is what an RFC 9421 signature covers, beyond the Params it shares with draft-cavage.
type Input struct {
	// Label is the dictionary key naming the signature in Signature-Input and Signature ("sig1").
	Label string
	// Components are the covered component identifiers in signing order: derived components
	// ("@method", "@target-uri", ...) and lower-case header names ("content-digest").
	Components []string
	// SignatureParams is the value of the "@signature-params" line of the signature base: the inner
	// list and its parameters serialised as RFC 8941 §4.1 does (RFC 9421 §2.3).
	SignatureParams string
	// Nonce and Tag are the nonce and tag parameters, "" when absent.
	Nonce, Tag string
}

// RFC 9421 algorithm names (the HTTP Signature Algorithms registry, RFC 9421 §6.2).
const (
	sigAlgRSAv15SHA256 = "rsa-v1_5-sha256"
	sigAlg9421Ed25519  = "ed25519"
)

// max9421Labels is the most signatures one request may carry. Fedify and Mastodon send one; a second
// is allowed for a proxy's own signature, more only costs us parsing.
const max9421Labels = 4

// sig9421Derived are the derived components (RFC 9421 §2.2) we can build for a request. @query-param
// (which needs a name parameter) and @status (responses only) are not among them.
var sig9421Derived = []string{"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}

// parse9421 parses Signature-Input and Signature into one Params per label, in Signature-Input's order.
//
// Both headers are RFC 8941 dictionaries, each at most MaxSignatureHeaderLen bytes (all field lines
// together). Every Signature-Input member must be an inner list of strings (component identifiers,
// lower case, without parameters, no duplicates, "@signature-params" not among them) with the
// parameters keyid (string, required), created and expires (integers), alg, nonce and tag (strings);
// other parameters are refused. Every Signature member must be a non-empty byte sequence. Each label
// must appear in both headers: a Signature-Input label without its Signature, or the reverse, is
// refused. So is a request that also carries "Authorization: Signature" (draft-cavage): RFC 9421 wins
// when Signature-Input is present, and a request signed both ways is ambiguous.
func parse9421(h http.Header) ([]*Params, error) {
	for _, a := range h.Values("Authorization") {
		if scheme, _, _ := strings.Cut(a, " "); strings.EqualFold(scheme, "Signature") {
			return nil, sigBad("both Signature-Input (RFC 9421) and Authorization: Signature (draft-cavage); send one")
		}
	}
	in, err := sig9421Field(h, "Signature-Input")
	if err != nil {
		return nil, err
	}
	inputs, err := parseSignatureInput(in)
	if err != nil {
		return nil, err
	}
	sv := h.Values("Signature")
	if len(sv) == 0 {
		return nil, sigBad("Signature-Input without a Signature header")
	}
	sf, err := sig9421Field(h, "Signature")
	if err != nil {
		return nil, err
	}
	sigs, err := sfParseDictionary(sf)
	if err != nil {
		return nil, sigPrefix(err, "Signature header is not an RFC 9421 dictionary (a draft-cavage Signature next to Signature-Input?)")
	}
	bytesOf := make(map[string][]byte, len(sigs))
	for _, m := range sigs {
		if m.inner || m.item.kind != sfBytes || len(m.params) > 0 {
			return nil, sigBad("signature %q is not a byte sequence", m.key)
		}
		if len(m.item.bytes) == 0 {
			return nil, sigBad("signature %q is empty", m.key)
		}
		bytesOf[m.key] = m.item.bytes
	}
	for _, p := range inputs {
		sig, ok := bytesOf[p.RFC9421.Label]
		if !ok {
			return nil, sigBad("Signature-Input label %q has no Signature", p.RFC9421.Label)
		}
		p.Signature = sig
		delete(bytesOf, p.RFC9421.Label)
	}
	for label := range bytesOf {
		return nil, sigBad("Signature label %q has no Signature-Input", label)
	}
	return inputs, nil
}

// sig9421Field joins the field lines of one header with ", " (RFC 9110 §5.3) and bounds its length.
func sig9421Field(h http.Header, name string) (string, error) {
	v := strings.Join(h.Values(name), ", ")
	if len(v) > MaxSignatureHeaderLen {
		return "", sigBad("%s header of %d bytes is longer than %d", name, len(v), MaxSignatureHeaderLen)
	}
	return v, nil
}

// parseSignatureInput parses a Signature-Input value (see parse9421) into Params whose RFC9421 is set
// and whose Signature is still empty.
func parseSignatureInput(v string) ([]*Params, error) {
	members, err := sfParseDictionary(v)
	if err != nil {
		return nil, sigPrefix(err, "Signature-Input")
	}
	if len(members) > max9421Labels {
		return nil, sigBad("%d signatures in Signature-Input; at most %d", len(members), max9421Labels)
	}
	out := make([]*Params, 0, len(members))
	for _, m := range members {
		p, err := sig9421Input(m)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func sig9421Input(m sfMember) (*Params, error) {
	if !m.inner {
		return nil, sigBad("Signature-Input %q is not an inner list", m.key)
	}
	if len(m.list) > MaxSignatureParams {
		return nil, sigBad("Signature-Input %q covers %d components; at most %d", m.key, len(m.list), MaxSignatureParams)
	}
	in := &Input{Label: m.key, Components: make([]string, 0, len(m.list))}
	for _, it := range m.list {
		if it.bare.kind != sfString {
			return nil, sigBad("Signature-Input %q: a component identifier is not a string", m.key)
		}
		name := it.bare.str
		if len(it.params) > 0 {
			return nil, sigBad("Signature-Input %q: component %q has parameters (;sf, ;key, ;req, ;bs are not accepted)", m.key, name)
		}
		if err := sig9421CheckComponent(name); err != nil {
			return nil, sigPrefix(err, fmt.Sprintf("Signature-Input %q", m.key))
		}
		if slices.Contains(in.Components, name) {
			return nil, sigBad("Signature-Input %q covers %q twice", m.key, name)
		}
		in.Components = append(in.Components, name)
	}
	p := &Params{RFC9421: in}
	for _, q := range m.params {
		switch q.key {
		case "keyid", "alg", "nonce", "tag":
			if q.val.kind != sfString {
				return nil, sigBad("Signature-Input %q: parameter %s is not a string", m.key, q.key)
			}
			switch q.key {
			case "keyid":
				if q.val.str == "" {
					return nil, sigBad("Signature-Input %q: empty keyid", m.key)
				}
				p.KeyID = q.val.str
			case "alg":
				p.Algorithm = q.val.str
			case "nonce":
				in.Nonce = q.val.str
			case "tag":
				in.Tag = q.val.str
			}
		case "created", "expires":
			if q.val.kind != sfInteger || q.val.num < 0 || q.val.num > sigMaxUnix {
				return nil, sigBad("Signature-Input %q: %s is not a Unix time in seconds", m.key, q.key)
			}
			t := time.Unix(q.val.num, 0).UTC()
			if q.key == "created" {
				p.Created = &t
			} else {
				p.Expires = &t
			}
		default:
			return nil, sigBad("Signature-Input %q: unknown parameter %q", m.key, q.key)
		}
	}
	if p.KeyID == "" {
		return nil, sigBad("Signature-Input %q has no keyid", m.key)
	}
	in.SignatureParams = sfSerializeInnerList(m.list, m.params)
	return p, nil
}

// sig9421CheckComponent accepts a derived component we can build, or a lower-case header name.
func sig9421CheckComponent(name string) error {
	if name == "@signature-params" {
		return sigBad("%q may not be a covered component", name)
	}
	if strings.HasPrefix(name, "@") {
		if !slices.Contains(sig9421Derived, name) {
			return sigBad("derived component %q is not supported (supported: %s)", name, strings.Join(sig9421Derived, " "))
		}
		return nil
	}
	if name == "" {
		return sigBad("empty component identifier")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !sigIsTokenChar(c) || ('A' <= c && c <= 'Z') {
			return sigBad("component %q is not a lower-case header name", name)
		}
	}
	return nil
}

// check9421 is Check for a request carrying Signature-Input.
//
// Of the request's signatures (several labels are allowed), the first in Signature-Input's order whose
// covered components meet the rules below is the one checked and returned; the others are ignored.
// When none does, the first one's failure is the answer. The rules (as Mastodon 4.5 asks of RFC 9421,
// and as the draft-cavage path asks of (request-target) host digest):
//   - "@method" is covered, and the target: "@target-uri", or "@authority" with "@path" or
//     "@request-target";
//   - for every method other than GET and HEAD, "content-digest" is covered;
//   - the created parameter is present (it is the only clock the signature covers).
//
// Then the time window is Mastodon's, as for draft-cavage: refused if created is more than an hour
// in the future, or if now is more than an hour past expires, where expires is the expires parameter
// (or created + 5 minutes) capped at created + 12 hours; an expires before created is refused.
// Content-Digest (RFC 9530) must be one field, a dictionary whose sha-256 and sha-512 entries (at
// least one) all equal the digest of the exact body bytes; other algorithms are ignored.
func check9421(r *http.Request, body []byte, opt VerifyOptions) (*Params, error) {
	cands, err := parse9421(r.Header)
	if err != nil {
		return nil, err
	}
	var p *Params
	var first error
	for _, c := range cands {
		err := sig9421Required(r.Method, c)
		if err == nil {
			p = c
			break
		}
		if first == nil {
			first = err
		}
	}
	if p == nil {
		return nil, first
	}
	if p.Expires != nil && p.Expires.Before(*p.Created) {
		return nil, sigBad("signature %q expires before it was created", p.RFC9421.Label)
	}
	if err := sigCheckWindow(*p.Created, p.Expires, opt.now()); err != nil {
		return nil, err
	}
	if slices.Contains(p.RFC9421.Components, "content-digest") {
		if err := sigCheckContentDigest(r.Header.Values("Content-Digest"), body); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func sig9421Required(method string, p *Params) error {
	covers := func(name string) bool { return slices.Contains(p.RFC9421.Components, name) }
	label := p.RFC9421.Label
	if !covers("@method") {
		return sigBad("signature %q does not cover @method (covers: %s)", label, strings.Join(p.RFC9421.Components, " "))
	}
	if !covers("@target-uri") && !(covers("@authority") && (covers("@path") || covers("@request-target"))) {
		return sigBad("signature %q covers neither @target-uri nor @authority with @path (covers: %s)", label, strings.Join(p.RFC9421.Components, " "))
	}
	if !sigBodyless(method) && !covers("content-digest") {
		return sigBad("signature %q does not cover content-digest; %s requests must (covers: %s)", label, method, strings.Join(p.RFC9421.Components, " "))
	}
	if p.Created == nil {
		return sigBad("signature %q has no created parameter", label)
	}
	return nil
}

func sigCheckContentDigest(values []string, body []byte) error {
	if len(values) == 0 {
		return sigBad("content-digest is covered but the Content-Digest header is missing")
	}
	v := strings.Join(values, ", ")
	if len(v) > MaxSignatureHeaderLen {
		return sigBad("Content-Digest header of %d bytes is longer than %d", len(v), MaxSignatureHeaderLen)
	}
	members, err := sfParseDictionary(v)
	if err != nil {
		return sigPrefix(err, "Content-Digest")
	}
	found := false
	for _, m := range members {
		var sum []byte
		switch m.key {
		case "sha-256":
			s := sha256.Sum256(body)
			sum = s[:]
		case "sha-512":
			s := sha512.Sum512(body)
			sum = s[:]
		default:
			continue // RFC 9530 §5: other algorithms may be listed; we only trust these two
		}
		if m.inner || m.item.kind != sfBytes {
			return sigBad("Content-Digest %s is not a byte sequence", m.key)
		}
		if subtle.ConstantTimeCompare(m.item.bytes, sum) != 1 {
			return sigBad("Content-Digest %s does not match the body", m.key)
		}
		found = true
	}
	if !found {
		return sigBad("Content-Digest has no sha-256 or sha-512 entry (got %q)", v)
	}
	return nil
}

// verify9421 is Verify for an RFC 9421 signature.
//
// The algorithm comes from the key type, and an alg parameter, when present, must name it:
//   - *rsa.PublicKey (MinRSABits to MaxRSABits): RSASSA-PKCS1-v1_5 with SHA-256, alg "rsa-v1_5-sha256"
//     (what Mastodon and Fedify use). rsa-pss-sha512 is refused: no fediverse server sends it.
//   - ed25519.PublicKey: Ed25519, alg "ed25519".
//   - anything else, []byte (HMAC) included: error.
func verify9421(r *http.Request, p *Params, pub crypto.PublicKey, opt VerifyOptions) error {
	check, err := sig9421VerifierFor(pub, p.Algorithm)
	if err != nil {
		return err
	}
	base, err := sigBase9421(r, p.RFC9421, opt)
	if err != nil {
		return err
	}
	if !check(base, p.Signature) {
		return sigBad("signature %q does not verify with the key of %q", p.RFC9421.Label, p.KeyID)
	}
	return nil
}

func sig9421VerifierFor(pub crypto.PublicKey, alg string) (func(msg, sig []byte) bool, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return nil, sigBad("nil RSA public key")
		}
		if bits := k.N.BitLen(); bits < MinRSABits || bits > MaxRSABits {
			return nil, sigBad("RSA key of %d bits is outside [%d, %d]", bits, MinRSABits, MaxRSABits)
		}
		if alg != "" && alg != sigAlgRSAv15SHA256 {
			return nil, sigBad("alg %q refused for an RSA key (accepted: %s)", alg, sigAlgRSAv15SHA256)
		}
		return func(msg, sig []byte) bool {
			h := sha256.Sum256(msg)
			return rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig) == nil
		}, nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, sigBad("Ed25519 public key of %d bytes", len(k))
		}
		if alg != "" && alg != sigAlg9421Ed25519 {
			return nil, sigBad("alg %q refused for an Ed25519 key (accepted: %s)", alg, sigAlg9421Ed25519)
		}
		return func(msg, sig []byte) bool { return ed25519.Verify(k, msg, sig) }, nil
	case []byte:
		return nil, sigBad("symmetric ([]byte) keys are never accepted: the algorithm comes from the key type (HMAC confusion)")
	default:
		return nil, sigBad("unsupported public key type %T", pub)
	}
}

// sigBase9421 builds the signature base of RFC 9421 §2.5: one line `"<component>": <value>` per
// covered component, in order, then `"@signature-params": <SignatureParams>`, joined by "\n" with no
// newline at the end.
//
// The target is the node's own, never the request's Host or X-Forwarded-Host (HOSTILE S6): @authority
// and the host header are opt.Host, @scheme is opt.Scheme ("https" when empty), @path is the path as
// sent (r.URL.EscapedPath, HOSTILE S16), @query is "?" and the raw query ("?" alone when there is none,
// §2.2.7), @request-target is the path and query, @target-uri is scheme://authority plus
// @request-target. @method is the method as sent. A header's value is its field lines, each trimmed,
// joined by ", " (§2.1); a covered header the request lacks is an error.
func sigBase9421(r *http.Request, in *Input, opt VerifyOptions) ([]byte, error) {
	scheme := opt.Scheme
	if scheme == "" {
		scheme = "https"
	}
	authority := strings.ToLower(opt.Host)
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	target := path
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	var b bytes.Buffer
	b.Grow(512 + len(in.SignatureParams))
	for _, name := range in.Components {
		b.WriteString(`"` + name + `"`)
		b.WriteString(": ")
		switch name {
		case "@method":
			b.WriteString(r.Method)
		case "@target-uri":
			b.WriteString(scheme + "://" + authority + target)
		case "@authority", "host":
			b.WriteString(authority)
		case "@scheme":
			b.WriteString(scheme)
		case "@request-target":
			b.WriteString(target)
		case "@path":
			b.WriteString(path)
		case "@query":
			b.WriteString("?" + r.URL.RawQuery)
		default:
			vals := r.Header.Values(name)
			if len(vals) == 0 {
				return nil, sigBad("covered header %q is missing from the request", name)
			}
			for k, v := range vals {
				if k > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strings.TrimSpace(v))
			}
		}
		b.WriteByte('\n')
	}
	b.WriteString(`"@signature-params": `)
	b.WriteString(in.SignatureParams)
	return b.Bytes(), nil
}

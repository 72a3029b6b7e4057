package httpsig

// Checking and verifying incoming requests.

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Checks that need no key

// VerifyOptions configures Check and Verify.
type VerifyOptions struct {
	// Host is the node's configured canonical host (e.g. "node.test"), used as the value of the signed
	// "host" header. The request's Host and X-Forwarded-Host are never trusted (HOSTILE S6; Misskey
	// CVE-2023-49079). Required by Verify.
	Host string
	// Scheme is the node's scheme, for the @target-uri and @scheme components of RFC 9421 signatures;
	// "" means "https".
	Scheme string
	// Now is the verifier's clock (injectable for tests, HOSTILE S5). The zero value means time.Now().
	Now time.Time
}

func (o VerifyOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Check does every check that needs no key, then returns the parsed params.
//
//   - Signature header parsed with Parse (ErrNoSignature when absent).
//   - Required signed headers (S2; Mastodon signed_request.rb#verify_signature_strength!): always
//     (request-target), host, and date or (created); digest too for every method other than GET and HEAD.
//     go-fed's fallback to signing only "date" could otherwise be replayed with any body to any path.
//   - (created)/(expires) signed with an algorithm label starting with rsa, hmac or ecdsa is an error
//     (draft-cavage-12 §2.3: "an implementation MUST produce an error").
//   - Digest, when "digest" is signed (S3, S4; Mastodon signed_request.rb#verify_body_digest!): the header
//     must be present; its comma-separated entries must include "SHA-256=" (algorithm name
//     case-insensitive) and every SHA-256 entry must be standard base64 of 32 bytes equal to sha256(body).
//     Other algorithms (SHA-512, ...) are ignored. body must be the exact bytes received.
//   - Time window exactly as Mastodon (S5; signed_request.rb CLOCK_SKEW_MARGIN 1h, EXPIRATION_WINDOW_LIMIT
//     12h): created = the (created) param, or the Date header; refused if created > now+1h;
//     expires = min(the (expires) param if present, else created+5min; created+12h); refused if
//     now > expires+1h. Stricter than Mastodon on one point: the created/expires params are only used
//     when "(created)"/"(expires)" are themselves signed, otherwise an attacker could add an unsigned
//     created=<now> to a captured request and replay it; Date is then used (and must be signed).
//
// A request carrying Signature-Input is checked as RFC 9421 instead (check9421 in rfc9421.go):
// RFC 9421 wins when both kinds are present, and its Signature header is then read as RFC 9421's.
//
// Errors match ErrBadSignature (or ErrNoSignature). Check never verifies the signature itself:
// call Verify with the key of p.KeyID afterwards.
func Check(r *http.Request, body []byte, opt VerifyOptions) (*Params, error) {
	if r == nil || r.URL == nil {
		return nil, sigBad("nil request")
	}
	if len(r.Header.Values("Signature-Input")) > 0 {
		return check9421(r, body, opt)
	}
	p, err := Parse(r.Header)
	if err != nil {
		return nil, err
	}
	signed := func(name string) bool { return slices.Contains(p.Headers, name) }

	required := []string{sigRequestTargetName, "host"}
	if !sigBodyless(r.Method) {
		required = append(required, "digest")
	}
	for _, name := range required {
		if !signed(name) {
			return nil, sigBad("%q is not signed (signed: %q); %s requests must sign %s and date or (created)",
				name, strings.Join(p.Headers, " "), r.Method, strings.Join(required, ", "))
		}
	}
	if !signed("date") && !signed(sigCreatedName) {
		return nil, sigBad("date (or (created)) is not signed (signed: %q)", strings.Join(p.Headers, " "))
	}
	alg := strings.ToLower(p.Algorithm)
	if (signed(sigCreatedName) || signed(sigExpiresName)) &&
		(strings.HasPrefix(alg, "rsa") || strings.HasPrefix(alg, "hmac") || strings.HasPrefix(alg, "ecdsa")) {
		return nil, sigBad("(created)/(expires) may not be signed with algorithm %q (draft-cavage-12 §2.3)", p.Algorithm)
	}

	if err := sigCheckTimeWindow(r, p, signed, opt.now()); err != nil {
		return nil, err
	}
	if signed("digest") {
		if err := sigCheckDigest(r.Header.Values("Digest"), body); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func sigCheckTimeWindow(r *http.Request, p *Params, signed func(string) bool, now time.Time) error {
	var created time.Time
	if signed(sigCreatedName) {
		if p.Created == nil {
			return sigBad("(created) is signed but the created parameter is missing")
		}
		created = *p.Created
	} else {
		dates := r.Header.Values("Date")
		if len(dates) != 1 {
			return sigBad("date is signed but the request has %d Date headers", len(dates))
		}
		t, err := http.ParseTime(strings.TrimSpace(dates[0]))
		if err != nil {
			return sigBadWrap(err, "invalid Date header %q", dates[0])
		}
		created = t
	}
	var expires *time.Time
	if signed(sigExpiresName) {
		if p.Expires == nil {
			return sigBad("(expires) is signed but the expires parameter is missing")
		}
		expires = p.Expires
	}
	return sigCheckWindow(created, expires, now)
}

// sigCheckWindow is Mastodon's time window (signed_request.rb): expires is the given time, or created
// plus sigDefaultExpiry when nil, capped at created plus sigExpirationLimit; refused when created is
// more than sigClockSkew in the future or now is more than sigClockSkew past expires.
func sigCheckWindow(created time.Time, expiresAt *time.Time, now time.Time) error {
	expires := created.Add(sigDefaultExpiry)
	if expiresAt != nil {
		expires = *expiresAt
	}
	if limit := created.Add(sigExpirationLimit); expires.After(limit) {
		expires = limit
	}
	if created.After(now.Add(sigClockSkew)) {
		return sigBad("signature created %s, more than %s in the future (now %s)",
			created.UTC().Format(time.RFC3339), sigClockSkew, now.UTC().Format(time.RFC3339))
	}
	if now.After(expires.Add(sigClockSkew)) {
		return sigBad("signature expired at %s (+%s margin; now %s): stale or replayed request",
			expires.UTC().Format(time.RFC3339), sigClockSkew, now.UTC().Format(time.RFC3339))
	}
	return nil
}

func sigCheckDigest(values []string, body []byte) error {
	if len(values) == 0 {
		return sigBad("digest is signed but the Digest header is missing")
	}
	sum := sha256.Sum256(body)
	found := false
	for _, v := range values {
		for _, entry := range strings.Split(v, ",") {
			algo, b64, ok := strings.Cut(strings.TrimSpace(entry), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(algo), "SHA-256") {
				continue // RFC 3230: other algorithms may be listed; we only trust SHA-256
			}
			got, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(b64))
			if err != nil {
				return sigBadWrap(err, "Digest SHA-256 value is not base64")
			}
			if len(got) != sha256.Size {
				return sigBad("Digest SHA-256 value is %d bytes, want %d", len(got), sha256.Size)
			}
			if subtle.ConstantTimeCompare(got, sum[:]) != 1 {
				return sigBad("digest does not match body")
			}
			found = true
		}
	}
	if !found {
		return sigBad("Digest header has no SHA-256 entry (got %q)", strings.Join(values, ", "))
	}
	return nil
}

// ---- Verification ----

// Verify checks p.Signature over the signing string rebuilt from the request, using pub. Call it
// after Check, which checks everything that needs no key.
//
// The algorithm comes from the KEY TYPE, never from the header (HOSTILE S9; go-fed verifying.go does a MAC
// check when given a []byte key, whatever the label):
//   - *rsa.PublicKey (at least MinRSABits): RSASSA-PKCS1-v1_5 with SHA-256; for the labels "hs2019" and ""
//     SHA-512 is tried too, as GoToSocial does (authenticate.go tries RSA-SHA256 then RSA-SHA512).
//     Accepted labels: "hs2019", "rsa-sha256", "".
//   - ed25519.PublicKey: Ed25519. Accepted labels: "hs2019", "ed25519", "".
//   - anything else, []byte included: error. "hmac-*", "rsa-sha1", "ecdsa-*" and unknown labels are refused.
//
// The signing string is built here rather than by go-fed (draft-cavage-12 §2.3): one "name: value" line
// per signed name, in order, joined by "\n"; header values trimmed and multiple instances joined by ", ".
// (request-target) is "<lower method> <escaped path>[?<raw query>]" using r.URL.EscapedPath() (S16: the
// path as sent, not the decoded one go-fed uses); host is opt.Host (S6). If verification fails and the
// URL has a query, it is tried once more without the query (S6: Mastodon 4.2.4 and GoToSocial's
// http_signatures.md "query-param double try").
//
// Params of an RFC 9421 signature are verified over its signature base instead (verify9421 in
// rfc9421.go).
//
// Errors match ErrBadSignature.
func Verify(r *http.Request, p *Params, pub crypto.PublicKey, opt VerifyOptions) error {
	if r == nil || r.URL == nil || p == nil {
		return sigBad("nil request or params")
	}
	if opt.Host == "" {
		return sigBad("no canonical host configured (VerifyOptions.Host)")
	}
	if p.RFC9421 != nil {
		return verify9421(r, p, pub, opt)
	}
	check, err := sigVerifierFor(pub, p.Algorithm)
	if err != nil {
		return err
	}
	ss, err := sigSigningString(r, p, opt.Host, true)
	if err != nil {
		return err
	}
	if check([]byte(ss), p.Signature) {
		return nil
	}
	if r.URL.RawQuery != "" && slices.Contains(p.Headers, sigRequestTargetName) {
		ss, err = sigSigningString(r, p, opt.Host, false)
		if err != nil {
			return err
		}
		if check([]byte(ss), p.Signature) {
			return nil
		}
	}
	return sigBad("signature does not verify with the key of %q", p.KeyID)
}

func sigVerifierFor(pub crypto.PublicKey, label string) (func(msg, sig []byte) bool, error) {
	alg := strings.ToLower(label)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return nil, sigBad("nil RSA public key")
		}
		if bits := k.N.BitLen(); bits < MinRSABits || bits > MaxRSABits {
			return nil, sigBad("RSA key of %d bits is outside [%d, %d]", bits, MinRSABits, MaxRSABits)
		}
		switch alg {
		case sigAlgRSASHA256:
			return func(msg, sig []byte) bool {
				h := sha256.Sum256(msg)
				return rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig) == nil
			}, nil
		case sigAlgHS2019, "":
			return func(msg, sig []byte) bool {
				h := sha256.Sum256(msg)
				if rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig) == nil {
					return true
				}
				h5 := sha512.Sum512(msg)
				return rsa.VerifyPKCS1v15(k, crypto.SHA512, h5[:], sig) == nil
			}, nil
		}
		return nil, sigBad("algorithm %q refused for an RSA key (accepted: hs2019, rsa-sha256)", label)
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, sigBad("Ed25519 public key of %d bytes", len(k))
		}
		switch alg {
		case sigAlgHS2019, sigAlgEd25519, "":
			return func(msg, sig []byte) bool { return ed25519.Verify(k, msg, sig) }, nil
		}
		return nil, sigBad("algorithm %q refused for an Ed25519 key (accepted: hs2019, ed25519)", label)
	case []byte:
		return nil, sigBad("symmetric ([]byte) keys are never accepted: the algorithm comes from the key type (HMAC confusion)")
	default:
		return nil, sigBad("unsupported public key type %T", pub)
	}
}

// sigSigningString rebuilds the draft-cavage-12 §2.3 signing string of r for p.Headers.
func sigSigningString(r *http.Request, p *Params, host string, withQuery bool) (string, error) {
	var b bytes.Buffer
	for n, name := range p.Headers {
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(name)
		b.WriteString(": ")
		switch name {
		case sigRequestTargetName:
			b.WriteString(sigRequestTarget(r, withQuery))
		case sigCreatedName:
			if p.Created == nil {
				return "", sigBad("(created) is signed but the created parameter is missing")
			}
			b.WriteString(strconv.FormatInt(p.Created.Unix(), 10))
		case sigExpiresName:
			if p.Expires == nil {
				return "", sigBad("(expires) is signed but the expires parameter is missing")
			}
			b.WriteString(strconv.FormatInt(p.Expires.Unix(), 10))
		case "host":
			b.WriteString(host)
		default:
			vals := r.Header.Values(name)
			if len(vals) == 0 {
				return "", sigBad("signed header %q is missing from the request", name)
			}
			for k, v := range vals {
				if k > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strings.TrimSpace(v))
			}
		}
	}
	return b.String(), nil
}

// sigRequestTarget is "<lower method> <escaped path>[?<raw query>]".
func sigRequestTarget(r *http.Request, withQuery bool) string {
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	s := strings.ToLower(r.Method) + " " + path
	if withQuery && r.URL.RawQuery != "" {
		s += "?" + r.URL.RawQuery
	}
	return s
}

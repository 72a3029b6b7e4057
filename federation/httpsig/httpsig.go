// Package httpsig signs outgoing requests and verifies incoming ones with HTTP Signatures
// (draft-cavage-http-signatures, the dialect the fediverse speaks). Incoming RFC 9421 HTTP Message
// Signatures (Signature-Input) are verified too (rfc9421.go, sfv.go), through the same Check and Verify.
//
// Outbound requests are signed with go-fed/httpsig (sign.go), or with RFC 9421 by this package
// (sign9421.go). Inbound requests are parsed (parse.go), checked and verified (verify.go) by this
// package, not by go-fed, because go-fed's verifier (DESIGN.md §11, HOSTILE.md S2–S16):
//   - never compares Digest with the body (S3),
//   - never looks at Date and only checks (created)/(expires) ±10 s against the real clock (S5),
//   - falls back to signing only "date" when headers= is missing (S2),
//   - does a MAC check when handed a []byte key, whatever the algorithm label (S9),
//   - splits the header naively on ',' (S10),
//   - builds (request-target) from the decoded r.URL.Path (S16) and the Host header (S6).
//
// Rebuilding the signing string ourselves is a few lines and lets us control (request-target) (escaped
// path, retry without query) and host (the configured canonical host). ParsePublicKeyPEM (keys.go) reads
// the signer's publicKeyPem; finding the signer is federation/fetch's Resolver.
package httpsig

import (
	"errors"
	"fmt"
	"time"
)

// ErrNoSignature is returned (possibly wrapped) when a request carries no Signature header and no
// "Authorization: Signature" header at all. Callers answer 401 (HOSTILE S1; Mastodon FEDERATION.md:
// "requires all POST requests to be signed").
var ErrNoSignature = errors.New("httpsig: request is not signed")

// ErrBadSignature is matched (with errors.Is) by every other failure of Parse, Check and
// Verify: malformed header, missing signed header, digest mismatch, stale date, wrong key, bad
// signature bytes... Callers answer 401 (GoToSocial signaturecheck.go: 401 when a sig is present but
// malformed).
var ErrBadSignature = errors.New("httpsig: bad signature")

// Limits applied by Parse and ParsePublicKeyPEM.
const (
	// MaxSignatureHeaderLen is the longest Signature/Authorization header value accepted (S10).
	MaxSignatureHeaderLen = 8 << 10
	// MaxSignatureParams is the most parameters (known or unknown) accepted in one header (S10).
	MaxSignatureParams = 20
	// MinRSABits is the smallest RSA modulus accepted, for signing and verifying.
	MinRSABits = 2048
	// MaxRSABits is the largest RSA modulus accepted: a bigger key only makes each verification slower,
	// which a hostile key document could use to burn CPU.
	MaxRSABits = 8192
)

// Mastodon's time window (app/lib/signed_request.rb, HOSTILE S5).
const (
	sigClockSkew         = time.Hour       // CLOCK_SKEW_MARGIN
	sigExpirationLimit   = 12 * time.Hour  // EXPIRATION_WINDOW_LIMIT
	sigDefaultExpiry     = 5 * time.Minute // expires defaults to created + 5 min
	sigMaxUnix           = 253402300799    // 9999-12-31T23:59:59Z; keeps time arithmetic far from overflow
	sigAlgHS2019         = "hs2019"        // draft-cavage-12: "derive the algorithm from the key"
	sigAlgRSASHA256      = "rsa-sha256"    // what Mastodon and snac write
	sigAlgEd25519        = "ed25519"       // label some ed25519 implementations write
	sigRequestTargetName = "(request-target)"
	sigCreatedName       = "(created)"
	sigExpiresName       = "(expires)"
)

// sigError is the concrete error behind ErrBadSignature: a descriptive message, an optional cause
// (reachable with errors.Unwrap/As), and errors.Is(err, ErrBadSignature) == true.
type sigError struct {
	msg   string
	cause error
}

func (e *sigError) Error() string {
	if e.cause != nil {
		return "httpsig: " + e.msg + ": " + e.cause.Error()
	}
	return "httpsig: " + e.msg
}

func (e *sigError) Unwrap() error { return e.cause }

func (e *sigError) Is(target error) bool { return target == ErrBadSignature }

func sigBad(format string, args ...any) error {
	return &sigError{msg: fmt.Sprintf(format, args...)}
}

func sigBadWrap(cause error, format string, args ...any) error {
	return &sigError{msg: fmt.Sprintf(format, args...), cause: cause}
}

// sigPrefix puts prefix before the message of a sigError (so that errors of the structured-field
// parser say which header they are about without repeating "httpsig: "); other errors are wrapped.
func sigPrefix(err error, prefix string) error {
	var e *sigError
	if errors.As(err, &e) {
		return &sigError{msg: prefix + ": " + e.msg, cause: e.cause}
	}
	return sigBadWrap(err, "%s", prefix)
}

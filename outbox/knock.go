package outbox

// The double knock: which HTTP signature scheme a delivery is signed with.
//
// RFC 9421 HTTP Message Signatures are the standard of today (Mastodon 4.5 verifies them), but most
// servers still verify only draft-cavage. As Fedify does, a host we know nothing about gets RFC 9421
// first; if it answers 400, 401 or 403 (what servers answer to a signature they cannot read) the same
// delivery is re-signed with draft-cavage and POSTed once more in the same attempt. Whichever scheme
// got an answer that is not about the signature is remembered for the host, in its domain.HostHealth
// (written in the transaction that records the outcome, so a restart keeps it) and in memory for the
// deliveries already loaded. A host remembered as RFC 9421 that answers 401 (it may have moved to
// software that does not verify it) gets the draft-cavage knock too, and is remembered as cavage if
// that works. A host remembered as cavage gets draft-cavage at once, until ReprobeCavageAfter has
// passed since it was learnt: then RFC 9421 is tried first again, as for an unknown host.

import (
	"net/http"
	"time"

	"github.com/lernejo/lernejo/domain"
)

// ReprobeCavageAfter is how long a host remembered as accepting only draft-cavage signatures is sent
// them at once. After that its next delivery knocks with RFC 9421 first again, because servers
// upgrade; the cost is one extra POST per such host and period, and a host that still refuses RFC
// 9421 is remembered as cavage for another period.
const ReprobeCavageAfter = 30 * 24 * time.Hour

// knownScheme is what the outbox knows of the signature scheme a host accepts.
type knownScheme struct {
	scheme  domain.SignatureScheme // "" when not known
	learned time.Time              // when scheme was learnt or last confirmed by a re-probe
}

// firstKnock is the scheme the first POST of an attempt is signed with.
func firstKnock(k knownScheme, now time.Time) domain.SignatureScheme {
	if k.scheme == domain.SignatureCavage && now.Sub(k.learned) < ReprobeCavageAfter {
		return domain.SignatureCavage
	}
	return domain.SignatureRFC9421
}

// knocksAgain reports whether status, answered to a POST signed with RFC 9421, calls for the same
// POST signed with draft-cavage. For a host not known to accept RFC 9421 (unknown, or cavage being
// re-probed) that is 400, 401 and 403: Fedify falls back on those, and servers that cannot read the
// signature answer one of them (Mastodon and GoToSocial 401, others 400 or 403). For a host known to
// accept RFC 9421, a 400 or 403 is a real refusal of this activity, and only 401 (signature refused)
// is worth the second knock.
func knocksAgain(k knownScheme, status int) bool {
	switch status {
	case http.StatusUnauthorized:
		return true
	case http.StatusBadRequest, http.StatusForbidden:
		return k.scheme != domain.SignatureRFC9421
	}
	return false
}

// acceptsSignature reports whether status shows that the host took the signature: a success, or a
// final answer about something else (404, 410, 422, …). 400, 401 and 403 may be about the
// signature; 408, 429, 3xx and 5xx can come before it is read (a proxy, a rate limit), so none of
// them teaches anything.
func acceptsSignature(status int) bool {
	switch {
	case status >= 200 && status < 300:
		return true
	case status == http.StatusBadRequest, status == http.StatusUnauthorized, status == http.StatusForbidden,
		status == http.StatusRequestTimeout, status == http.StatusTooManyRequests:
		return false
	}
	return status >= 400 && status < 500
}

// learnt is what an attempt signed with scheme and answered status teaches about a host known as k
// at now: the scheme to remember, or the zero knownScheme when there is nothing new. Confirming what
// is known is nothing new, except for a cavage host re-probed (its period starts again).
func learnt(k knownScheme, scheme domain.SignatureScheme, status int, reprobe bool, now time.Time) knownScheme {
	if !acceptsSignature(status) || (scheme == k.scheme && !reprobe) {
		return knownScheme{}
	}
	return knownScheme{scheme: scheme, learned: now}
}

// rememberScheme sets the host's remembered scheme to k and reports whether that changed h.
func rememberScheme(h *domain.HostHealth, k knownScheme) bool {
	if k.scheme == "" || (h.Signature == k.scheme && h.SignatureLearned.Equal(k.learned)) {
		return false
	}
	h.Signature, h.SignatureLearned = k.scheme, k.learned
	return true
}

// schemeOf returns what this Outbox itself last learnt of host's scheme, else scanned, the host's
// stored scheme when the delivery was loaded.
func (o *Outbox) schemeOf(host string, scanned knownScheme) knownScheme {
	o.schemeMu.Lock()
	defer o.schemeMu.Unlock()
	if k, ok := o.schemes[host]; ok {
		return k
	}
	return scanned
}

func (o *Outbox) setScheme(host string, k knownScheme) {
	o.schemeMu.Lock()
	defer o.schemeMu.Unlock()
	o.schemes[host] = k
}

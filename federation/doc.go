// Package federation speaks ActivityPub for the node: the ActivityStreams
// documents it serves (actors with go-ap/activitypub, notes, collections,
// activities, Open Badges), HTTP signatures (go-fed/httpsig to sign; our own
// checks to verify: Digest, Date window, required headers, key type), the
// one guarded fetch client (SSRF guard, limits, redirects, content type, id
// match) with WebFinger, the resolver that caches remote actors and keys,
// strict decoding of what peers send, Ed25519 Data Integrity proofs
// (FEP-521a, FEP-8b32), and the bluemonday policies. It knows nothing of
// Fiber or Badger: the store is reached through domain.Store.
package federation

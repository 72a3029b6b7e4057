// Package federation is the node's ActivityPub vocabulary: the URLs of
// local actors and objects (urls.go), the ActivityStreams documents it
// sends and serves as typed structs, one AS… type per shape, their types
// and the public audience named by go-ap's ActivityStreams vocabulary
// (vocab.FollowType, vocab.PublicNS; Mastodon's Hashtag is ours) (actors in
// actor.go, notes and tombstones in note.go, activities, collections, a
// task's Page in task.go), NodeInfo (nodeinfo.go) and the Open Badges
// documents (OB…), the Multikey document and multibase codec of assertion keys
// (multikey.go), the WebFinger JRD (jrd.go), the ActivityStreams media
// types (mediatype.go), strict decoding of what peers send (decode*.go),
// host and origin canonicalisation (host.go, registrable.go) and the
// bluemonday policies (sanitize.go).
//
// The protocol machinery built on that vocabulary lives in sub-packages,
// which import this one (never the reverse):
//   - federation/httpsig: HTTP signatures: signing requests (go-fed/httpsig)
//     and our own checks to verify them (Digest, Date window, required
//     headers, key type), Signature header parsing, signer keys.
//   - federation/integrity: Ed25519 Data Integrity proofs (FEP-8b32,
//     eddsa-jcs-2022) over strict JSON and JCS, the assertion keys of actor
//     documents (FEP-521a), and the signed records (completions, awards).
//   - federation/fetch: the one guarded client for every outbound request
//     (SSRF guard, limits, redirects, content type, id match), the Resolver
//     that fetches and caches remote actors and keys, and WebFinger.
//
// None of them knows Fiber or Badger: the store is reached through
// domain.Store.
package federation

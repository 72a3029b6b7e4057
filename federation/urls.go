package federation

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/lernejo/lernejo/domain"
)

// URLs builds the node's public URLs from its base URL. One URL per object:
// the same URL serves HTML to browsers and JSON-LD to ActivityPub clients.
//
//	/actor                       the node's Application actor
//	/people/HANDLE               a person      (Person)
//	/courses/HANDLE              a course      (Group)
//	/schools/HANDLE              a school      (Organization)
//	ACTOR/inbox, /outbox, /followers, /following
//	/inbox                       the shared inbox
type URLs struct {
	base string // scheme://host[:port], no trailing slash
	host string // host[:port], the WebFinger domain
}

// NewURLs parses the node's base URL (scheme and host only; a path is refused).
func NewURLs(base string) (URLs, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return URLs{}, domain.Errorf(domain.EINVALID, "the URL %q is not an absolute http(s) URL", base)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return URLs{}, domain.Errorf(domain.EINVALID, "the URL %q must not have a path, query or fragment", base)
	}
	host, err := CanonicalHost(u.Host, u.Scheme)
	if err != nil {
		return URLs{}, domain.Errorf(domain.EINVALID, "the URL %q has a bad host: %v", base, err)
	}
	return URLs{base: u.Scheme + "://" + host, host: host}, nil
}

// Base is scheme://host[:port].
func (u URLs) Base() string { return u.base }

// Host is the node's canonical host[:port]: the domain of its handles.
func (u URLs) Host() string { return u.host }

// HTTPS reports whether the node's URL is https.
func (u URLs) HTTPS() bool { return strings.HasPrefix(u.base, "https:") }

// Scheme is the node's scheme, "https" or "http": signatures that cover the
// target URI are checked against it, never against the request's.
func (u URLs) Scheme() string {
	if u.HTTPS() {
		return "https"
	}
	return "http"
}

// Path is an absolute URL for a local path.
func (u URLs) Path(p string) string { return u.base + p }

// Image is the URL of an image this node serves, by its file name
// (domain.Image.Name).
func (u URLs) Image(name string) string { return u.base + "/images/" + name }

// ActorPath is the path of a local actor.
func ActorPath(t domain.ActorType, handle string) string {
	switch t {
	case domain.ActorCourse:
		return "/courses/" + handle
	case domain.ActorSchool:
		return "/schools/" + handle
	case domain.ActorApplication:
		return "/actor"
	default:
		return "/people/" + handle
	}
}

// Actor is the id of a local actor.
func (u URLs) Actor(t domain.ActorType, handle string) string { return u.base + ActorPath(t, handle) }

// Key is the id of an actor's public key.
func (u URLs) Key(actorID string) string { return actorID + "#main-key" }

// SharedInbox is the node's shared inbox.
func (u URLs) SharedInbox() string { return u.base + "/inbox" }

// Acct is the acct: URI of a local handle.
func (u URLs) Acct(handle string) string { return "acct:" + handle + "@" + u.host }

// Page returns the URL of page n (1-based) of a collection.
func Page(collection string, n int) string { return collection + "?page=" + strconv.Itoa(n) }

// LocalActor parses the id of a local actor: /people/H, /courses/H,
// /schools/H, and /users/H (Mastodon's path, accepted for any type), or
// /actor. ok is false for anything else, including ids on other hosts.
func (u URLs) LocalActor(id string) (handle string, t domain.ActorType, ok bool) {
	rest, found := strings.CutPrefix(id, u.base+"/")
	if !found {
		return "", "", false
	}
	if rest == "actor" {
		return domain.InstanceActorName, domain.ActorApplication, true
	}
	kind, h, found := strings.Cut(rest, "/")
	if !found || h == "" || strings.ContainsAny(h, "/?#") {
		return "", "", false
	}
	switch kind {
	case "people":
		return h, domain.ActorPerson, true
	case "courses":
		return h, domain.ActorCourse, true
	case "schools":
		return h, domain.ActorSchool, true
	case "users":
		return h, "", true // type from the handle namespace
	}
	return "", "", false
}

// NewActivityID is the id of a new activity of this node.
func (u URLs) NewActivityID(ulid string) string { return u.base + "/activities/" + ulid }

package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/lernejo/lernejo/federation"
)

// ErrWebFinger is wrapped by WebFinger lookup failures that are not transport errors.
var ErrWebFinger = errors.New("fetch: webfinger")

const maxHandleName = 255

// ParseHandle splits "@name@host", "name@host", "acct:name@host" → name, canonical host; errors otherwise.
// The name is limited to ASCII letters, digits and "._~-" (case kept); the host goes through
// CanonicalHost(host, "https"), so a ":443" is dropped and any other port kept.
func ParseHandle(s string) (name, host string, err error) {
	rest := s
	switch {
	case len(rest) >= 5 && strings.EqualFold(rest[:5], "acct:"):
		rest = rest[5:]
	case strings.HasPrefix(rest, "@"):
		rest = rest[1:]
	}
	name, host, ok := strings.Cut(rest, "@")
	if !ok || strings.Contains(host, "@") {
		return "", "", fmt.Errorf("%w: handle %q is not name@host", ErrWebFinger, s)
	}
	if name == "" || len(name) > maxHandleName {
		return "", "", fmt.Errorf("%w: bad name in handle %q", ErrWebFinger, s)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._~-", c) >= 0) {
			return "", "", fmt.Errorf("%w: bad character in name of handle %q", ErrWebFinger, s)
		}
	}
	host, err = federation.CanonicalHost(host, "https")
	if err != nil {
		return "", "", fmt.Errorf("%w: handle %q: %w", ErrWebFinger, s, err)
	}
	return name, host, nil
}

// LookupWebFinger resolves acct:name@host via scheme://host/.well-known/webfinger (scheme "https", or "http"
// which the client only allows with AllowPrivate), Accept application/jrd+json, and returns the rel=self link
// of type application/activity+json (or ld+json with AS profile). The JRD subject must be acct:name@host
// (O14; name and host compared case-insensitively, as Mastodon does, host after canonicalisation), else
// error. The returned href is an absolute http(s) URL; the caller must still fetch the actor and check that it
// points back (its id is on a host the caller accepts).
func (c *Client) LookupWebFinger(ctx context.Context, scheme, name, host string) (actorURL string, err error) {
	scheme = strings.ToLower(scheme)
	if scheme != "https" && scheme != "http" {
		return "", fmt.Errorf("%w: scheme %q", ErrWebFinger, scheme)
	}
	wantName, wantHost, err := ParseHandle(name + "@" + host)
	if err != nil {
		return "", err
	}
	if wantHost, err = federation.CanonicalHost(host, scheme); err != nil {
		return "", fmt.Errorf("%w: %w", ErrWebFinger, err)
	}
	resource := "acct:" + wantName + "@" + wantHost
	u := url.URL{
		Scheme:   scheme,
		Host:     wantHost,
		Path:     "/.well-known/webfinger",
		RawQuery: url.Values{"resource": {resource}}.Encode(),
	}
	resp, body, err := c.Get(ctx, u.String(), "application/jrd+json, application/json")
	if err != nil {
		return "", err
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return "", fmt.Errorf("%w: %s", ErrNotFound, resource)
	case http.StatusGone:
		return "", fmt.Errorf("%w: %s", ErrGone, resource)
	default:
		return "", &StatusError{URL: resp.Request.URL.String(), StatusCode: resp.StatusCode}
	}
	var doc federation.JRD
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("%w: bad JRD for %s: %v", ErrWebFinger, resource, err)
	}
	if !subjectMatches(doc.Subject, wantName, wantHost, scheme) {
		return "", fmt.Errorf("%w: subject %q does not match %s", ErrWebFinger, doc.Subject, resource)
	}
	for _, l := range doc.Links {
		if l.Rel != "self" || !isASLinkType(l.Type) {
			continue
		}
		if _, err := federation.CanonicalOrigin(l.Href); err != nil {
			return "", fmt.Errorf("%w: self link %q: %w", ErrWebFinger, l.Href, err)
		}
		return l.Href, nil
	}
	return "", fmt.Errorf("%w: no ActivityPub self link for %s", ErrWebFinger, resource)
}

func subjectMatches(subject, wantName, wantHost, scheme string) bool {
	if len(subject) < 5 || !strings.EqualFold(subject[:5], "acct:") {
		return false
	}
	n, h, ok := strings.Cut(subject[5:], "@")
	if !ok || strings.Contains(h, "@") || !strings.EqualFold(n, wantName) {
		return false
	}
	ch, err := federation.CanonicalHost(h, scheme)
	return err == nil && ch == wantHost
}

func isASLinkType(t string) bool { return federation.IsActivityStreamsContentType(t) }

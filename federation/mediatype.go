package federation

import (
	"mime"
	"strings"
)

// ActivityStreamsAccept is the Accept header the fetch client sends for an ActivityStreams document.
const ActivityStreamsAccept = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

// ActivityStreamsProfile is the JSON-LD profile URI that marks application/ld+json as AS2.
const ActivityStreamsProfile = "https://www.w3.org/ns/activitystreams"

// IsActivityStreamsContentType reports whether ct is application/activity+json, or application/ld+json
// whose profile parameter lists https://www.w3.org/ns/activitystreams (O6).
func IsActivityStreamsContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/activity+json":
		return true
	case "application/ld+json":
		for _, p := range strings.Fields(params["profile"]) {
			if p == ActivityStreamsProfile {
				return true
			}
		}
	}
	return false
}

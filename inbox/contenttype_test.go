package inbox

import "testing"

// TestActivityContentType (HOSTILE P9): the media types an inbox takes.
func TestActivityContentType(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/activity+json":                                            true,
		"application/activity+json; charset=utf-8":                             true,
		`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`: true,
		"application/ld+json":                                                  true, // some senders leave the profile out
		`application/ld+json; profile="https://example.org/other"`:             false,
		"application/json":                                                     false,
		"text/plain":                                                           false,
		"":                                                                     false,
		"application/activity+json; ;":                                         false,
	} {
		if got := activityContentType(ct); got != want {
			t.Errorf("activityContentType(%q) = %v, want %v", ct, got, want)
		}
	}
}

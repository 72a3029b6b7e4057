package federation

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecodeActivity: DecodeActivity never panics, and whatever it accepts satisfies the
// invariants the rest of the node relies on (P2, P3, P4, P5, P8, O16, O17). DecodeActor and
// DecodeKey run on the same input (no panic; invariants when accepted).
// Seeds: every inbound POST body from the fixtures, plus testdata/fuzz/FuzzDecodeActivity.
func FuzzDecodeActivity(f *testing.F) {
	for _, rel := range decTestInboundPOSTs(f) {
		f.Add(decTestBody(f, rel))
	}
	for _, rel := range []string{"gotosocial/actor-alice.json", "snac/actor-alice.json", "standin/actor-course.json", "gotosocial/actor-alice-main-key.json"} {
		f.Add(decTestBody(f, rel))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeActivityAt(b, decTestNow)
		if err == nil {
			decFuzzCheckActivity(t, b, a)
		}
		if ra, err := DecodeActor(b); err == nil {
			for _, s := range []string{ra.ID, ra.Inbox} {
				if decCheckIRI(s) != nil {
					t.Fatalf("actor IRI %q accepted", s)
				}
			}
			for _, s := range []string{ra.Inbox, ra.SharedInbox, ra.Outbox, ra.Followers, ra.Following, ra.PublicKeyID, ra.URL} {
				if s != "" && !sameOriginURL(s, ra.ID) {
					t.Fatalf("O9: %q not on the origin of %q", s, ra.ID)
				}
			}
			if ra.PublicKeyOwner != "" && ra.PublicKeyOwner != ra.ID {
				t.Fatalf("S8: owner %q != id %q", ra.PublicKeyOwner, ra.ID)
			}
			if len(ra.Name) > decMaxNameBytes || len(ra.Summary) > decMaxActorSummary {
				t.Fatal("actor caps")
			}
		}
		for _, keyID := range []string{"https://gts.test/users/alice/main-key", "https://a.test/k"} {
			if owner, pem, err := DecodeKey(b, keyID); err == nil {
				if !sameOriginURL(owner, keyID) || pem == "" {
					t.Fatalf("key %q owner %q", keyID, owner)
				}
			}
		}
	})
}

func decFuzzCheckActivity(t *testing.T, b []byte, a *Activity) {
	t.Helper()
	if !bytes.Equal(a.Raw, b) {
		t.Fatal("Raw differs from input")
	}
	if len(b) > MaxActivityBytes || !utf8.Valid(b) {
		t.Fatal("accepted an oversized or invalid UTF-8 document")
	}
	// Differential check against encoding/json (O16): whatever we accept, a map decode (exact keys,
	// last wins) and a struct decode (case-insensitive keys) read the same id, type and actor.
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("encoding/json rejects an accepted document: %v", err)
	}
	if m["id"] != a.ID {
		t.Fatalf("map id %v != %q", m["id"], a.ID)
	}
	if ts, ok := m["type"].(string); ok && ts != a.Type {
		t.Fatalf("map type %v != %q", ts, a.Type)
	}
	if as, ok := m["actor"].(string); ok && as != a.Actor {
		t.Fatalf("map actor %v != %q", as, a.Actor)
	}
	var st struct {
		ID    string          `json:"id"`
		Actor json.RawMessage `json:"actor"`
	}
	if err := json.Unmarshal(b, &st); err != nil || st.ID != a.ID {
		t.Fatalf("struct id %q != %q (%v)", st.ID, a.ID, err)
	}
	if as, ok := m["actor"].(string); ok {
		var sa string
		if json.Unmarshal(st.Actor, &sa) != nil || sa != as {
			t.Fatalf("struct actor %s != %q", st.Actor, as)
		}
	}
	for _, s := range []string{a.ID, a.Actor} {
		if err := decCheckIRI(s); err != nil {
			t.Fatalf("accepted IRI %q: %v", s, err)
		}
	}
	if a.Type == "" || !decCleanString(a.Type) {
		t.Fatalf("type %q", a.Type)
	}
	if a.Target != "" && decCheckIRI(a.Target) != nil {
		t.Fatalf("target %q", a.Target)
	}
	if len(a.To)+len(a.CC) > decMaxAddressees || len(a.Content) > decMaxContentBytes || !utf8.ValidString(a.Content) {
		t.Fatal("activity caps")
	}
	for _, s := range append(append([]string{}, a.To...), a.CC...) {
		if decCheckIRI(s) != nil {
			t.Fatalf("addressee %q", s)
		}
	}
	o := a.Object
	if o == nil {
		return
	}
	if o.IsLink != (o.Raw == nil) {
		t.Fatalf("IsLink %v with Raw %q", o.IsLink, o.Raw)
	}
	if o.IsLink && decCheckIRI(o.ID) != nil {
		t.Fatalf("link id %q", o.ID)
	}
	for _, s := range []string{o.ID, o.Actor, o.Object, o.AttributedTo, o.InReplyTo, o.URL} {
		if s != "" && decCheckIRI(s) != nil {
			t.Fatalf("object IRI %q", s)
		}
	}
	if len(o.Objects) > decMaxObjects || len(o.To)+len(o.CC) > decMaxAddressees ||
		len(o.Tags) > decMaxTags || len(o.Attachments) > decMaxAttachments ||
		len(o.Name) > decMaxNameBytes || len(o.Summary) > decMaxSummaryBytes || len(o.Content) > decMaxContentBytes {
		t.Fatal("object caps")
	}
	for _, s := range []string{o.Name, o.Summary, o.Content} {
		if !utf8.ValidString(s) {
			t.Fatal("invalid UTF-8 in a text field")
		}
	}
	for _, tg := range o.Tags {
		if len(tg.Name) > decMaxNameBytes || (tg.Href != "" && decCheckIRI(tg.Href) != nil) {
			t.Fatalf("tag %+v", tg)
		}
	}
	for _, at := range o.Attachments {
		if len(at.Name) > decMaxAltBytes || (at.URL != "" && decCheckIRI(at.URL) != nil) {
			t.Fatalf("attachment %+v", at)
		}
	}
	for _, tm := range []time.Time{a.Published, o.Published, o.Updated} {
		if !tm.IsZero() && (tm.Year() < decMinYear || tm.After(decTestNow.Add(24*time.Hour))) {
			t.Fatalf("date %v", tm)
		}
	}
}

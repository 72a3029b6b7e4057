package federation

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// obJSON marshals v and decodes it back into a generic map, so the tests see
// exactly the field names and values a verifier sees.
func obJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func obWant(t *testing.T, got map[string]any, want map[string]any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("JSON mismatch\n got: %s\nwant: %s", g, w)
	}
}

func TestOBIssuerJSON(t *testing.T) {
	iss := NewIssuer("https://learn.example/c/go101/badges/issuer", "Go 101", "https://learn.example/c/go101", "A course.")
	obWant(t, obJSON(t, iss), map[string]any{
		"@context":    "https://w3id.org/openbadges/v2",
		"type":        "Issuer",
		"id":          "https://learn.example/c/go101/badges/issuer",
		"name":        "Go 101",
		"url":         "https://learn.example/c/go101",
		"description": "A course.",
	})
	// Empty optional fields are omitted.
	m := obJSON(t, NewIssuer("https://a.example/i", "A", "https://a.example/", ""))
	for _, k := range []string{"description", "email", "image"} {
		if _, ok := m[k]; ok {
			t.Errorf("empty %q not omitted", k)
		}
	}
}

func TestOBBadgeClassJSON(t *testing.T) {
	bc := NewBadgeClass("https://learn.example/c/go101/badges/01HB", "Gopher", "Finished Go 101.",
		"https://learn.example/c/go101/badges/01HB/image.png", "https://learn.example/c/go101/badges/01HB/criteria",
		"Complete every task.", "https://learn.example/c/go101/badges/issuer")
	bc.Tags = []string{"go", "programming"}
	obWant(t, obJSON(t, bc), map[string]any{
		"@context":    "https://w3id.org/openbadges/v2",
		"type":        "BadgeClass",
		"id":          "https://learn.example/c/go101/badges/01HB",
		"name":        "Gopher",
		"description": "Finished Go 101.",
		"image":       "https://learn.example/c/go101/badges/01HB/image.png",
		"criteria": map[string]any{
			"id":        "https://learn.example/c/go101/badges/01HB/criteria",
			"narrative": "Complete every task.",
		},
		"issuer": "https://learn.example/c/go101/badges/issuer",
		"tags":   []any{"go", "programming"},
	})
	// Narrative-only criteria, no tags.
	m := obJSON(t, NewBadgeClass("https://a.example/b", "B", "d", "https://a.example/b.png", "", "Be kind.", "https://a.example/i"))
	obWant(t, m["criteria"].(map[string]any), map[string]any{"narrative": "Be kind."})
	if _, ok := m["tags"]; ok {
		t.Error("empty tags not omitted")
	}
}

func TestOBAssertionJSON(t *testing.T) {
	issued := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CEST", 2*3600))
	a := NewAssertion("https://learn.example/c/go101/awards/01HC", "https://learn.example/c/go101/badges/01HB",
		"https://mastodon.example/users/ana", issued, []OBEvidence{
			{ID: "https://ana.example/gopher", Narrative: "My project."},
		})
	obWant(t, obJSON(t, a), map[string]any{
		"@context": "https://w3id.org/openbadges/v2",
		"type":     "Assertion",
		"id":       "https://learn.example/c/go101/awards/01HC",
		"recipient": map[string]any{
			"type":     "url",
			"hashed":   false,
			"identity": "https://mastodon.example/users/ana",
		},
		"badge":        "https://learn.example/c/go101/badges/01HB",
		"verification": map[string]any{"type": "HostedBadge"},
		"issuedOn":     "2024-05-06T05:08:09Z",
		"evidence": []any{map[string]any{
			"type":      "Evidence",
			"id":        "https://ana.example/gopher",
			"narrative": "My project.",
		}},
	})
	// The exact bytes: "hashed": false must be present, not omitted.
	b, _ := json.Marshal(a)
	if !strings.Contains(string(b), `"recipient":{"type":"url","hashed":false,"identity":"https://mastodon.example/users/ana"}`) {
		t.Errorf("recipient not as OB 2.0 requires: %s", b)
	}
	if err := CheckAssertion(a); err != nil {
		t.Errorf("CheckAssertion(NewAssertion(...)) = %v", err)
	}

	// No evidence: omitted. Revoked: revoked and revocationReason present.
	r := NewAssertion("https://a.example/aw/1", "https://a.example/b/1", "https://b.example/u", issued, nil)
	m := obJSON(t, r)
	for _, k := range []string{"evidence", "revoked", "revocationReason", "image", "expires", "narrative"} {
		if _, ok := m[k]; ok {
			t.Errorf("empty %q not omitted", k)
		}
	}
	r.Revoked, r.RevocationReason = true, "Plagiarism."
	m = obJSON(t, r)
	if m["revoked"] != true || m["revocationReason"] != "Plagiarism." {
		t.Errorf("revocation: %v %v", m["revoked"], m["revocationReason"])
	}
	if err := CheckAssertion(r); err != nil {
		t.Errorf("revoked assertion: %v", err)
	}

	// Evidence passed in is not modified.
	ev := []OBEvidence{{Narrative: "n"}}
	NewAssertion("https://a.example/aw/1", "https://a.example/b/1", "https://b.example/u", issued, ev)
	if ev[0].Type != "" {
		t.Error("NewAssertion modified its evidence argument")
	}
}

func TestCheckAssertion(t *testing.T) {
	good := func() OBAssertion {
		return NewAssertion("https://learn.example/c/go101/awards/01HC", "https://learn.example/c/go101/badges/01HB",
			"https://mastodon.example/users/ana", time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), nil)
	}
	tests := []struct {
		name  string
		edit  func(*OBAssertion)
		valid bool
	}{
		{"good", func(*OBAssertion) {}, true},
		{"context array", func(a *OBAssertion) { a.Context = []any{OBContext, "https://w3id.org/security/v2"} }, true},
		{"context string slice", func(a *OBAssertion) { a.Context = []string{OBContext} }, true},
		{"http ok", func(a *OBAssertion) {
			a.ID, a.Badge = "http://localhost:8080/aw/1", "http://localhost:8080/b/1"
		}, true},
		{"default port same origin", func(a *OBAssertion) { a.Badge = "https://learn.example:443/b/1" }, true},
		{"host case same origin", func(a *OBAssertion) { a.Badge = "https://LEARN.example/b/1" }, true},
		{"offset issuedOn", func(a *OBAssertion) { a.IssuedOn = "2024-05-06T09:08:09+02:00" }, true},
		{"evidence narrative only", func(a *OBAssertion) { a.Evidence = []OBEvidence{{Narrative: "did it"}} }, true},
		{"expires after", func(a *OBAssertion) { a.Expires = "2025-01-01T00:00:00Z" }, true},
		{"image url", func(a *OBAssertion) { a.Image = "https://learn.example/aw/1.png" }, true},

		{"no context", func(a *OBAssertion) { a.Context = nil }, false},
		{"ob v1 context", func(a *OBAssertion) { a.Context = "https://w3id.org/openbadges/v1" }, false},
		{"context array without ob", func(a *OBAssertion) { a.Context = []any{"https://www.w3.org/ns/activitystreams"} }, false},
		{"wrong type", func(a *OBAssertion) { a.Type = "BadgeClass" }, false},
		{"empty type", func(a *OBAssertion) { a.Type = "" }, false},
		{"relative id", func(a *OBAssertion) { a.ID = "/awards/01HC" }, false},
		{"ftp id", func(a *OBAssertion) { a.ID = "ftp://learn.example/aw/1" }, false},
		{"urn id", func(a *OBAssertion) { a.ID = "urn:uuid:2f0e6d8c-0000-0000-0000-000000000000" }, false},
		{"userinfo id", func(a *OBAssertion) { a.ID = "https://u:p@learn.example/aw/1" }, false},
		{"empty id", func(a *OBAssertion) { a.ID = "" }, false},
		{"email recipient", func(a *OBAssertion) { a.Recipient.Type = "email" }, false},
		{"hashed recipient", func(a *OBAssertion) { a.Recipient.Hashed = true }, false},
		{"salted recipient", func(a *OBAssertion) { a.Recipient.Salt = "pepper" }, false},
		{"relative identity", func(a *OBAssertion) { a.Recipient.Identity = "@ana@mastodon.example" }, false},
		{"empty identity", func(a *OBAssertion) { a.Recipient.Identity = "" }, false},
		{"badge other host", func(a *OBAssertion) { a.Badge = "https://evil.example/b/1" }, false},
		{"badge other scheme", func(a *OBAssertion) { a.Badge = "http://learn.example/b/1" }, false},
		{"badge other port", func(a *OBAssertion) { a.Badge = "https://learn.example:8443/b/1" }, false},
		{"badge subdomain", func(a *OBAssertion) { a.Badge = "https://sub.learn.example/b/1" }, false},
		{"relative badge", func(a *OBAssertion) { a.Badge = "/b/1" }, false},
		{"empty badge", func(a *OBAssertion) { a.Badge = "" }, false},
		{"signed verification", func(a *OBAssertion) { a.Verification.Type = "SignedBadge" }, false},
		{"empty verification", func(a *OBAssertion) { a.Verification.Type = "" }, false},
		{"date only issuedOn", func(a *OBAssertion) { a.IssuedOn = "2024-05-06" }, false},
		{"no zone issuedOn", func(a *OBAssertion) { a.IssuedOn = "2024-05-06T07:08:09" }, false},
		{"empty issuedOn", func(a *OBAssertion) { a.IssuedOn = "" }, false},
		{"bad expires", func(a *OBAssertion) { a.Expires = "soon" }, false},
		{"expires before", func(a *OBAssertion) { a.Expires = "2020-01-01T00:00:00Z" }, false},
		{"evidence relative id", func(a *OBAssertion) { a.Evidence = []OBEvidence{{ID: "/x"}} }, false},
		{"evidence empty", func(a *OBAssertion) { a.Evidence = []OBEvidence{{Type: "Evidence"}} }, false},
		{"image javascript", func(a *OBAssertion) { a.Image = "javascript:alert(1)" }, false},
		{"reason without revoked", func(a *OBAssertion) { a.RevocationReason = "x" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := good()
			tt.edit(&a)
			err := CheckAssertion(a)
			if tt.valid && err != nil {
				t.Errorf("want valid, got %v", err)
			}
			if !tt.valid {
				if err == nil {
					t.Error("want an error, got nil")
				} else if !errors.Is(err, ErrInvalidAssertion) {
					t.Errorf("error %v does not wrap ErrInvalidAssertion", err)
				}
			}
		})
	}
}

// A document decoded from JSON (as a verifier or a test of the web layer
// would) checks the same as the struct it was encoded from.
func TestCheckAssertionRoundTrip(t *testing.T) {
	a := NewAssertion("https://learn.example/aw/1", "https://learn.example/b/1", "https://m.example/users/a",
		time.Now(), []OBEvidence{{ID: "https://a.example/work"}})
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back OBAssertion
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := CheckAssertion(back); err != nil {
		t.Errorf("decoded assertion: %v", err)
	}
}
